/**
 * Telemetry events from the editor: pure builders (document state → event) and `TelemetryCollector`,
 * the subscriber to the editor's event hub (src/lib/ui/events.ts) that debounces and hands events on.
 *
 * Corrections, "latest state wins": each `correction` event carries a segment's whole current state
 * (model words, corrected text, alignment) and a `revision` that increases per (transcript, segment),
 * persisted across reloads. Edits to a segment are debounced (DEBOUNCE_MS after its last edit), so a
 * burst of typing gives one event; pending debounces are sent at once on page hide. After a split both
 * halves are sent; after a merge the merged segment is sent and, when the segment merged away had been
 * sent before, an empty state for it (no words), which supersedes its earlier revision on the server.
 * A segment equal to the model's output is sent only when an earlier revision exists (to reset it).
 *
 * Ratings are debounced per transcript too (the rating form reports each star and tag click); reviews
 * (a model word marked correct) and outcomes (exports) are sent at once.
 */
import { anchoredAlignment } from '../transcript/labels';
import { segmentText, type DocSegment, type TranscriptDoc } from '../transcript/document';
import type { TranscriptEvents } from '../transcript/events';
import type { Rating } from '../transcript/rating';
import type { WordTiming } from '../transcript/types';
import {
	EXPORT_FORMATS,
	RATING_TAGS,
	SCHEMA_VERSION,
	telemetryEventSchema,
	type AlignmentOp,
	type CorrectionEvent,
	type OutcomeEvent,
	type RatingEvent,
	type ReviewEvent,
	type TelemetryEvent
} from './schema';
import type { ARMS, TRANSCRIPT_EVENT_TYPES } from './schema';
import { keepEvent } from './sampling';

type Arm = (typeof ARMS)[number];
type TranscriptEventType = (typeof TRANSCRIPT_EVENT_TYPES)[number];

/** How long after the last edit of a segment (or rating change) its event is built, in ms. */
export const DEBOUNCE_MS = 2_000;

/**
 * Decode settings every event carries: greedy decoding (the engine has no other) and how the words
 * were timed, as the document recorded it from the result (documents saved before it was recorded
 * were all timed by the character estimate).
 */
export function decodeSettings(doc: Pick<TranscriptDoc, 'wordTiming'>): {
	decoding: 'greedy';
	wordTiming: WordTiming;
} {
	return { decoding: 'greedy', wordTiming: doc.wordTiming ?? 'interpolated-by-characters' };
}

/** Who and when: the fields an event takes from outside the document. */
export interface EventContext {
	installationId: string;
	appVersion: string;
	/** A new UUID per event (the idempotency key). */
	newId: () => string;
	/** ISO time of the event. */
	now: () => string;
}

/**
 * The word alignment of a segment for a correction event, user's words as reference and model's words
 * as hypothesis (see schema.ts), with each model word's confidence: `anchoredAlignment` in words.
 */
export function segmentAlignment(seg: DocSegment): AlignmentOp[] {
	return anchoredAlignment(seg).map(({ op, original, corrected }) => {
		const model = original === null ? null : seg.original.words[original];
		return {
			op,
			original: model?.text ?? null,
			corrected: corrected === null ? null : seg.words[corrected].text,
			confidence: model?.confidence ?? null
		};
	});
}

/** True when the segment shows exactly the model's words (nothing edited, added or removed). */
export function isModelOutput(seg: DocSegment): boolean {
	return seg.words.length === seg.original.words.length && seg.words.every((w, i) => w.originalIndex === i);
}

/**
 * The arm and sampling rate an event about `doc` carries: those recorded with the transcript when it
 * was made (documents from before the rollout: 'default', every event sent).
 */
export function rolloutFields(
	doc: Pick<TranscriptDoc, 'arm' | 'sampling'>,
	type: TranscriptEventType
): { arm: Arm; samplingRate: number } {
	const rate = doc.sampling?.[type];
	return {
		arm: doc.arm ?? 'default',
		samplingRate: typeof rate === 'number' && rate > 0 && rate <= 1 ? rate : 1
	};
}

/**
 * The fields every event about one transcript starts with; `type` picks whose sampling rate it carries
 * (segment_reviewed samples under the correction's).
 */
export function transcriptFields(ctx: EventContext, doc: TranscriptDoc, type: TranscriptEventType) {
	return {
		id: ctx.newId(),
		schemaVersion: SCHEMA_VERSION as typeof SCHEMA_VERSION,
		occurredAt: ctx.now(),
		installationId: ctx.installationId,
		appVersion: ctx.appVersion,
		transcriptId: doc.id,
		model: { id: doc.model.id, version: doc.model.version, sha256: doc.model.sha256 },
		backend: doc.backend,
		decodeSettings: decodeSettings(doc),
		...rolloutFields(doc, type)
	};
}

/** The correction event for a segment's current state; `seg` null means the segment is gone (merged away). */
export function correctionEvent(
	ctx: EventContext,
	doc: TranscriptDoc,
	segmentId: string,
	seg: DocSegment | null,
	revision: number
): CorrectionEvent {
	return {
		...transcriptFields(ctx, doc, 'correction'),
		type: 'correction',
		segmentId,
		revision,
		originalWords: (seg?.original.words ?? []).map((w) => ({
			text: w.text,
			confidence: w.confidence,
			start: w.start,
			end: w.end
		})),
		correctedText: seg ? segmentText(seg) : '',
		alignment: seg ? segmentAlignment(seg) : []
	};
}

/** The review event for a word marked correct; null for a word the user typed (not a model label). */
export function reviewEvent(
	ctx: EventContext,
	doc: TranscriptDoc,
	seg: DocSegment,
	wordIndex: number
): ReviewEvent | null {
	const w = seg.words[wordIndex];
	if (!w || w.originalIndex === null) return null;
	const m = seg.original.words[w.originalIndex];
	return {
		...transcriptFields(ctx, doc, 'review'),
		type: 'review',
		segmentId: seg.id,
		confirmedWords: [{ text: m.text, confidence: m.confidence, start: m.start, end: m.end }]
	};
}

/** The rating event; the editor's tag labels ('wrong words') become schema tags ('wrong-words'). */
export function ratingEvent(ctx: EventContext, doc: TranscriptDoc, rating: Rating): RatingEvent {
	const known = new Set<string>(RATING_TAGS);
	const tags = [...new Set(rating.tags.map((t) => t.trim().toLowerCase().replace(/\s+/g, '-')))].filter((t) =>
		known.has(t)
	) as RatingEvent['tags'];
	const comment = rating.comment.trim();
	return {
		...transcriptFields(ctx, doc, 'rating'),
		type: 'rating',
		stars: rating.stars,
		tags,
		...(comment ? { comment } : {})
	};
}

/** The outcome event for an export ('txt+timestamps' counts as 'txt'); null for an unknown format. */
export function outcomeEvent(ctx: EventContext, doc: TranscriptDoc, format: string): OutcomeEvent | null {
	const f = format.split('+')[0].trim().toLowerCase();
	if (!(EXPORT_FORMATS as readonly string[]).includes(f)) return null;
	return {
		...transcriptFields(ctx, doc, 'outcome'),
		type: 'outcome',
		outcome: 'exported',
		format: f as OutcomeEvent['format']
	};
}

/** Revision counters per (transcript, segment); `next` must be synchronous (page hide). */
export interface Revisions {
	/** True when a correction for the segment was built before. */
	has(key: string): boolean;
	/** The next revision (0 for the first) and remembers it. */
	next(key: string): number;
}

/** Key of a segment in `Revisions`. */
export function segmentKey(transcriptId: string, segmentId: string): string {
	return `${transcriptId}/${segmentId}`;
}

/** In-memory revisions (tests; the browser persists a snapshot, see client.ts). */
export class MemoryRevisions implements Revisions {
	constructor(readonly map: Map<string, number> = new Map()) {}
	has(key: string): boolean {
		return this.map.has(key);
	}
	next(key: string): number {
		const r = (this.map.get(key) ?? -1) + 1;
		this.map.set(key, r);
		return r;
	}
}

/** What the collector needs. */
export interface CollectorOptions {
	/** The event context while the user has opted in; null otherwise (then nothing is built). */
	context: () => EventContext | null;
	/** Receives every event that passed schema validation. */
	sink: (event: TelemetryEvent) => void;
	/** Receives the reason when a built event failed validation (e.g. a 150-character word). */
	onInvalid?: (reason: string, event: unknown) => void;
	revisions: Revisions;
	debounceMs?: number;
}

interface PendingSegment {
	timer: ReturnType<typeof setTimeout>;
	doc: TranscriptDoc;
	segmentId: string;
}

/** Subscriber to the editor's events; pass `collector.handlers` to `transcriptEvents.subscribe`. */
export class TelemetryCollector {
	private readonly segments = new Map<string, PendingSegment>();
	private readonly ratings = new Map<
		string,
		{ timer: ReturnType<typeof setTimeout>; doc: TranscriptDoc; rating: Rating }
	>();
	/** Segment ids of the last document seen per transcript, to notice segments merged away. */
	private readonly lastIds = new Map<string, string[]>();
	private readonly debounceMs: number;

	constructor(private readonly opts: CollectorOptions) {
		this.debounceMs = opts.debounceMs ?? DEBOUNCE_MS;
	}

	/** The hub callbacks. */
	readonly handlers: TranscriptEvents = {
		segmentEdited: ({ doc, previous, edit }) => {
			if (!this.opts.context()) return;
			// After a reload the first edit may be a merge: the previous document names what it removed.
			const prev = this.lastIds.get(doc.id) ?? previous?.segments.map((s) => s.id);
			const ids = doc.segments.map((s) => s.id);
			this.lastIds.set(doc.id, ids);
			if (edit.type === 'replaceWords') this.schedule(doc, edit.segmentId);
			else if (edit.type === 'splitSegment') {
				const i = ids.indexOf(edit.segmentId);
				this.schedule(doc, edit.segmentId);
				if (i >= 0 && i + 1 < ids.length) this.schedule(doc, ids[i + 1]);
			} else if (edit.type === 'mergeWithNext') {
				this.schedule(doc, edit.segmentId);
				const now = new Set(ids);
				for (const id of prev ?? []) if (!now.has(id)) this.schedule(doc, id);
			}
			// Pending edits of other segments must see the newest document too (ids can move after merges).
			for (const p of this.segments.values()) if (p.doc.id === doc.id) p.doc = doc;
		},
		docRestored: ({ before, after }) => {
			if (!this.opts.context()) return;
			this.lastIds.set(
				after.id,
				after.segments.map((s) => s.id)
			);
			// Send the restored state of every segment that changed, appeared or disappeared (as empty);
			// unchanged segments are the same objects in both documents (structural sharing).
			const old = new Map(before.segments.map((s) => [s.id, s]));
			for (const seg of after.segments) if (old.get(seg.id) !== seg) this.schedule(after, seg.id);
			const now = new Set(after.segments.map((s) => s.id));
			for (const id of old.keys()) if (!now.has(id)) this.schedule(after, id);
			for (const p of this.segments.values()) if (p.doc.id === after.id) p.doc = after;
		},
		wordConfirmed: ({ doc, segmentId, wordIndex, confirmed }) => {
			const ctx = this.opts.context();
			this.lastIds.set(
				doc.id,
				doc.segments.map((s) => s.id)
			);
			if (!ctx || !confirmed) return;
			const seg = doc.segments.find((s) => s.id === segmentId);
			if (seg) this.emit(reviewEvent(ctx, doc, seg, wordIndex));
		},
		rated: ({ doc, rating }) => {
			if (!this.opts.context()) return;
			const old = this.ratings.get(doc.id);
			clearTimeout(old?.timer);
			const timer = setTimeout(() => this.fireRating(doc.id), this.debounceMs);
			this.ratings.set(doc.id, { timer, doc, rating });
		},
		exported: ({ doc, format }) => {
			const ctx = this.opts.context();
			if (ctx) this.emit(outcomeEvent(ctx, doc, format));
		}
	};

	/** Builds every debounced event now (page hide). */
	flushPending(): void {
		for (const key of [...this.segments.keys()]) this.fireSegment(key);
		for (const id of [...this.ratings.keys()]) this.fireRating(id);
	}

	/** Forgets pending debounces without sending (consent withdrawn). */
	cancelPending(): void {
		for (const p of this.segments.values()) clearTimeout(p.timer);
		for (const p of this.ratings.values()) clearTimeout(p.timer);
		this.segments.clear();
		this.ratings.clear();
	}

	private schedule(doc: TranscriptDoc, segmentId: string): void {
		const key = segmentKey(doc.id, segmentId);
		clearTimeout(this.segments.get(key)?.timer);
		const timer = setTimeout(() => this.fireSegment(key), this.debounceMs);
		this.segments.set(key, { timer, doc, segmentId });
	}

	private fireSegment(key: string): void {
		const p = this.segments.get(key);
		if (!p) return;
		clearTimeout(p.timer);
		this.segments.delete(key);
		const ctx = this.opts.context();
		if (!ctx) return;
		const seg = p.doc.segments.find((s) => s.id === p.segmentId) ?? null;
		const known = this.opts.revisions.has(key);
		// Nothing to say about a segment that still is the model's output (or is gone) unless it was sent before.
		if (!known && (seg === null || isModelOutput(seg))) return;
		this.emit(correctionEvent(ctx, p.doc, p.segmentId, seg, this.opts.revisions.next(key)));
	}

	private fireRating(transcriptId: string): void {
		const p = this.ratings.get(transcriptId);
		if (!p) return;
		clearTimeout(p.timer);
		this.ratings.delete(transcriptId);
		const ctx = this.opts.context();
		if (ctx) this.emit(ratingEvent(ctx, p.doc, p.rating));
	}

	private emit(event: TelemetryEvent | null): void {
		if (!event) return;
		// Sampled out: not an error and not a drop; the server weights the kept ones by 1 / rate.
		if (event.type !== 'client_report' && !sampled(event)) return;
		const parsed = telemetryEventSchema.safeParse(event);
		if (parsed.success) this.opts.sink(parsed.data);
		else this.opts.onInvalid?.('invalid_local', event);
	}
}

/**
 * Whether a transcript event is sent under its own sampling rate: hashed on (installation, transcript,
 * segment, type), so every revision of a segment's correction shares one decision. A segment_reviewed
 * is hashed as its segment's correction (same rate, same decision), so a segment's labels are kept or
 * dropped together whether the user edited it or not.
 */
export function sampled(event: Exclude<TelemetryEvent, { type: 'client_report' }>): boolean {
	if (!('samplingRate' in event) || typeof event.samplingRate !== 'number') return true;
	const segmentId = 'segmentId' in event && typeof event.segmentId === 'string' ? event.segmentId : null;
	const type = event.type === 'segment_reviewed' ? 'correction' : event.type;
	return keepEvent(
		{ installationId: event.installationId, transcriptId: event.transcriptId, segmentId, type },
		event.samplingRate
	);
}
