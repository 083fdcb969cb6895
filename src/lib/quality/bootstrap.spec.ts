import { describe, expect, it } from 'vitest';
import {
	cappedRatioBootstrap,
	cappedRatioBootstrapDifference,
	clusterBootstrap,
	clusterBootstrapDifference,
	quantileSorted
} from './bootstrap';
import { cappedRatio, type CapOptions, type Cluster } from './ratio';
import { mulberry32 } from '../shared/random';

describe('quantileSorted', () => {
	it.each([
		// Positions q·(n−1): 0 → 1; 0.5·3 = 1.5 → between 2 and 4 → 3; 0.25·3 = 0.75 → 1 + 0.75·1 = 1.75.
		[[1, 2, 4, 8], 0, 1],
		[[1, 2, 4, 8], 0.5, 3],
		[[1, 2, 4, 8], 0.25, 1.75],
		[[1, 2, 4, 8], 1, 8],
		[[5], 0.975, 5]
	])('%j at %s → %s', (values, q, expected) => {
		expect(quantileSorted(values, q)).toBeCloseTo(expected, 12);
	});

	it('rejects no values and q outside [0, 1]', () => {
		expect(() => quantileSorted([], 0.5)).toThrow(RangeError);
		expect(() => quantileSorted([1], 1.1)).toThrow(RangeError);
	});
});

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

describe('clusterBootstrap', () => {
	it('is deterministic for a seed and reproduces the textbook standard error of a mean', () => {
		// Values 0..99: mean 49.5, sd (population) 28.87, standard error 2.887; 95 % ≈ ±5.66.
		const xs = Array.from({ length: 100 }, (_, i) => i);
		const a = clusterBootstrap(xs, mean, { seed: 9, resamples: 4000 })!;
		expect(clusterBootstrap(xs, mean, { seed: 9, resamples: 4000 })).toEqual(a);
		expect(a.estimate).toBe(49.5);
		expect(a.resamples).toBe(4000);
		expect(a.high - a.low).toBeGreaterThan(2 * 5.66 * 0.9);
		expect(a.high - a.low).toBeLessThan(2 * 5.66 * 1.1);
	});

	it('resamples whole clusters: words of one cluster move together', () => {
		// Two clusters of 50 words each, all wrong in one, all right in the other. A word-level
		// bootstrap would give ±0.1; whole clusters give {0, 0.5, 1} with probabilities ¼, ½, ¼.
		const clusters = [
			{ errors: 50, words: 50 },
			{ errors: 0, words: 50 }
		];
		const wer = (s: readonly { errors: number; words: number }[]) =>
			s.reduce((t, c) => t + c.errors, 0) / s.reduce((t, c) => t + c.words, 0);
		const r = clusterBootstrap(clusters, wer, { seed: 3 })!;
		expect(r).toMatchObject({ estimate: 0.5, low: 0, high: 1 });
	});

	it('leaves out resamples without an estimate and returns null when the data have none', () => {
		const r = clusterBootstrap([[], [1]], (s) => mean(s.flat()), { seed: 1, resamples: 400 })!;
		// About a quarter of resamples draw the empty cluster twice.
		expect(r.resamples).toBeGreaterThan(250);
		expect(r.resamples).toBeLessThan(350);
		expect(clusterBootstrap([[]], (s) => mean(s.flat()), { seed: 1 })).toBeNull();
	});

	it('rejects bad settings', () => {
		expect(() => clusterBootstrap([1], mean, { seed: 1, resamples: 0 })).toThrow(RangeError);
		expect(() => clusterBootstrap([1], mean, { seed: 1, level: 1 })).toThrow(RangeError);
	});
});

describe('clusterBootstrapDifference', () => {
	it('gives b − a with an interval around it, deterministic for a seed', () => {
		const a = Array.from({ length: 50 }, (_, i) => i % 10);
		const b = a.map((x) => x + 3);
		const r = clusterBootstrapDifference(a, b, mean, { seed: 5 })!;
		expect(r).toEqual(clusterBootstrapDifference(a, b, mean, { seed: 5 }));
		// Means 4.5 and 7.5; each has standard error 2.87/√50 ≈ 0.41, the difference ≈ 0.58: ±1.13.
		expect(r.estimate).toBe(3);
		expect(r.low).toBeGreaterThan(1.5);
		expect(r.high).toBeLessThan(4.5);
		expect(clusterBootstrapDifference([], b, mean, { seed: 5 })).toBeNull();
	});
});

// Heavy-tailed sizes (some installations far above a 5 % share, so the cap binds) and empty ones.
function clustersOf(seed: number, k: number): Cluster[] {
	const r = mulberry32(seed);
	return Array.from({ length: k }, (_, i) => {
		const d = r() < 0.1 ? 0 : Math.floor(10 / (r() + 0.01) ** 1.5);
		return { installationId: `i${i}`, numerator: Math.floor(d * r() * 0.3), denominator: d };
	});
}
// Sizes within a factor of 3 (the dashboard's usual case): with hundreds of clusters no resample needs the cap.
function flatClustersOf(seed: number, k: number): Cluster[] {
	const r = mulberry32(seed);
	return Array.from({ length: k }, (_, i) => {
		const d = 100 + Math.floor(200 * r());
		return { installationId: `i${i}`, numerator: Math.floor(d * r() * 0.3) + r(), denominator: d + r() / 3 };
	});
}

const WER_LIKE: CapOptions = { maxShare: 0.05, minCap: 200 };

describe('cappedRatioBootstrap', () => {
	it.each([
		[1, 1, { maxShare: 0.05, minCap: 200 }],
		[2, 3, { maxShare: 0.05, minCap: 200 }],
		[3, 40, { maxShare: 0.05, minCap: 200 }],
		[4, 300, { maxShare: 0.05, minCap: 5 }],
		[5, 60, {}]
	] as [number, number, CapOptions][])(
		'seed %s, %s clusters, cap %j: exactly the generic bootstrap of cappedRatio',
		(seed, k, cap) => {
			const clusters = clustersOf(seed, k);
			const options = { seed: 77, resamples: 300 };
			const generic = clusterBootstrap(clusters, (s) => cappedRatio(s, cap).estimate, options);
			expect(cappedRatioBootstrap(clusters, cap, options)).toEqual(generic);
			const other = clustersOf(seed + 100, k + 7);
			expect(cappedRatioBootstrapDifference(clusters, other, cap, options)).toEqual(
				clusterBootstrapDifference(clusters, other, (s) => cappedRatio(s, cap).estimate, options)
			);
		}
	);

	it.each([
		[6, 400],
		[7, 25]
	])(
		'seed %s, %s clusters of similar sizes: exactly the generic bootstrap (the uncapped shortcut)',
		(seed, k) => {
			const clusters = flatClustersOf(seed, k);
			const options = { seed: 78, resamples: 300 };
			const statistic = (s: readonly Cluster[]) => cappedRatio(s, WER_LIKE).estimate;
			expect(cappedRatioBootstrap(clusters, WER_LIKE, options)).toEqual(
				clusterBootstrap(clusters, statistic, options)
			);
			const other = flatClustersOf(seed + 100, k + 3);
			expect(cappedRatioBootstrapDifference(clusters, other, WER_LIKE, options)).toEqual(
				clusterBootstrapDifference(clusters, other, statistic, options)
			);
		}
	);

	it('is null without an estimate, like the generic one', () => {
		const none = [{ installationId: 'a', numerator: 0, denominator: 0 }];
		expect(cappedRatioBootstrap(none, {}, { seed: 1 })).toBeNull();
		expect(cappedRatioBootstrapDifference(none, clustersOf(1, 5), {}, { seed: 1 })).toBeNull();
	});
});
