/**
 * Which default highlight threshold the editor gets for a model version: the one chosen from production
 * labels once there are enough of them, else the evaluation's (models/<id>/eval.json), else the
 * manifest's or the built-in default.
 *
 * "Enough" is at least PRODUCTION_THRESHOLD_MINIMUM labelled model words (unweighted: words the server
 * holds, edited or reviewed without edits) from at least that many installations: fewer installations
 * would let one heavy user set everyone's threshold. The threshold is `recommendThreshold` over the
 * labels (best F1 for "this word will be changed", or the lowest reaching a target recall); when the
 * rule finds none (no word was ever changed, or the recall is never reached) the fallback stays.
 */
import { recommendThreshold, type LabelledWord, type ThresholdRule } from './calibration';

/** The least production evidence that replaces the evaluation's threshold (README: HIGHLIGHT_MIN_*). */
export const PRODUCTION_THRESHOLD_MINIMUM = { words: 2000, installations: 20 } as const;

/** Production labels of one model version. */
export interface ProductionLabels {
	/** Labelled model words (unweighted count). */
	words: number;
	/** Distinct installations they came from. */
	installations: number;
	/** The labels themselves (compressed ones with weights are fine: calibration.ts compressLabels). */
	labels: readonly LabelledWord[];
}

/** The threshold the editor gets and where it came from. */
export type ServedThreshold =
	| { threshold: number; source: 'production'; words: number; installations: number }
	| { threshold: number; source: 'evaluation' | 'default' };

/** The options of the rule. */
export interface ServedThresholdOptions {
	minWords?: number;
	minInstallations?: number;
	rule?: ThresholdRule;
}

/** The production threshold when the labels are enough and the rule finds one; else the fallback. */
export function servedThreshold(
	production: ProductionLabels | null,
	fallback: { threshold: number; source: 'evaluation' | 'default' },
	o: ServedThresholdOptions = {}
): ServedThreshold {
	const minWords = o.minWords ?? PRODUCTION_THRESHOLD_MINIMUM.words;
	const minInstallations = o.minInstallations ?? PRODUCTION_THRESHOLD_MINIMUM.installations;
	for (const [name, v] of [
		['minWords', minWords],
		['minInstallations', minInstallations]
	] as const)
		if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a whole number ≥ 1, got ${v}`);
	if (!production || production.words < minWords || production.installations < minInstallations)
		return { threshold: fallback.threshold, source: fallback.source };
	const best = recommendThreshold(production.labels, o.rule ?? { rule: 'best-f1' });
	if (!best) return { threshold: fallback.threshold, source: fallback.source };
	return {
		threshold: best.threshold,
		source: 'production',
		words: production.words,
		installations: production.installations
	};
}
