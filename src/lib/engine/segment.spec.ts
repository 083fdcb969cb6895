import { describe, expect, it } from 'vitest';
import { ENGINE_SAMPLE_RATE } from './models';
import { segmentSpeech } from './segment';

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
