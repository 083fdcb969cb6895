import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { IdbConnection } from './idb-connection';
import {
	growthStep,
	mergeGrowth,
	type DocProgress,
	type DocSegment,
	type GrowthState,
	type TranscriptDoc
} from '../transcript/document';
import type { Rating } from '../transcript/rating';

/** IndexedDB database name. Changing this wipes user data without a migration. */
export const DB_NAME = 'redline';
/** Current schema version. Bump it only together with a new step in `upgrade` below. */
export const DB_VERSION = 4;

/** Object store names, in one table so a typo is a type error. */
export const Stores = {
	transcripts: 'transcripts',
	audio: 'audio',
	settings: 'settings',
	segments: 'segments',
	summaries: 'summaries',
	docSegments: 'docSegments'
} as const;

/** Where a stored transcript is in its life: fresh from the model, touched by the user, or rated. */
export type TranscriptStatus = 'transcribed' | 'edited' | 'rated';

/**
 * One row of the transcripts store: the editable document plus library metadata. While a transcript
 * grows, the segments decoded since its document was last written are in the segments store (see
 * SegmentRow); every read through RedlineDb joins them in.
 */
export interface TranscriptRecord {
	id: string;
	doc: TranscriptDoc;
	status: TranscriptStatus;
	rating: Rating | null;
	/** Mirrors doc.updatedAt; the library sorts its summaries (summarize copies it) by it. */
	updatedAt: string;
	/** MIME type and original file name of the recording, for the player and exports. */
	audioType: string;
	fileName: string;
	/**
	 * How many times the stored row was written (absent before the first write). A save that passes
	 * the record it last read or wrote writes only the segments it changed, if the rev still matches.
	 */
	rev?: number;
}

/**
 * The transcripts store's row: the record with an empty segment list, its segments being rows of the
 * docSegments store in the order of `segmentIds`. So an autosave of a 3-hour transcript clones the
 * segments it changed, not 30,000 words. Rows written before v4 held their segments inline (no
 * segmentIds); reads still take those as they are.
 */
export interface StoredTranscript extends TranscriptRecord {
	segmentIds?: string[];
}

/** One segment of a stored document, keyed by transcript id and segment id. */
export interface DocSegmentRow {
	transcriptId: string;
	segment: DocSegment;
}

/**
 * One batch of segments a growing transcript's run appended, keyed by transcript id and sequence
 * number: written without reading the document, so a growth step costs the same at minute 1 and at
 * hour 3. Reading a transcript applies the rows in order as `appendSegments` does (skipping what the
 * document has already), so an editor save written meanwhile keeps its edits and loses no segment.
 * The rows are folded into the document by the next write of it complete (see `putTranscript`).
 */
export interface SegmentRow {
	transcriptId: string;
	seq: number;
	segments: DocSegment[];
	state: GrowthState;
}

/**
 * What the library list shows of a transcript, kept beside it in every write so the list (refreshed
 * every few seconds while a transcript grows) never loads a document.
 */
export interface TranscriptSummary {
	id: string;
	title: string;
	createdAt: string;
	updatedAt: string;
	durationSec: number;
	status: TranscriptStatus;
	rating: Rating | null;
	/** The run's progress while the transcript is incomplete (doc.partial). */
	partial?: DocProgress;
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
	transcripts: { key: string; value: StoredTranscript; indexes: { updatedAt: string } };
	audio: { key: string; value: AudioRecord };
	settings: { key: string; value: SettingRecord };
	segments: { key: [string, number]; value: SegmentRow };
	summaries: { key: string; value: TranscriptSummary; indexes: { updatedAt: string } };
	docSegments: { key: [string, string]; value: DocSegmentRow };
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

/** The library's summary of a stored transcript (a pure function of the row). */
export function summarize(record: TranscriptRecord): TranscriptSummary {
	const { doc } = record;
	const summary: TranscriptSummary = {
		id: record.id,
		title: doc.title,
		createdAt: doc.createdAt,
		updatedAt: record.updatedAt,
		durationSec: doc.durationSec,
		status: record.status,
		rating: record.rating,
		audioType: record.audioType,
		fileName: record.fileName
	};
	if (doc.partial) summary.partial = { ...doc.partial };
	return summary;
}

/**
 * Applies a transcript's segment rows (in sequence order) to its stored document: the same result as
 * `appendSegments` row by row, in one pass (the segment list is built once, not once per row).
 */
export function joinRows(record: TranscriptRecord, rows: readonly SegmentRow[]): TranscriptRecord {
	const { doc } = record;
	let partial = doc.partial;
	let durationSec = doc.durationSec;
	let wordTiming = doc.wordTiming;
	const added: DocSegment[] = [];
	for (const row of rows) {
		const step = growthStep(partial, durationSec, row.segments, row.state);
		if (!step) continue;
		for (const seg of step.fresh) added.push(seg);
		partial = step.partial;
		durationSec = step.durationSec;
		if (row.state.wordTiming) wordTiming = row.state.wordTiming;
	}
	if (partial === doc.partial) return record;
	const joined: TranscriptDoc = {
		...doc,
		segments: added.length > 0 ? [...doc.segments, ...added] : doc.segments,
		durationSec
	};
	if (wordTiming) joined.wordTiming = wordTiming;
	if (partial) joined.partial = partial;
	else delete joined.partial;
	return { ...record, doc: joined };
}

/** The key range of one transcript's segment rows. */
const rowsOf = (id: string) => IDBKeyRange.bound([id, -Infinity], [id, Infinity]);
/** The key range of one transcript's document segments (every string sorts before an array). */
const docSegmentsOf = (id: string) => IDBKeyRange.bound([id, ''], [id, []]);

/** A stored row with its document segments put back in order; one missing is skipped, never invented. */
export function fromStored(row: StoredTranscript, segmentRows: readonly DocSegmentRow[]): TranscriptRecord {
	const { segmentIds, ...record } = row;
	if (!segmentIds) return record;
	const byId = new Map(segmentRows.map((r) => [r.segment.id, r.segment]));
	const segments: DocSegment[] = [];
	for (const id of segmentIds) {
		const seg = byId.get(id);
		if (seg) segments.push(seg);
	}
	return { ...record, doc: { ...record.doc, segments } };
}

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
	if (!db.objectStoreNames.contains(Stores.segments)) {
		db.createObjectStore(Stores.segments, { keyPath: ['transcriptId', 'seq'] });
	}
	if (!db.objectStoreNames.contains(Stores.summaries)) {
		db.createObjectStore(Stores.summaries, { keyPath: 'id' });
	}
	if (!db.objectStoreNames.contains(Stores.docSegments)) {
		db.createObjectStore(Stores.docSegments, { keyPath: ['transcriptId', 'segment.id'] });
	}
	const transcripts = tx.objectStore(Stores.transcripts);
	if (!transcripts.indexNames.contains('updatedAt')) {
		transcripts.createIndex('updatedAt', 'updatedAt');
	}
	const summaries = tx.objectStore(Stores.summaries);
	if (!summaries.indexNames.contains('updatedAt')) {
		summaries.createIndex('updatedAt', 'updatedAt');
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
	if (oldVersion >= 1 && oldVersion < 3) {
		// v3 lists the library from summaries. A v2 document holds all its segments; rows are joined in
		// anyway, so running the step again over v3 data rewrites every summary as it was.
		const rows = tx.objectStore(Stores.segments);
		let cursor = await transcripts.openCursor();
		while (cursor) {
			const record = cursor.value;
			await summaries.put(summarize(joinRows(record, await rows.getAll(rowsOf(record.id)))));
			cursor = await cursor.continue();
		}
	}
	if (oldVersion >= 1 && oldVersion < 4) {
		// v4 keeps each document segment in its own row; a row already split is left alone.
		const docSegments = tx.objectStore(Stores.docSegments);
		let cursor = await transcripts.openCursor();
		while (cursor) {
			const row = cursor.value;
			if (!row.segmentIds) {
				for (const segment of row.doc.segments) await docSegments.put({ transcriptId: row.id, segment });
				await cursor.update(splitRow(row, row.rev));
			}
			cursor = await cursor.continue();
		}
	}
}

/** The transcripts store's form of a record: its segments out, their order kept. */
function splitRow(record: TranscriptRecord, rev: number | undefined): StoredTranscript {
	const { rev: _rev, ...rest } = record;
	const row: StoredTranscript = {
		...rest,
		doc: { ...record.doc, segments: [] },
		segmentIds: record.doc.segments.map((s) => s.id)
	};
	// A migrated row keeps "never written": its first save rewrites every segment anyway.
	if (rev !== undefined) row.rev = rev;
	return row;
}

/** The transaction type of the helpers below: any transaction over these stores that can write. */
type WriteTx = IDBPTransaction<RedlineSchema, StoreNames<RedlineSchema>[], 'readwrite' | 'versionchange'>;
/** Any transaction that can read the transcripts and their segment rows. */
type ReadTx = IDBPTransaction<RedlineSchema, StoreNames<RedlineSchema>[], IDBTransactionMode>;

/**
 * One transcript (its document segments and growth rows joined in), inside a transaction over
 * transcripts, docSegments and segments.
 */
export async function readTranscript(tx: ReadTx, id: string): Promise<TranscriptRecord | undefined> {
	const row = await tx.objectStore(Stores.transcripts).get(id);
	if (!row) return undefined;
	const segmentRows = row.segmentIds
		? await tx.objectStore(Stores.docSegments).getAll(docSegmentsOf(id))
		: [];
	return withGrowth(fromStored(row, segmentRows), await tx.objectStore(Stores.segments).getAll(rowsOf(id)));
}

/**
 * joinRows, and a record that took segments from growth rows loses its rev: its document is no
 * longer what the docSegments store holds, so a save based on it must write every segment (the
 * joined ones live only in rows that a complete save deletes).
 */
function withGrowth(record: TranscriptRecord, rows: readonly SegmentRow[]): TranscriptRecord {
	const joined = joinRows(record, rows);
	if (joined === record || joined.rev === undefined) return joined;
	const { rev: _rev, ...rest } = joined;
	return rest;
}

/** Groups rows by transcript id, keeping their order (getAll returns them in key order). */
function byTranscript<R extends { transcriptId: string }>(rows: readonly R[]): Map<string, R[]> {
	const byId = new Map<string, R[]>();
	for (const row of rows) {
		const list = byId.get(row.transcriptId);
		if (list) list.push(row);
		else byId.set(row.transcriptId, [row]);
	}
	return byId;
}

/** Every transcript, joined as readTranscript does (backup export), in one transaction. */
export async function readAllTranscripts(tx: ReadTx): Promise<TranscriptRecord[]> {
	const records = await tx.objectStore(Stores.transcripts).getAll();
	const docRows = byTranscript(await tx.objectStore(Stores.docSegments).getAll());
	const growth = byTranscript(await tx.objectStore(Stores.segments).getAll());
	return records.map((r) => withGrowth(fromStored(r, docRows.get(r.id) ?? []), growth.get(r.id) ?? []));
}

/**
 * Stores a record's document: the row without segments, and the segment rows. With `base` (the
 * record this one was made from, as last read or written) and a stored rev that still matches it,
 * only the segments that are not the very objects of base's document are written, and those it no
 * longer has are deleted: the editor's immutable updates share every unchanged segment, so an edit
 * costs one segment. Otherwise (another writer came between, no base) every segment is rewritten.
 * Returns the rev written.
 */
async function putDoc(tx: WriteTx, record: TranscriptRecord, base?: TranscriptRecord): Promise<number> {
	const transcripts = tx.objectStore(Stores.transcripts);
	const rows = tx.objectStore(Stores.docSegments);
	const stored = await transcripts.get(record.id);
	const rev = (stored?.rev ?? 0) + 1;
	const { id } = record;
	const segments = record.doc.segments;
	const writes: Promise<unknown>[] = [];
	if (base?.rev !== undefined && stored?.segmentIds && stored.rev === base.rev) {
		const before = new Map(base.doc.segments.map((s) => [s.id, s]));
		for (const segment of segments) {
			if (before.get(segment.id) !== segment) writes.push(rows.put({ transcriptId: id, segment }));
			before.delete(segment.id);
		}
		for (const gone of before.keys()) writes.push(rows.delete([id, gone]));
	} else {
		writes.push(rows.delete(docSegmentsOf(id)));
		for (const segment of segments) writes.push(rows.put({ transcriptId: id, segment }));
	}
	writes.push(transcripts.put(splitRow(record, rev)));
	await Promise.all(writes);
	return rev;
}

/**
 * Writes a whole transcript (a joined one: import, undo of a delete, compaction) with its summary,
 * and drops its segment rows, which the written document supersedes. Returns the rev written.
 */
export async function writeTranscript(
	tx: WriteTx,
	record: TranscriptRecord,
	base?: TranscriptRecord
): Promise<number> {
	const rev = await putDoc(tx, record, base);
	await tx.objectStore(Stores.summaries).put(summarize(record));
	await tx.objectStore(Stores.segments).delete(rowsOf(record.id));
	return rev;
}

/** Stores taking part in every write of a transcript. */
const WRITE_STORES = [Stores.transcripts, Stores.docSegments, Stores.summaries, Stores.segments] as const;

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

	/** Library rows, newest first: summaries only, so listing costs the same however long they are. */
	listTranscripts(): Promise<TranscriptSummary[]> {
		return this.tx([Stores.summaries], 'readonly', async (tx) => {
			const rows = await tx.objectStore(Stores.summaries).index('updatedAt').getAll();
			return rows.reverse();
		});
	}

	/** One transcript (segments joined in), or undefined when it does not exist (deleted, wrong link). */
	getTranscript(id: string): Promise<TranscriptRecord | undefined> {
		return this.tx([Stores.transcripts, Stores.docSegments, Stores.segments], 'readonly', (tx) =>
			readTranscript(tx, id)
		);
	}

	/**
	 * A transcript's metadata (model, arm, sampling) for a caller that needs no segments, without
	 * reading every segment of a long transcript: its document's segment list is empty.
	 */
	async getTranscriptHead(id: string): Promise<TranscriptRecord | undefined> {
		const row = await this.tx([Stores.transcripts], 'readonly', (tx) =>
			tx.objectStore(Stores.transcripts).get(id)
		);
		return row && fromStored(row, []);
	}

	/**
	 * Writes a transcript row (insert or replace) and its summary. A growing transcript's segment rows
	 * stay: those its document lacks (appended by the transcription since the writer read it) are
	 * joined in on the next read, so a save from the editor never drops what the engine delivered
	 * meanwhile, without reading the stored document. A complete document supersedes the rows (it was
	 * made from a read that joined them all), so they are dropped: that is where rows are folded.
	 * Only a partial document written after the run completed needs the stored one read, to merge the
	 * rest of the run in (mergeGrowth). `base`, the record this one was made from, lets the write skip
	 * the segments it did not change (see putDoc). Returns the stored row's new rev.
	 */
	putTranscript(record: TranscriptRecord, base?: TranscriptRecord): Promise<number> {
		return this.tx([...WRITE_STORES], 'readwrite', async (tx) => {
			if (!record.doc.partial) return writeTranscript(tx, record, base);
			const summaries = tx.objectStore(Stores.summaries);
			const stored = await summaries.get(record.id);
			if (stored && !stored.partial) {
				const full = await readTranscript(tx, record.id);
				const doc = full ? mergeGrowth(record.doc, full.doc) : record.doc;
				return writeTranscript(tx, doc === record.doc ? record : { ...record, doc }, base);
			}
			const rev = await putDoc(tx, record, base);
			const summary = summarize(record);
			// The rows may be ahead of the document written: the list keeps the furthest progress.
			if (stored?.partial && stored.partial.decodedUntilSec > record.doc.partial.decodedUntilSec) {
				summary.partial = stored.partial;
				summary.durationSec = Math.max(summary.durationSec, stored.durationSec);
			}
			await summaries.put(summary);
			return rev;
		});
	}

	/**
	 * Appends freshly decoded segments to a growing transcript as one segment row (the segments it
	 * already has are skipped, as appendSegments does; edited segments stay as the editor saved them)
	 * and moves its summary on, without reading the document, also for the batch that completes the
	 * run: folding the rows in there would be one read and write of the whole document, the one task
	 * that grows with the recording. The next write of the complete document (an editor save, a
	 * rename) folds them. Returns false when the transcript is gone (deleted while it was being
	 * transcribed).
	 */
	growTranscript(id: string, segments: readonly DocSegment[], state: GrowthState): Promise<boolean> {
		return this.tx([Stores.summaries, Stores.segments], 'readwrite', async (tx) => {
			const summaries = tx.objectStore(Stores.summaries);
			const summary = await summaries.get(id);
			if (!summary) return false;
			const step = growthStep(summary.partial, summary.durationSec, segments, state);
			if (!step) return true;
			const rows = tx.objectStore(Stores.segments);
			const last = await rows.openKeyCursor(rowsOf(id), 'prev');
			const seq = last ? last.key[1] + 1 : 0;
			await rows.put({ transcriptId: id, seq, segments: step.fresh, state: { ...state } });
			const { partial: _before, ...rest } = summary;
			await summaries.put(
				step.partial
					? { ...rest, partial: step.partial, durationSec: step.durationSec }
					: { ...rest, durationSec: step.durationSec }
			);
			return true;
		});
	}

	/** Stores a new transcript and its recording atomically: either both land or neither. */
	addTranscript(record: TranscriptRecord, audio: Blob): Promise<void> {
		return this.tx([...WRITE_STORES, Stores.audio], 'readwrite', async (tx) => {
			await writeTranscript(tx, record);
			await tx.objectStore(Stores.audio).put({ id: record.id, blob: audio });
		});
	}

	/** The recording of a transcript, or undefined. */
	async getAudio(id: string): Promise<Blob | undefined> {
		const row = await this.tx([Stores.audio], 'readonly', (tx) => tx.objectStore(Stores.audio).get(id));
		return row?.blob;
	}

	/**
	 * Removes a transcript, its segment rows, summary and recording; returns what was removed (segments
	 * joined in) so the caller can undo.
	 */
	deleteTranscript(id: string): Promise<{ record: TranscriptRecord; audio: Blob | undefined } | undefined> {
		return this.tx([...WRITE_STORES, Stores.audio], 'readwrite', async (tx) => {
			const record = await readTranscript(tx, id);
			if (!record) return undefined;
			const audio = await tx.objectStore(Stores.audio).get(id);
			await tx.objectStore(Stores.transcripts).delete(id);
			await tx.objectStore(Stores.docSegments).delete(docSegmentsOf(id));
			await tx.objectStore(Stores.summaries).delete(id);
			await tx.objectStore(Stores.segments).delete(rowsOf(id));
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
