import { ENGINE_SAMPLE_RATE } from './models';

/**
 * Turns per-frame speech probabilities into segments for the recogniser. Pure: the VAD model runs
 * elsewhere (vad.ts); this is where the policy lives, so it is tested on synthetic probabilities.
 *
 * 1. Speech regions by hysteresis: speech starts at a frame with p >= `threshold` and ends once p
 *    stays below `threshold - 0.15` for `minSilenceMs`. Regions shorter than `minSpeechMs` are dropped
 *    (clicks, breaths).
 * 2. Each region is padded by `padMs` on both sides (never into a neighbour: the gap is shared).
 * 3. Neighbours less than `mergeGapMs` apart are merged while the result stays within `targetSeconds`:
 *    the recogniser does better with a few words of context than with one-word segments, and
 *    shorter segments cost less per second than long ones (every decoder step carries the whole
 *    segment's cross-attention cache), so the target is well below the maximum. Measured on the
 *    evaluation set plus a 60 s recording: target 8 s was both faster and more accurate than 12 s or 5 s.
 * 4. Regions longer than `softMaxSeconds` are cut at the least speech-like frame in the second half
 *    of that span if it is a real dip (p below `threshold`: a breath or a comma), and regions longer
 *    than `maxSeconds` at the least speech-like frame whatever it is. Each decoder step carries the
 *    whole segment's cross-attention, so a 22 s segment costs ~45% more per token than a 3 s one.
 * Boundaries are sample indices, so segment times are exact to the sample.
 */
export interface SegmentOptions {
	sampleRate: number;
	frameSamples: number;
	threshold: number;
	minSilenceMs: number;
	minSpeechMs: number;
	padMs: number;
	mergeGapMs: number;
	targetSeconds: number;
	softMaxSeconds: number;
	maxSeconds: number;
}

/** Defaults tuned on read speech; documented above. */
export const defaultSegmentOptions: SegmentOptions = {
	sampleRate: ENGINE_SAMPLE_RATE,
	frameSamples: 512,
	threshold: 0.5,
	minSilenceMs: 300,
	minSpeechMs: 250,
	padMs: 200,
	mergeGapMs: 1000,
	targetSeconds: 8,
	softMaxSeconds: 12,
	maxSeconds: 20
};

/** A span of samples [start, end). */
export interface SampleSpan {
	start: number;
	end: number;
}

/** Segments (sample spans, in order, non-overlapping) for `totalSamples` samples of audio. */
export function segmentSpeech(
	probs: ArrayLike<number>,
	totalSamples: number,
	options: Partial<SegmentOptions> = {}
): SampleSpan[] {
	const o = { ...defaultSegmentOptions, ...options };
	const frames = Math.min(probs.length, Math.ceil(totalSamples / o.frameSamples));
	const msToFrames = (ms: number) => Math.max(1, Math.round((ms / 1000) * (o.sampleRate / o.frameSamples)));
	const minSilence = msToFrames(o.minSilenceMs);
	const minSpeech = msToFrames(o.minSpeechMs);
	const low = o.threshold - 0.15;

	// 1. hysteresis regions, in frames
	const regions: { start: number; end: number }[] = [];
	let start = -1;
	let silent = 0;
	for (let i = 0; i < frames; i++) {
		const p = probs[i];
		if (start < 0) {
			if (p >= o.threshold) {
				start = i;
				silent = 0;
			}
		} else if (p < low) {
			silent++;
			if (silent >= minSilence) {
				regions.push({ start, end: i - silent + 1 });
				start = -1;
			}
		} else {
			silent = 0;
		}
	}
	if (start >= 0) regions.push({ start, end: frames - silent });
	const kept = regions.filter((r) => r.end - r.start >= minSpeech);

	// 2. to samples, padded without overlapping neighbours
	const pad = Math.round((o.padMs / 1000) * o.sampleRate);
	const spans: SampleSpan[] = kept.map((r) => ({
		start: r.start * o.frameSamples,
		end: Math.min(totalSamples, r.end * o.frameSamples)
	}));
	for (let i = 0; i < spans.length; i++) {
		const prevEnd = i > 0 ? kept[i - 1].end * o.frameSamples : 0;
		const nextStart = i + 1 < spans.length ? kept[i + 1].start * o.frameSamples : totalSamples;
		const s = spans[i];
		const leftRoom = i > 0 ? Math.floor((s.start - prevEnd) / 2) : s.start;
		const rightRoom = i + 1 < spans.length ? Math.ceil((nextStart - s.end) / 2) : totalSamples - s.end;
		s.start -= Math.min(pad, Math.max(0, leftRoom));
		s.end += Math.min(pad, Math.max(0, rightRoom));
	}

	// 3. merge close neighbours up to the target length
	const mergeGap = (o.mergeGapMs / 1000) * o.sampleRate;
	const target = o.targetSeconds * o.sampleRate;
	const merged: SampleSpan[] = [];
	for (const s of spans) {
		const last = merged[merged.length - 1];
		if (last && s.start - last.end < mergeGap && s.end - last.start <= target) last.end = s.end;
		else merged.push({ ...s });
	}

	// 4. cut what is still too long at the quietest frame
	const max = Math.floor(o.maxSeconds * o.sampleRate);
	const soft = Math.min(max, Math.floor(o.softMaxSeconds * o.sampleRate));
	/** The least speech-like frame in [from + len/2, from + len), latest first on ties. */
	const quietest = (from: number, len: number) => {
		const lo = Math.ceil((from + len / 2) / o.frameSamples);
		const hi = Math.floor((from + len) / o.frameSamples) - 1;
		let cut = hi;
		for (let f = hi; f >= lo; f--) if (probs[f] < probs[cut]) cut = f;
		return cut;
	};
	const out: SampleSpan[] = [];
	for (const s of merged) {
		let from = s.start;
		while (s.end - from > soft) {
			// Past the soft limit, cut only at a real dip (a breath, a comma); past the hard limit, anywhere.
			let cut = quietest(from, soft);
			if (probs[cut] >= o.threshold) {
				if (s.end - from <= max) break;
				cut = quietest(from, max);
			}
			const at = Math.max(from + 1, Math.min(cut * o.frameSamples, from + max));
			out.push({ start: from, end: at });
			from = at;
		}
		out.push({ start: from, end: s.end });
	}
	return out;
}
