import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import {
	DB_VERSION,
	RedlineDb,
	Stores,
	upgradeSchema,
	type AnyTx,
	type RedlineSchema,
	type TranscriptRecord
} from './db';
import { createPartialDoc, toDocSegments, type TranscriptDoc } from '../transcript/document';
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
		expect(row).toEqual(record('a', '2026-01-01T00:00:00Z'));
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
});
