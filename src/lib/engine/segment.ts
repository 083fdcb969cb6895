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
	const out: SampleSpan[] = [];
	for (const s of merged) cutLong(s, probs, o, out);
	return out;
}

/** Step 4 for one merged span: appends its pieces, cut at the quietest frames, to `out`. */
function cutLong(s: SampleSpan, probs: ArrayLike<number>, o: SegmentOptions, out: SampleSpan[]): void {
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

/**
 * segmentSpeech as the probabilities arrive: `push` takes the next frames' probabilities and returns
 * the segments that no later frame can change, `finish` the rest once the length is known. The spans
 * are exactly segmentSpeech's on the same probabilities (segment.spec.ts compares them), so the
 * recogniser can start on the first sentence while the VAD is still reading the rest.
 *
 * A segment is final once the VAD is far enough past its end: the hysteresis has closed the region
 * (minSilenceMs), no next region can start within two paddings (so its right padding is whole), and
 * none can start within mergeGapMs plus a padding (so nothing merges into it): about 1.7 s by default.
 */
export class SpeechSegmenter {
	private readonly o: SegmentOptions;
	private readonly minSilence: number;
	private readonly minSpeech: number;
	private readonly pad: number;
	private probs = new Float32Array(4096);
	private frames = 0;
	/** Hysteresis state: the open region's first frame (-1 when none) and its trailing quiet frames. */
	private open = -1;
	private silent = 0;
	/** Regions kept so far (frames); the first `padded` have gone on to merging. */
	private readonly kept: { start: number; end: number }[] = [];
	private padded = 0;
	/** The merged span that a later one may still extend. */
	private pending: SampleSpan | null = null;
	private finished = false;

	constructor(options: Partial<SegmentOptions> = {}) {
		this.o = { ...defaultSegmentOptions, ...options };
		const msToFrames = (ms: number) =>
			Math.max(1, Math.round((ms / 1000) * (this.o.sampleRate / this.o.frameSamples)));
		this.minSilence = msToFrames(this.o.minSilenceMs);
		this.minSpeech = msToFrames(this.o.minSpeechMs);
		this.pad = Math.round((this.o.padMs / 1000) * this.o.sampleRate);
	}

	/** Every probability pushed so far (a view: do not keep it across pushes). */
	get probabilities(): Float32Array {
		return this.probs.subarray(0, this.frames);
	}

	/** The first sample a segment not yet returned may include: audio before it can be dropped. */
	get horizon(): number {
		if (this.pending) return this.pending.start;
		const next = this.padded < this.kept.length ? this.kept[this.padded].start : this.nextStartBound();
		return Math.max(0, next * this.o.frameSamples - this.pad);
	}

	/** Takes the next frames' probabilities; returns the segments they made final, in order. */
	push(probs: ArrayLike<number>): SampleSpan[] {
		if (this.finished) throw new Error('SpeechSegmenter: push after finish');
		this.grow(this.frames + probs.length);
		const o = this.o;
		const low = o.threshold - 0.15;
		for (let k = 0; k < probs.length; k++) {
			const i = this.frames;
			const p = probs[k];
			this.probs[i] = p;
			this.frames++;
			// The same hysteresis as segmentSpeech step 1.
			if (this.open < 0) {
				if (p >= o.threshold) {
					this.open = i;
					this.silent = 0;
				}
			} else if (p < low) {
				this.silent++;
				if (this.silent >= this.minSilence) {
					this.keep(this.open, i - this.silent + 1);
					this.open = -1;
				}
			} else {
				this.silent = 0;
			}
		}
		const out: SampleSpan[] = [];
		this.advance(null, out);
		return out;
	}

	/** Ends the stream: `totalSamples` is the audio's length. Returns the remaining segments. */
	finish(totalSamples: number): SampleSpan[] {
		if (this.finished) throw new Error('SpeechSegmenter: finish twice');
		const frames = Math.ceil(totalSamples / this.o.frameSamples);
		if (frames < this.frames) throw new Error('SpeechSegmenter: more probabilities than samples');
		this.finished = true;
		if (this.open >= 0) this.keep(this.open, this.frames - this.silent);
		this.open = -1;
		const out: SampleSpan[] = [];
		this.advance(totalSamples, out);
		if (this.pending) cutLong(this.pending, this.probs, this.o, out);
		this.pending = null;
		return out;
	}

	private keep(start: number, end: number): void {
		if (end - start >= this.minSpeech) this.kept.push({ start, end });
	}

	/** No region not yet kept can start before this frame. */
	private nextStartBound(): number {
		return this.open >= 0 ? this.open : this.frames;
	}

	/** Pads, merges and cuts every region whose padding is final (all of them once `total` is known). */
	private advance(total: number | null, out: SampleSpan[]): void {
		const o = this.o;
		const fs = o.frameSamples;
		const bound = this.nextStartBound() * fs;
		const mergeGap = (o.mergeGapMs / 1000) * o.sampleRate;
		const target = o.targetSeconds * o.sampleRate;
		while (this.padded < this.kept.length) {
			const i = this.padded;
			const r = this.kept[i];
			const s = { start: r.start * fs, end: total === null ? r.end * fs : Math.min(total, r.end * fs) };
			let rightRoom: number;
			if (i + 1 < this.kept.length) rightRoom = Math.ceil((this.kept[i + 1].start * fs - s.end) / 2);
			else if (total !== null) rightRoom = total - s.end;
			// No next region within two paddings: whatever comes, the right padding is whole.
			else if (bound - r.end * fs >= 2 * this.pad) rightRoom = this.pad;
			else break;
			const leftRoom = i > 0 ? Math.floor((s.start - this.kept[i - 1].end * fs) / 2) : s.start;
			s.start -= Math.min(this.pad, Math.max(0, leftRoom));
			s.end += Math.min(this.pad, Math.max(0, rightRoom));
			this.padded++;
			const last = this.pending;
			if (last && s.start - last.end < mergeGap && s.end - last.start <= target) last.end = s.end;
			else {
				if (last) cutLong(last, this.probs, o, out);
				this.pending = s;
			}
		}
		// Nothing can merge into the pending span once no next one can start within mergeGap of it.
		if (
			total === null &&
			this.pending &&
			this.padded === this.kept.length &&
			bound - this.pad - this.pending.end >= mergeGap
		) {
			cutLong(this.pending, this.probs, o, out);
			this.pending = null;
		}
	}

	private grow(frames: number): void {
		if (frames <= this.probs.length) return;
		const bigger = new Float32Array(Math.max(frames, this.probs.length * 2));
		bigger.set(this.probs.subarray(0, this.frames));
		this.probs = bigger;
	}
}
