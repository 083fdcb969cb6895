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
import { capOfSorted, cappedRatio, type CapOptions, type Cluster } from './ratio';

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

/**
 * A ratio-of-sums statistic's clusters in typed arrays (the bootstrap's inner loop never allocates), with
 * reusable scratch for one resample. The cap needs the resample's sizes sorted; rather than sorting
 * thousands of sizes per resample, the clusters are ranked by size once and a resample's sorted sizes
 * are read off its counts per rank (the same sequence of numbers a sort gives, in linear time).
 */
class RatioResampler {
	private readonly num: Float64Array;
	private readonly den: Float64Array;
	private readonly idx: Int32Array;
	private readonly sizes: Float64Array;
	/** Rank of each cluster by denominator, the denominators in rank order, and a resample's counts per rank. */
	private readonly rank: Int32Array;
	private readonly ranked: Float64Array;
	private readonly counts: Int32Array;
	constructor(
		clusters: readonly Cluster[],
		private readonly maxShare: number,
		private readonly minCap: number
	) {
		const k = clusters.length;
		this.num = Float64Array.from(clusters, (c) => c.numerator);
		this.den = Float64Array.from(clusters, (c) => c.denominator);
		this.idx = new Int32Array(k);
		this.sizes = new Float64Array(k);
		const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => this.den[a] - this.den[b]);
		this.rank = new Int32Array(k);
		this.ranked = new Float64Array(k);
		order.forEach((j, r) => {
			this.rank[j] = r;
			this.ranked[r] = this.den[j];
		});
		this.counts = new Int32Array(k);
	}

	/**
	 * cappedRatio(resampleClusters(clusters, mulberry32 stream), cap).estimate, drawing the same indices in
	 * the same order and adding in the same order, so the value is bit for bit the same.
	 */
	next(stream: Stream): number | null {
		const { num, den, idx, sizes } = this;
		const k = idx.length;
		let a = stream.state;
		let total = 0;
		let largest = 0;
		let n = 0;
		for (let i = 0; i < k; i++) {
			// One mulberry32 step (shared/random.ts), inlined: a call per draw was most of the loop's time.
			a = (a + 0x6d2b79f5) >>> 0;
			let t = a;
			t = Math.imul(t ^ (t >>> 15), t | 1);
			t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
			const j = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * k);
			idx[i] = j;
			const d = den[j];
			total += d;
			n += num[j];
			if (d > largest) largest = d;
		}
		stream.state = a;
		// No installation above its share (the usual case with thousands): nothing is scaled, and n and
		// total are the sums the capped pass below would add (f = 1, same terms in the same order).
		if (largest <= this.maxShare * total) return total > 0 ? n / total : null;
		const { rank, ranked, counts } = this;
		counts.fill(0);
		for (let i = 0; i < k; i++) counts[rank[idx[i]]]++;
		let m = 0;
		for (let r = 0; r < k; r++) {
			const d = ranked[r];
			if (d > 0) for (let c = counts[r]; c > 0; c--) sizes[m++] = d;
		}
		const cap = capOfSorted(sizes.subarray(0, m), this.maxShare, this.minCap);
		n = 0;
		let w = 0;
		for (let i = 0; i < k; i++) {
			const j = idx[i];
			const d = den[j];
			const f = d > cap ? cap / d : 1;
			n += f * num[j];
			w += f * d;
		}
		return w > 0 ? n / w : null;
	}
}

/** The state of a mulberry32 stream (shared/random.ts), stepped inline by RatioResampler. */
interface Stream {
	state: number;
}
const streamOf = (seed: number): Stream => {
	if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
	return { state: seed >>> 0 };
};

function capSettings(cap: CapOptions): { maxShare: number; minCap: number } {
	// weightCap (run on the full data first) validates them.
	return { maxShare: cap.maxShare ?? 0.05, minCap: cap.minCap ?? 0 };
}

/**
 * clusterBootstrap(clusters, (s) => cappedRatio(s, cap).estimate, options), exactly (same draws, same
 * interval), in typed arrays: the dashboard runs it over thousands of installations per figure.
 */
export function cappedRatioBootstrap(
	clusters: readonly Cluster[],
	cap: CapOptions,
	options: BootstrapOptions
): BootstrapResult | null {
	const { resamples, level } = checkOptions(options);
	const estimate = cappedRatio(clusters, cap).estimate;
	if (estimate === null) return null;
	const { maxShare, minCap } = capSettings(cap);
	const resampler = new RatioResampler(clusters, maxShare, minCap);
	const stream = streamOf(options.seed);
	const values: number[] = [];
	for (let b = 0; b < resamples; b++) {
		const v = resampler.next(stream);
		if (v !== null) values.push(v);
	}
	return { estimate, ...percentiles(values, level) };
}

/**
 * clusterBootstrapDifference(a, b, (s) => cappedRatio(s, cap).estimate, options), exactly, in typed
 * arrays (see cappedRatioBootstrap).
 */
export function cappedRatioBootstrapDifference(
	a: readonly Cluster[],
	b: readonly Cluster[],
	cap: CapOptions,
	options: BootstrapOptions
): BootstrapResult | null {
	const { resamples, level } = checkOptions(options);
	const sa = cappedRatio(a, cap).estimate;
	const sb = cappedRatio(b, cap).estimate;
	if (sa === null || sb === null) return null;
	const { maxShare, minCap } = capSettings(cap);
	const ra = new RatioResampler(a, maxShare, minCap);
	const rb = new RatioResampler(b, maxShare, minCap);
	const stream = streamOf(options.seed);
	const values: number[] = [];
	for (let i = 0; i < resamples; i++) {
		const va = ra.next(stream);
		const vb = rb.next(stream);
		if (va !== null && vb !== null) values.push(vb - va);
	}
	return { estimate: sb - sa, ...percentiles(values, level) };
}
