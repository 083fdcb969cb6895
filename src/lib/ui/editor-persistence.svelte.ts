/**
 * Keeping the editor's work: the debounced autosave to IndexedDB, and the synchronous journal that
 * catches what an unload would cut off. EditorState owns the document; this owns getting it stored.
 */
import type { RedlineDb, TranscriptRecord, TranscriptStatus } from '../storage/db';
import type { TranscriptDoc } from '../transcript/document';
import type { Rating } from '../transcript/rating';

/** Autosave debounce, in ms. */
export const SAVE_DEBOUNCE_MS = 500;

/**
 * Synchronous last-resort storage for unsaved changes. IndexedDB writes started in `pagehide` are
 * often cut off by the unload, so the pending state is also written here synchronously and picked up
 * on the next open.
 */
export interface Journal {
	read(id: string): string | null;
	write(id: string, data: string): void;
	clear(id: string): void;
}

/** The browser's journal: localStorage, failing silently (quota, private mode). */
export const localJournal: Journal = {
	read: (id) => {
		try {
			return localStorage.getItem(`redline:unsaved:${id}`);
		} catch {
			return null;
		}
	},
	write: (id, data) => {
		try {
			localStorage.setItem(`redline:unsaved:${id}`, data);
		} catch {
			// Nothing more can be done synchronously; the IndexedDB write may still land.
		}
	},
	clear: (id) => {
		try {
			localStorage.removeItem(`redline:unsaved:${id}`);
		} catch {
			// ignore
		}
	}
};

/** Status the library shows for a record, from its content. */
export function statusFor(doc: TranscriptDoc, rating: Rating | null): TranscriptStatus {
	if (rating) return 'rated';
	const touched = doc.updatedAt !== doc.createdAt;
	return touched ? 'edited' : 'transcribed';
}

/** What is saved: the document and the rating, as the editor has them now. */
export interface EditorSnapshot {
	doc: TranscriptDoc;
	rating: Rating | null;
}

/** Autosave and unload journal for one transcript; `current` reads the editor's state when saving. */
export class EditorPersistence {
	/** ms timestamp of the last successful save; null before the first. */
	savedAt = $state<number | null>(null);
	dirty = $state(false);
	saveError = $state<string | null>(null);

	private saveTimer: ReturnType<typeof setTimeout> | undefined;
	private saving: Promise<void> = Promise.resolve();

	constructor(
		private readonly db: RedlineDb,
		private record: TranscriptRecord,
		private readonly current: () => EditorSnapshot,
		private readonly clock: () => number = Date.now,
		private readonly journal: Journal | null = null
	) {}

	/**
	 * The changes a closed tab left in the journal, when they are newer than the stored record (the
	 * caller takes them over and schedules a save). A stale or damaged entry is dropped: null.
	 */
	recover(): EditorSnapshot | null {
		const raw = this.journal?.read(this.record.id);
		if (!raw) return null;
		try {
			const saved = JSON.parse(raw) as EditorSnapshot;
			if (saved.doc.id === this.record.id && saved.doc.updatedAt >= this.record.doc.updatedAt) return saved;
		} catch {
			// A damaged journal entry is dropped; the stored record stands.
		}
		this.journal?.clear(this.record.id);
		return null;
	}

	/** For pagehide: writes unsaved changes to the journal synchronously, then starts a normal save. */
	saveBeforeUnload(): void {
		const { doc, rating } = this.current();
		// Also while a save is still in flight (`dirty` is already false then): the page may die first.
		if (!this.dirty && this.record.doc === doc && this.record.rating === rating) return;
		this.journal?.write(this.record.id, JSON.stringify({ doc, rating }));
		void this.flush();
	}

	/** Marks the state changed and saves it after the debounce. */
	schedule(): void {
		this.dirty = true;
		clearTimeout(this.saveTimer);
		this.saveTimer = setTimeout(() => void this.flush(), SAVE_DEBOUNCE_MS);
	}

	/** Saves now if anything changed; resolves when the write has committed. */
	flush(): Promise<void> {
		clearTimeout(this.saveTimer);
		if (!this.dirty) return this.saving;
		this.dirty = false;
		const { doc, rating } = this.current();
		const record: TranscriptRecord = {
			...this.record,
			doc,
			rating,
			status: statusFor(doc, rating),
			updatedAt: doc.updatedAt
		};
		// Based on the last record stored (chained, so it is the previous save's): the write clones only
		// the segments this change made, whatever the transcript's length.
		this.saving = this.saving
			.then(() => this.db.putTranscript(record, this.record))
			.then((rev) => {
				this.record = { ...record, rev };
				this.savedAt = this.clock();
				this.saveError = null;
				if (!this.dirty) this.journal?.clear(record.id);
			})
			.catch((e: unknown) => {
				this.dirty = true;
				this.saveError = `Not saved: ${(e as Error).message}. Your changes are kept in this tab; try again.`;
			});
		return this.saving;
	}

	/** Stops timers (component teardown); call flush() first to keep the last change. */
	dispose(): void {
		clearTimeout(this.saveTimer);
	}
}
