/**
 * Calibration labels from an evaluation set (npm run eval): each model word against the reference.
 *
 * Both sides are normalised as the WER is (normalize.ts); a model word may normalise to
 * several tokens ('42' → 'forty two') or none (a lone dash). The model's tokens are aligned with the
 * reference's (align.ts, reference = the reference text, hypothesis = the model), and a model
 * word is `changed` when any of its tokens was substituted or has no reference partner (an insertion:
 * a user would delete it), the same rule as production labels (quality/calibration.ts). Words that
 * normalise to nothing are no labels.
 */
import { alignWords } from './align';
import { normalizeWords } from './normalize';

/** A model word as a calibration label (quality/calibration.ts LabelledWord). */
export interface EvalLabel {
	confidence: number;
	changed: boolean;
}

/** Labels of the model's words (text and confidence) against one reference text. */
export function evalLabels(
	modelWords: readonly { text: string; confidence: number }[],
	reference: string
): EvalLabel[] {
	const owner: number[] = [];
	const tokens: string[] = [];
	modelWords.forEach((w, i) => {
		for (const t of normalizeWords(w.text)) {
			tokens.push(t);
			owner.push(i);
		}
	});
	const changed = new Array<boolean>(modelWords.length).fill(false);
	const labelled = new Array<boolean>(modelWords.length).fill(false);
	for (const i of owner) labelled[i] = true;
	for (const op of alignWords(normalizeWords(reference), tokens))
		if (op.hyp !== null && op.op !== 'correct') changed[owner[op.hyp]] = true;
	return modelWords.flatMap((w, i) =>
		labelled[i] ? [{ confidence: w.confidence, changed: changed[i] }] : []
	);
}
