import type { Backend, ModelRef, Segment, TranscriptResult } from '../transcript/types';
import {
	forEachChunk,
	memorySource,
	PcmWindow,
	skipStream,
	sourceStream,
	type AudioSource,
	type AudioStream
} from './audio-source';
import { asrArchitectureOf, modelRef, type ModelManifest } from './manifest';
import { CancelledError, decodeTimings, MoonshineModel, type DecodeTimings } from './moonshine/model';
import { sessionOptions, type OrtModule } from './ort';
import { SpeechSegmenter, type SampleSpan, type SegmentOptions } from './segment';
import { moonshineTokenizer } from './moonshine/tokenizer';
import { snapToSpeech } from './speech-edges';
import { SileroVad } from './vad';
import { yieldToEventLoop } from './yield';
import { crossAttentionWordTimes, type AlignmentHead } from './moonshine/word-times';
import { interpolateWordTimes, speechClock, tokensToWords } from './words';

export { CancelledError };

/** The weights an engine is built from; the caller fetched and verified them. */
export interface EngineAssets {
	manifest: ModelManifest;
	encoder: Uint8Array;
	decoder: Uint8Array;
	vad: Uint8Array;
}

/** Audio the engine refuses, with a message fit for the user. */
export class AudioInputError extends Error {
	constructor(
		message: string,
		readonly reason: 'empty' | 'invalid' | 'silent' | 'no-speech' | 'too-long'
	) {
		super(message);
		this.name = 'AudioInputError';
	}
}

/**
 * Where a run's wall time went (ms): the decoder's share (DecodeTimings) and the rest of the
 * pipeline. Benchmarks pass one to `transcribe` and read it afterwards; the gaps between the sums
 * and the run's wall time are time the worker spent elsewhere (other tasks, waiting).
 */
export interface PipelineTimings extends DecodeTimings {
	/** stream.next: reading the file, decoding and resampling it. */
	readMs: number;
	/** The VAD's frames (vad.push and finish; includes its occasional yields). */
	vadMs: number;
	vadFrames: number;
	/** Word confidences and times after each decode (DTW, snapping to speech edges). */
	wordsMs: number;
	/** onSegment: in the worker, posting the segment to the page. */
	callbackMs: number;
	/** Waiting in yieldToEventLoop before each segment (what other tasks took meanwhile included). */
	yieldMs: number;
	segments: number;
	/** Seconds of audio handed to the recogniser (the VAD's spans). */
	speechSec: number;
	/**
	 * The same sums when the first segment was handed on (what the first words waited for), with the
	 * time since `transcribe` started, how far the VAD had read and the segment's own length.
	 */
	first?: FirstSegmentTimings;
}

/** PipelineTimings as they stood at the first segment; see PipelineTimings.first. */
export type FirstSegmentTimings = Omit<PipelineTimings, 'first'> & {
	atMs: number;
	vadSec: number;
	segmentSec: number;
};

/** Zeroed PipelineTimings. */
export function pipelineTimings(): PipelineTimings {
	return {
		...decodeTimings(),
		readMs: 0,
		vadMs: 0,
		vadFrames: 0,
		wordsMs: 0,
		callbackMs: 0,
		yieldMs: 0,
		segments: 0,
		speechSec: 0
	};
}

/** Progress after each segment: the segment, the fraction of audio done, and an ETA in seconds. */
export type SegmentCallback = (segment: Segment, fraction: number, etaSec: number | null) => void;

const FRAME_SAMPLES = 512;
/** Samples the VAD reads between looks for closed segments: 32 frames, about a second at 16 kHz. */
const VAD_STEP_SAMPLES = 32 * FRAME_SAMPLES;

/**
 * The sample a run resumed at `startSec` really starts at: moved back onto the VAD's frame grid, so
 * it sees the same frames, and so the same speech spans, as an uninterrupted run. Off the grid its
 * segment edges shift by a few ms and the model may hear a comma differently.
 */
export function resumeOffset(startSec: number, rate: number): number {
	return Math.floor(Math.round(startSec * rate) / FRAME_SAMPLES) * FRAME_SAMPLES;
}
/** Four hours: beyond this the PCM alone is ~1 GB of memory in a browser tab. */
export const MAX_AUDIO_SECONDS = 4 * 3600;

/**
 * The speech engine: VAD segmentation, Moonshine greedy decoding, word confidences and times.
 * Runs unchanged in a Web Worker and in Node; the caller supplies the onnxruntime-web module.
 */
export class Engine {
	private constructor(
		readonly model: ModelRef,
		readonly backend: Backend,
		/** The rate of the audio `transcribe` takes, from the model's manifest. */
		readonly sampleRate: number,
		private readonly asr: MoonshineModel,
		private readonly vad: SileroVad,
		/** Heads whose cross-attention word times are aligned on; empty when the model has none. */
		private readonly alignmentHeads: readonly AlignmentHead[]
	) {}

	/**
	 * Creates the recogniser and VAD sessions for a backend. The VAD is a tiny sequential LSTM that
	 * always runs on WASM: pass the WASM runtime as `vadOrt` when `ort` is the WebGPU bundle.
	 */
	static async create(ort: OrtModule, assets: EngineAssets, backend: Backend, vadOrt = ort): Promise<Engine> {
		const arch = asrArchitectureOf(assets.manifest);
		const vocab = assets.manifest.tokenizer?.vocabSize ?? arch.vocabSize;
		const { sampleRate } = assets.manifest;
		// One after the other, largest first, for the same reason as in MoonshineModel.create.
		const settle = <T>(p: Promise<T>) =>
			p.then(
				(value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
				(reason): PromiseSettledResult<T> => ({ status: 'rejected', reason })
			);
		const asr = await settle(
			MoonshineModel.create(
				ort,
				assets.encoder,
				assets.decoder,
				arch,
				vocab,
				sampleRate,
				sessionOptions(backend)
			)
		);
		const vad = await settle(SileroVad.create(vadOrt, assets.vad, sampleRate));
		const ref = await settle(modelRef(assets.manifest));
		if (asr.status === 'fulfilled' && vad.status === 'fulfilled' && ref.status === 'fulfilled') {
			const heads = asr.value.attentionAvailable ? (arch.alignmentHeads ?? []) : [];
			return new Engine(ref.value, backend, sampleRate, asr.value, vad.value, heads);
		}
		// Free the sessions that were created: a failed WebGPU attempt must not leak the VAD's.
		if (asr.status === 'fulfilled') await asr.value.release();
		if (vad.status === 'fulfilled') await vad.value.release();
		throw [asr, vad, ref].find((r) => r.status === 'rejected')!.reason;
	}

	/** Decodes one span of audio to token ids; exposed for backend checks and benchmarks. */
	decodeTokens(audio: Float32Array, shouldStop?: () => boolean, withAttention = true) {
		return this.asr.decode(audio, shouldStop, withAttention);
	}

	/**
	 * Transcribes mono audio at `sampleRate`: in memory, read piece by piece from a source, or
	 * delivered in order by a stream. The VAD and the recogniser take turns: each segment is decoded
	 * as soon as the VAD has closed it (SpeechSegmenter), so the first words come after seconds
	 * whatever the length, and only the audio between the oldest open segment and the VAD's position
	 * is held. Throws AudioInputError for unusable audio, CancelledError on stop.
	 */
	async transcribe(
		input: Float32Array | AudioSource | AudioStream,
		{
			onSegment,
			shouldStop = () => false,
			segmentOptions,
			wordTiming = 'best',
			startSec = 0,
			timings
		}: {
			/** Filled in with where the time went (benchmarks); adds a few clock reads per decoder step. */
			timings?: PipelineTimings;
			onSegment?: SegmentCallback;
			/**
			 * Start here (resuming a run that stopped), moved back onto the VAD's frame grid
			 * (resumeOffset): the audio before is skipped (a stream opened at or before that point is
			 * trimmed to it), times stay relative to the recording's start, and a silent
			 * or speechless rest yields no segments instead of an error.
			 */
			startSec?: number;
			shouldStop?: () => boolean;
			segmentOptions?: Partial<SegmentOptions>;
			/**
			 * 'best': aligned from cross-attention and snapped to speech edges when the model allows it;
			 * the others force one method (benchmarks). Attention weights are fetched only when used.
			 */
			wordTiming?: 'best' | 'cross-attention-dtw' | 'interpolated-by-characters';
		} = {}
	): Promise<TranscriptResult> {
		const whole =
			input instanceof Float32Array
				? sourceStream(memorySource(input))
				: 'next' in input
					? input
					: sourceStream(input);
		const rate = this.sampleRate;
		if (!Number.isFinite(startSec) || startSec < 0) throw new Error(`invalid start time: ${startSec}`);
		const offset = resumeOffset(startSec, rate);
		const stream = offset > 0 ? skipStream(whole, offset) : whole;
		checkLength(stream.expectedLength, rate);
		const check = new SampleCheck();
		const vad = this.vad.stream(shouldStop);
		const segmenter = new SpeechSegmenter({ sampleRate: rate, ...segmentOptions });
		const aligned = wordTiming !== 'interpolated-by-characters' && this.alignmentHeads.length > 0;
		const snapped = aligned && wordTiming === 'best';
		const window = new PcmWindow();
		const segments: Segment[] = [];
		const started = performance.now();
		let spanCount = 0;
		const decodeSpans = async (spans: SampleSpan[], total: number) => {
			for (const span of spans) {
				let t = performance.now();
				await yieldToEventLoop();
				if (timings) {
					timings.yieldMs += performance.now() - t;
					timings.segments++;
					timings.speechSec += (span.end - span.start) / rate;
				}
				if (shouldStop()) throw new CancelledError();
				const segment = await this.decodeSpan(
					window.read(span.start, span.end),
					span,
					segmenter,
					shouldStop,
					{
						aligned,
						snapped
					},
					offset,
					timings
				);
				spanCount++;
				if (!segment) continue;
				segments.push(segment);
				if (timings && !timings.first) {
					const { first: _, ...sums } = timings;
					timings.first = {
						...sums,
						atMs: performance.now() - started,
						vadSec: (segmenter.probabilities.length * FRAME_SAMPLES) / rate,
						segmentSec: (span.end - span.start) / rate
					};
				}
				const elapsed = (performance.now() - started) / 1000;
				const fraction = Math.min(1, (span.end + offset) / total);
				t = performance.now();
				onSegment?.(segment, fraction, (elapsed / fraction) * (1 - fraction));
				if (timings) timings.callbackMs += performance.now() - t;
			}
			window.drop(segmenter.horizon);
		};
		try {
			for (;;) {
				if (shouldStop()) throw new CancelledError();
				let t = performance.now();
				const piece = await stream.next();
				if (timings) timings.readMs += performance.now() - t;
				if (!piece) break;
				check.scan(piece);
				window.append(piece);
				checkLength(window.end + offset, rate);
				// The VAD takes the piece about a second at a time, and each segment it closes is decoded
				// at once: the first words no longer wait for the VAD to finish a whole piece (30 s of audio
				// by the fourth slice of a WAV file). The frames, and so the segments, are the same.
				for (let at = 0; at < piece.length; at += VAD_STEP_SAMPLES) {
					t = performance.now();
					const probs = await vad.push(piece.subarray(at, at + VAD_STEP_SAMPLES));
					if (timings) {
						timings.vadMs += performance.now() - t;
						timings.vadFrames += probs.length;
					}
					if (shouldStop()) throw new CancelledError();
					await decodeSpans(segmenter.push(probs), Math.max(window.end + offset, stream.expectedLength));
				}
			}
			// A resumed run's rest may be silence after the last words: that is an empty tail, not bad input.
			if (offset === 0) check.finish(window.end);
			const t = performance.now();
			const last = await vad.finish();
			if (timings) {
				timings.vadMs += performance.now() - t;
				timings.vadFrames += last.length;
			}
			if (shouldStop()) throw new CancelledError();
			await decodeSpans([...segmenter.push(last), ...segmenter.finish(window.end)], window.end + offset);
		} finally {
			vad.release();
			await stream.close();
		}
		if (spanCount === 0 && offset === 0) {
			throw new AudioInputError('No speech was detected in this recording.', 'no-speech');
		}
		return {
			text: segments.map((s) => s.text).join(' '),
			model: this.model,
			backend: this.backend,
			durationSec: (window.end + offset) / rate,
			segments,
			wordTiming: snapped
				? 'cross-attention-dtw+speech-edges'
				: aligned
					? 'cross-attention-dtw'
					: 'interpolated-by-characters'
		};
	}

	/** Decodes one segment's samples; null when it holds no words. */
	private async decodeSpan(
		samples: Float32Array,
		span: SampleSpan,
		segmenter: SpeechSegmenter,
		shouldStop: () => boolean,
		timing: { aligned: boolean; snapped: boolean },
		/** Samples of the recording before the stream's first (a resumed run); times count from the recording. */
		offset: number,
		timings?: PipelineTimings
	): Promise<Segment | null> {
		const rate = this.sampleRate;
		const decoded = await this.asr.decode(samples, shouldStop, timing.aligned, timings);
		const wordsFrom = performance.now();
		const offsetSec = offset / rate;
		const start = (span.start + offset) / rate;
		const end = (span.end + offset) / rate;
		const tokenWords = tokensToWords(decoded.tokens, decoded.probs, moonshineTokenizer);
		const dtw = decoded.attention
			? crossAttentionWordTimes(tokenWords, decoded.attention, this.alignmentHeads, start, end)
			: null;
		const words = dtw
			? timing.snapped
				? snapToSpeech(dtw, samples, rate, start)
				: dtw
			: interpolateWordTimes(
					tokenWords,
					start,
					end,
					shiftClock(
						speechClock(segmenter.probabilities, FRAME_SAMPLES / rate, start - offsetSec, end - offsetSec),
						offsetSec
					)
				);
		if (timings) timings.wordsMs += performance.now() - wordsFrom;
		if (words.length === 0) return null;
		const segment: Segment = { start, end, text: moonshineTokenizer.text(decoded.tokens), words };
		if (decoded.stop === 'repetition') segment.flags = { repetition: true };
		else if (decoded.stop === 'cap') segment.flags = { truncated: true };
		return segment;
	}

	/** Frees every session. */
	async release(): Promise<void> {
		await Promise.all([this.asr.release(), this.vad.release()]);
	}
}

/** A speech clock read on the stream's own time line, moved onto the recording's. */
function shiftClock(clock: (fraction: number) => number, by: number): (fraction: number) => number {
	return by === 0 ? clock : (fraction) => clock(fraction) + by;
}

/** Rejects a recording longer than MAX_AUDIO_SECONDS (at `sampleRate`). */
function checkLength(samples: number, sampleRate: number): void {
	if (samples > MAX_AUDIO_SECONDS * sampleRate) {
		throw new AudioInputError(
			`The recording is longer than ${MAX_AUDIO_SECONDS / 3600} hours; split it into parts.`,
			'too-long'
		);
	}
}

/**
 * Rejects audio that cannot hold speech, checked piece by piece as it streams past: corrupt samples
 * at once, emptiness and digital silence at the end.
 */
export class SampleCheck {
	private peak = 0;

	/** Throws AudioInputError('invalid') on a sample that is not a finite number. */
	scan(samples: Float32Array): void {
		let peak = this.peak;
		for (let i = 0; i < samples.length; i++) {
			const v = samples[i];
			if (!Number.isFinite(v))
				throw new AudioInputError('The audio data is corrupt (invalid samples).', 'invalid');
			const a = v < 0 ? -v : v;
			if (a > peak) peak = a;
		}
		this.peak = peak;
	}

	/** Throws for a recording of `length` samples that is empty or silent. */
	finish(length: number): void {
		if (length === 0) throw new AudioInputError('The recording is empty (no audio samples).', 'empty');
		// -80 dBFS: below any microphone's noise floor, so this is digital silence.
		if (this.peak < 1e-4) throw new AudioInputError('The recording is silent.', 'silent');
	}
}

/** Rejects audio (at `sampleRate`) that cannot hold speech, before any model runs. */
export function checkAudio(audio: AudioSource, sampleRate: number): void {
	checkLength(audio.length, sampleRate);
	const check = new SampleCheck();
	if (audio.length > 0) forEachChunk(audio, (samples) => check.scan(samples));
	check.finish(audio.length);
}
