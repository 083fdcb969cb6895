import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedlineDb, type TranscriptRecord } from '../storage/db';
import { createDoc } from '../transcript/document';
import { Library } from './library.svelte';
import { ACTION_TOAST_MS, Toasts } from './toasts.svelte';
import { newRecord, titleFromFileName } from './app.svelte';
import { transcriptResult } from '../testing/factories';

let n = 0;
const dbs: RedlineDb[] = [];

function record(id: string, title: string, at: string): TranscriptRecord {
	const doc = createDoc({
		id,
		title,
		now: at,
		result: transcriptResult({ durationSec: 1 })
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

async function setup() {
	const db = new RedlineDb(`library-test-${++n}`);
	dbs.push(db);
	await db.addTranscript(record('a', 'Alpha', '2026-01-01T00:00:00.000Z'), new Blob(['aa']));
	await db.addTranscript(record('b', 'Beta', '2026-01-02T00:00:00.000Z'), new Blob(['bbb']));
	const toasts = new Toasts();
	const lib = new Library(db, toasts);
	await lib.refresh();
	return { db, toasts, lib };
}

afterEach(async () => {
	vi.useRealTimers();
	await Promise.all(dbs.splice(0).map((d) => d.close()));
});

describe('Library', () => {
	it('lists newest first and renames (ignoring blank titles)', async () => {
		const { lib } = await setup();
		expect(lib.items.map((r) => r.title)).toEqual(['Beta', 'Alpha']);
		await lib.rename('a', '  Alpha call  ');
		expect(lib.items.map((r) => r.title)).toEqual(['Alpha call', 'Beta']);
		await lib.rename('a', '   ');
		expect(lib.items[0].title).toBe('Alpha call');
	});

	it('delete removes at once and Undo restores transcript and audio', async () => {
		const { db, lib, toasts } = await setup();
		await lib.remove('b');
		expect(lib.items.map((r) => r.id)).toEqual(['a']);
		expect(toasts.items).toHaveLength(1);
		expect(toasts.items[0].message).toBe('Deleted “Beta”.');
		toasts.act(toasts.items[0].id);
		await vi.waitFor(async () => expect((await db.getAudio('b'))?.size).toBe(3));
		await vi.waitFor(() => expect(lib.items.map((r) => r.id).sort()).toEqual(['a', 'b']));
	});

	it('the Undo toast expires after its time', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const { lib, toasts } = await setup();
		await lib.remove('a');
		expect(toasts.items).toHaveLength(1);
		vi.advanceTimersByTime(ACTION_TOAST_MS + 1);
		expect(toasts.items).toHaveLength(0);
	});
});

describe('new records', () => {
	it.each([
		['demo-thanks.wav', 'demo-thanks'],
		['My_meeting_notes.m4a', 'My meeting notes'],
		['.wav', 'Untitled recording'],
		['no extension', 'no extension']
	])('%s -> %s', (name, title) => expect(titleFromFileName(name)).toBe(title));

	it('builds a stored row from an engine result', () => {
		const r = newRecord(
			'id1',
			{ name: 'a.wav', type: 'audio/wav' },
			{
				text: 'hi',
				model: { id: 'm', version: '1', sha256: 'x' },
				backend: 'wasm',
				durationSec: 2,
				segments: [
					{ start: 0, end: 1, text: 'hi', words: [{ text: 'hi', start: 0, end: 1, confidence: 0.5 }] }
				],
				wordTiming: 'interpolated-by-characters'
			},
			'2026-01-01T00:00:00.000Z'
		);
		expect(r).toMatchObject({
			id: 'id1',
			status: 'transcribed',
			rating: null,
			audioType: 'audio/wav',
			fileName: 'a.wav'
		});
		expect(r.doc.segments[0].original.words[0].text).toBe('hi');
	});
});
