import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedlineDb } from '../storage/db';
import { transcriptResult } from '../testing/factories';
import { RedlineApp } from './app.svelte';
import type { WorkerLike } from './queue.svelte';

const dbs: RedlineDb[] = [];
afterEach(async () => {
	await Promise.all(dbs.splice(0).map((d) => d.close()));
});

function setup() {
	const db = new RedlineDb(`app-test-${Math.random()}`);
	dbs.push(db);
	const storage = { persisted: vi.fn(async () => false), persist: vi.fn(async () => true) };
	const app = new RedlineApp(
		() => ({}) as unknown as WorkerLike,
		db,
		() => storage
	);
	return { app, db, storage };
}

describe('RedlineApp.saveTranscript', () => {
	it('asks for persistent storage once the first transcript is saved, and only once per tab', async () => {
		const { app, db, storage } = setup();
		expect(storage.persist).not.toHaveBeenCalled();
		const job = { name: 'talk.wav', file: new Blob(['x'], { type: 'audio/wav' }) };
		const id = await app.saveTranscript(job, transcriptResult({ durationSec: 1 }));
		expect((await db.getTranscript(id))?.fileName).toBe('talk.wav');
		expect(storage.persist).toHaveBeenCalledTimes(1);
		await app.saveTranscript(job, transcriptResult({ durationSec: 1 }));
		expect(storage.persist).toHaveBeenCalledTimes(1);
	});
});
