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

/**
 * One step of a segment's word alignment with the user's words as the reference and the model's as
 * the hypothesis: `original` indexes `seg.original.words`, `corrected` indexes `seg.words`.
 */
export interface AnchoredOp {
	op: 'correct' | 'substitution' | 'insertion' | 'deletion';
	original: number | null;
	corrected: number | null;
}

/**
 * Aligns a segment's edited words with the model's words. Unchanged words are `correct` through the
 * document's own links (`originalIndex`); between two of them, the typed words and the model words
 * without a counterpart are aligned by Levenshtein (./align.ts). A model word the user removed is an
 * `insertion` (the model said more than the reference), a word the user typed in a `deletion`.
 */
export function anchoredAlignment(seg: DocSegment): AnchoredOp[] {
	const orig = seg.original.words;
	const ops: AnchoredOp[] = [];
	let prev = -1;
	let run: number[] = [];
	const closeGap = (next: number) => {
		const gap = orig.slice(prev + 1, next).map((w) => w.text);
		for (const op of alignWords(
			run.map((i) => seg.words[i].text),
			gap
		)) {
			ops.push({
				op: op.op,
				original: op.hyp === null ? null : prev + 1 + op.hyp,
				corrected: op.ref === null ? null : run[op.ref]
			});
		}
		run = [];
	};
	seg.words.forEach((w, i) => {
		if (w.originalIndex === null) {
			run.push(i);
			return;
		}
		closeGap(w.originalIndex);
		ops.push({ op: 'correct', original: w.originalIndex, corrected: i });
		prev = w.originalIndex;
	});
	closeGap(orig.length);
	return ops;
}

/** Labels every model word of a segment (method in the file header). */
export function labelSegment(seg: DocSegment): WordLabel[] {
	const labels: WordLabel[] = seg.original.words.map((w, i) => ({
		originalIndex: i,
		text: w.text,
		confidence: w.confidence,
		start: w.start,
		end: w.end,
		label: 'deleted',
		correction: null
	}));
	for (const { op, original, corrected } of anchoredAlignment(seg)) {
		if (original === null || corrected === null) continue;
		const l = labels[original];
		const word = seg.words[corrected];
		if (op === 'correct') l.label = word.originalIndex === original && word.confirmed ? 'confirmed' : 'kept';
		else {
			l.label = 'substituted';
			l.correction = word.text;
		}
	}
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
