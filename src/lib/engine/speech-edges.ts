// Word boundaries moved onto the speech the audio shows. An aligner such as the cross-attention DTW
// must give every frame to some word, so silence between words goes to a neighbour and the first
// word swallows the silence before it. A 10 ms energy envelope, thresholded against the segment's
// own noise floor, shows where speech actually is: a boundary between two words moves into the
// silence between them (when there is one nearby), and the outer edges move to the first onset and
// the last offset. Where there is no silence (connected speech) the aligner's boundary stays.
import type { Word } from '../transcript/types';

/** How words are snapped to speech edges. */
export interface SpeechEdgeOptions {
	/** Envelope hop and window, seconds. */
	hopSec: number;
	/** Speech is louder than the noise floor (10th percentile of the envelope) by this many dB... */
	aboveFloorDb: number;
	/** ...and no quieter than the segment's loud frames (99th percentile) less this many dB. */
	belowPeakDb: number;
	/** A pause shorter than this is not a gap between words (stop closures are in words). */
	minSilenceSec: number;
	/** How far an outer edge (first start, last end) may move to find an onset or offset. */
	maxOuterShiftSec: number;
	/** A gap's score is its length less this times its distance from the aligner's boundary. */
	distancePenalty: number;
}

/** The settings measured on tests/fixtures/timing (clean and with white noise), `npm run bench -- timing`. */
export const SPEECH_EDGE_DEFAULTS: SpeechEdgeOptions = {
	hopSec: 0.01,
	aboveFloorDb: 9,
	belowPeakDb: 50,
	minSilenceSec: 0.04,
	maxOuterShiftSec: 0.3,
	distancePenalty: 0.5
};

/**
 * Which 10 ms frames of `audio` are speech: energy in dB above max(floor + aboveFloorDb,
 * peak - belowPeakDb), the floor and peak taken from this audio's own envelope.
 */
export function speechFrames(
	audio: Float32Array,
	sampleRate: number,
	options: SpeechEdgeOptions = SPEECH_EDGE_DEFAULTS
): boolean[] {
	const hop = Math.max(1, Math.round(options.hopSec * sampleRate));
	const n = Math.floor(audio.length / hop);
	const db = new Float64Array(n);
	for (let f = 0; f < n; f++) {
		let e = 0;
		for (let i = f * hop; i < (f + 1) * hop; i++) e += audio[i] * audio[i];
		// The epsilon keeps digital silence finite (-100 dB).
		db[f] = 10 * Math.log10(e / hop + 1e-10);
	}
	if (n === 0) return [];
	const sorted = Array.from(db).sort((a, b) => a - b);
	const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))];
	const threshold = Math.max(at(0.1) + options.aboveFloorDb, at(0.99) - options.belowPeakDb);
	return Array.from(db, (d) => d > threshold);
}

/** Silent runs of at least `minFrames` frames: [first, end) frame indices. */
export function silentRuns(speech: readonly boolean[], minFrames: number): [number, number][] {
	const runs: [number, number][] = [];
	let f = 0;
	while (f < speech.length) {
		if (speech[f]) {
			f++;
			continue;
		}
		const a = f;
		while (f < speech.length && !speech[f]) f++;
		if (f - a >= minFrames) runs.push([a, f]);
	}
	return runs;
}

/**
 * Words of one segment (times in seconds from the recording's start; the segment's audio begins at
 * `offset`) with their boundaries moved onto speech edges. Words keep their order and never overlap;
 * a word is never moved outside the span its neighbours' centres leave it.
 */
export function snapToSpeech(
	words: readonly Word[],
	audio: Float32Array,
	sampleRate: number,
	offset: number,
	options: SpeechEdgeOptions = SPEECH_EDGE_DEFAULTS
): Word[] {
	if (words.length === 0) return [];
	const speech = speechFrames(audio, sampleRate, options);
	if (!speech.some((s) => s)) return words.map((w) => ({ ...w }));
	const hop = Math.max(1, Math.round(options.hopSec * sampleRate)) / sampleRate;
	const toFrame = (t: number) => Math.min(speech.length, Math.max(0, Math.round((t - offset) / hop)));
	const toTime = (f: number) => Math.round((offset + f * hop) * 1000) / 1000;
	const gaps = silentRuns(speech, Math.max(1, Math.round(options.minSilenceSec / hop)));
	const starts = words.map((w) => toFrame(w.start));
	const ends = words.map((w) => toFrame(w.end));
	const centres = words.map((_, i) => (starts[i] + ends[i]) / 2);
	const outer = Math.round(options.maxOuterShiftSec / hop);

	// The first onset near the first word's start, the last offset near the last word's end.
	for (let f = Math.max(0, starts[0] - outer); f < ends[0]; f++)
		if (speech[f]) {
			starts[0] = f;
			break;
		}
	const last = words.length - 1;
	for (let f = Math.min(speech.length, ends[last] + outer); f > starts[last]; f--)
		if (speech[f - 1]) {
			ends[last] = f;
			break;
		}

	// Each inner boundary into the best gap between the two words' centres.
	for (let i = 1; i < words.length; i++) {
		const boundary = (ends[i - 1] + starts[i]) / 2;
		const lo = Math.max(centres[i - 1], starts[i - 1] + 1);
		const hi = Math.min(centres[i], ends[i] - 1);
		let best: [number, number] | null = null;
		let bestScore = -Infinity;
		for (const [a, b] of gaps) {
			const ca = Math.max(a, lo);
			const cb = Math.min(b, hi);
			if (cb <= ca) continue;
			const distance = boundary < ca ? ca - boundary : boundary > cb ? boundary - cb : 0;
			const score = cb - ca - options.distancePenalty * distance;
			if (score > bestScore) [best, bestScore] = [[ca, cb], score];
		}
		if (best) {
			ends[i - 1] = best[0];
			starts[i] = best[1];
		}
	}
	return words.map((w, i) => {
		const start = toTime(i === 0 ? starts[i] : Math.max(starts[i], ends[i - 1]));
		return { ...w, start, end: Math.max(start, toTime(ends[i])) };
	});
}
