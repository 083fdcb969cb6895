/**
 * Star ratings (1–5) of one model version: distribution and mean with a clustered interval.
 *
 * The mean is Σ w·stars / Σ w over ratings, with sampling weights w = 1/r, pooled over installations
 * with the same kind of cap as WER (ratio.ts): no installation above 5 % of the weighted ratings, but
 * each may count up to 5 ratings, so one enthusiastic user cannot set the figure. The interval is the
 * installation-clustered bootstrap (bootstrap.ts): one user's ratings move together.
 * Stars are an ordinal scale; the mean is a convenient summary and the distribution is shown beside it.
 */
import { cappedRatioBootstrap, type BootstrapOptions } from './bootstrap';
import { toClusters, type CapOptions, type Cluster } from './ratio';

/** One rating event (or SQL's sum of ratings per installation, stars and sampling rate). */
export interface RatingRow {
	installationId: string;
	stars: number;
	samplingRate?: number;
}

/** Default cap for ratings: at most 5 % of the weighted ratings per installation, never below 5 ratings. */
export const RATING_CAP: Required<CapOptions> = { maxShare: 0.05, minCap: 5 };

function checkStars(rows: readonly RatingRow[]): void {
	for (const r of rows)
		if (!Number.isInteger(r.stars) || r.stars < 1 || r.stars > 5)
			throw new RangeError(`stars must be an integer 1–5, got ${r.stars}`);
}

/** One cluster per installation: numerator Σ w·stars, denominator Σ w. */
export function ratingClusters(rows: readonly RatingRow[]): Cluster[] {
	checkStars(rows);
	return toClusters(
		rows.map((r) => ({
			installationId: r.installationId,
			numerator: r.stars,
			denominator: 1,
			samplingRate: r.samplingRate
		}))
	);
}

/** Weighted distribution of stars. */
export interface RatingDistribution {
	/** Weighted counts of 1…5 stars (index 0 = 1 star). */
	counts: [number, number, number, number, number];
	/** The same as shares of the total; all null without ratings. */
	shares: [number | null, number | null, number | null, number | null, number | null];
	/** Ratings (unweighted). */
	ratings: number;
}

/** The weighted distribution of stars (not capped: it describes all ratings). */
export function ratingDistribution(rows: readonly RatingRow[]): RatingDistribution {
	checkStars(rows);
	const counts: RatingDistribution['counts'] = [0, 0, 0, 0, 0];
	for (const r of rows) {
		const rate = r.samplingRate ?? 1;
		if (!(rate > 0 && rate <= 1)) throw new RangeError(`samplingRate must be in (0, 1], got ${rate}`);
		counts[r.stars - 1] += 1 / rate;
	}
	const total = counts.reduce((s, c) => s + c, 0);
	const shares = counts.map((c) => (total > 0 ? c / total : null)) as RatingDistribution['shares'];
	return { counts, shares, ratings: rows.length };
}

/** A mean rating with its interval. */
export interface RatingMean {
	estimate: number;
	low: number;
	high: number;
	installations: number;
	ratings: number;
}

/** Capped weighted mean stars with an installation-clustered bootstrap interval; null without ratings. */
export function meanRating(
	rows: readonly RatingRow[],
	options: BootstrapOptions & { cap?: CapOptions }
): RatingMean | null {
	const clusters = ratingClusters(rows);
	const cap = options.cap ?? RATING_CAP;
	const b = cappedRatioBootstrap(clusters, cap, options);
	if (b === null) return null;
	return {
		estimate: b.estimate,
		low: b.low,
		high: b.high,
		installations: clusters.length,
		ratings: rows.length
	};
}
