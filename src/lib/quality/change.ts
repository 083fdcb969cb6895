/**
 * Change detection on one version's daily WER: slow degradation (CUSUM) and a jump after a release.
 *
 * Input: one row per day (ascending, days without reviewed words may be absent or have 0 words) with
 * weighted errors and reference words, as SQL sums them.
 *
 * Daily noise: day t's errors are compared with the binomial expectation p₀·n_t, but words of one user
 * come together, so the variance is larger than binomial by a dispersion factor φ, estimated from the
 * reference days as the Pearson statistic Σ z² / (m − 1) (at least 1). Each day becomes
 *   z_t = (e_t − p₀ n_t) / √(φ p₀ (1 − p₀) n_t),
 * roughly standard normal while nothing changes, whatever the day's volume.
 *
 * Slow degradation: the one-sided CUSUM of Page (1954), S_t = max(0, S_{t−1} + z_t − k), alarm while
 * S_t > h. With k = 0.5, h = 5 the average run between false alarms is about 900 days for independent
 * normal z, and a sustained rise of one daily standard deviation is flagged after about 6–7 days;
 * small daily drifts that a daily eyeball misses add up. `since` is CUSUM's change-point estimate: the
 * first day after S last stood at 0. The reference (p₀, φ) comes from the first `referenceDays` days,
 * or is given (e.g. from the weeks after the version's release).
 *
 * Jump after a release: the pooled WER of the `window` days with data from the release day on,
 * against the `window` days before, with a two-sample z on pooled counts using φ from the days
 * before: z = (p_after − p_before) / √(φ p̄ (1 − p̄) (1/N_after + 1/N_before)). A jump is |z| ≥ 3
 * (default), so about 3 in 1000 releases with no change are flagged.
 */

/** One day of weighted WER sums. */
export interface DailyWer {
	/** The day, e.g. '2026-11-30'; ascending. */
	day: string;
	errors: number;
	words: number;
}

/** The reference level of daily WER. */
export interface Reference {
	wer: number;
	/** Variance inflation over binomial, ≥ 1. */
	dispersion: number;
}

/** CUSUM settings. */
export interface CusumOptions {
	/** Reference level; estimated from the first `referenceDays` days when absent. */
	reference?: Reference;
	/** Days (with words) used to estimate the reference (default 14). */
	referenceDays?: number;
	/** Allowance k in standard deviations (default 0.5). */
	k?: number;
	/** Decision threshold h (default 5). */
	h?: number;
}

/** CUSUM result on a daily series. */
export interface CusumResult {
	/** S_t > h on the last day. */
	alarm: boolean;
	/** First day of the current excursion when alarmed (the estimated start of the rise), else null. */
	since: string | null;
	/** First day S_t exceeded h in the current excursion, else null. */
	alarmDay: string | null;
	reference: Reference;
	/** S_t per day. */
	statistic: { day: string; s: number }[];
}

function checkSeries(series: readonly DailyWer[]): DailyWer[] {
	series.forEach((d, i) => {
		if (i > 0 && !(d.day > series[i - 1].day)) throw new RangeError(`days must be ascending: ${d.day}`);
		if (!(Number.isFinite(d.errors) && d.errors >= 0 && Number.isFinite(d.words) && d.words >= 0))
			throw new RangeError(`errors and words must be finite numbers ≥ 0 on ${d.day}`);
	});
	return series.filter((d) => d.words > 0);
}

/** Pooled WER and Pearson dispersion (≥ 1) of days with words; null with fewer than 3 such days. */
export function estimateReference(days: readonly DailyWer[]): Reference | null {
	const used = checkSeries(days);
	if (used.length < 3) return null;
	const errors = used.reduce((s, d) => s + d.errors, 0);
	const words = used.reduce((s, d) => s + d.words, 0);
	const p = errors / words;
	if (p <= 0 || p >= 1) return { wer: p, dispersion: 1 };
	const chi2 = used.reduce((s, d) => s + (d.errors - p * d.words) ** 2 / (p * (1 - p) * d.words), 0);
	return { wer: p, dispersion: Math.max(1, chi2 / (used.length - 1)) };
}

/** The standardised deviation of one day from the reference. */
export function dailyZ(day: DailyWer, ref: Reference): number {
	// A reference of 0 (or 1) would make every deviation infinite; floor the variance at one error.
	const p = Math.min(Math.max(ref.wer, 1 / (day.words + 1)), 1 - 1 / (day.words + 1));
	return (day.errors - ref.wer * day.words) / Math.sqrt(ref.dispersion * p * (1 - p) * day.words);
}

/** One-sided upper CUSUM of daily WER against a reference; null when no reference can be had. */
export function cusum(series: readonly DailyWer[], options: CusumOptions = {}): CusumResult | null {
	const days = checkSeries(series);
	const k = options.k ?? 0.5;
	const h = options.h ?? 5;
	if (!(k >= 0 && h > 0)) throw new RangeError('k must be ≥ 0 and h > 0');
	const referenceDays = options.referenceDays ?? 14;
	const reference = options.reference ?? estimateReference(days.slice(0, referenceDays));
	if (reference === null) return null;
	if (!(reference.dispersion >= 1)) throw new RangeError('dispersion must be ≥ 1');
	let s = 0;
	let start: string | null = null;
	let alarmDay: string | null = null;
	const statistic = days.map((d) => {
		s = Math.max(0, s + dailyZ(d, reference) - k);
		if (s === 0) {
			start = null;
			alarmDay = null;
		} else start ??= d.day;
		if (s > h) alarmDay ??= d.day;
		return { day: d.day, s };
	});
	const alarm = s > h;
	return { alarm, since: alarm ? start : null, alarmDay: alarm ? alarmDay : null, reference, statistic };
}

/** A before/after comparison around a release. */
export interface JumpResult {
	before: number;
	after: number;
	/** after − before. */
	difference: number;
	z: number;
	/** 'up' (regression) or 'down' when |z| ≥ threshold, else null. */
	jump: 'up' | 'down' | null;
	days: { before: number; after: number };
}

/** Tests for a jump in WER between the `window` days before `releaseDay` and from it on; null with < 3 days a side. */
export function detectJump(
	series: readonly DailyWer[],
	releaseDay: string,
	options: { window?: number; threshold?: number } = {}
): JumpResult | null {
	const window = options.window ?? 7;
	const threshold = options.threshold ?? 3;
	if (!Number.isInteger(window) || window < 3)
		throw new RangeError(`window must be an integer ≥ 3, got ${window}`);
	const days = checkSeries(series);
	const before = days.filter((d) => d.day < releaseDay).slice(-window);
	const after = days.filter((d) => d.day >= releaseDay).slice(0, window);
	if (before.length < 3 || after.length < 3) return null;
	const ref = estimateReference(before)!;
	const sum = (ds: DailyWer[], key: 'errors' | 'words') => ds.reduce((s, d) => s + d[key], 0);
	const nb = sum(before, 'words');
	const na = sum(after, 'words');
	const pb = sum(before, 'errors') / nb;
	const pa = sum(after, 'errors') / na;
	const pooled = (sum(before, 'errors') + sum(after, 'errors')) / (na + nb);
	const variance = ref.dispersion * pooled * (1 - pooled) * (1 / na + 1 / nb);
	const z = variance > 0 ? (pa - pb) / Math.sqrt(variance) : 0;
	return {
		before: pb,
		after: pa,
		difference: pa - pb,
		z,
		jump: z >= threshold ? 'up' : z <= -threshold ? 'down' : null,
		days: { before: before.length, after: after.length }
	};
}
