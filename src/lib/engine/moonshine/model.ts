import type { AsrArchitecture } from '../manifest';
import type { InferenceSession, OrtModule, Tensor } from '../ort';
import { repetitionCut } from './repetition';

/** One decoded segment: token ids (without start/end tokens) and each token's probability. */
export interface DecodedTokens {
	tokens: number[];
	probs: number[];
	/** Why decoding stopped: end token, token cap, or a repetition loop (then the loop was cut). */
	stop: 'eos' | 'cap' | 'repetition';
	/** Cross-attention weights, when the decoder exposes them (see `CrossAttention`). */
	attention?: CrossAttention;
}

/**
 * Where one segment's decoding spent its time (ms), summed over segments when the same object is
 * passed to every `decode`: what the benchmarks split a run's time by.
 */
export interface DecodeTimings {
	/** Encoder session.run calls (input copied in, hidden states copied out included). */
	encoderMs: number;
	/** Decoder session.run calls: onnxruntime's kernels plus copying every input into the WASM heap and the outputs out. */
	decoderRunMs: number;
	/** The step loop outside session.run: token choice, tensor creation, cache bookkeeping, attention rows. */
	stepJsMs: number;
	decoderSteps: number;
	/** Bytes the decoder's inputs carried into session.run, summed over steps (what onnxruntime-web copies in). */
	decoderInputBytes: number;
	/** Bytes of the outputs fetched (copied out of the heap). */
	decoderOutputBytes: number;
}

/** Zeroed DecodeTimings. */
export function decodeTimings(): DecodeTimings {
	return {
		encoderMs: 0,
		decoderRunMs: 0,
		stepJsMs: 0,
		decoderSteps: 0,
		decoderInputBytes: 0,
		decoderOutputBytes: 0
	};
}

/**
 * The decoder's cross-attention weights of one segment: for each decoding step, the softmax over
 * encoder frames of every exposed layer's heads, `layers.length * heads` rows of `frames` values.
 * Step i is the one that chose token i; when decoding ended on the end token, one more step
 * (the one that chose it) follows the last token's.
 */
export interface CrossAttention {
	layers: number[];
	heads: number;
	frames: number;
	/** Seconds of audio per encoder frame (the manifest's `encoderStrideSamples`, checked on this segment). */
	frameSeconds: number;
	steps: Float32Array[];
}

/**
 * Moonshine: an encoder over raw 16 kHz audio and a merged decoder (with and without KV cache in one
 * graph, chosen by `use_cache_branch`). Greedy decoding, one token per step.
 */
export class MoonshineModel {
	private constructor(
		private readonly ort: OrtModule,
		private readonly encoder: InferenceSession,
		private readonly decoder: InferenceSession,
		private readonly arch: AsrArchitecture,
		/** Only ids the tokenizer can turn into text are eligible: the logits are padded past its vocabulary. */
		private readonly tokenizerVocab: number,
		/** The rate of the audio `decode` takes (the manifest's), which sets the token cap. */
		private readonly sampleRate: number
	) {
		this.attentionLayers = decoder.outputNames
			.map((n) => /^cross_attentions\.(\d+)$/.exec(n))
			.filter((m) => m !== null)
			.map((m) => Number(m[1]))
			.sort((a, b) => a - b);
		this.stepOutputs = decoder.outputNames.filter(
			(n) => n === 'logits' || /^present\.\d+\.decoder\./.test(n) || /^cross_attentions\./.test(n)
		);
		this.firstOutputsWithoutAttention = decoder.outputNames.filter((n) => !/^cross_attentions\./.test(n));
		this.stepOutputsWithoutAttention = this.stepOutputs.filter((n) => !/^cross_attentions\./.test(n));
		this.emptyCacheShapes = emptyCacheShapes(decoder, arch);
	}

	/** The shape of every `past_key_values.*` input before the first step (no cached positions). */
	private readonly emptyCacheShapes: Record<string, number[]>;

	/** Whether the decoder outputs cross-attention weights (then `decode` returns them). */
	get attentionAvailable(): boolean {
		return this.attentionLayers.length > 0;
	}

	/** Decoder layers whose cross-attention weights the graph outputs (scripts/lib/moonshine-graph.mjs). */
	private readonly attentionLayers: number[];

	/** Outputs fetched on every step after the first. */
	private readonly stepOutputs: string[];
	/** The first step's and later steps' outputs when the attention weights are not wanted. */
	private readonly firstOutputsWithoutAttention: string[];
	private readonly stepOutputsWithoutAttention: string[];

	/** Creates both ONNX sessions from the weight bytes. */
	static async create(
		ort: OrtModule,
		encoderBytes: Uint8Array,
		decoderBytes: Uint8Array,
		arch: AsrArchitecture,
		tokenizerVocab: number,
		sampleRate: number,
		options: InferenceSession.SessionOptions
	): Promise<MoonshineModel> {
		// The decoder first: its creation peaks highest (constant folding), and the WASM heap keeps its
		// peak for good. Created after it, the encoder fits into memory the decoder's peak freed:
		// the heap ends 26 MB smaller than the other way round.
		const decoder = await ort.InferenceSession.create(decoderBytes, options);
		try {
			const encoder = await ort.InferenceSession.create(encoderBytes, options);
			return new MoonshineModel(ort, encoder, decoder, arch, tokenizerVocab, sampleRate);
		} catch (err) {
			await decoder.release();
			throw err;
		}
	}

	/**
	 * Decodes one segment of mono audio at the model's rate. `shouldStop` is polled between steps
	 * (cancellation). `withAttention: false` skips fetching the cross-attention weights (the tokens are
	 * the same: the weights are computed anyway, only not copied out).
	 */
	async decode(
		audio: Float32Array,
		shouldStop: () => boolean = () => false,
		withAttention = true,
		timings?: DecodeTimings
	): Promise<DecodedTokens> {
		const { ort, arch } = this;
		const seconds = audio.length / this.sampleRate;
		const maxTokens = Math.max(4, Math.ceil(seconds * arch.maxTokensPerSecond));

		const input = new ort.Tensor('float32', audio, [1, audio.length]);
		let t = performance.now();
		const encoded = await this.encoder.run({ input_values: input });
		if (timings) timings.encoderMs += performance.now() - t;
		input.dispose();
		const hidden = encoded.last_hidden_state;
		const frames = hidden.dims[1];
		const stride = arch.encoderStrideSamples;
		// The frame count trails samples / stride by the convolutions' receptive field (2-3 frames).
		if (stride && Math.abs(audio.length / stride - frames) > 4) {
			hidden.dispose();
			throw new Error(
				`the encoder gave ${frames} frames for ${audio.length} samples; check the manifest's encoderStrideSamples`
			);
		}
		const attention: CrossAttention | undefined =
			withAttention && this.attentionLayers.length > 0 && stride
				? {
						layers: this.attentionLayers,
						heads: 0,
						frames,
						frameSeconds: stride / this.sampleRate,
						steps: []
					}
				: undefined;

		const noHidden = new ort.Tensor('float32', new Float32Array(0), [1, 0, hidden.dims[2]]);
		let past: Record<string, Tensor> = {};
		for (const [name, shape] of Object.entries(this.emptyCacheShapes))
			past[name] = new ort.Tensor('float32', new Float32Array(0), shape);

		const tokens: number[] = [];
		const probs: number[] = [];
		let stop: DecodedTokens['stop'] = 'cap';
		let next = arch.startTokenId;
		t = performance.now();
		try {
			for (let step = 0; step < maxTokens; step++) {
				if (shouldStop()) throw new CancelledError();
				const ids = new ort.Tensor('int64', BigInt64Array.from([BigInt(next)]), [1, 1]);
				const useCache = new ort.Tensor('bool', new Uint8Array([step > 0 ? 1 : 0]), [1]);
				// After the first step the graph reads the encoder only through the cross-attention cache:
				// an empty stand-in saves copying the hidden states into the WASM heap on every step.
				const feeds = {
					input_ids: ids,
					encoder_hidden_states: step === 0 ? hidden : noHidden,
					use_cache_branch: useCache,
					...past
				};
				// After the first step the cross-attention cache never changes: fetching only the logits
				// and the self-attention cache saves copying megabytes out of the runtime every step.
				const fetches = attention
					? step === 0
						? undefined
						: this.stepOutputs
					: step === 0
						? this.firstOutputsWithoutAttention
						: this.stepOutputsWithoutAttention;
				let ran = 0;
				if (timings) {
					ran = performance.now();
					timings.stepJsMs += ran - t;
					for (const v of Object.values(feeds))
						timings.decoderInputBytes += (v.data as ArrayBufferView).byteLength;
				}
				const out = await (fetches ? this.decoder.run(feeds, fetches) : this.decoder.run(feeds));
				if (timings) {
					t = performance.now();
					timings.decoderRunMs += t - ran;
					timings.decoderSteps++;
					for (const v of Object.values(out))
						timings.decoderOutputBytes += (v.data as ArrayBufferView).byteLength;
				}
				ids.dispose();
				useCache.dispose();

				const { id, prob } = pickToken(out.logits.data as Float32Array, this.tokenizerVocab);
				out.logits.dispose();
				if (attention) attention.steps.push(this.takeAttention(out, attention));

				// present.N.* becomes past_key_values.N.*, matched by name. The cross-attention (encoder)
				// entries come from the first step and are kept; later steps do not fetch them.
				const nextPast: Record<string, Tensor> = {};
				if (step > 0) {
					for (const [name, tensor] of Object.entries(past))
						if (name.includes('.encoder.')) nextPast[name] = tensor;
				}
				for (const [name, tensor] of Object.entries(out)) {
					if (name.startsWith('present.'))
						nextPast[`past_key_values.${name.slice('present.'.length)}`] = tensor;
				}
				for (const [name, tensor] of Object.entries(past)) if (nextPast[name] !== tensor) tensor.dispose();
				past = nextPast;

				if (id === arch.eosTokenId) {
					stop = 'eos';
					break;
				}
				tokens.push(id);
				probs.push(prob);
				const cut = repetitionCut(tokens);
				if (cut >= 0) {
					tokens.length = cut;
					probs.length = cut;
					stop = 'repetition';
					break;
				}
				next = id;
			}
		} finally {
			for (const tensor of Object.values(past)) tensor.dispose();
			hidden.dispose();
			noHidden.dispose();
			if (timings) timings.stepJsMs += performance.now() - t;
		}
		if (attention)
			attention.steps.length = Math.min(attention.steps.length, tokens.length + (stop === 'eos' ? 1 : 0));
		return attention ? { tokens, probs, stop, attention } : { tokens, probs, stop };
	}

	/** One step's cross-attention rows (layer by layer, head by head), copied out; frees the tensors. */
	private takeAttention(out: Record<string, Tensor>, attention: CrossAttention): Float32Array {
		const { frames } = attention;
		const first = out[`cross_attentions.${attention.layers[0]}`];
		// [batch, heads, query positions (1: one token per step), frames]
		const heads = first.dims[1];
		if (first.dims.length !== 4 || first.dims[2] !== 1 || first.dims[3] !== frames)
			throw new Error(`unexpected cross-attention shape [${first.dims.join(', ')}]`);
		attention.heads = heads;
		const rows = new Float32Array(attention.layers.length * heads * frames);
		attention.layers.forEach((layer, i) => {
			const t = out[`cross_attentions.${layer}`];
			rows.set(t.data as Float32Array, i * heads * frames);
			t.dispose();
			delete out[`cross_attentions.${layer}`];
		});
		return rows;
	}

	/** Frees both sessions (and their GPU buffers, on WebGPU). */
	async release(): Promise<void> {
		await Promise.all([this.encoder.release(), this.decoder.release()]);
	}
}

/**
 * Empty cache tensors for the first step, shaped as the graph declares them: the batch is 1 and the
 * other named (sequence) dimensions are 0. Reading the declaration rather than assuming
 * [batch, heads, seq, headDim] matters: our rewritten decoder keeps the cross-attention key as
 * [batch, heads, headDim, seq] (moonshine/graph.mjs).
 */
export function emptyCacheShapes(
	decoder: Pick<InferenceSession, 'inputNames' | 'inputMetadata'>,
	arch: AsrArchitecture
): Record<string, number[]> {
	const shapes: Record<string, number[]> = {};
	const declared = new Map(
		(decoder.inputMetadata ?? []).map((m) => [m.name, m.isTensor ? m.shape : undefined] as const)
	);
	for (let layer = 0; layer < arch.decoderLayers; layer++) {
		for (const kind of ['decoder', 'encoder'])
			for (const kv of ['key', 'value']) {
				const name = `past_key_values.${layer}.${kind}.${kv}`;
				if (!decoder.inputNames.includes(name))
					throw new Error(`the decoder has no input ${name}; check the manifest's decoderLayers`);
				const shape = declared.get(name);
				shapes[name] =
					shape?.length === 4
						? shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : 0))
						: [1, arch.kvHeads, 0, arch.headDim];
			}
	}
	return shapes;
}

/** Thrown when decoding is cancelled between steps. */
export class CancelledError extends Error {
	constructor() {
		super('cancelled');
		this.name = 'CancelledError';
	}
}

/**
 * Greedy choice among the first `vocab` logits, with its softmax probability over all logits
 * (computed stably: subtract the maximum before exponentiating).
 */
export function pickToken(logits: Float32Array, vocab: number): { id: number; prob: number } {
	let id = 0;
	let best = -Infinity;
	const limit = Math.min(vocab, logits.length);
	for (let i = 0; i < limit; i++) {
		if (logits[i] > best) {
			best = logits[i];
			id = i;
		}
	}
	let max = best;
	for (let i = limit; i < logits.length; i++) if (logits[i] > max) max = logits[i];
	let sum = 0;
	for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
	return { id, prob: Math.exp(best - max) / sum };
}
