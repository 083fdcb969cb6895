/**
 * The `session_summary` event: what the user reviewed in one transcript (schema.ts), and
 * `ReviewTracker`, which gathers it while the transcript is open.
 *
 * A segment is reviewed by the one rule of transcript/review.ts `isReviewed`: edited, a word confirmed,
 * or its audio played through (≥ 90 % of its distinct seconds) while it was on screen. The tracker
 * learns edits and confirmations from the editor's event hub, playback from `played(from, to)` (audio
 * time stretches the player moved through at normal speed, with the ids of the segments on screen at
 * the time, from an IntersectionObserver), and active time from `visible(true|false)` (the tab's
 * visibility while the transcript is open). Summaries are cumulative: each one describes the whole
 * transcript so far, and its `revision` increases per transcript (the server keeps the highest), so
 * leaving and exporting repeatedly is safe.
 *
 * With each summary the tracker also hands on one `segment_reviewed` event (segment-reviewed.ts) per
 * reviewed segment that was not edited and had no label sent before (`labels`), so the model words of
 * reviewed-but-unedited segments reach the server once, not with every cumulative summary.
 */
import { isReviewed, playedSeconds } from '../transcript/review';
import type { TranscriptDoc } from '../transcript/document';
import type { TranscriptEvents } from '../transcript/events';
import { transcriptFields, type EventContext } from './events-from-editor';
import { EVENT_LIMITS, type SegmentReviewedEvent, type SessionSummaryEvent } from './schema';
import { segmentReviewedEvent } from './segment-reviewed';

/** A stretch of audio time in seconds, [from, to). */
export interface Interval {
	from: number;
	to: number;
}

/** What was tracked for one transcript. */
export interface ReviewTracking {
	/** Segments whose text the user changed (even if changed back). */
	edited: ReadonlySet<string>;
	/** Words confirmed per segment id. */
	confirmed: ReadonlyMap<string, number>;
	/** Audio played while the segment was on screen, per segment id. */
	playedOnScreen: ReadonlyMap<string, readonly Interval[]>;
	/** All audio played (for the coverage). */
	played: readonly Interval[];
	/** Seconds the transcript was open with the tab visible. */
	activeSeconds: number;
}

/** An empty tracking record. */
export function emptyTracking(): ReviewTracking {
	return { edited: new Set(), confirmed: new Map(), playedOnScreen: new Map(), played: [], activeSeconds: 0 };
}

/** The summary of one transcript as tracked so far. */
export function sessionSummaryEvent(
	ctx: EventContext,
	doc: TranscriptDoc,
	t: ReviewTracking,
	revision: number,
	reason: SessionSummaryEvent['reason']
): SessionSummaryEvent {
	const reviewed: SessionSummaryEvent['reviewedSegments'] = [];
	let transcribedWords = 0;
	let editedSegments = 0;
	for (const seg of doc.segments) {
		const words = seg.original.words.length;
		transcribedWords += words;
		const edited = t.edited.has(seg.id);
		if (edited) editedSegments++;
		const confirmedWords = t.confirmed.get(seg.id) ?? 0;
		const durationSec = Math.max(0, seg.end - seg.start);
		const playedOnScreenSec = playedSeconds(t.playedOnScreen.get(seg.id) ?? [], seg.start, seg.end);
		if (!isReviewed({ edited, confirmedWords, durationSec, playedOnScreenSec })) continue;
		reviewed.push({
			segmentId: seg.id,
			words,
			how: edited ? 'edited' : confirmedWords > 0 ? 'confirmed' : 'played'
		});
	}
	const duration = doc.durationSec;
	const coverage = duration > 0 ? Math.min(1, playedSeconds(t.played, 0, duration) / duration) : 0;
	return {
		...transcriptFields(ctx, doc, 'session_summary'),
		type: 'session_summary',
		revision,
		reason,
		reviewedSegments: reviewed.slice(0, EVENT_LIMITS.maxSummarySegments),
		transcribedSegments: doc.segments.length,
		transcribedWords,
		editedSegments,
		activeSeconds: Math.min(7 * 24 * 3600, Math.max(0, t.activeSeconds)),
		playbackCoverage: coverage
	};
}

/** Longest step between two player time updates that counts as listening (a longer one is a seek). */
export const MAX_PLAY_STEP_SEC = 1.5;

interface Open {
	doc: TranscriptDoc;
	edited: Set<string>;
	confirmed: Map<string, number>;
	playedOnScreen: Map<string, Interval[]>;
	played: Interval[];
	activeMs: number;
	visibleSince: number | null;
	/** Something happened since the last summary (a summary of nothing new is not sent again). */
	dirty: boolean;
}

/** What the tracker needs. */
export interface ReviewTrackerOptions {
	/** The event context while the user has opted in; null otherwise. */
	context: () => EventContext | null;
	/** The next summary revision of a transcript (persisted by the caller; must be synchronous). */
	nextRevision: (transcriptId: string) => number;
	/** Receives each summary. */
	sink: (e: SessionSummaryEvent) => void;
	/** ms clock (tests pass their own). */
	nowMs?: () => number;
	/** Where reviewed-but-unedited segments' words go; without it none are built. */
	labels?: {
		/** True when a correction or a segment_reviewed of the segment was built before (persisted). */
		sent: (transcriptId: string, segmentId: string) => boolean;
		/** Remembers that one was built now. */
		mark: (transcriptId: string, segmentId: string) => void;
		/** Receives each event (the caller samples it). */
		sink: (e: SegmentReviewedEvent) => void;
	};
}

/** Tracks the open transcript's review and sends summaries on leave and export. */
export class ReviewTracker {
	private open: Open | null = null;
	private readonly nowMs: () => number;

	constructor(private readonly opts: ReviewTrackerOptions) {
		this.nowMs = opts.nowMs ?? (() => Date.now());
	}

	/** The user opened a transcript (`visible`: whether the tab is visible now). */
	start(doc: TranscriptDoc, visible = true): void {
		if (this.open?.doc.id === doc.id) return;
		this.leave();
		this.open = {
			doc,
			edited: new Set(),
			confirmed: new Map(),
			playedOnScreen: new Map(),
			played: [],
			activeMs: 0,
			visibleSince: visible ? this.nowMs() : null,
			dirty: true
		};
	}

	/** The tab became visible or hidden. */
	visible(isVisible: boolean): void {
		const o = this.open;
		if (!o) return;
		if (isVisible && o.visibleSince === null) o.visibleSince = this.nowMs();
		else if (!isVisible && o.visibleSince !== null) {
			// Time alone does not warrant another summary: page hide fires both pagehide and a hidden
			// visibilitychange, and the next summary carries the time anyway.
			o.activeMs += this.nowMs() - o.visibleSince;
			o.visibleSince = null;
		}
	}

	/** The player moved from `from` to `to` (audio seconds) while `onScreen` segments were visible. */
	played(from: number, to: number, onScreen: Iterable<string>): void {
		const o = this.open;
		if (!o || !(to > from) || to - from > MAX_PLAY_STEP_SEC) return;
		const i = { from, to };
		o.played.push(i);
		for (const id of onScreen) o.playedOnScreen.set(id, [...(o.playedOnScreen.get(id) ?? []), i]);
		o.dirty = true;
	}

	/** The current tracking record of the open transcript (null when none is open). */
	tracking(): ReviewTracking | null {
		const o = this.open;
		if (!o) return null;
		const running = o.visibleSince === null ? 0 : this.nowMs() - o.visibleSince;
		return {
			edited: o.edited,
			confirmed: o.confirmed,
			playedOnScreen: o.playedOnScreen,
			played: o.played,
			activeSeconds: (o.activeMs + running) / 1000
		};
	}

	/** Sends the open transcript's summary (reason 'leave') and closes it. */
	leave(): void {
		if (!this.open) return;
		if (this.open.dirty) this.send('leave');
		this.open = null;
	}

	/** Sends a summary now without closing (page hide: the tab may never come back). */
	flush(): void {
		if (this.open?.dirty) this.send('leave');
	}

	/** The hub callbacks: edits, confirmations, exports. */
	readonly handlers: TranscriptEvents = {
		segmentEdited: ({ doc, edit }) => {
			const o = this.track(doc);
			// Text edits only: a speaker or title change says nothing about the words.
			if (!o || !['replaceWords', 'splitSegment', 'mergeWithNext'].includes(edit.type)) return;
			if (!('segmentId' in edit)) return;
			o.edited.add(edit.segmentId);
			if (edit.type === 'splitSegment') {
				const i = doc.segments.findIndex((s) => s.id === edit.segmentId);
				if (i >= 0 && i + 1 < doc.segments.length) o.edited.add(doc.segments[i + 1].id);
			}
		},
		docRestored: ({ after }) => {
			this.track(after);
		},
		wordConfirmed: ({ doc, segmentId, confirmed }) => {
			const o = this.track(doc);
			if (!o) return;
			const n = (o.confirmed.get(segmentId) ?? 0) + (confirmed ? 1 : -1);
			if (n > 0) o.confirmed.set(segmentId, n);
			else o.confirmed.delete(segmentId);
		},
		exported: ({ doc }) => {
			if (this.track(doc)) this.send('export');
		}
	};

	// Keeps the newest document of the open transcript; null for another transcript.
	private track(doc: TranscriptDoc): Open | null {
		if (this.open?.doc.id !== doc.id) return null;
		this.open.doc = doc;
		this.open.dirty = true;
		return this.open;
	}

	private send(reason: SessionSummaryEvent['reason']): void {
		const o = this.open;
		const ctx = this.opts.context();
		const t = this.tracking();
		if (!o || !ctx || !t) return;
		const summary = sessionSummaryEvent(ctx, o.doc, t, this.opts.nextRevision(o.doc.id), reason);
		const labels = this.opts.labels;
		if (labels)
			for (const r of summary.reviewedSegments) {
				if (r.how === 'edited' || labels.sent(o.doc.id, r.segmentId)) continue;
				const seg = o.doc.segments.find((x) => x.id === r.segmentId);
				// A segment edited in an earlier visit shows other words than the model's: no label here.
				const e = seg ? segmentReviewedEvent(ctx, o.doc, seg, r.how) : null;
				if (!e) continue;
				labels.mark(o.doc.id, r.segmentId);
				labels.sink(e);
			}
		this.opts.sink(summary);
		o.dirty = false;
	}
}
