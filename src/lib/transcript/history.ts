/**
 * Undo/redo for a transcript as a pure value. Every `commit` is one undo step, except that commits with
 * the same `coalesceKey` less than COALESCE_MS apart (e.g. keystrokes typed into one word) merge into
 * the step that started them. The history keeps at most `limit` past states (default 500); the oldest
 * fall off.
 */
import { applyEdit, type Edit, type EditOptions, type TranscriptDoc } from './document';

/** Commits with the same coalesce key closer than this (ms) form one undo step. */
export const COALESCE_MS = 1000;
/** Default number of undo steps kept. */
export const HISTORY_LIMIT = 500;

/** Undo/redo state: the documents before and after the present one. */
export interface History {
	past: TranscriptDoc[];
	present: TranscriptDoc;
	future: TranscriptDoc[];
	/** Key and time (ms) of the last commit, for coalescing; cleared by undo/redo. */
	last?: { key: string; at: number } | null;
}

/** Options for `commit`. */
export interface CommitOptions extends EditOptions {
	/** Commits sharing this key within COALESCE_MS of each other coalesce, e.g. `type:${wordId}`. */
	coalesceKey?: string;
	/** Time of the commit in ms (defaults to Date.now()); tests pass fake times. */
	at?: number;
	/** Maximum past states kept (default HISTORY_LIMIT). */
	limit?: number;
}

/** Starts a history whose present is `doc`. */
export function createHistory(doc: TranscriptDoc): History {
	return { past: [], present: doc, future: [], last: null };
}

/** Applies `edit` to the present as a new undo step (or coalesced into the last); a no-op edit leaves `h` as it is. */
export function commit(h: History, edit: Edit, opts: CommitOptions = {}): History {
	const next = applyEdit(h.present, edit, opts);
	if (next === h.present) return h;
	const at = opts.at ?? Date.now();
	const key = opts.coalesceKey;
	const last = key === undefined ? null : { key, at };
	if (
		key !== undefined &&
		h.last &&
		h.last.key === key &&
		at - h.last.at >= 0 &&
		at - h.last.at < COALESCE_MS
	) {
		return { past: h.past, present: next, future: [], last };
	}
	const limit = Math.max(0, opts.limit ?? HISTORY_LIMIT);
	const past = [...h.past, h.present];
	return {
		past: past.length > limit ? past.slice(past.length - limit) : past,
		present: next,
		future: [],
		last
	};
}

/** True when there is a step to undo. */
export function canUndo(h: History): boolean {
	return h.past.length > 0;
}

/** True when there is an undone step to redo. */
export function canRedo(h: History): boolean {
	return h.future.length > 0;
}

/** Goes back one step; returns `h` unchanged when there is nothing to undo. */
export function undo(h: History): History {
	if (!canUndo(h)) return h;
	return {
		past: h.past.slice(0, -1),
		present: h.past[h.past.length - 1],
		future: [h.present, ...h.future],
		last: null
	};
}

/** Goes forward one undone step; returns `h` unchanged when there is nothing to redo. */
export function redo(h: History): History {
	if (!canRedo(h)) return h;
	return { past: [...h.past, h.present], present: h.future[0], future: h.future.slice(1), last: null };
}
