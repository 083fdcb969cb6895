import 'fake-indexeddb/auto';
import { strToU8, zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import {
	BACKUP_FORMAT,
	BACKUP_VERSION,
	BackupError,
	MANIFEST_PATH,
	backupFileName,
	exportBackup,
	importBackup,
	parseArchive
} from './backup';
import { RedlineDb, type TranscriptRecord } from './db';
import { applyEdit, createDoc } from '../transcript/document';
import { segmentOf, transcriptResult, word } from '../testing/factories';

const dbs: RedlineDb[] = [];
function make() {
	const db = new RedlineDb(`backup-test-${Math.random()}`);
	dbs.push(db);
	return db;
}
afterEach(async () => {
	await Promise.all(dbs.splice(0).map((d) => d.close()));
});

function record(id: string, at: string, text = 'hello'): TranscriptRecord {
	const doc = createDoc({
		id,
		title: `T ${id}`,
		now: at,
		result: transcriptResult({ durationSec: 2, segments: [segmentOf([word(text, 0, 1, 0.4)])] })
	});
	return {
		id,
		doc,
		status: 'transcribed',
		rating: null,
		updatedAt: at,
		audioType: 'audio/wav',
		fileName: `${id}.wav`
	};
}

/** The record after the user corrected its first word and rated it. */
function edited(r: TranscriptRecord, text: string, at: string): TranscriptRecord {
	const doc = applyEdit(
		r.doc,
		{ type: 'replaceWords', segmentId: r.doc.segments[0].id, from: 0, to: 1, text },
		{ now: at }
	);
	return {
		...r,
		doc,
		status: 'rated',
		rating: { stars: 4, tags: ['punctuation'], comment: 'ok', ratedAt: at },
		updatedAt: at
	};
}

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-02-01T00:00:00.000Z';
const T2 = '2026-03-01T00:00:00.000Z';

function zip(manifest: unknown, extra: Record<string, Uint8Array> = {}): Blob {
	const bytes = zipSync({ [MANIFEST_PATH]: strToU8(JSON.stringify(manifest)), ...extra });
	return new Blob([bytes as Uint8Array<ArrayBuffer>]);
}

async function snapshot(db: RedlineDb) {
	const rows = await db.listTranscripts();
	return { rows, threshold: await db.getSetting('threshold', null) };
}

describe('backup round trip', () => {
	it('brings back every transcript with its edits, rating, recording and the settings', async () => {
		const src = make();
		const a = edited(record('a', T0), 'world', T1);
		await src.addTranscript(a, new Blob([new Uint8Array([1, 2, 3, 255])], { type: 'audio/wav' }));
		await src.addTranscript(record('b', T0), new Blob(['bb'], { type: 'audio/mpeg' }));
		await src.setSetting('threshold', 0.7);

		const out = await exportBackup(src, { includeAudio: true, now: T2 });
		expect(out).toMatchObject({ transcripts: 2, audio: 2 });

		const dst = make();
		const summary = await importBackup(dst, out.blob);
		expect(summary).toEqual({ added: 2, replaced: 0, kept: 0, audio: 2, settings: 1 });
		expect(await snapshot(dst)).toEqual(await snapshot(src));
		const restored = await dst.getTranscript('a');
		expect(restored?.doc.segments[0].words[0]).toMatchObject({ text: 'world', edited: true });
		expect(restored?.doc.segments[0].original.words[0].text).toBe('hello');
		const audio = await dst.getAudio('a');
		expect(audio?.type).toBe('audio/wav');
		expect([...new Uint8Array(await (audio as Blob).arrayBuffer())]).toEqual([1, 2, 3, 255]);
	});

	it('carries a growing transcript out whole (its segment rows joined in) and back as one document', async () => {
		const src = make();
		const base = record('g', T0);
		const [first, ...rest] = base.doc.segments;
		const growing = {
			...base,
			doc: { ...base.doc, segments: [], partial: { decodedUntilSec: 0, fraction: 0 } }
		};
		await src.addTranscript(growing, new Blob(['g']));
		await src.growTranscript('g', [first, ...rest], { fraction: 0.5, complete: false });
		const out = await exportBackup(src, { includeAudio: false, now: T2 });
		const [exported] = parseArchive(new Uint8Array(await out.blob.arrayBuffer())).manifest.transcripts;
		expect(exported.doc.segments.map((s) => s.id)).toEqual([first.id]);
		expect(exported.doc.partial).toEqual({ decodedUntilSec: 1, fraction: 0.5 });

		const dst = make();
		await importBackup(dst, out.blob);
		// The same transcript; the imported copy is one stored write (rev 1), the source's a joined read.
		expect(await dst.getTranscript('g')).toEqual({ ...(await src.getTranscript('g')), rev: 1 });
		expect(await dst.listTranscripts()).toEqual(await src.listTranscripts());
	});

	it('leaves the recordings out unless asked, and then keeps the local ones', async () => {
		const src = make();
		await src.addTranscript(record('a', T1), new Blob(['new audio']));
		const out = await exportBackup(src, { includeAudio: false, now: T2 });
		expect(out.audio).toBe(0);
		expect(parseArchive(new Uint8Array(await out.blob.arrayBuffer())).audio.size).toBe(0);

		const dst = make();
		await dst.addTranscript(record('a', T0), new Blob(['old audio']));
		expect(await importBackup(dst, out.blob)).toMatchObject({ replaced: 1, audio: 0 });
		expect(await (await dst.getAudio('a'))?.text()).toBe('old audio');
	});

	it('merges: the copy edited last wins, a tie keeps the library, local settings stay', async () => {
		const src = make();
		await src.addTranscript(edited(record('newer', T0), 'backup', T2), new Blob(['x']));
		await src.addTranscript(edited(record('older', T0), 'backup', T1), new Blob(['x']));
		await src.addTranscript(edited(record('tie', T0), 'backup', T1), new Blob(['x']));
		await src.addTranscript(record('only-in-backup', T0), new Blob(['x']));
		await src.setSetting('threshold', 0.9);
		await src.setSetting('engine.backend', 'wasm');
		const out = await exportBackup(src, { includeAudio: true, now: T2 });

		const dst = make();
		await dst.addTranscript(edited(record('newer', T0), 'local', T1), new Blob(['y']));
		await dst.addTranscript(edited(record('older', T0), 'local', T2), new Blob(['y']));
		await dst.addTranscript(edited(record('tie', T0), 'local', T1), new Blob(['y']));
		await dst.addTranscript(record('only-local', T0), new Blob(['y']));
		await dst.setSetting('threshold', 0.5);

		expect(await importBackup(dst, out.blob)).toEqual({
			added: 1,
			replaced: 1,
			kept: 2,
			audio: 2,
			settings: 1
		});
		const text = async (id: string) => (await dst.getTranscript(id))?.doc.segments[0].words[0].text;
		expect(await text('newer')).toBe('backup');
		expect(await text('older')).toBe('local');
		expect(await text('tie')).toBe('local');
		expect(await text('only-in-backup')).toBe('hello');
		expect(await text('only-local')).toBe('hello');
		expect(await dst.getSetting('threshold', 0)).toBe(0.5);
		expect(await dst.getSetting('engine.backend', 'auto')).toBe('wasm');
	});

	it('names the file by date', () => {
		expect(backupFileName(T2)).toBe('redline-backup-2026-03-01.zip');
	});
});

describe('bad backup files change nothing', () => {
	const good = (transcripts: unknown[] = [record('a', T1)]) => ({
		format: BACKUP_FORMAT,
		version: BACKUP_VERSION,
		exportedAt: T2,
		transcripts,
		settings: []
	});

	it.each<[string, Blob, RegExp]>([
		['not a zip', new Blob(['{"format":"redline-backup"}']), /not a ZIP archive/],
		[
			'a zip without manifest',
			new Blob([zipSync({ 'x.txt': strToU8('x') }) as Uint8Array<ArrayBuffer>]),
			/no manifest\.json/
		],
		[
			'a manifest that is not JSON',
			new Blob([zipSync({ [MANIFEST_PATH]: strToU8('{') }) as Uint8Array<ArrayBuffer>]),
			/not valid JSON/
		],
		['another format', zip({ ...good(), format: 'something-else' }), /not a Redline backup/],
		[
			'a newer version',
			zip({ ...good(), version: BACKUP_VERSION + 1 }),
			/version 2, made by a newer Redline/
		],
		[
			'a transcript without document',
			zip(good([{ ...record('b', T1), doc: undefined }])),
			/transcripts\.0\.doc/
		],
		[
			'a bad rating',
			zip(good([{ ...record('b', T1), rating: { stars: 9, tags: [], comment: '', ratedAt: '' } }])),
			/transcripts\.0\.rating\.stars/
		],
		['an id that is a path', zip(good([{ ...record('b', T1), id: '../x' }])), /transcripts\.0\.id/],
		['a document of another transcript', zip(good([{ ...record('b', T1), id: 'c' }])), /document id differs/],
		['a transcript twice', zip(good([record('b', T1), record('b', T2)])), /b appears twice/],
		[
			'audio of no transcript',
			zip(good(), { 'audio/zzz': new Uint8Array([1]) }),
			/audio\/zzz belongs to no transcript/
		]
	])('%s', async (_label, file, message) => {
		const db = make();
		await db.addTranscript(record('a', T0), new Blob(['mine']));
		await db.setSetting('threshold', 0.5);
		const before = await snapshot(db);
		const err = await importBackup(db, file).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(BackupError);
		expect((err as Error).message).toMatch(message);
		expect(await snapshot(db)).toEqual(before);
		expect(await (await db.getAudio('a'))?.text()).toBe('mine');
	});
});
