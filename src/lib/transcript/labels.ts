/**
 * Labels for telemetry: what the user's corrections say about each word the model produced, and how far
 * the model's output was from the corrected text. These are the training and calibration signal: a
 * word's confidence beside whether the user kept it.
 *
 * Per segment, unchanged words are `kept` (or `confirmed` when the user marked them correct). Between two
 * unchanged words, the model words without a counterpart are aligned (./align.ts) with the words the user
 * typed there: a paired model word is `substituted` (its `correction` is the typed word), an unpaired
 * one `deleted`. Typed words with no model word are insertions, counted in `correctionWer`.
 */
import { alignWords, totalWer, wer, type WerResult } from './align';
import { segmentText, type DocSegment, type TranscriptDoc } from './document';

/** What happened to one word of the model's output. */
export interface WordLabel {
	/** Index into the segment's `original.words`. */
	originalIndex: number;
	text: string;
	confidence: number;
	start: number;
	end: number;
	label: 'kept' | 'confirmed' | 'substituted' | 'deleted';
	/** The user's word in its place for `substituted`, else null. */
	correction: string | null;
}

/** Labels every model word of a segment (method in the file header). */
export function labelSegment(seg: DocSegment): WordLabel[] {
	const orig = seg.original.words;
	const labels: WordLabel[] = orig.map((w, i) => ({
		originalIndex: i,
		text: w.text,
		confidence: w.confidence,
		start: w.start,
		end: w.end,
		label: 'deleted',
		correction: null
	}));
	let prev = -1;
	let run: string[] = [];
	const closeGap = (next: number) => {
		const gap = orig.slice(prev + 1, next).map((w) => w.text);
		for (const op of alignWords(gap, run)) {
			if (op.ref === null) continue;
			const l = labels[prev + 1 + op.ref];
			if (op.op === 'correct') l.label = 'kept';
			else if (op.op === 'substitution') {
				l.label = 'substituted';
				l.correction = run[op.hyp as number];
			}
		}
		run = [];
	};
	for (const w of seg.words) {
		if (w.originalIndex === null) {
			run.push(w.text);
			continue;
		}
		closeGap(w.originalIndex);
		labels[w.originalIndex].label = w.confirmed ? 'confirmed' : 'kept';
		prev = w.originalIndex;
	}
	closeGap(orig.length);
	return labels;
}

/**
 * WER of the model's output measured against the user's corrected text (the reference), summed over
 * segments so each segment's edit is aligned with its own model words. `normalise` as in `wer`.
 */
export function correctionWer(
	doc: TranscriptDoc,
	normalise: boolean | ((text: string) => string) = true
): WerResult {
	return totalWer(
		doc.segments.map((s) => wer(segmentText(s), s.original.words.map((w) => w.text).join(' '), normalise))
	);
}
