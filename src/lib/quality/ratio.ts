/**
 * The estimator under WER and mean rating: a ratio of sums over installations, with a weight cap.
 *
 * Both figures are "sum of a numerator over sum of a denominator" (errors / reference words,
 * stars / ratings), summed over installations (the pseudonymous users, our clusters). Pooling words
 * rather than averaging per-installation rates is the usual WER definition, but it lets one heavy user
 * decide the figure. So each installation's totals are scaled down by f = min(1, cap / denominator):
 * it keeps its own rate but counts with at most `cap` units.
 *
 * The cap is chosen so that no installation carries more than `maxShare` of the capped total:
 * cap* = the largest c with c ≤ maxShare · Σ min(dᵢ, c) (found exactly, see `weightCap`); if the
 * uncapped data already satisfy the bound nothing is scaled. With fewer than 1/maxShare installations
 * the bound cannot hold (one of k installations always carries ≥ 1/k); then cap* = the smallest size,
 * i.e. equal weights, the limit of the rule as k · maxShare falls to 1. The cap is never
 * below `minCap` (e.g. 200 words): an installation that contributed that little is never scaled down,
 * so with few installations every installation counts with up to `minCap` units, i.e. about equally.
 *
 * Sampling: an event sent under sampling rate r stands for 1/r events, so each row's numerator and
 * denominator are multiplied by 1/r before anything else (rows of one installation sent under
 * different rates are merged after weighting).
 *
 * Variance: the linearisation (delta-method) variance of a ratio with clustered data,
 * Var(R) ≈ k/(k−1) · Σ (fᵢ(nᵢ − R dᵢ))² / (Σ fᵢ dᵢ)², treating the scale factors as fixed. It is
 * cheap and deterministic, so the sequential test can recompute it at every look; the dashboard's
 * intervals use the clustered bootstrap (bootstrap.ts) instead.
 */

/** One row of sufficient statistics: an installation's sums, sent under one sampling rate. */
export interface ClusterRow {
	installationId: string;
	numerator: number;
	denominator: number;
	/** The sampling rate the events were sent under, in (0, 1]; 1 when absent. */
	samplingRate?: number;
}

/** One installation's totals after sampling weights. */
export interface Cluster {
	installationId: string;
	numerator: number;
	denominator: number;
}

/** How much one installation may weigh. */
export interface CapOptions {
	/** Largest share of the capped total one installation may carry (default 0.05). */
	maxShare?: number;
	/** The cap is never below this many denominator units (default 0: no floor). */
	minCap?: number;
}

/** A capped ratio estimate. */
export interface CappedRatio {
	/** Σ fᵢ nᵢ / Σ fᵢ dᵢ; null when the capped denominator is 0. */
	estimate: number | null;
	/** Σ nᵢ / Σ dᵢ without the cap (sampling weights applied); null when Σ dᵢ = 0. */
	uncapped: number | null;
	/** Linearisation variance of `estimate` (clustered); null with fewer than 2 installations or no estimate. */
	variance: number | null;
	/** Σ fᵢ nᵢ and Σ fᵢ dᵢ. */
	numerator: number;
	denominator: number;
	/** Σ dᵢ before the cap. */
	rawDenominator: number;
	/** The cap in denominator units (Infinity when nothing is scaled). */
	cap: number;
	/** Largest share of the capped denominator carried by one installation (0 without data). */
	largestShare: number;
	installations: number;
}

function finiteNonNegative(v: number, what: string): void {
	if (!Number.isFinite(v) || v < 0) throw new RangeError(`${what} must be a finite number ≥ 0, got ${v}`);
}

/** Merges rows into one cluster per installation, weighting each row by 1 / samplingRate. */
export function toClusters(rows: readonly ClusterRow[]): Cluster[] {
	const byId = new Map<string, Cluster>();
	for (const r of rows) {
		finiteNonNegative(r.numerator, 'numerator');
		finiteNonNegative(r.denominator, 'denominator');
		const rate = r.samplingRate ?? 1;
		if (!(rate > 0 && rate <= 1)) throw new RangeError(`samplingRate must be in (0, 1], got ${rate}`);
		const c = byId.get(r.installationId) ?? {
			installationId: r.installationId,
			numerator: 0,
			denominator: 0
		};
		c.numerator += r.numerator / rate;
		c.denominator += r.denominator / rate;
		byId.set(r.installationId, c);
	}
	return [...byId.values()];
}

/**
 * The cap: the largest c satisfying c ≤ maxShare · Σ min(dᵢ, c), raised to minCap (Infinity when the
 * uncapped sizes already satisfy it; the smallest positive size when no c > 0 does).
 */
export function weightCap(sizes: readonly number[], options: CapOptions = {}): number {
	const maxShare = options.maxShare ?? 0.05;
	const minCap = options.minCap ?? 0;
	if (!(maxShare > 0 && maxShare <= 1)) throw new RangeError(`maxShare must be in (0, 1], got ${maxShare}`);
	finiteNonNegative(minCap, 'minCap');
	// The usual case (no installation above its share) in one pass, before any sorting: the bootstrap
	// calls this once per resample, and a sort of thousands of sizes there dominated the dashboard.
	let total = 0;
	let largest = 0;
	for (const s of sizes) {
		finiteNonNegative(s, 'size');
		total += s;
		if (s > largest) largest = s;
	}
	if (largest <= maxShare * total) return Infinity;
	// Installations without any denominator weigh nothing either way.
	return capOfSorted(
		sizes.filter((s) => s > 0).sort((a, b) => a - b),
		maxShare,
		minCap
	);
}

/**
 * weightCap's root search on the positive sizes sorted ascending (at least one, and the largest above
 * its share); the bootstrap's typed-array loop (bootstrap.ts cappedRatioBootstrap) calls it directly.
 */
export function capOfSorted(sorted: ArrayLike<number>, maxShare: number, minCap: number): number {
	// g(c) = maxShare · Σ min(dᵢ, c) − c is concave, 0 at 0 and negative at the largest size. On the
	// piece where exactly the j smallest sizes are below c, Σ min(dᵢ, c) = prefix_j + (k − j)·c, so
	// the root there is c = maxShare · prefix_j / (1 − maxShare · (k − j)); it is valid when it lies in
	// [d_j, d_{j+1}] (sizes sorted, d_0 = 0) and the slope there is negative.
	const k = sorted.length;
	let prefix = 0;
	let root = 0;
	for (let j = 0; j < k; j++) {
		const lo = j === 0 ? 0 : sorted[j - 1];
		const hi = sorted[j];
		const slope = maxShare * (k - j) - 1;
		if (slope < 0 && prefix > 0) {
			const c = (maxShare * prefix) / -slope;
			if (c >= lo && c <= hi) {
				root = c;
				break;
			}
		}
		prefix += hi;
	}
	// No root: too few installations for the share; weigh them equally (everyone capped to the smallest).
	if (root === 0) root = sorted[0];
	return Math.max(root, minCap);
}

/** The capped pooled ratio of installation clusters, with its clustered linearisation variance. */
export function cappedRatio(clusters: readonly Cluster[], options: CapOptions = {}): CappedRatio {
	const cap = weightCap(
		clusters.map((c) => c.denominator),
		options
	);
	let num = 0;
	let den = 0;
	let rawNum = 0;
	let rawDen = 0;
	const scaled = clusters.map((c) => {
		const f = c.denominator > cap ? cap / c.denominator : 1;
		rawNum += c.numerator;
		rawDen += c.denominator;
		num += f * c.numerator;
		den += f * c.denominator;
		return { n: f * c.numerator, d: f * c.denominator };
	});
	const estimate = den > 0 ? num / den : null;
	const k = clusters.length;
	let variance: number | null = null;
	if (estimate !== null && k >= 2) {
		const ss = scaled.reduce((s, c) => s + (c.n - estimate * c.d) ** 2, 0);
		variance = ((k / (k - 1)) * ss) / (den * den);
	}
	const largest = scaled.reduce((m, c) => Math.max(m, c.d), 0);
	return {
		estimate,
		uncapped: rawDen > 0 ? rawNum / rawDen : null,
		variance,
		numerator: num,
		denominator: den,
		rawDenominator: rawDen,
		cap,
		largestShare: den > 0 ? largest / den : 0,
		installations: k
	};
}
