import { describe, expect, it } from 'vitest';
import { cappedRatio, toClusters, weightCap } from './ratio';

describe('weightCap', () => {
	it.each<[string, number[], number, number, number]>([
		// Largest 30 ≤ 0.5 · 70 = 35: nothing to cap.
		['already within the share', [20, 20, 30], 0.5, 0, Infinity],
		// 3 installations, share 0.5: c = 0.5 (10 + 10 + c) → c = 20; shares 20/40 = 0.5.
		['one heavy of three', [10, 10, 100], 0.5, 0, 20],
		// c = 0.4 (10 + 20 + c) on the piece above 20 → c = 12/0.6 = 20; 20 ≤ 20 ok.
		['root at a boundary', [10, 20, 100], 0.4, 0, 20],
		// Two pieces cut: c = 0.4 (10 + 2c) → c = 4/0.2 = 20 on [10, 50].
		['two heavy', [10, 50, 50], 0.4, 0, 20],
		// k · share = 2 · 0.3 < 1: no positive cap keeps the share; equal weights: cap = smallest = 1000.
		['too few installations', [1000, 5000], 0.3, 0, 1000],
		['too few installations, floor above', [1000, 5000], 0.3, 2000, 2000],
		// One installation never satisfies a share < 1; it keeps all its words.
		['one installation', [400], 0.05, 200, 400],
		// Zero sizes weigh nothing: same as [10, 10, 100].
		['zero sizes ignored', [0, 10, 0, 10, 100], 0.5, 0, 20],
		// Floor above the root: c = 0.5 (10 + 10 + c) = 20, but floor 50.
		['floor above the root', [10, 10, 100], 0.5, 50, 50],
		['no installations', [], 0.05, 200, Infinity]
	])('%s', (_, sizes, maxShare, minCap, expected) => {
		expect(weightCap(sizes, { maxShare, minCap })).toBeCloseTo(expected, 9);
	});

	it('rejects bad options and sizes', () => {
		expect(() => weightCap([1], { maxShare: 0 })).toThrow(RangeError);
		expect(() => weightCap([1], { maxShare: 1.5 })).toThrow(RangeError);
		expect(() => weightCap([-1])).toThrow(RangeError);
	});
});

describe('toClusters / cappedRatio', () => {
	it('weights rows by 1/samplingRate and merges an installation’s rows', () => {
		// a: 2/0.5 = 4 errors over 10/0.5 = 20 words, plus 1 over 10 at rate 1 → 5 over 30.
		expect(
			toClusters([
				{ installationId: 'a', numerator: 2, denominator: 10, samplingRate: 0.5 },
				{ installationId: 'a', numerator: 1, denominator: 10 },
				{ installationId: 'b', numerator: 0, denominator: 5 }
			])
		).toEqual([
			{ installationId: 'a', numerator: 5, denominator: 30 },
			{ installationId: 'b', numerator: 0, denominator: 5 }
		]);
	});

	it.each([0, 1.5, NaN])('rejects samplingRate %s', (rate) => {
		expect(() =>
			toClusters([{ installationId: 'a', numerator: 1, denominator: 1, samplingRate: rate }])
		).toThrow(RangeError);
	});

	it('computes the capped ratio and its clustered variance by hand', () => {
		// Sizes 10, 10, 100 with share 0.5 → cap 20 (see above). Rates 0.1, 0.3, 0.5.
		// Scaled: (1, 10), (3, 10), (0.5·… ) third f = 20/100: (10, 20). Σn = 14, Σd = 40 → R = 0.35.
		// Residuals n − R d: 1 − 3.5 = −2.5, 3 − 3.5 = −0.5, 10 − 7 = 3; squares 6.25 + 0.25 + 9 = 15.5.
		// Var = 3/2 · 15.5 / 40² = 23.25 / 1600 = 0.01453125.
		const r = cappedRatio(
			[
				{ installationId: 'a', numerator: 1, denominator: 10 },
				{ installationId: 'b', numerator: 3, denominator: 10 },
				{ installationId: 'c', numerator: 50, denominator: 100 }
			],
			{ maxShare: 0.5 }
		);
		expect(r.estimate).toBeCloseTo(0.35, 12);
		expect(r.uncapped).toBeCloseTo(54 / 120, 12);
		expect(r.variance).toBeCloseTo(0.01453125, 12);
		expect(r.cap).toBeCloseTo(20, 12);
		expect(r.largestShare).toBeCloseTo(0.5, 12);
		expect(r.rawDenominator).toBe(120);
	});

	it('has no estimate without denominators and no variance with one installation', () => {
		expect(cappedRatio([]).estimate).toBeNull();
		expect(cappedRatio([{ installationId: 'a', numerator: 0, denominator: 0 }]).estimate).toBeNull();
		const one = cappedRatio([{ installationId: 'a', numerator: 1, denominator: 4 }]);
		expect(one.estimate).toBe(0.25);
		expect(one.variance).toBeNull();
	});
});
