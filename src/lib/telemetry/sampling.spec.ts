import { describe, expect, it } from 'vitest';
import { hash32, keepEvent, samplingPoint } from './sampling';

const key = (i: number, type = 'correction') => ({
	installationId: '7f3e0c1a-5b2d-4c8e-9a10-2b3c4d5e6f70',
	transcriptId: `t-${Math.floor(i / 10)}`,
	segmentId: `s-${i % 10}`,
	type
});

describe('hash32', () => {
	// Pinned: changing the hash would flip stored sampling decisions of segments already sent.
	it.each([
		['', 2872998923],
		['a', 444641715],
		['é🎙', 2359979250]
	])('of %j is %i', (s, h) => {
		expect(hash32(s)).toBe(h);
	});
	it('differs for nearby keys', () => {
		expect(hash32('a/1')).not.toBe(hash32('a/2'));
	});
});

describe('keepEvent', () => {
	it('is deterministic: the same key gets the same answer every time', () => {
		for (let i = 0; i < 200; i++) expect(keepEvent(key(i), 0.3)).toBe(keepEvent({ ...key(i) }, 0.3));
	});

	it.each([0.01, 0.1, 0.5, 0.9])('keeps about %f of 20,000 keys', (rate) => {
		let kept = 0;
		const n = 20_000;
		for (let i = 0; i < n; i++) if (keepEvent(key(i), rate)) kept++;
		// Binomial standard deviation at n = 20,000 is at most 0.0036; allow about 4 of them.
		expect(Math.abs(kept / n - rate)).toBeLessThan(0.015);
	});

	it('keeps everything at rate 1 and is monotone in the rate', () => {
		for (let i = 0; i < 500; i++) {
			expect(keepEvent(key(i), 1)).toBe(true);
			if (keepEvent(key(i), 0.2)) expect(keepEvent(key(i), 0.6)).toBe(true);
		}
	});

	it('samples a segment’s corrections and reviews independently', () => {
		let differ = 0;
		for (let i = 0; i < 1000; i++)
			if (keepEvent(key(i, 'correction'), 0.5) !== keepEvent(key(i, 'review'), 0.5)) differ++;
		expect(differ).toBeGreaterThan(400);
		expect(differ).toBeLessThan(600);
	});

	it('treats a missing segment as its own key', () => {
		const k = { installationId: 'i', transcriptId: 't', type: 'rating' };
		expect(samplingPoint(k)).toBe(samplingPoint({ ...k, segmentId: null }));
	});

	it.each([0, -0.1, 1.5, Number.NaN])('rejects rate %f', (rate) => {
		expect(() => keepEvent(key(0), rate)).toThrow(/sampling rate/);
	});
});
