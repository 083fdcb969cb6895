import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedlineDb } from '../storage/db';
import { transcriptResult } from '../testing/factories';
import type { WorkerRequest, WorkerResponse } from '../engine/protocol';
import { transcriptEvents, type JobEnded } from '../transcript/events';
import { loadBackendSetting, RedlineApp, resumeTranscript, saveModelSetting } from './app.svelte';
import type { WorkerLike } from './queue.svelte';
import { ROLLOUT_SETTINGS } from './rollout.svelte';

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

describe('RedlineApp.warmEngine', () => {
	it('warms only once the stored backend choice is read, so the warm engine is the chosen one', async () => {
		const { app, db } = setup();
		await db.setSetting('engine.backend', 'wasm');
		let seen: string | null = null;
		vi.spyOn(app.queue, 'warm').mockImplementation(async () => void (seen = app.backend));
		void loadBackendSetting(app);
		await app.warmEngine();
		expect(seen).toBe('wasm');
	});
});

/** A worker that loads any model and delivers one segment per run, then waits to be cancelled. */
class OneSegmentWorker implements WorkerLike {
	onmessage: ((event: MessageEvent<WorkerResponse>) => void) | null = null;
	onerror: ((event: ErrorEvent) => void) | null = null;
	received: WorkerRequest[] = [];
	private emit(msg: WorkerResponse) {
		queueMicrotask(() => this.onmessage?.({ data: msg } as MessageEvent<WorkerResponse>));
	}
	postMessage(msg: WorkerRequest): void {
		this.received.push(msg);
		if (msg.type === 'load') {
			const model = { id: msg.modelId, version: '1', sha256: 'ab'.repeat(32) };
			this.emit({ type: 'ready', model, backend: 'wasm', reason: 'test', loadMs: 1 });
		} else if (msg.type === 'transcribe') {
			const start = msg.startSec ?? 0;
			const segment = { start, end: start + 2, text: 'hello', words: [] };
			this.emit({ type: 'progress', jobId: msg.jobId, fraction: 0.5, etaSec: 1, segment });
		} else if (msg.type === 'cancel') this.emit({ type: 'cancelled', jobId: msg.jobId });
	}
	terminate() {}
}

describe('RedlineApp growing transcripts', () => {
	it('stamps the rollout at the first segment; Resume runs the model it was started with', async () => {
		const db = new RedlineDb(`app-test-${Math.random()}`);
		dbs.push(db);
		const storage = { persisted: vi.fn(async () => false), persist: vi.fn(async () => true) };
		const workers: OneSegmentWorker[] = [];
		const app = new RedlineApp(
			() => (workers.push(new OneSegmentWorker()), workers.at(-1)!),
			db,
			() => storage
		);
		const ends: JobEnded[] = [];
		const off = transcriptEvents.subscribe({ jobEnded: (e) => ends.push(e) });
		try {
			await db.setSetting(ROLLOUT_SETTINGS.model, 'moonshine-base-en');
			await app.rollout.start(db, async () => 'installation', (async () => {
				throw new Error('offline');
			}) as typeof fetch);
			const job = app.queue.add(new Blob(['x'], { type: 'audio/wav' }), 'talk.wav');
			await vi.waitFor(() => expect(job.transcriptId).not.toBeNull());
			const id = job.transcriptId!;
			await vi.waitFor(async () => expect((await db.getTranscript(id))?.doc.segments).toHaveLength(1));
			const started = (await db.getTranscript(id))!.doc;
			expect([started.model.id, started.arm, started.partial]).toEqual([
				'moonshine-base-en',
				'user',
				{ decodedUntilSec: 2, fraction: 0.5 }
			]);
			expect(storage.persist).toHaveBeenCalledTimes(1);
			app.queue.cancel(job.id);
			await vi.waitFor(() => expect(ends).toHaveLength(1));

			// The user switches models meanwhile; the transcript still continues with its own.
			await saveModelSetting(app, 'moonshine-tiny-en');
			await resumeTranscript(app, id);
			await vi.waitFor(async () => expect((await db.getTranscript(id))?.doc.segments).toHaveLength(2));
			const sent = workers.flatMap((w) => w.received).filter((m) => m.type === 'transcribe');
			expect(sent.at(-1)).toMatchObject({ startSec: 2 });
			const resumed = app.queue.jobFor(id)!;
			app.queue.cancel(resumed.id);
			await vi.waitFor(() => expect(ends).toHaveLength(2));
			expect(ends.map((e) => [e.transcriptId, e.status, e.startSec, e.model?.id])).toEqual([
				[id, 'cancelled', 0, 'moonshine-base-en'],
				[id, 'cancelled', 2, 'moonshine-base-en']
			]);
			const doc = (await db.getTranscript(id))!.doc;
			expect([doc.arm, doc.partial?.decodedUntilSec]).toEqual(['user', 4]);
			// A new recording gets the model chosen now.
			const next = app.queue.add(new Blob(['y'], { type: 'audio/wav' }), 'next.wav');
			await vi.waitFor(() => expect(next.segments).toHaveLength(1));
			const loads = workers.flatMap((w) => w.received).filter((m) => m.type === 'load');
			expect(loads.map((m) => m.modelId)).toEqual([
				'moonshine-base-en',
				'moonshine-base-en',
				'moonshine-tiny-en'
			]);
		} finally {
			off();
			app.queue.dispose();
		}
	});
});
