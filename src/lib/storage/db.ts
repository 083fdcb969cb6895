import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { IdbConnection } from './idb-connection';
import {
	appendSegments,
	mergeGrowth,
	type DocSegment,
	type GrowthState,
	type TranscriptDoc
} from '../transcript/document';
import type { Rating } from '../transcript/rating';

/** IndexedDB database name. Changing this wipes user data without a migration. */
export const DB_NAME = 'redline';
/** Current schema version. Bump it only together with a new step in `upgrade` below. */
export const DB_VERSION = 2;

/** Object store names, in one table so a typo is a type error. */
export const Stores = {
	transcripts: 'transcripts',
	audio: 'audio',
	settings: 'settings'
} as const;

/** Where a stored transcript is in its life: fresh from the model, touched by the user, or rated. */
export type TranscriptStatus = 'transcribed' | 'edited' | 'rated';

/** One row of the transcripts store: the editable document plus library metadata. */
export interface TranscriptRecord {
	id: string;
	doc: TranscriptDoc;
	status: TranscriptStatus;
	rating: Rating | null;
	/** Mirrors doc.updatedAt so the library can sort through an index without loading docs. */
	updatedAt: string;
	/** MIME type and original file name of the recording, for the player and exports. */
	audioType: string;
	fileName: string;
}

/** The recording for one transcript, keyed by transcript id. */
export interface AudioRecord {
	id: string;
	blob: Blob;
}

/** A settings value (JSON-serialisable) under a string key. */
export interface SettingRecord {
	key: string;
	value: unknown;
}

/** Current schema. */
export interface RedlineSchema extends DBSchema {
	transcripts: { key: string; value: TranscriptRecord; indexes: { updatedAt: string } };
	audio: { key: string; value: AudioRecord };
	settings: { key: string; value: SettingRecord };
}

/**
 * The v1 layout, kept only so the migration is typed: one `transcripts` store whose rows held the
 * recording inline as `audio`, no settings store, no index.
 */
export interface V1TranscriptRow extends Omit<TranscriptRecord, 'audioType' | 'fileName'> {
	audio: Blob;
	fileName?: string;
}

/** The upgrade transaction type `upgradeSchema` works in. */
export type AnyTx = IDBPTransaction<RedlineSchema, StoreNames<RedlineSchema>[], 'versionchange'>;

/**
 * Brings any older layout to the current one. Each step checks what exists before creating it, so
 * running it twice (e.g. after an interrupted upgrade) is harmless.
 */
export async function upgradeSchema(
	db: IDBPDatabase<RedlineSchema>,
	oldVersion: number,
	tx: AnyTx
): Promise<void> {
	if (!db.objectStoreNames.contains(Stores.transcripts)) {
		db.createObjectStore(Stores.transcripts, { keyPath: 'id' });
	}
	if (!db.objectStoreNames.contains(Stores.audio)) {
		db.createObjectStore(Stores.audio, { keyPath: 'id' });
	}
	if (!db.objectStoreNames.contains(Stores.settings)) {
		db.createObjectStore(Stores.settings, { keyPath: 'key' });
	}
	const transcripts = tx.objectStore(Stores.transcripts);
	if (!transcripts.indexNames.contains('updatedAt')) {
		transcripts.createIndex('updatedAt', 'updatedAt');
	}
	if (oldVersion >= 1 && oldVersion < 2) {
		// v1 kept the audio inline; v2 moves it to its own store so listing transcripts stays cheap.
		const audio = tx.objectStore(Stores.audio);
		let cursor = await transcripts.openCursor();
		while (cursor) {
			const row = cursor.value as unknown as Partial<V1TranscriptRow> & TranscriptRecord;
			if (row.audio instanceof Blob) {
				await audio.put({ id: row.id, blob: row.audio });
			}
			const { audio: inline, ...rest } = row;
			const migrated: TranscriptRecord = {
				...rest,
				audioType: rest.audioType ?? (inline instanceof Blob ? inline.type : ''),
				fileName: rest.fileName ?? rest.doc.title
			};
			await cursor.update(migrated);
			cursor = await cursor.continue();
		}
	}
}

/** Library-level data access: every read and write goes through `tx()`. */
export class RedlineDb extends IdbConnection<RedlineSchema> {
	constructor(private readonly name: string = DB_NAME) {
		super();
	}

	protected connect(blocking: () => void): Promise<IDBPDatabase<RedlineSchema>> {
		return openDB<RedlineSchema>(this.name, DB_VERSION, {
			upgrade: (db, oldVersion, _newVersion, tx) => {
				// idb does not await the callback; the transaction stays open while requests are queued.
				upgradeSchema(db, oldVersion, tx as unknown as AnyTx).catch(() => tx.abort());
			},
			// Another tab wants a newer version: let it have the database instead of blocking it.
			blocking
		});
	}

	/** Library rows, newest first. */
	listTranscripts(): Promise<TranscriptRecord[]> {
		return this.tx([Stores.transcripts], 'readonly', async (tx) => {
			const rows = await tx.objectStore(Stores.transcripts).index('updatedAt').getAll();
			return rows.reverse();
		});
	}

	/** One transcript row, or undefined when it does not exist (deleted, wrong link). */
	getTranscript(id: string): Promise<TranscriptRecord | undefined> {
		return this.tx([Stores.transcripts], 'readonly', (tx) => tx.objectStore(Stores.transcripts).get(id));
	}

	/**
	 * Writes a transcript row (insert or replace). When the stored row of a growing transcript has
	 * segments the written one lacks (appended by the transcription since the writer read it), they
	 * are kept: a save from the editor never drops what the engine delivered meanwhile.
	 */
	putTranscript(record: TranscriptRecord): Promise<void> {
		return this.tx([Stores.transcripts], 'readwrite', async (tx) => {
			const store = tx.objectStore(Stores.transcripts);
			const stored = record.doc.partial ? await store.get(record.id) : undefined;
			const doc = stored ? mergeGrowth(record.doc, stored.doc) : record.doc;
			await store.put(doc === record.doc ? record : { ...record, doc });
		});
	}

	/**
	 * Appends freshly decoded segments to a growing transcript in one transaction (appendSegments:
	 * edited segments stay as the editor saved them). Returns false when the transcript is gone
	 * (deleted while it was being transcribed).
	 */
	growTranscript(id: string, segments: readonly DocSegment[], state: GrowthState): Promise<boolean> {
		return this.tx([Stores.transcripts], 'readwrite', async (tx) => {
			const store = tx.objectStore(Stores.transcripts);
			const record = await store.get(id);
			if (!record) return false;
			const doc = appendSegments(record.doc, segments, state);
			if (doc !== record.doc) await store.put({ ...record, doc });
			return true;
		});
	}

	/** Stores a new transcript and its recording atomically: either both land or neither. */
	addTranscript(record: TranscriptRecord, audio: Blob): Promise<void> {
		return this.tx([Stores.transcripts, Stores.audio], 'readwrite', async (tx) => {
			await tx.objectStore(Stores.transcripts).put(record);
			await tx.objectStore(Stores.audio).put({ id: record.id, blob: audio });
		});
	}

	/** The recording of a transcript, or undefined. */
	async getAudio(id: string): Promise<Blob | undefined> {
		const row = await this.tx([Stores.audio], 'readonly', (tx) => tx.objectStore(Stores.audio).get(id));
		return row?.blob;
	}

	/** Removes a transcript and its recording; returns what was removed so the caller can undo. */
	deleteTranscript(id: string): Promise<{ record: TranscriptRecord; audio: Blob | undefined } | undefined> {
		return this.tx([Stores.transcripts, Stores.audio], 'readwrite', async (tx) => {
			const record = await tx.objectStore(Stores.transcripts).get(id);
			if (!record) return undefined;
			const audio = await tx.objectStore(Stores.audio).get(id);
			await tx.objectStore(Stores.transcripts).delete(id);
			await tx.objectStore(Stores.audio).delete(id);
			return { record, audio: audio?.blob };
		});
	}

	/** A setting, or `fallback` when unset. */
	async getSetting<T>(key: string, fallback: T): Promise<T> {
		const row = await this.tx([Stores.settings], 'readonly', (tx) =>
			tx.objectStore(Stores.settings).get(key)
		);
		return row ? (row.value as T) : fallback;
	}

	/** Stores a setting. */
	setSetting(key: string, value: unknown): Promise<void> {
		return this.tx([Stores.settings], 'readwrite', async (tx) => {
			await tx.objectStore(Stores.settings).put({ key, value });
		});
	}
}
