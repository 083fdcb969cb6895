/**
 * Word error rate over reviewed speech, per model version, from per-installation sums.
 *
 * Reference = the user's text, hypothesis = the model's words (src/lib/transcript/align.ts), over
 * the segments the user reviewed (src/lib/transcript/review.ts: edited, confirmed a word, or played
 * through on screen). Unreviewed segments are left out: we do not know their errors, and assuming
 * them correct would flatter the model.
 *
 * Three figures, each with sampling weights 1/r and the per-installation cap of ratio.ts (default: no
 * installation above 5 % of the words, but every installation may count up to 200 reference words):
 * - `reviewed`: errors / reference words over reviewed segments; the headline estimate.
 * - `editedOnly`: the same over edited segments only. Users edit where the model erred, so this is an
 *   upper bound of the reviewed figure; the gap shows how much confirmation and listening add.
 * - `coverage`: model words in reviewed segments / model words transcribed (weighted, uncapped): how
 *   much of the output the estimate speaks for. A low coverage means a selective sample. Clamped to 1:
 *   when the event types are sampled at different rates the two weighted sums can cross by chance.
 */
import { cappedRatioBootstrap, type BootstrapOptions } from './bootstrap';
import { cappedRatio, toClusters, type CapOptions, type CappedRatio } from './ratio';

/** One installation's error counts (under one sampling rate), as SQL sums them. */
export interface WerRow {
	installationId: string;
	/** Substitutions + insertions + deletions. */
	errors: number;
	/** Words of the user's text (the WER denominator). */
	referenceWords: number;
	/** The model's words in the same segments. */
	hypothesisWords: number;
	samplingRate?: number;
}

/** Model words transcribed by one installation (reviewed or not), under one sampling rate. */
export interface TranscribedRow {
	installationId: string;
	words: number;
	samplingRate?: number;
}

/** A pooled WER. */
export interface PooledWer {
	/** Capped pooled WER; null without reference words. */
	wer: number | null;
	/** Pooled WER without the cap (sampling weights applied). */
	uncappedWer: number | null;
	/** Weighted reference words before the cap. */
	words: number;
	installations: number;
	/** The per-installation cap in reference words (Infinity when none binds). */
	cap: number;
	/** Largest share of the capped words one installation carries. */
	largestShare: number;
	/** Clustered linearisation variance of `wer` (for the sequential test). */
	variance: number | null;
}

/** Default cap: at most 5 % of the words per installation, never below 200 words. */
export const WER_CAP: Required<CapOptions> = { maxShare: 0.05, minCap: 200 };

/** The installations' clusters of (errors, reference words) with sampling weights. */
export function werClusters(rows: readonly WerRow[]) {
	rows.forEach((r) => {
		if (!Number.isFinite(r.hypothesisWords) || r.hypothesisWords < 0)
			throw new RangeError(`hypothesisWords must be a finite number ≥ 0, got ${r.hypothesisWords}`);
	});
	return toClusters(
		rows.map((r) => ({
			installationId: r.installationId,
			numerator: r.errors,
			denominator: r.referenceWords,
			samplingRate: r.samplingRate
		}))
	);
}

/** Converts a capped ratio into the WER figures. */
export function toPooledWer(r: CappedRatio): PooledWer {
	return {
		wer: r.estimate,
		uncappedWer: r.uncapped,
		words: r.rawDenominator,
		installations: r.installations,
		cap: r.cap,
		largestShare: r.largestShare,
		variance: r.variance
	};
}

/** Pooled WER of per-installation rows with sampling weights and the per-installation cap. */
export function pooledWer(rows: readonly WerRow[], cap: CapOptions = WER_CAP): PooledWer {
	return toPooledWer(cappedRatio(werClusters(rows), cap));
}

/** Reviewed WER, the edited-only upper bound and coverage of one model version. */
export interface WerSummary {
	reviewed: PooledWer;
	editedOnly: PooledWer;
	/** Reviewed model words / transcribed model words; null when nothing was transcribed. */
	coverage: number | null;
}

/** Computes the reviewed WER, the edited-only figure and coverage from their per-installation rows. */
export function werSummary(
	input: { reviewed: readonly WerRow[]; edited: readonly WerRow[]; transcribed: readonly TranscribedRow[] },
	cap: CapOptions = WER_CAP
): WerSummary {
	return {
		reviewed: pooledWer(input.reviewed, cap),
		editedOnly: pooledWer(input.edited, cap),
		coverage: werCoverage(input)
	};
}

/** Reviewed model words / transcribed model words (weighted, at most 1); null when nothing was transcribed. */
export function werCoverage(input: {
	reviewed: readonly WerRow[];
	transcribed: readonly TranscribedRow[];
}): number | null {
	const weighted = (words: number, rate = 1) => {
		if (!(rate > 0 && rate <= 1)) throw new RangeError(`samplingRate must be in (0, 1], got ${rate}`);
		if (!Number.isFinite(words) || words < 0) throw new RangeError(`words must be ≥ 0, got ${words}`);
		return words / rate;
	};
	const reviewedWords = input.reviewed.reduce((s, r) => s + weighted(r.hypothesisWords, r.samplingRate), 0);
	const transcribed = input.transcribed.reduce((s, r) => s + weighted(r.words, r.samplingRate), 0);
	return transcribed > 0 ? Math.min(1, reviewedWords / transcribed) : null;
}

/** A WER with its installation-clustered bootstrap interval. */
export interface WerInterval {
	estimate: number;
	low: number;
	high: number;
	installations: number;
	/** Weighted reference words before the cap. */
	words: number;
}

/** Pooled WER with a 95 % (or `level`) installation-clustered bootstrap interval; null without words. */
export function werInterval(
	rows: readonly WerRow[],
	options: BootstrapOptions & { cap?: CapOptions }
): WerInterval | null {
	const clusters = werClusters(rows);
	const cap = options.cap ?? WER_CAP;
	const b = cappedRatioBootstrap(clusters, cap, options);
	if (b === null) return null;
	const total = clusters.reduce((s, c) => s + c.denominator, 0);
	return { estimate: b.estimate, low: b.low, high: b.high, installations: clusters.length, words: total };
}
