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
		const { ort } = this;
		const frames = Math.ceil(audio.length / FRAME);
		const probs = new Float32Array(frames);
		let state: Tensor = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
		const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(RATE)]), []);
		const window = new Float32Array(CONTEXT + FRAME);
		// The source is read a piece at a time (a whole number of frames), not all at once.
		const piece = Math.floor(SCAN_CHUNK / FRAME) * FRAME;
		let chunk: Float32Array = new Float32Array(0);
		let chunkStart = 0;
		try {
			for (let f = 0; f < frames; f++) {
				if ((f & 255) === 0) {
					await yieldToEventLoop();
					if (shouldStop()) break;
				}
				const start = f * FRAME;
				if (start >= chunkStart + chunk.length) {
					chunkStart = start;
					chunk = audio.read(start, Math.min(audio.length, start + piece));
				}
				window.copyWithin(0, FRAME, FRAME + CONTEXT);
				window.fill(0, CONTEXT);
				window.set(
					chunk.subarray(start - chunkStart, Math.min(chunk.length, start - chunkStart + FRAME)),
					CONTEXT
				);
				const input = new ort.Tensor('float32', window, [1, CONTEXT + FRAME]);
				const out = await this.session.run({ input, state, sr });
				input.dispose();
				state.dispose();
				state = out.stateN;
				probs[f] = (out.output.data as Float32Array)[0];
				out.output.dispose();
			}
		} finally {
			state.dispose();
			sr.dispose();
		}
		return probs;
	}

	/** Frees the session. */
	async release(): Promise<void> {
		await this.session.release();
	}
}
