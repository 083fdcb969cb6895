/** A recognised word: text as shown to the user, times in seconds from the start of the audio. */
export interface Word {
	text: string;
	start: number;
	end: number;
	/** Model confidence in [0, 1]; the minimum of its tokens' probabilities (tokensToWords in src/lib/engine/words.ts). */
	confidence: number;
}

/** A stretch of speech between pauses, as the engine decoded it. */
export interface Segment {
	start: number;
	end: number;
	text: string;
	words: Word[];
	/** Set when the decoder hit a repetition loop or the token cap and the text was cut. */
	flags?: { repetition?: boolean; truncated?: boolean };
}

/** The exact model a transcript came from; telemetry carries it so quality is measured per version. */
export interface ModelRef {
	id: string;
	version: string;
	/** sha256 over the weight files' hashes (see src/lib/engine/manifest.ts). */
	sha256: string;
}

export type Backend = 'webgpu' | 'wasm';

/** How a result's word times were obtained (see `TranscriptResult.wordTiming`). */
export const WORD_TIMINGS = [
	'cross-attention-dtw+speech-edges',
	'cross-attention-dtw',
	'interpolated-by-characters'
] as const;
/** One of `WORD_TIMINGS`. */
export type WordTiming = (typeof WORD_TIMINGS)[number];

/** What the engine returns for one recording (also the CLI's JSON output). */
export interface TranscriptResult {
	text: string;
	model: ModelRef;
	backend: Backend;
	durationSec: number;
	segments: Segment[];
	/**
	 * How word times were obtained: aligned from the decoder's cross-attention by dynamic time
	 * warping, then (`+speech-edges`) boundaries moved onto the onsets and offsets of the audio's
	 * energy envelope; or (when the model has no attention outputs) estimated by spreading characters
	 * over the speech the VAD heard.
	 */
	wordTiming: WordTiming;
}
