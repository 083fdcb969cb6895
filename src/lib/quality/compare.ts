/**
 * Comparing two model versions (baseline → candidate) while the dashboard is looked at every day.
 *
 * Why not a fixed-sample test: a 95 % z-test or bootstrap interval has a 5 % false-alarm rate for ONE
 * look at a sample size fixed in advance. The dashboard recomputes it every day on growing data and a
 * reader acts on the first day it says "significant". Under no difference the running z-statistic
 * wanders like a random walk and crosses ±1.96 at some point far more often than 5 % of the time
 * (about 25–30 % over 30 daily looks; the spec measures it). Each look is another chance to be fooled.
 *
 * What we use: the mixture sequential probability ratio test (mSPRT; Robbins 1970, as used for A/B
 * tests by Johari, Pekelis & Walsh, "Always valid inference", 2017). With Δ the estimated difference
 * (candidate − baseline) and V its variance, the likelihood ratio of "Δ ~ N(0, τ²)" against "Δ = 0",
 *   Λ = √(V / (V + τ²)) · exp(τ² Δ² / (2 V (V + τ²))),
 * is a non-negative martingale under no difference, so by Ville's inequality the chance that it EVER
 * exceeds 1/α, at any of unboundedly many looks, is at most α. We call a difference significant when
 * Λ ≥ 1/α, report the always-valid p-value min(1, 1/Λ), and the matching confidence sequence
 *   Δ ± √(V (V + τ²) / τ² · (2 ln(1/α) + ln((V + τ²) / V))),
 * which excludes 0 exactly when the test rejects. The price is width: the sequence is wider than the
 * fixed-sample interval, which is also reported (labelled as such) for reading the size of the effect.
 * τ is the size of difference the test is tuned to detect fastest (defaults: 0.03 absolute WER,
 * 0.25 stars); the guarantee holds for any τ, chosen in advance.
 *
 * Assumptions: Δ is approximately normal with the clustered linearisation variance of ratio.ts, so
 * the guarantee is asymptotic; looks with fewer than `minInstallations` per version are not tested.
 * The two versions are treated as independent samples; installations that used both make their
 * estimates positively correlated, which makes V (the sum of both variances) conservative.
 */
import { cappedRatioBootstrapDifference, type BootstrapOptions } from './bootstrap';
import { cappedRatio, type CapOptions, type CappedRatio, type Cluster } from './ratio';
import { RATING_CAP, ratingClusters, type RatingRow } from './ratings';
import { WER_CAP, werClusters, type WerRow } from './wer';

/** The always-valid test of one difference at one look. */
export interface SequentialTest {
	/**
	 * ln Λ, the log of the mixture likelihood ratio. Λ itself overflows to Infinity once the evidence is
	 * overwhelming (ln Λ > 709: a real regression over a million corrections gets there), and JSON
	 * writes Infinity as null, which broke the whole dashboard; the log stays finite.
	 */
	logLikelihoodRatio: number;
	/** min(1, 1/Λ): valid however often it is looked at. */
	pValue: number;
	significant: boolean;
	/** The confidence sequence for the difference at this look. */
	low: number;
	high: number;
}

/** Settings of the mixture sequential test. */
export interface SequentialOptions {
	/** False-alarm rate over all looks (default 0.05). */
	alpha?: number;
	/** Standard deviation of the mixture over differences, in the difference's units. */
	tau: number;
}

/** The mSPRT for a difference `difference` with variance `variance` at one look. */
export function mixtureSequentialTest(
	difference: number,
	variance: number,
	options: SequentialOptions
): SequentialTest {
	const alpha = options.alpha ?? 0.05;
	const tau2 = options.tau ** 2;
	if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
	if (!(tau2 > 0 && Number.isFinite(tau2))) throw new RangeError(`tau must be > 0, got ${options.tau}`);
	if (!(variance > 0 && Number.isFinite(variance)))
		throw new RangeError(`variance must be a finite number > 0, got ${variance}`);
	if (!Number.isFinite(difference)) throw new RangeError(`difference must be finite, got ${difference}`);
	const logRatio =
		0.5 * Math.log(variance / (variance + tau2)) +
		(tau2 * difference * difference) / (2 * variance * (variance + tau2));
	const radius = Math.sqrt(
		((variance * (variance + tau2)) / tau2) *
			(2 * Math.log(1 / alpha) + Math.log((variance + tau2) / variance))
	);
	return {
		logLikelihoodRatio: logRatio,
		pValue: Math.min(1, Math.exp(-logRatio)),
		significant: logRatio >= Math.log(1 / alpha),
		low: difference - radius,
		high: difference + radius
	};
}

/** One figure compared between two versions. */
export interface Comparison {
	baseline: number;
	candidate: number;
	/** candidate − baseline. */
	difference: number;
	/** Fixed-sample bootstrap percentile interval of the difference: valid for one look only. */
	fixedLow: number;
	fixedHigh: number;
	/** The always-valid test; null with fewer than `minInstallations` installations in a version. */
	sequential: SequentialTest | null;
	installations: { baseline: number; candidate: number };
}

/** Settings of a release comparison. */
export interface CompareOptions extends BootstrapOptions, Partial<SequentialCompareOptions> {
	/** Mixture scale τ of the test (default 0.03 for WER, 0.25 for stars). */
	tau?: number;
	cap?: CapOptions;
}

/** Settings of the sequential test on two versions' capped ratios. */
export interface SequentialCompareOptions {
	alpha?: number;
	tau: number;
	/** Versions with fewer installations are not tested (default 10). */
	minInstallations?: number;
}

/** The always-valid test of b − a for two capped ratios; null when either version is too small to test. */
export function sequentialDifference(
	a: CappedRatio,
	b: CappedRatio,
	options: SequentialCompareOptions
): SequentialTest | null {
	const minInstallations = options.minInstallations ?? 10;
	if (a.estimate === null || b.estimate === null) return null;
	if (a.installations < minInstallations || b.installations < minInstallations) return null;
	const variance = (a.variance ?? 0) + (b.variance ?? 0);
	// Zero variance (every installation at the same rate) gives no scale to test against.
	if (!(variance > 0)) return null;
	return mixtureSequentialTest(b.estimate - a.estimate, variance, { alpha: options.alpha, tau: options.tau });
}

/** Compares the capped ratio of two groups of clusters: both estimates, their difference and the tests. */
export function compareClusters(
	baseline: readonly Cluster[],
	candidate: readonly Cluster[],
	options: CompareOptions & { tau: number; cap: CapOptions }
): Comparison | null {
	const a = cappedRatio(baseline, options.cap);
	const b = cappedRatio(candidate, options.cap);
	if (a.estimate === null || b.estimate === null) return null;
	const fixed = cappedRatioBootstrapDifference(baseline, candidate, options.cap, options)!;
	return {
		baseline: a.estimate,
		candidate: b.estimate,
		difference: b.estimate - a.estimate,
		fixedLow: fixed.low,
		fixedHigh: fixed.high,
		sequential: sequentialDifference(a, b, options),
		installations: { baseline: a.installations, candidate: b.installations }
	};
}

/** Reviewed-WER difference (candidate − baseline; positive = regression) with both intervals and the test. */
export function compareWer(
	baseline: readonly WerRow[],
	candidate: readonly WerRow[],
	options: CompareOptions
): Comparison | null {
	return compareClusters(werClusters(baseline), werClusters(candidate), {
		...options,
		tau: options.tau ?? 0.03,
		cap: options.cap ?? WER_CAP
	});
}

/** Mean-rating difference (candidate − baseline; negative = regression) with both intervals and the test. */
export function compareRatings(
	baseline: readonly RatingRow[],
	candidate: readonly RatingRow[],
	options: CompareOptions
): Comparison | null {
	return compareClusters(ratingClusters(baseline), ratingClusters(candidate), {
		...options,
		tau: options.tau ?? 0.25,
		cap: options.cap ?? RATING_CAP
	});
}
