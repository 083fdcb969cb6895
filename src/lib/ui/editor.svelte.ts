import type { RedlineDb, TranscriptRecord } from '../storage/db';
import type { Rating } from '../transcript/rating';
import {
	appendSegments,
	mergeGrowth,
	nextLowConfidence,
	timeOffset,
	type DocSegment,
	type Edit,
	type GrowthState,
	type TranscriptDoc,
	type WordPosition
} from '../transcript/document';
import { canRedo, canUndo, commit, createHistory, redo, undo, type History } from '../transcript/history';
import type { TranscriptEventHub } from '../transcript/events';
import { EditorPersistence, type Journal } from './editor-persistence.svelte';

/** Default confidence under which a word is highlighted for review. */
export const DEFAULT_THRESHOLD = 0.6;

/** A word range being edited in place: words [from, to) of one segment, replaced on commit. */
export interface EditingRange {
	segmentId: string;
	from: number;
	to: number;
	/** Text the input starts with. */
	initial: string;
	/** True when the input should select its text, so typing replaces it. */
	selectAll: boolean;
}

/** A selection of words inside one segment (anchor and focus word indices, inclusive). */
export interface WordSelection {
	segmentIndex: number;
	anchor: number;
	focus: number;
}

/** True when the word needs review at this threshold: low confidence, not edited, not confirmed. */
export function isLow(
	w: { confidence: number; edited: boolean; confirmed: boolean },
	threshold: number
): boolean {
	return !w.edited && !w.confirmed && w.confidence < threshold;
}

/**
 * State of the transcript editor for one transcript: the undo history, selection, in-place editing,
 * rating; saving is EditorPersistence's. Pure document logic lives in transcript/; this class only
 * orchestrates it.
 */
export class EditorState {
	history = $state.raw<History>(null as unknown as History);
	doc = $derived(this.history.present);
	canUndo = $derived(canUndo(this.history));
	canRedo = $derived(canRedo(this.history));
	rating = $state.raw<Rating | null>(null);
	threshold = $state(DEFAULT_THRESHOLD);
	selection = $state.raw<WordSelection | null>(null);
	editing = $state.raw<EditingRange | null>(null);
	/** Word under the playhead. */
	playing = $state.raw<WordPosition | null>(null);
	lowCount = $derived(this.countLow());

	private readonly persistence: EditorPersistence;

	constructor(
		db: RedlineDb,
		record: TranscriptRecord,
		private readonly events: TranscriptEventHub,
		private readonly clock: () => number = Date.now,
		journal: Journal | null = null
	) {
		this.history = createHistory(record.doc);
		this.rating = record.rating;
		this.persistence = new EditorPersistence(
			db,
			record,
			() => ({ doc: this.doc, rating: this.rating }),
			() => this.clock(),
			journal
		);
		// Takes over changes a closed tab left in the journal when they are newer than the stored doc.
		const recovered = this.persistence.recover();
		if (recovered) {
			// The journal may predate segments the transcription stored since: keep both.
			this.history = createHistory(mergeGrowth(recovered.doc, record.doc));
			this.rating = recovered.rating;
			this.persistence.schedule();
		}
	}

	/** ms timestamp of the last successful save; null before the first. */
	get savedAt(): number | null {
		return this.persistence.savedAt;
	}

	/** True while a change is not yet handed to the database. */
	get dirty(): boolean {
		return this.persistence.dirty;
	}
	set dirty(v: boolean) {
		this.persistence.dirty = v;
	}

	/** Why the last save (or edit) failed, for the status line; null when all is well. */
	get saveError(): string | null {
		return this.persistence.saveError;
	}
	set saveError(v: string | null) {
		this.persistence.saveError = v;
	}

	private countLow(): number {
		let n = 0;
		for (const s of this.doc.segments) for (const w of s.words) if (isLow(w, this.threshold)) n++;
		return n;
	}

	/** Applies an edit as one undo step, reports it, and schedules a save. Returns false if it was refused. */
	apply(edit: Edit, coalesceKey?: string): boolean {
		const before = this.history.present;
		let next: History;
		try {
			next = commit(this.history, edit, { coalesceKey, at: this.clock() });
		} catch (e) {
			this.saveError = `That edit could not be applied: ${(e as Error).message}`;
			return false;
		}
		if (next.present === before) return true;
		this.history = next;
		this.report(edit, before, next.present);
		this.scheduleSave();
		return true;
	}

	private report(edit: Edit, before: TranscriptDoc, after: TranscriptDoc): void {
		if (edit.type === 'confirmWord') {
			this.events.emit('wordConfirmed', {
				doc: after,
				segmentId: edit.segmentId,
				wordIndex: edit.wordIndex,
				confirmed: edit.confirmed
			});
			return;
		}
		if ('segmentId' in edit) {
			const find = (d: TranscriptDoc): DocSegment | null =>
				d.segments.find((s) => s.id === edit.segmentId) ?? null;
			this.events.emit('segmentEdited', {
				doc: after,
				previous: before,
				edit,
				before: find(before),
				after: find(after)
			});
		}
	}

	/**
	 * Appends segments the transcription just delivered (a growing transcript). Every state of the
	 * undo history grows alike, with the same segment objects, so undo and redo never remove them and
	 * the telemetry's comparison of states (docRestored) sees them as unchanged. No save is scheduled:
	 * the queue stores them itself, and a save of the editor keeps what it stored (putTranscript).
	 */
	grow(segments: readonly DocSegment[], state: GrowthState): void {
		this.growAll((d) => appendSegments(d, segments, state));
	}

	/** Takes over what the stored copy has beyond the editor's (the end of a run: completion, length). */
	takeGrowth(stored: TranscriptDoc): void {
		this.growAll((d) => mergeGrowth(d, stored));
	}

	private growAll(step: (d: TranscriptDoc) => TranscriptDoc): void {
		const h = this.history;
		const present = step(h.present);
		if (present === h.present) return;
		this.history = { ...h, past: h.past.map(step), present, future: h.future.map(step) };
	}

	/** Steps back one edit. */
	undo(): void {
		if (!this.canUndo) return;
		const before = this.doc;
		this.history = undo(this.history);
		this.events.emit('docRestored', { before, after: this.doc });
		this.editing = null;
		this.clampSelection();
		this.scheduleSave();
	}

	/** Re-applies the last undone edit. */
	redo(): void {
		if (!this.canRedo) return;
		const before = this.doc;
		this.history = redo(this.history);
		this.events.emit('docRestored', { before, after: this.doc });
		this.editing = null;
		this.clampSelection();
		this.scheduleSave();
	}

	private clampSelection(): void {
		const sel = this.selection;
		if (!sel) return;
		const seg = this.doc.segments[sel.segmentIndex];
		if (!seg || seg.words.length === 0) {
			this.selection = null;
			return;
		}
		const max = seg.words.length - 1;
		this.selection = { ...sel, anchor: Math.min(sel.anchor, max), focus: Math.min(sel.focus, max) };
	}

	/** Selected word range as [from, to) in its segment, or null. */
	get range(): { segmentIndex: number; from: number; to: number } | null {
		const s = this.selection;
		if (!s) return null;
		return {
			segmentIndex: s.segmentIndex,
			from: Math.min(s.anchor, s.focus),
			to: Math.max(s.anchor, s.focus) + 1
		};
	}

	/** Selects one word (or extends the selection to it when `extend` and in the same segment). */
	select(segmentIndex: number, wordIndex: number, extend = false): void {
		const s = this.selection;
		if (extend && s && s.segmentIndex === segmentIndex) this.selection = { ...s, focus: wordIndex };
		else this.selection = { segmentIndex, anchor: wordIndex, focus: wordIndex };
	}

	/** Moves the selection by `delta` words across segment boundaries; `extend` keeps the anchor (same segment only). */
	move(delta: number, extend = false): void {
		const segs = this.doc.segments;
		const s = this.selection;
		if (!s) {
			const first = segs.findIndex((seg) => seg.words.length > 0);
			if (first >= 0) this.select(first, 0);
			return;
		}
		let si = s.segmentIndex;
		let wi = s.focus + delta;
		if (extend) {
			const max = segs[si].words.length - 1;
			this.selection = { ...s, focus: Math.max(0, Math.min(max, wi)) };
			return;
		}
		while (wi < 0 && si > 0) {
			si--;
			wi += segs[si].words.length;
		}
		while (si < segs.length && wi >= segs[si].words.length) {
			wi -= segs[si].words.length;
			si++;
		}
		if (si >= segs.length || wi < 0) return;
		this.select(si, wi);
	}

	/** Opens the in-place editor over the selection (or an insertion point after it with `insertAfter`). */
	beginEdit(opts: { insertAfter?: boolean; initial?: string } = {}): void {
		const r = this.range;
		if (!r) return;
		const seg = this.doc.segments[r.segmentIndex];
		const from = opts.insertAfter ? r.to : r.from;
		const text = opts.insertAfter
			? ''
			: seg.words
					.slice(r.from, r.to)
					.map((w) => w.text)
					.join(' ');
		this.editing = {
			segmentId: seg.id,
			from,
			to: r.to,
			initial: opts.initial ?? text,
			selectAll: opts.initial === undefined
		};
	}

	/** Opens the editor on one word (double-click). */
	editWord(segmentIndex: number, wordIndex: number): void {
		this.select(segmentIndex, wordIndex);
		this.beginEdit();
	}

	/** Replaces the edited range with `text` (split on whitespace; empty deletes) and closes the editor. */
	commitEdit(text: string): void {
		const e = this.editing;
		if (!e) return;
		this.editing = null;
		const clean = text.trim();
		const si = this.doc.segments.findIndex((s) => s.id === e.segmentId);
		const current = this.doc.segments[si]?.words
			.slice(e.from, e.to)
			.map((w) => w.text)
			.join(' ');
		if (si < 0 || (clean === current && e.from !== e.to)) return;
		if (clean === '' && e.from === e.to) return;
		this.apply({ type: 'replaceWords', segmentId: e.segmentId, from: e.from, to: e.to, text: clean });
		const n = clean === '' ? 0 : clean.split(/\s+/).length;
		const words = this.doc.segments[si].words.length;
		if (words === 0) this.selection = null;
		else {
			const last = Math.min(words - 1, Math.max(0, e.from + n - 1));
			this.selection = { segmentIndex: si, anchor: last, focus: last };
		}
	}

	/** Closes the in-place editor without changing anything. */
	cancelEdit(): void {
		this.editing = null;
	}

	/** Deletes the selected words. */
	deleteSelection(): void {
		const r = this.range;
		if (!r) return;
		this.editing = {
			segmentId: this.doc.segments[r.segmentIndex].id,
			from: r.from,
			to: r.to,
			initial: '',
			selectAll: false
		};
		this.commitEdit('');
	}

	/** Marks the selected word correct (or undoes that when it already is). */
	toggleConfirm(): void {
		const r = this.range;
		if (!r) return;
		const seg = this.doc.segments[r.segmentIndex];
		const w = seg.words[r.from];
		if (!w) return;
		this.apply({ type: 'confirmWord', segmentId: seg.id, wordIndex: r.from, confirmed: !w.confirmed });
	}

	/** Splits the selected word's segment so a new one starts at that word. */
	splitAtSelection(): void {
		const r = this.range;
		if (!r || r.from === 0) return;
		const seg = this.doc.segments[r.segmentIndex];
		if (this.apply({ type: 'splitSegment', segmentId: seg.id, atWord: r.from })) {
			this.selection = { segmentIndex: r.segmentIndex + 1, anchor: 0, focus: 0 };
		}
	}

	/** Merges a segment with the next one. */
	mergeWithNext(segmentIndex: number): void {
		const seg = this.doc.segments[segmentIndex];
		if (!seg || segmentIndex >= this.doc.segments.length - 1) return;
		const offset = seg.words.length;
		const sel = this.selection;
		if (this.apply({ type: 'mergeWithNext', segmentId: seg.id }) && sel) {
			if (sel.segmentIndex === segmentIndex + 1) {
				this.selection = { segmentIndex, anchor: sel.anchor + offset, focus: sel.focus + offset };
			} else if (sel.segmentIndex > segmentIndex + 1) {
				this.selection = { ...sel, segmentIndex: sel.segmentIndex - 1 };
			}
		}
	}

	/** Selects the next word that needs review; returns it, or null when none is left. */
	nextLow(): WordPosition | null {
		const r = this.range;
		const after = r ? { segmentIndex: r.segmentIndex, wordIndex: r.from } : null;
		const p = nextLowConfidence(this.doc, this.threshold, after);
		if (p) this.select(p.segmentIndex, p.wordIndex);
		return p;
	}

	/** Stores the rating with the transcript and reports it. */
	rate(rating: Rating): void {
		this.rating = rating;
		this.events.emit('rated', { doc: this.doc, rating });
		this.scheduleSave();
	}

	/** Reports an export (the download itself happens in the component). */
	exported(format: string): void {
		this.events.emit('exported', { doc: this.doc, format });
	}

	/** Notes and title changes; each call is one undo step. */
	setNotes(notes: string): void {
		this.apply({ type: 'setNotes', notes }, 'notes');
	}

	/** The time offset in seconds added to displayed times (saved with the transcript). */
	get timeOffset(): number {
		return timeOffset(this.doc);
	}

	/** Sets the time offset; consecutive changes are one undo step. Invalid values are refused. */
	setTimeOffset(seconds: number): boolean {
		return this.apply({ type: 'setTimeOffset', seconds }, 'time-offset');
	}

	/** Renames the transcript. */
	setTitle(title: string): void {
		const t = title.trim();
		if (t) this.apply({ type: 'setTitle', title: t });
	}

	/** Saves now if anything changed; resolves when the write has committed. */
	flush(): Promise<void> {
		return this.persistence.flush();
	}

	/** For pagehide: writes unsaved changes to the journal synchronously, then starts a normal save. */
	saveBeforeUnload(): void {
		this.persistence.saveBeforeUnload();
	}

	/** Stops timers (component teardown); call flush() first to keep the last change. */
	dispose(): void {
		this.persistence.dispose();
	}

	private scheduleSave(): void {
		this.persistence.schedule();
	}
}
