import { describe, expect, it } from 'vitest';
import { pooledWer, werInterval, werSummary, type WerRow } from './wer';

const row = (
	installationId: string,
	errors: number,
	referenceWords: number,
	samplingRate?: number
): WerRow => ({
	installationId,
	errors,
	referenceWords,
	hypothesisWords: referenceWords,
	samplingRate
});

describe('pooledWer', () => {
	it.each<[string, WerRow[], number | null]>([
		['no rows', [], null],
		['no words', [row('a', 0, 0)], null],
		// 3 errors / 30 words, small installations are never capped (floor 200 words).
		['pooled words, not mean of rates', [row('a', 1, 10), row('b', 2, 20)], 0.1],
		// a at rate 0.5 stands for 2/0.5 = 4 errors over 20 words; b 0 over 20: 4/40.
		['sampling weights', [row('a', 2, 10, 0.5), row('b', 0, 20)], 0.1],
		// Two installations of 1000 and 300 words, cap: k·0.05 < 1 → equal weights → smallest = 300,
		// raised to the 200 floor stays 300. a: 500/1000 scaled to 150/300; b: 30/300. (150+30)/600 = 0.3.
		['two installations weigh equally', [row('a', 500, 1000), row('b', 30, 300)], 0.3]
	])('%s', (_, rows, expected) => {
		const r = pooledWer(rows);
		if (expected === null) expect(r.wer).toBeNull();
		else expect(r.wer).toBeCloseTo(expected, 12);
	});

	it('one installation with 90 % of the words moves the estimate by at most its 5 % share', () => {
		// 20 installations of 1000 words at WER 0.1, one of 180,000 words (90 %) at WER 0.5.
		// Cap: c = 0.05 (20,000 + c) → c = 1000 / 0.95 ≈ 1052.6 (≥ the 200 floor), so the heavy one
		// carries exactly 5 %: WER = 0.95 · 0.1 + 0.05 · 0.5 = 0.12 (uncapped it would be 0.46).
		const rows = [
			...Array.from({ length: 20 }, (_, i) => row(`u${i}`, 100, 1000)),
			row('heavy', 90_000, 180_000)
		];
		const r = pooledWer(rows);
		expect(r.wer).toBeCloseTo(0.12, 12);
		expect(r.uncappedWer).toBeCloseTo((90_000 / 180_000) * 0.9 + 0.1 * 0.1, 12);
		expect(r.largestShare).toBeCloseTo(0.05, 12);
		expect(r.cap).toBeCloseTo(1000 / 0.95, 9);
		expect(r.words).toBe(200_000);
		// Whatever its WER, the heavy installation cannot push the figure beyond 0.1 ± 0.05 · |w − 0.1|.
		for (const w of [0, 1, 3]) {
			const moved = pooledWer([...rows.slice(0, 20), row('heavy', w * 180_000, 180_000)]).wer!;
			expect(Math.abs(moved - 0.1)).toBeLessThanOrEqual(0.05 * Math.abs(w - 0.1) + 1e-12);
		}
	});

	it('rejects bad counts', () => {
		expect(() => pooledWer([row('a', -1, 10)])).toThrow(RangeError);
		expect(() => pooledWer([{ ...row('a', 1, 10), hypothesisWords: NaN }])).toThrow(RangeError);
		expect(() => pooledWer([row('a', 1, 10, 2)])).toThrow(RangeError);
	});
});

describe('werSummary', () => {
	it('gives reviewed WER, the edited-only upper bound and coverage', () => {
		// Reviewed: a edited 10 words with 3 errors and confirmed 10 more (0 errors): 3/20 = 0.15.
		// Edited only: 3/10 = 0.3. Transcribed: a 40 model words, b 20 at rate 0.5 = 40 → 80;
		// reviewed model words 20 → coverage 20/80 = 0.25.
		const s = werSummary({
			reviewed: [row('a', 3, 20)],
			edited: [row('a', 3, 10)],
			transcribed: [
				{ installationId: 'a', words: 40 },
				{ installationId: 'b', words: 20, samplingRate: 0.5 }
			]
		});
		expect(s.reviewed.wer).toBeCloseTo(0.15, 12);
		expect(s.editedOnly.wer).toBeCloseTo(0.3, 12);
		expect(s.coverage).toBeCloseTo(0.25, 12);
	});

	it('has no coverage when nothing was transcribed', () => {
		expect(werSummary({ reviewed: [], edited: [], transcribed: [] }).coverage).toBeNull();
	});
});

describe('werInterval', () => {
	const rows = Array.from({ length: 30 }, (_, i) => row(`u${i}`, (i % 5) * 4, 100));

	it('is deterministic for a seed and brackets the estimate', () => {
		// Errors 0, 4, 8, 12, 16 per 100 words, six times each: WER = 40/500 = 0.08.
		const a = werInterval(rows, { seed: 1 })!;
		const b = werInterval(rows, { seed: 1 })!;
		expect(a).toEqual(b);
		expect(a.estimate).toBeCloseTo(0.08, 12);
		expect(a.low).toBeLessThan(0.08);
		expect(a.high).toBeGreaterThan(0.08);
		expect(a.installations).toBe(30);
		expect(a.words).toBe(3000);
		// Per-installation sd of the rates is 0.0566; standard error 0.0566/√30 ≈ 0.0103, so the
		// 95 % interval is about ±0.02.
		expect(a.high - a.low).toBeGreaterThan(0.03);
		expect(a.high - a.low).toBeLessThan(0.05);
		expect(werInterval(rows, { seed: 2 })).not.toEqual(a);
	});

	it('is a point with one installation and null without words', () => {
		expect(werInterval([row('a', 1, 10)], { seed: 1 })).toEqual({
			estimate: 0.1,
			low: 0.1,
			high: 0.1,
			installations: 1,
			words: 10
		});
		expect(werInterval([], { seed: 1 })).toBeNull();
	});
});
