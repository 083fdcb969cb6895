import { SCAN_CHUNK, type AudioSource } from './audio-source';
import type { InferenceSession, OrtModule, Tensor } from './ort';
import { yieldToEventLoop } from './yield';

/** The rate the frame sizes below are for; silero's 8 kHz mode takes 256-sample frames and 32 of context. */
const RATE = 16_000;
/** Samples of left context silero v5 expects before each 512-sample frame at 16 kHz. */
const CONTEXT = 64;
const FRAME = 512;

/**
 * Silero VAD v5: speech probability for each 32 ms frame of 16 kHz audio. Stateful (an LSTM), so
 * frames run in order; like the reference implementation, each frame carries the last 64 samples of
 * the previous one as context, without which pauses between sentences are missed.
 */
export class SileroVad {
	private constructor(
		private readonly ort: OrtModule,
		private readonly session: InferenceSession
	) {}

	/**
	 * Creates the session from the model bytes, for audio at `sampleRate` (the engine's, from the
	 * manifest), which must be the rate the frame sizes are for. VAD always runs on WASM: it is tiny
	 * and sequential.
	 */
	static async create(ort: OrtModule, bytes: Uint8Array, sampleRate: number): Promise<SileroVad> {
		if (sampleRate !== RATE) throw new Error(`the Silero VAD runs at ${RATE} Hz here, not ${sampleRate} Hz`);
		const session = await ort.InferenceSession.create(bytes, {
			executionProviders: ['wasm'],
			graphOptimizationLevel: 'all'
		});
		return new SileroVad(ort, session);
	}

	/** One probability per full or partial frame of `audio`. */
	async probabilities(audio: AudioSource, shouldStop: () => boolean = () => false): Promise<Float32Array> {
		const stream = this.stream(shouldStop);
		const probs = new Float32Array(Math.ceil(audio.length / FRAME));
		let at = 0;
		try {
			// The source is read a piece at a time (a whole number of frames), not all at once.
			const piece = Math.floor(SCAN_CHUNK / FRAME) * FRAME;
			for (let start = 0; start < audio.length && !shouldStop(); start += piece) {
				const p = await stream.push(audio.read(start, Math.min(audio.length, start + piece)));
				probs.set(p, at);
				at += p.length;
			}
			if (!shouldStop()) probs.set(await stream.finish(), at);
		} finally {
			stream.release();
		}
		return probs;
	}

	/**
	 * A pass over audio that arrives in pieces of any length: `push` returns the probabilities of the
	 * whole frames received so far, `finish` that of the partial last frame. The frames, their context
	 * and the LSTM state are exactly those of one pass over the whole recording.
	 */
	stream(shouldStop: () => boolean = () => false): VadStream {
		return new VadStream(this.ort, this.session, shouldStop);
	}

	/** Frees the session. */
	async release(): Promise<void> {
		await this.session.release();
	}
}

/** One pass of the VAD over a recording; see SileroVad.stream. Release it when done. */
export class VadStream {
	private state: Tensor;
	private readonly sr: Tensor;
	private readonly window = new Float32Array(CONTEXT + FRAME);
	/** Samples of a frame not yet complete. */
	private readonly carry = new Float32Array(FRAME);
	private carried = 0;
	private frames = 0;

	constructor(
		private readonly ort: OrtModule,
		private readonly session: InferenceSession,
		private readonly shouldStop: () => boolean
	) {
		this.state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
		this.sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(RATE)]), []);
	}

	/** Takes the next samples; returns one probability per frame they complete (none after a stop). */
	async push(samples: Float32Array): Promise<Float32Array> {
		const complete = Math.floor((this.carried + samples.length) / FRAME);
		const out = new Float32Array(complete);
		let used = 0;
		for (let k = 0; k < complete; k++) {
			if (this.shouldStop()) return out.subarray(0, k);
			const need = FRAME - this.carried;
			this.carry.set(samples.subarray(used, used + need), this.carried);
			used += need;
			this.carried = 0;
			out[k] = await this.frame(this.carry, FRAME);
		}
		this.carry.set(samples.subarray(used), this.carried);
		this.carried += samples.length - used;
		return out;
	}

	/** The probability of the partial last frame, zero-padded like the batch pass (none if there is none). */
	async finish(): Promise<Float32Array> {
		if (this.carried === 0 || this.shouldStop()) return new Float32Array(0);
		const n = this.carried;
		this.carried = 0;
		return Float32Array.of(await this.frame(this.carry, n));
	}

	private async frame(samples: Float32Array, n: number): Promise<number> {
		const { ort, window } = this;
		// Yield now and then so that a cancel message gets through.
		if ((this.frames++ & 255) === 0) await yieldToEventLoop();
		window.copyWithin(0, FRAME, FRAME + CONTEXT);
		window.fill(0, CONTEXT);
		window.set(samples.subarray(0, n), CONTEXT);
		const input = new ort.Tensor('float32', window, [1, CONTEXT + FRAME]);
		const out = await this.session.run({ input, state: this.state, sr: this.sr });
		input.dispose();
		this.state.dispose();
		this.state = out.stateN;
		const p = (out.output.data as Float32Array)[0];
		out.output.dispose();
		return p;
	}

	/** Frees the LSTM state. */
	release(): void {
		this.state.dispose();
		this.sr.dispose();
	}
}
