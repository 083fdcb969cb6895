import { describe, expect, it } from 'vitest';
import { ENGINE_SAMPLE_RATE } from './models';
import { segmentSpeech, SpeechSegmenter, type SampleSpan, type SegmentOptions } from './segment';
import { mulberry32 } from '../shared/random';

const FRAME = 512;
/** Probabilities from a pattern: each char is one 32 ms frame, '#' speech, '.' silence. */
const frames = (pattern: string) => Array.from(pattern, (c) => (c === '#' ? 0.95 : 0.02));
const noPad = { padMs: 0, mergeGapMs: 0 };

describe('segmentSpeech', () => {
	it('finds nothing in silence', () => {
		expect(segmentSpeech(frames('.'.repeat(100)), 100 * FRAME)).toEqual([]);
	});

	it('drops blips shorter than minSpeechMs', () => {
		expect(segmentSpeech(frames('....##....'), 10 * FRAME, noPad)).toEqual([]);
	});

	it('bounds one region exactly to the frame', () => {
		const p = frames('.....' + '#'.repeat(20) + '.'.repeat(20));
		expect(segmentSpeech(p, p.length * FRAME, noPad)).toEqual([{ start: 5 * FRAME, end: 25 * FRAME }]);
	});

	it('keeps a short pause inside speech', () => {
		const p = frames('#'.repeat(20) + '....' + '#'.repeat(20) + '.'.repeat(20));
		expect(segmentSpeech(p, p.length * FRAME, noPad)).toEqual([{ start: 0, end: 44 * FRAME }]);
	});

	it('splits at a long pause and pads without overlap', () => {
		const p = frames('#'.repeat(20) + '.'.repeat(30) + '#'.repeat(20));
		const spans = segmentSpeech(p, p.length * FRAME, { mergeGapMs: 0, padMs: 200 });
		expect(spans).toHaveLength(2);
		expect(spans[0]).toEqual({ start: 0, end: 20 * FRAME + 3200 });
		expect(spans[1]).toEqual({ start: 50 * FRAME - 3200, end: 70 * FRAME });
	});

	it('pads into a short gap only up to its middle', () => {
		const p = frames('#'.repeat(20) + '.'.repeat(10) + '#'.repeat(20));
		const spans = segmentSpeech(p, p.length * FRAME, { mergeGapMs: 0, padMs: 1000 });
		expect(spans[0].end).toBe(spans[1].start);
	});

	it('merges close neighbours up to the target length', () => {
		const p = frames(('#'.repeat(30) + '.'.repeat(15)).repeat(6));
		const spans = segmentSpeech(p, p.length * FRAME, { padMs: 0, mergeGapMs: 600, targetSeconds: 3 });
		for (const s of spans) expect(s.end - s.start).toBeLessThanOrEqual(3 * ENGINE_SAMPLE_RATE);
		expect(spans.length).toBe(3);
	});

	it('cuts speech longer than maxSeconds at the quietest frame', () => {
		const p = Array.from({ length: 2000 }, (_, i) => (i === 500 ? 0.4 : 0.9)); // 64 s of speech
		const spans = segmentSpeech(p, 2000 * FRAME, { maxSeconds: 20 });
		for (const s of spans) expect(s.end - s.start).toBeLessThanOrEqual(20 * ENGINE_SAMPLE_RATE);
		expect(spans.some((s) => s.end === 500 * FRAME)).toBe(true);
		// contiguous, covering all the speech
		for (let i = 1; i < spans.length; i++) expect(spans[i].start).toBe(spans[i - 1].end);
		expect(spans[0].start).toBe(0);
		expect(spans[spans.length - 1].end).toBe(2000 * FRAME);
	});

	it('cuts speech longer than softMaxSeconds only at a real dip', () => {
		const frames15s = Math.round((15 * ENGINE_SAMPLE_RATE) / FRAME); // 469 frames
		const withDip = Array.from({ length: frames15s }, (_, i) => (i === 280 ? 0.3 : 0.9)); // dip at ~9 s
		expect(segmentSpeech(withDip, frames15s * FRAME, { softMaxSeconds: 12 }).map((s) => s.end)).toEqual([
			280 * FRAME,
			frames15s * FRAME
		]);
		const noDip = Array.from({ length: frames15s }, () => 0.9);
		expect(segmentSpeech(noDip, frames15s * FRAME, { softMaxSeconds: 12 })).toHaveLength(1);
	});

	it('never runs past the audio', () => {
		const p = frames('#'.repeat(10));
		const spans = segmentSpeech(p, 10 * FRAME - 100);
		expect(spans).toEqual([{ start: 0, end: 10 * FRAME - 100 }]);
	});
});

/** VAD-like probabilities: runs of speech and pauses of random lengths, with jitter near the thresholds. */
function speechLike(rand: () => number, frames: number, meanRun: number): Float32Array {
	const p = new Float32Array(frames);
	let speech = rand() < 0.5;
	let left = 0;
	for (let i = 0; i < frames; i++) {
		if (left-- <= 0) {
			speech = !speech;
			left = Math.floor(rand() * meanRun * 2);
		}
		const base = speech ? 0.55 + rand() * 0.45 : rand() * 0.45;
		p[i] = rand() < 0.05 ? rand() : base;
	}
	return p;
}

/** Runs the incremental segmenter over `probs` in pieces of the given sizes (cycled). */
function incremental(
	probs: Float32Array,
	total: number,
	pieces: number[],
	options: Partial<SegmentOptions>
): SampleSpan[] {
	const seg = new SpeechSegmenter(options);
	const out: SampleSpan[] = [];
	let horizon = 0;
	for (let at = 0, k = 0; at < probs.length; k++) {
		const n = pieces[k % pieces.length];
		const spans = seg.push(probs.subarray(at, at + n));
		// Nothing returned may start before the horizon announced earlier: that audio was dropped.
		for (const s of spans) expect(s.start).toBeGreaterThanOrEqual(horizon);
		out.push(...spans);
		horizon = seg.horizon;
		at += n;
	}
	const rest = seg.finish(total);
	for (const s of rest) expect(s.start).toBeGreaterThanOrEqual(horizon);
	return [...out, ...rest];
}

describe('SpeechSegmenter', () => {
	const optionSets: [string, Partial<SegmentOptions>][] = [
		['defaults', {}],
		['no padding or merging', { padMs: 0, mergeGapMs: 0 }],
		['short limits (many cuts)', { targetSeconds: 2, softMaxSeconds: 3, maxSeconds: 4 }],
		['wide padding', { padMs: 1000, mergeGapMs: 3000, minSilenceMs: 100 }]
	];
	const pieceSets = [[1], [7], [3, 250, 1], [4096], [13, 1000, 2, 77]];

	for (const [name, options] of optionSets) {
		it(`gives segmentSpeech's spans, sample-exact, with ${name}`, () => {
			for (let seed = 1; seed <= 40; seed++) {
				const rand = mulberry32(seed);
				const frames = 1 + Math.floor(rand() * 3000);
				const probs = speechLike(rand, frames, 5 + rand() * 200);
				// A partial last frame on some seeds, as a real recording has.
				const total = frames * FRAME - (seed % 3 === 0 ? Math.floor(rand() * (FRAME - 1)) : 0);
				const batch = segmentSpeech(probs, total, options);
				for (const pieces of pieceSets) {
					expect(incremental(probs, total, pieces, options), `seed ${seed}, pieces ${pieces}`).toEqual(batch);
				}
			}
		});
	}

	it('agrees on the hand-made patterns above', () => {
		for (const pattern of [
			'.'.repeat(100),
			'....##....',
			'#'.repeat(700),
			'#'.repeat(20) + '.'.repeat(30) + '#'.repeat(20)
		]) {
			const p = Float32Array.from(frames(pattern));
			expect(incremental(p, p.length * FRAME, [3], {})).toEqual(segmentSpeech(p, p.length * FRAME));
		}
	});

	it('returns a sentence before the recording ends', () => {
		const p = Float32Array.from(frames('.'.repeat(10) + '#'.repeat(60) + '.'.repeat(80) + '#'.repeat(600)));
		const seg = new SpeechSegmenter();
		const early = seg.push(p);
		expect(early).toEqual([segmentSpeech(p, p.length * FRAME)[0]]);
		expect(seg.horizon).toBeGreaterThan(early[0].end);
	});

	it('refuses more probabilities than the length allows', () => {
		const seg = new SpeechSegmenter();
		seg.push(new Float32Array(10));
		expect(() => seg.finish(5 * FRAME)).toThrow(/more probabilities/);
	});
});
