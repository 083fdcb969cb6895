import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import {
	DB_VERSION,
	RedlineDb,
	Stores,
	fromStored,
	joinRows,
	summarize,
	upgradeSchema,
	type AnyTx,
	type RedlineSchema,
	type TranscriptRecord
} from './db';
import {
	applyEdit,
	createPartialDoc,
	docText,
	toDocSegments,
	type TranscriptDoc
} from '../transcript/document';
import { counterIds, makeSegment } from '../transcript/golden/sample';

let counter = 0;
const freshName = () => `redline-test-${++counter}-${Math.random()}`;
const opened: RedlineDb[] = [];

function doc(id: string, updatedAt: string): TranscriptDoc {
	return {
		id,
		title: `Title ${id}`,
		createdAt: updatedAt,
		updatedAt,
		durationSec: 3,
		model: { id: 'm', version: '1', sha256: 'x' },
		backend: 'wasm',
		segments: [],
		notes: ''
	};
}

function record(id: string, updatedAt: string): TranscriptRecord {
	return {
		id,
		doc: doc(id, updatedAt),
		status: 'transcribed',
		rating: null,
		updatedAt,
		audioType: 'audio/wav',
		fileName: `${id}.wav`
	};
}

function make(name = freshName()) {
	const db = new RedlineDb(name);
	opened.push(db);
	return db;
}

afterEach(async () => {
	await Promise.all(opened.splice(0).map((d) => d.close()));
});

describe('RedlineDb', () => {
	it('stores a transcript with its audio and lists newest first', async () => {
		const db = make();
		await db.addTranscript(record('a', '2026-01-01T00:00:00Z'), new Blob(['aaa'], { type: 'audio/wav' }));
		await db.addTranscript(record('b', '2026-02-01T00:00:00Z'), new Blob(['bb'], { type: 'audio/wav' }));
		await db.addTranscript(record('c', '2025-12-01T00:00:00Z'), new Blob(['c'], { type: 'audio/wav' }));
		expect((await db.listTranscripts()).map((r) => r.id)).toEqual(['b', 'a', 'c']);
		const audio = await db.getAudio('a');
		expect(audio?.size).toBe(3);
		expect((await db.getTranscript('b'))?.doc.title).toBe('Title b');
	});

	it('delete returns the removed rows so they can be restored', async () => {
		const db = make();
		await db.addTranscript(record('a', '2026-01-01T00:00:00Z'), new Blob(['xyz']));
		const removed = await db.deleteTranscript('a');
		expect(removed?.record.id).toBe('a');
		expect(removed?.audio?.size).toBe(3);
		expect(await db.getTranscript('a')).toBeUndefined();
		expect(await db.getAudio('a')).toBeUndefined();
		expect(await db.deleteTranscript('a')).toBeUndefined();
		await db.addTranscript(removed!.record, removed!.audio!);
		expect((await db.listTranscripts()).map((r) => r.id)).toEqual(['a']);
	});

	it('settings fall back to the default until set', async () => {
		const db = make();
		expect(await db.getSetting('threshold', 0.6)).toBe(0.6);
		await db.setSetting('threshold', 0.4);
		expect(await db.getSetting('threshold', 0.6)).toBe(0.4);
	});

	it('data survives closing and reopening', async () => {
		const name = freshName();
		const first = make(name);
		await first.putTranscript(record('a', '2026-01-01T00:00:00Z'));
		await first.close();
		const second = make(name);
		expect((await second.getTranscript('a'))?.fileName).toBe('a.wav');
	});

	it('migrates the v1 layout (audio inline) to the current one', async () => {
		const name = freshName();
		const v1 = await openDB(name, 1, {
			upgrade(db) {
				db.createObjectStore('transcripts', { keyPath: 'id' });
			}
		});
		const { audioType: _t, fileName: _f, ...base } = record('old', '2026-01-01T00:00:00Z');
		await v1.put('transcripts', { ...base, audio: new Blob(['12345'], { type: 'audio/ogg' }) });
		v1.close();

		const db = make(name);
		const rows = await db.listTranscripts();
		expect(rows).toHaveLength(1);
		expect(rows[0]).not.toHaveProperty('audio');
		expect(rows[0].audioType).toBe('audio/ogg');
		expect(rows[0].fileName).toBe('Title old');
		expect((await db.getAudio('old'))?.size).toBe(5);
		await db.close();

		const raw = await openDB(name, DB_VERSION);
		expect([...raw.objectStoreNames].sort()).toEqual(Object.values(Stores).sort());
		expect([...raw.transaction('transcripts').store.indexNames]).toEqual(['updatedAt']);
		raw.close();
	});

	it('running the migration again over migrated data changes nothing', async () => {
		const name = freshName();
		const db = make(name);
		await db.addTranscript(record('a', '2026-01-01T00:00:00Z'), new Blob(['1'], { type: 'audio/wav' }));
		await db.close();
		// Pretend the v1 step was interrupted after it finished: run it once more from oldVersion 1.
		const again = await openDB<RedlineSchema>(name, DB_VERSION + 1, {
			upgrade(raw, _old, _new, tx) {
				void upgradeSchema(raw, 1, tx as unknown as AnyTx);
			}
		});
		expect([...again.objectStoreNames].sort()).toEqual(Object.values(Stores).sort());
		const row = await again.get('transcripts', 'a');
		expect(fromStored(row!, await again.getAll('docSegments'))).toEqual({
			...record('a', '2026-01-01T00:00:00Z'),
			rev: 1
		});
		expect((await again.get('audio', 'a'))?.blob.size).toBe(1);
		again.close();
	});
});

describe('growing transcripts', () => {
	const segs = toDocSegments([makeSegment(0, 2, 'one two'), makeSegment(3, 4, 'three')], counterIds('g'));
	const partialRecord = (): TranscriptRecord => ({
		...record('p', '2026-01-01T00:00:00Z'),
		doc: createPartialDoc({
			id: 'p',
			title: 't',
			model: { id: 'm', version: '1', sha256: 'x' },
			backend: 'wasm',
			now: '2026-01-01T00:00:00Z'
		})
	});

	it('growTranscript appends, and an editor save from before keeps the growth and its own edit', async () => {
		const db = make();
		await db.addTranscript(partialRecord(), new Blob(['a']));
		expect(await db.growTranscript('p', segs.slice(0, 1), { fraction: 0.5, complete: false })).toBe(true);
		const read = (await db.getTranscript('p'))!;
		expect(await db.growTranscript('p', segs, { fraction: 0.9, complete: false })).toBe(true);
		const edited = { ...read.doc, title: 'renamed', updatedAt: '2026-01-01T00:01:00Z' };
		await db.putTranscript({ ...read, doc: edited });
		const after = (await db.getTranscript('p'))!;
		expect(after.doc.title).toBe('renamed');
		expect(after.doc.segments.map((s) => s.id)).toEqual(segs.map((s) => s.id));
		expect(after.doc.partial).toEqual({ decodedUntilSec: 4, fraction: 0.9 });
	});

	it('growTranscript says false for a deleted transcript', async () => {
		const db = make();
		expect(await db.growTranscript('gone', segs, { fraction: 1, complete: true })).toBe(false);
	});

	const more = toDocSegments(
		[makeSegment(5, 6, 'four five'), makeSegment(7, 8, 'six'), makeSegment(9, 10, 'seven eight')],
		counterIds('h')
	);
	const running = (fraction: number) => ({ fraction, complete: false });

	/** The raw stores, as a later version of the app would find them. */
	async function raw(name: string) {
		const conn = await openDB<RedlineSchema>(name, DB_VERSION);
		const tx = conn.transaction([Stores.transcripts, Stores.docSegments, Stores.segments, Stores.summaries]);
		const row = await tx.objectStore(Stores.transcripts).get('p');
		const out = {
			// The document as written (its segment rows in order), without the growth rows.
			record: row && fromStored(row, await tx.objectStore(Stores.docSegments).getAll()),
			rows: await tx.objectStore(Stores.segments).getAll(),
			summary: await tx.objectStore(Stores.summaries).get('p')
		};
		conn.close();
		return out;
	}

	it('growth lands as segment rows beside the untouched document; reads join them, the list shows progress', async () => {
		const name = freshName();
		const db = make(name);
		await db.addTranscript(partialRecord(), new Blob(['a']));
		await db.growTranscript('p', segs, running(0.3));
		await db.growTranscript('p', more.slice(0, 1), running(0.5));
		// A batch the transcript has already (a retried write) adds nothing.
		await db.growTranscript('p', more.slice(0, 1), running(0.5));
		await db.close();
		const stored = await raw(name);
		expect(stored.record?.doc.segments).toEqual([]);
		expect(stored.rows.map((r) => [r.seq, r.segments.length])).toEqual([
			[0, 2],
			[1, 1]
		]);
		const doc = (await db.getTranscript('p'))!.doc;
		expect(docText(doc)).toBe('one two\nthree\nfour five');
		expect(doc.partial).toEqual({ decodedUntilSec: 6, fraction: 0.5 });
		const [item] = await db.listTranscripts();
		expect(item).not.toHaveProperty('doc');
		expect([item.title, item.partial, item.durationSec]).toEqual([
			't',
			{ decodedUntilSec: 6, fraction: 0.5 },
			6
		]);
	});

	it('edits saved mid-run survive later growth and the completion; the next complete save folds the rows in', async () => {
		const name = freshName();
		const db = make(name);
		await db.addTranscript(partialRecord(), new Blob(['a']));
		await db.growTranscript('p', segs, running(0.3));
		// The editor opens it, corrects a finished segment and saves, while more arrives.
		const opened = (await db.getTranscript('p'))!;
		await db.growTranscript('p', more.slice(0, 1), running(0.5));
		const edited = applyEdit(
			opened.doc,
			{ type: 'replaceWords', segmentId: segs[0].id, from: 0, to: 1, text: 'uno' },
			{ now: '2026-01-01T00:02:00Z', newId: counterIds('e') }
		);
		await db.putTranscript({ ...opened, doc: edited, status: 'edited', updatedAt: edited.updatedAt });
		expect(docText((await db.getTranscript('p'))!.doc)).toBe('uno two\nthree\nfour five');
		const [item] = await db.listTranscripts();
		// The save carried less progress than the rows: the list keeps the furthest.
		expect([item.status, item.partial?.decodedUntilSec]).toEqual(['edited', 6]);

		await db.growTranscript('p', more.slice(1), { fraction: 1, complete: true, durationSec: 11 });
		const finished = (await db.getTranscript('p'))!;
		expect(docText(finished.doc)).toBe('uno two\nthree\nfour five\nsix\nseven eight');
		expect(finished.doc.partial).toBeUndefined();
		expect(finished.doc.durationSec).toBe(11);
		await db.close();
		// Completing wrote a row, not the document (no whole-document task at the end of a run).
		let stored = await raw(name);
		expect(stored.rows).toHaveLength(3);
		expect(stored.record!.doc.partial).toBeDefined();
		expect(stored.summary).toEqual(summarize(finished));

		// An editor that missed the end saves its partial copy: the finished growth is kept, folded in.
		await db.putTranscript({
			...opened,
			doc: { ...edited, title: 'late' },
			updatedAt: '2026-01-01T00:03:00Z'
		});
		const after = (await db.getTranscript('p'))!.doc;
		expect(after.title).toBe('late');
		expect(docText(after)).toBe('uno two\nthree\nfour five\nsix\nseven eight');
		expect(after.partial).toBeUndefined();
		expect((await db.listTranscripts())[0].partial).toBeUndefined();
		await db.close();
		stored = await raw(name);
		expect(stored.rows).toEqual([]);
		expect(stored.record!.doc).toEqual(after);
	});

	it('a save of the complete document drops the rows it supersedes', async () => {
		const name = freshName();
		const db = make(name);
		await db.addTranscript(partialRecord(), new Blob(['a']));
		await db.growTranscript('p', segs, running(0.3));
		await db.growTranscript('p', more, { fraction: 1, complete: true, durationSec: 11 });
		const done = (await db.getTranscript('p'))!;
		const renamed = { ...done.doc, title: 'renamed', updatedAt: '2026-01-01T00:05:00Z' };
		await db.putTranscript({ ...done, doc: renamed, updatedAt: renamed.updatedAt });
		await db.close();
		const stored = await raw(name);
		expect(stored.rows).toEqual([]);
		expect(stored.record!.doc).toEqual(renamed);
		expect(stored.summary?.title).toBe('renamed');
		expect(docText((await db.getTranscript('p'))!.doc)).toBe(docText(done.doc));
	});

	it('a cancelled run keeps its rows; Resume reads where it stopped, and its growth continues the sequence', async () => {
		const name = freshName();
		const db = make(name);
		await db.addTranscript(partialRecord(), new Blob(['a']));
		await db.growTranscript('p', segs, running(0.3));
		await db.close();
		// The tab closed: the next one reads the joined transcript and resumes from its end.
		const next = make(name);
		expect((await next.getTranscript('p'))!.doc.partial?.decodedUntilSec).toBe(4);
		await next.growTranscript('p', more.slice(0, 2), running(0.8));
		await next.close();
		expect((await raw(name)).rows.map((r) => r.seq)).toEqual([0, 1]);
		expect(docText((await next.getTranscript('p'))!.doc)).toBe('one two\nthree\nfour five\nsix');
	});

	it('delete removes the rows and summary with the transcript; Undo puts back every segment', async () => {
		const name = freshName();
		const db = make(name);
		await db.addTranscript(partialRecord(), new Blob(['a']));
		await db.growTranscript('p', segs, running(0.3));
		const removed = (await db.deleteTranscript('p'))!;
		expect(docText(removed.record.doc)).toBe('one two\nthree');
		expect(await db.listTranscripts()).toEqual([]);
		expect(await db.growTranscript('p', more, running(0.9))).toBe(false);
		await db.close();
		expect(await raw(name)).toEqual({ record: undefined, rows: [], summary: undefined });
		await db.addTranscript(removed.record, removed.audio!);
		expect(docText((await db.getTranscript('p'))!.doc)).toBe('one two\nthree');
		expect((await db.listTranscripts()).map((r) => r.partial)).toEqual([
			{ decodedUntilSec: 4, fraction: 0.3 }
		]);
	});
});

describe('the v2 to v3 migration', () => {
	/** A database in the v2 layout: transcripts (with the updatedAt index), audio and settings. */
	async function seedV2(name: string, rows: TranscriptRecord[]) {
		const v2 = await openDB(name, 2, {
			upgrade(db) {
				db.createObjectStore('transcripts', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
				db.createObjectStore('audio', { keyPath: 'id' });
				db.createObjectStore('settings', { keyPath: 'key' });
			}
		});
		for (const r of rows) await v2.put('transcripts', r);
		await v2.put('audio', { id: rows[0].id, blob: new Blob(['123']) });
		v2.close();
	}
	const grown = (): TranscriptRecord => {
		const segments = toDocSegments([makeSegment(0, 2, 'one two')], counterIds('m'));
		const base = record('g', '2026-03-01T00:00:00Z');
		return { ...base, doc: { ...base.doc, segments, partial: { decodedUntilSec: 2, fraction: 0.4 } } };
	};

	it('gives every v2 transcript its summary, keeps the documents as they were', async () => {
		const name = freshName();
		const rows = [record('a', '2026-01-01T00:00:00Z'), grown()];
		await seedV2(name, rows);
		const db = make(name);
		const list = await db.listTranscripts();
		expect(list).toEqual([summarize(rows[1]), summarize(rows[0])]);
		expect(list[0].partial).toEqual({ decodedUntilSec: 2, fraction: 0.4 });
		expect(await db.getTranscript('g')).toEqual(rows[1]);
		expect((await db.getAudio('a'))?.size).toBe(3);
		// A migrated growing transcript grows on as rows.
		const later = toDocSegments([makeSegment(3, 4, 'three')], counterIds('n'));
		await db.growTranscript('g', later, { fraction: 0.6, complete: false });
		expect(docText((await db.getTranscript('g'))!.doc)).toBe('one two\nthree');
		await db.close();

		const conn = await openDB(name, DB_VERSION);
		expect([...conn.objectStoreNames].sort()).toEqual(Object.values(Stores).sort());
		expect([...conn.transaction('summaries').store.indexNames]).toEqual(['updatedAt']);
		conn.close();
	});

	it('running the v3 step again over migrated data changes nothing', async () => {
		const name = freshName();
		await seedV2(name, [record('a', '2026-01-01T00:00:00Z'), grown()]);
		const db = make(name);
		await db.growTranscript('g', toDocSegments([makeSegment(3, 4, 'three')], counterIds('n')), {
			fraction: 0.6,
			complete: false
		});
		const before = { list: await db.listTranscripts(), doc: await db.getTranscript('g') };
		await db.close();
		const again = await openDB<RedlineSchema>(name, DB_VERSION + 1, {
			upgrade(conn, _old, _new, tx) {
				void upgradeSchema(conn, 2, tx as unknown as AnyTx);
			}
		});
		const summaries = await again.getAllFromIndex('summaries', 'updatedAt');
		const rows = await again.getAll('segments');
		const stored = await again.get('transcripts', 'g');
		const docRows = await again.getAll('docSegments');
		again.close();
		// The summaries come out as they were (the growing one's progress is its row's, not its
		// document's), and the row is kept.
		expect(summaries.reverse()).toEqual(before.list);
		expect(before.list[0].partial).toEqual({ decodedUntilSec: 4, fraction: 0.6 });
		expect(rows).toHaveLength(1);
		expect(joinRows(fromStored(stored!, docRows), rows)).toEqual(before.doc);
	});
});

describe('document segments in their own rows (v4)', () => {
	const threeSegments = (): TranscriptRecord => {
		const base = record('s', '2026-04-01T00:00:00Z');
		const segments = toDocSegments(
			[makeSegment(0, 2, 'one two'), makeSegment(3, 4, 'three'), makeSegment(5, 6, 'four five')],
			counterIds('s')
		);
		return { ...base, doc: { ...base.doc, segments } };
	};
	const edit = (r: TranscriptRecord, text: string): TranscriptRecord => ({
		...r,
		doc: applyEdit(r.doc, { type: 'replaceWords', segmentId: r.doc.segments[1].id, from: 0, to: 1, text })
	});

	/** Counts the segment rows each write puts, by spying on the store's put. */
	async function putsOf(write: () => Promise<unknown>): Promise<number> {
		let n = 0;
		const original = IDBObjectStore.prototype.put;
		IDBObjectStore.prototype.put = function (
			this: IDBObjectStore,
			...args: Parameters<IDBObjectStore['put']>
		) {
			if (this.name === Stores.docSegments) n++;
			return original.apply(this, args);
		};
		try {
			await write();
		} finally {
			IDBObjectStore.prototype.put = original;
		}
		return n;
	}

	it.each([
		['every id found, in the order kept', ['b', 'a'], ['a', 'b'], ['b', 'a']],
		['an id without its row is skipped', ['a', 'x', 'b'], ['a', 'b'], ['a', 'b']],
		['a row no id names is left out', ['a'], ['a', 'b'], ['a']]
	])('fromStored: %s', (_what, ids, rowIds, expected) => {
		const row = { ...record('r', '2026-01-01T00:00:00Z'), segmentIds: ids };
		const rows = rowIds.map((id) => ({
			transcriptId: 'r',
			segment: {
				id,
				start: 0,
				end: 1,
				speaker: '',
				words: []
			} as unknown as TranscriptDoc['segments'][number]
		}));
		expect(fromStored(row, rows).doc.segments.map((s) => s.id)).toEqual(expected);
		expect(fromStored(row, rows)).not.toHaveProperty('segmentIds');
	});

	it('a save based on the stored record writes only the segment it changed', async () => {
		const db = make();
		await db.addTranscript(threeSegments(), new Blob(['a']));
		const opened = (await db.getTranscript('s'))!;
		expect(opened.rev).toBe(1);
		const changed = edit(opened, 'THREE');
		let rev = 0;
		expect(await putsOf(async () => (rev = await db.putTranscript(changed, opened)))).toBe(1);
		expect(rev).toBe(2);
		expect(docText((await db.getTranscript('s'))!.doc)).toBe('one two\nTHREE\nfour five');
		// Without a base, every segment is written again.
		expect(await putsOf(() => db.putTranscript(changed))).toBe(3);
	});

	it('a merge deletes the row of the segment it absorbed', async () => {
		const name = freshName();
		const db = make(name);
		await db.addTranscript(threeSegments(), new Blob(['a']));
		const opened = (await db.getTranscript('s'))!;
		const merged = {
			...opened,
			doc: applyEdit(opened.doc, { type: 'mergeWithNext', segmentId: opened.doc.segments[0].id })
		};
		await db.putTranscript(merged, opened);
		await db.close();
		const conn = await openDB<RedlineSchema>(name, DB_VERSION);
		expect(await conn.getAll(Stores.docSegments)).toHaveLength(2);
		conn.close();
		expect(docText((await db.getTranscript('s'))!.doc)).toBe('one two three\nfour five');
	});

	it('a save based on a record another write has replaced rewrites the whole document', async () => {
		const db = make();
		await db.addTranscript(threeSegments(), new Blob(['a']));
		const first = (await db.getTranscript('s'))!;
		// Another tab merges the first two segments and saves.
		const merged = {
			...first,
			doc: applyEdit(first.doc, { type: 'mergeWithNext', segmentId: first.doc.segments[0].id })
		};
		await db.putTranscript(merged, first);
		// This tab still edits the version it opened: its document wins whole, none of its segments lost.
		const mine = edit(first, 'THREE');
		expect(await putsOf(() => db.putTranscript(mine, first))).toBe(3);
		expect(docText((await db.getTranscript('s'))!.doc)).toBe('one two\nTHREE\nfour five');
	});

	it('a save based on a read that joined growth rows keeps those segments (they were only rows)', async () => {
		const db = make();
		const start = record('g', '2026-05-01T00:00:00Z');
		await db.addTranscript(
			{ ...start, doc: { ...start.doc, partial: { decodedUntilSec: 0, fraction: 0 } } },
			new Blob(['a'])
		);
		const segs = toDocSegments([makeSegment(0, 2, 'one two'), makeSegment(3, 4, 'three')], counterIds('j'));
		await db.growTranscript('g', segs, { fraction: 1, complete: true });
		const opened = (await db.getTranscript('g'))!;
		expect(opened.rev).toBeUndefined();
		// An edit that leaves every segment as it was read (the title): the complete save drops the rows.
		const renamed = { ...opened, doc: { ...opened.doc, title: 'Renamed' } };
		await db.putTranscript(renamed, opened);
		expect(docText((await db.getTranscript('g'))!.doc)).toBe('one two\nthree');
	});

	it('the v3 to v4 step splits inline documents, once; reads give the same transcript', async () => {
		const name = freshName();
		const v3 = await openDB(name, 3, {
			upgrade(conn) {
				conn.createObjectStore('transcripts', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
				conn.createObjectStore('audio', { keyPath: 'id' });
				conn.createObjectStore('settings', { keyPath: 'key' });
				conn.createObjectStore('segments', { keyPath: ['transcriptId', 'seq'] });
				conn.createObjectStore('summaries', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
			}
		});
		const inline = threeSegments();
		await v3.put('transcripts', inline);
		await v3.put('summaries', summarize(inline));
		v3.close();
		const db = make(name);
		expect(await db.getTranscript('s')).toEqual(inline);
		await db.close();
		const again = await openDB<RedlineSchema>(name, DB_VERSION + 1, {
			upgrade(conn, _old, _new, tx) {
				void upgradeSchema(conn, 3, tx as unknown as AnyTx);
			}
		});
		const row = await again.get('transcripts', 's');
		const rows = await again.getAll('docSegments');
		again.close();
		expect(row?.doc.segments).toEqual([]);
		expect(row?.segmentIds).toEqual(inline.doc.segments.map((s) => s.id));
		expect(rows).toHaveLength(3);
		expect(fromStored(row!, rows)).toEqual(inline);
	});
});
