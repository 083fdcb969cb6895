import { describe, expect, it } from 'vitest';
import { meanRating, ratingDistribution, type RatingRow } from './ratings';

const r = (installationId: string, stars: number, samplingRate?: number): RatingRow => ({
	installationId,
	stars,
	samplingRate
});

describe('ratingDistribution', () => {
	it('counts stars with sampling weights', () => {
		// 5 stars at rate 0.5 counts 2; the others 1 each: counts [1, 0, 0, 1, 2], total 4.
		expect(ratingDistribution([r('a', 1), r('a', 4), r('b', 5, 0.5)])).toEqual({
			counts: [1, 0, 0, 1, 2],
			shares: [0.25, 0, 0, 0.25, 0.5],
			ratings: 3
		});
		expect(ratingDistribution([]).shares).toEqual([null, null, null, null, null]);
	});

	it.each([0, 6, 3.5])('rejects %s stars', (stars) => {
		expect(() => ratingDistribution([r('a', stars)])).toThrow(RangeError);
	});
});

describe('meanRating', () => {
	it('is the weighted mean with an interval, capped per installation', () => {
		// Two installations: a rated 2 twenty times, b rated 4 once and 5 once. Too few installations for
		// the 5 % share: equal weights capped at max(smallest = 2, floor 5) = 5 ratings. a counts 5 ratings
		// of 2 (10 stars), b both of its ratings (9 stars): 19 / 7 ≈ 2.714 (uncapped it would be 49/22).
		const rows = [...Array.from({ length: 20 }, () => r('a', 2)), r('b', 4), r('b', 5)];
		const m = meanRating(rows, { seed: 4 })!;
		expect(m.estimate).toBeCloseTo(19 / 7, 12);
		expect(m).toMatchObject({ installations: 2, ratings: 22 });
		// Resampling two installations: {a, a} → 2, {b, b} → 4.5, mixed → 19/7.
		expect(m.low).toBe(2);
		expect(m.high).toBe(4.5);
		expect(meanRating(rows, { seed: 4 })).toEqual(m);
		expect(meanRating([], { seed: 4 })).toBeNull();
	});
});
