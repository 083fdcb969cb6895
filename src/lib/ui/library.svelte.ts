import type { RedlineDb, TranscriptSummary } from '../storage/db';
import type { Toasts } from './toasts.svelte';
import { nowIso } from '../shared/ids';

/** The list of stored transcripts on the start page, with rename and delete-with-undo. */
export class Library {
	/** The list's rows: summaries, never documents (see RedlineDb.listTranscripts). */
	items = $state.raw<TranscriptSummary[]>([]);
	loaded = $state(false);
	error = $state<string | null>(null);

	constructor(
		private readonly db: RedlineDb,
		private readonly toasts: Toasts
	) {}

	/** Reloads the list from IndexedDB. */
	async refresh(): Promise<void> {
		try {
			this.items = await this.db.listTranscripts();
			this.error = null;
		} catch (e) {
			this.error = `Your transcripts could not be read from this browser's storage: ${(e as Error).message}`;
		} finally {
			this.loaded = true;
		}
	}

	/** Renames a transcript (the title is also the export file name). */
	async rename(id: string, title: string): Promise<void> {
		const clean = title.trim();
		const record = await this.db.getTranscript(id);
		if (!record || !clean || clean === record.doc.title) return;
		const now = nowIso();
		// Based on the record read: only the row is rewritten, not its segments.
		await this.db.putTranscript(
			{ ...record, doc: { ...record.doc, title: clean, updatedAt: now }, updatedAt: now },
			record
		);
		await this.refresh();
	}

	/** Deletes a transcript and its audio at once, with an Undo toast that puts both back. */
	async remove(id: string): Promise<void> {
		const removed = await this.db.deleteTranscript(id);
		await this.refresh();
		if (!removed) return;
		this.toasts.push({
			message: `Deleted “${removed.record.doc.title}”.`,
			actionLabel: 'Undo',
			action: () => {
				void this.db
					.addTranscript(removed.record, removed.audio ?? new Blob([], { type: removed.record.audioType }))
					.then(() => this.refresh());
			}
		});
	}
}
