/**
 * The `segment_reviewed` event (schema.ts): a segment the user reviewed without editing, with the
 * model's words in compact form. Built by the review tracker (session-summary.ts) when it sends a
 * summary, once per segment.
 */
import type { DocSegment, TranscriptDoc } from '../transcript/document';
import { isModelOutput, transcriptFields, type EventContext } from './events-from-editor';
import { EVENT_LIMITS, type CompactWord, type SegmentReviewedEvent } from './schema';

/**
 * A confidence floored to 0.001: `c < t` keeps its answer for every threshold t in thousandths (the
 * dashboard's and the editor's are hundredths). The epsilon absorbs float error such as 0.57 · 1000 =
 * 569.999…, which would otherwise floor below 0.57.
 */
export function floorConfidence(c: number): number {
	return Math.min(1, Math.max(0, Math.floor(c * 1000 + 1e-7) / 1000));
}

/** A time rounded to 10 ms (start ≤ end survives: rounding keeps order). */
export function roundTime(t: number): number {
	return Math.max(0, Math.round(t * 100) / 100);
}

/** A model word as [text, confidence, start, end], shortened to the schema's bounds. */
export function compactWord(w: {
	text: string;
	confidence: number;
	start: number;
	end: number;
}): CompactWord {
	return [
		w.text.slice(0, EVENT_LIMITS.maxWordChars),
		floorConfidence(w.confidence),
		roundTime(w.start),
		roundTime(w.end)
	];
}

/**
 * The event for a reviewed segment that still shows exactly the model's words; null when it does not
 * (its correction carries the labels) or has no words.
 */
export function segmentReviewedEvent(
	ctx: EventContext,
	doc: TranscriptDoc,
	seg: DocSegment,
	how: SegmentReviewedEvent['how']
): SegmentReviewedEvent | null {
	if (!isModelOutput(seg) || seg.original.words.length === 0) return null;
	return {
		// The correction's rate: edited and unedited labels of a transcript are one sample.
		...transcriptFields(ctx, doc, 'correction'),
		type: 'segment_reviewed',
		segmentId: seg.id,
		how,
		words: seg.original.words.slice(0, EVENT_LIMITS.maxWordsPerSegment).map(compactWord)
	};
}
