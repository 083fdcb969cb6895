/**
 * Confidence calibration and the highlight threshold, from labelled model words.
 *
 * Each model word the user saw in a reviewed segment is a label: `changed` when the user replaced or
 * deleted it (alignment op substitution or insertion), unchanged when kept (correct). Words the user
 * added have no model word and no confidence, so they are not labels here. `weight` is the sampling
 * weight 1/r (default 1). `npm run eval` builds the same array from the evaluation set (changed =
 * the word is wrong against the reference), so both choose thresholds by one rule.
 *
 * - Reliability: confidences in equal-width bins over [0, 1] (the last bin includes 1); per bin the
 *   mean confidence and the share of words users changed. A calibrated model changes 1 − c of words
 *   at confidence c, so the diagram plots accuracy (1 − changed share) against mean confidence.
 * - ECE (expected calibration error) = Σ_b (W_b / W) · |accuracy_b − mean confidence_b|, the usual
 *   binned definition; it depends on the number of bins, so the bin count is part of the figure.
 * - Highlighting: the editor highlights words with confidence < threshold. As a detector of words the
 *   user will change: precision = changed ∧ highlighted / highlighted, recall = changed ∧
 *   highlighted / changed, F1 their harmonic mean (all weighted).
 * - Recommended threshold: among candidate thresholds (default 0.01, 0.02, …, 1.00) either the one
 *   with the best F1 (ties: the lowest, fewer highlights) or the lowest reaching a target recall.
 */

/** One model word as a label for calibration. */
export interface LabelledWord {
	confidence: number;
	/** The user replaced or deleted the word (or, in evaluation, it is wrong against the reference). */
	changed: boolean;
	/** Sampling weight 1/r (default 1). */
	weight?: number;
}

/** One reliability bin. */
export interface ReliabilityBin {
	/** Confidence range [low, high) (the last bin includes 1). */
	low: number;
	high: number;
	/** Words in the bin (unweighted) and their total weight. */
	count: number;
	weight: number;
	/** Weighted mean confidence; null for an empty bin. */
	meanConfidence: number | null;
	/** Weighted share of the bin's words users changed; null for an empty bin. */
	changedShare: number | null;
}

function check(words: readonly LabelledWord[]): void {
	for (const w of words) {
		if (!(w.confidence >= 0 && w.confidence <= 1))
			throw new RangeError(`confidence must be in [0, 1], got ${w.confidence}`);
		const weight = w.weight ?? 1;
		if (!(Number.isFinite(weight) && weight >= 0)) throw new RangeError(`weight must be ≥ 0, got ${weight}`);
	}
}

/** Reliability bins: equal-width confidence bins with mean confidence and changed share. */
export function reliabilityBins(words: readonly LabelledWord[], bins = 10): ReliabilityBin[] {
	if (!Number.isInteger(bins) || bins < 1)
		throw new RangeError(`bins must be a positive integer, got ${bins}`);
	check(words);
	const acc = Array.from({ length: bins }, () => ({ count: 0, weight: 0, conf: 0, changed: 0 }));
	for (const w of words) {
		const b = acc[Math.min(bins - 1, Math.floor(w.confidence * bins))];
		const weight = w.weight ?? 1;
		b.count++;
		b.weight += weight;
		b.conf += weight * w.confidence;
		if (w.changed) b.changed += weight;
	}
	return acc.map((b, i) => ({
		low: i / bins,
		high: (i + 1) / bins,
		count: b.count,
		weight: b.weight,
		meanConfidence: b.weight > 0 ? b.conf / b.weight : null,
		changedShare: b.weight > 0 ? b.changed / b.weight : null
	}));
}

/** Expected calibration error over `bins` equal-width bins; null without (weighted) words. */
export function expectedCalibrationError(words: readonly LabelledWord[], bins = 10): number | null {
	const rb = reliabilityBins(words, bins);
	const total = rb.reduce((s, b) => s + b.weight, 0);
	if (total === 0) return null;
	return rb.reduce(
		(s, b) => (b.weight > 0 ? s + (b.weight / total) * Math.abs(1 - b.changedShare! - b.meanConfidence!) : s),
		0
	);
}

/** Precision, recall and F1 of "highlighted (confidence < threshold) ⇒ changed". */
export interface HighlightScore {
	threshold: number;
	/** Weighted share of words highlighted. */
	highlightedShare: number | null;
	/** Null when nothing is highlighted. */
	precision: number | null;
	/** Null when no word was changed. */
	recall: number | null;
	/** Null when precision or recall is undefined, 0 when both are 0. */
	f1: number | null;
}

/** Scores the highlight rule at one threshold. */
export function highlightScore(words: readonly LabelledWord[], threshold: number): HighlightScore {
	if (!(threshold >= 0 && threshold <= 1))
		throw new RangeError(`threshold must be in [0, 1], got ${threshold}`);
	check(words);
	let total = 0;
	let highlighted = 0;
	let changed = 0;
	let hit = 0;
	for (const w of words) {
		const weight = w.weight ?? 1;
		const h = w.confidence < threshold;
		total += weight;
		if (h) highlighted += weight;
		if (w.changed) changed += weight;
		if (h && w.changed) hit += weight;
	}
	const precision = highlighted > 0 ? hit / highlighted : null;
	const recall = changed > 0 ? hit / changed : null;
	const f1 =
		precision === null || recall === null
			? null
			: precision + recall === 0
				? 0
				: (2 * precision * recall) / (precision + recall);
	return { threshold, highlightedShare: total > 0 ? highlighted / total : null, precision, recall, f1 };
}

/** How to pick the highlight threshold. */
export type ThresholdRule = { rule: 'best-f1' } | { rule: 'target-recall'; recall: number };

/** The default candidate thresholds 0.01, 0.02, …, 1.00. */
export const DEFAULT_THRESHOLDS: readonly number[] = Array.from({ length: 100 }, (_, i) => (i + 1) / 100);

/**
 * The recommended threshold by `rule` among `candidates` (with its score); null when no candidate
 * qualifies (no changed words, or the target recall is never reached).
 */
export function recommendThreshold(
	words: readonly LabelledWord[],
	rule: ThresholdRule = { rule: 'best-f1' },
	candidates: readonly number[] = DEFAULT_THRESHOLDS
): HighlightScore | null {
	if (rule.rule === 'target-recall' && !(rule.recall > 0 && rule.recall <= 1))
		throw new RangeError(`target recall must be in (0, 1], got ${rule.recall}`);
	const scores = [...candidates].sort((a, b) => a - b).map((t) => highlightScore(words, t));
	if (rule.rule === 'target-recall')
		return scores.find((s) => s.recall !== null && s.recall >= rule.recall) ?? null;
	let best: HighlightScore | null = null;
	for (const s of scores) if (s.f1 !== null && (best === null || s.f1 > best.f1!)) best = s;
	return best;
}
