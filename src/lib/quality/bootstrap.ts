/**
 * Installation-clustered bootstrap: percentile intervals that respect who produced the data.
 *
 * Words (and ratings) of one installation are not independent: one user's microphone, accent and
 * subject matter make their errors come together. Resampling words would make the interval far too
 * narrow; so we resample whole installations with replacement (the cluster bootstrap), recompute the
 * full estimator on each resample (including its weight cap), and take the 2.5 % and 97.5 %
 * percentiles of the resampled estimates (linear interpolation between order statistics). With few
 * installations the interval is honest about it: it is wide, and with one installation it is a point.
 * Resamples whose estimate is undefined (e.g. no words) are left out and counted.
 *
 * Deterministic: the resampling draws from mulberry32(seed), so the same data and seed give the same
 * interval.
 */
import { mulberry32, randomInt, type Random } from '../shared/random';

/** Bootstrap settings. */
export interface BootstrapOptions {
	/** Seed of the resampling generator (required: intervals must be reproducible). */
	seed: number;
	/** Number of resamples (default 2000). */
	resamples?: number;
	/** Coverage of the interval (default 0.95). */
	level?: number;
}

/** A point estimate with its bootstrap percentile interval. */
export interface Interval {
	estimate: number;
	low: number;
	high: number;
}

/** Result of a clustered bootstrap. */
export interface BootstrapResult extends Interval {
	/** Resamples that gave an estimate (the others were undefined and left out). */
	resamples: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of sorted values, interpolating linearly between order statistics. */
export function quantileSorted(sorted: readonly number[], q: number): number {
	if (sorted.length === 0) throw new RangeError('quantile of no values');
	if (!(q >= 0 && q <= 1)) throw new RangeError(`q must be in [0, 1], got ${q}`);
	const pos = q * (sorted.length - 1);
	const lo = Math.floor(pos);
	const hi = Math.ceil(pos);
	return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function checkOptions(options: BootstrapOptions): { resamples: number; level: number } {
	const resamples = options.resamples ?? 2000;
	const level = options.level ?? 0.95;
	if (!Number.isInteger(resamples) || resamples < 1)
		throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
	if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
	return { resamples, level };
}

/** Draws k clusters with replacement from `clusters`. */
export function resampleClusters<C>(clusters: readonly C[], random: Random): C[] {
	return Array.from({ length: clusters.length }, () => clusters[randomInt(random, clusters.length)]);
}

/**
 * Percentile interval of `statistic` over resamples of whole clusters; null when the statistic is
 * undefined on the data itself.
 */
export function clusterBootstrap<C>(
	clusters: readonly C[],
	statistic: (sample: readonly C[]) => number | null,
	options: BootstrapOptions
): BootstrapResult | null {
	const { resamples, level } = checkOptions(options);
	const estimate = statistic(clusters);
	if (estimate === null) return null;
	const random = mulberry32(options.seed);
	const values: number[] = [];
	for (let b = 0; b < resamples; b++) {
		const v = statistic(resampleClusters(clusters, random));
		if (v !== null) values.push(v);
	}
	return { estimate, ...percentiles(values, level) };
}

function percentiles(values: number[], level: number): Omit<BootstrapResult, 'estimate'> {
	// Only possible with a handful of resamples of data where most clusters are empty.
	if (values.length === 0) throw new Error('no bootstrap resample gave an estimate; use more resamples');
	values.sort((a, b) => a - b);
	const alpha = 1 - level;
	return {
		low: quantileSorted(values, alpha / 2),
		high: quantileSorted(values, 1 - alpha / 2),
		resamples: values.length
	};
}

/**
 * Percentile interval of a difference statistic(b) − statistic(a) between two independent groups of
 * clusters, each resampled on its own from one seeded stream.
 */
export function clusterBootstrapDifference<C>(
	a: readonly C[],
	b: readonly C[],
	statistic: (sample: readonly C[]) => number | null,
	options: BootstrapOptions
): BootstrapResult | null {
	const { resamples, level } = checkOptions(options);
	const sa = statistic(a);
	const sb = statistic(b);
	if (sa === null || sb === null) return null;
	const random = mulberry32(options.seed);
	const values: number[] = [];
	for (let i = 0; i < resamples; i++) {
		const va = statistic(resampleClusters(a, random));
		const vb = statistic(resampleClusters(b, random));
		if (va !== null && vb !== null) values.push(vb - va);
	}
	return { estimate: sb - sa, ...percentiles(values, level) };
}
