import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { ClientConfig } from '../contracts/config';
import { DEFAULT_MODEL_ID } from '../engine/models';
import { RedlineDb } from '../storage/db';
import { DEFAULT_THRESHOLD } from './editor.svelte';
import { ROLLOUT_SETTINGS, RolloutState } from './rollout.svelte';

const ID = '7f3e0c1a-5b2d-4c8e-9a10-2b3c4d5e6f70';
const base: ClientConfig = {
	model: { id: 'moonshine-base-en', version: '1.1.0', sha256: 'b'.repeat(64) },
	arm: 'candidate',
	highlightThreshold: 0.45,
	telemetry: {
		sampling: { correction: 0.5, review: 1, rating: 1, outcome: 1, session_summary: 1, transcription: 1 }
	}
};
let dbs = 0;
const answer =
	(body: unknown, status = 200) =>
	async () =>
		new Response(JSON.stringify(body), { status });

async function started(f: () => Promise<Response>, db = new RedlineDb(`rollout-${++dbs}`)) {
	const r = new RolloutState();
	await r.start(db, async () => ID, f as unknown as typeof fetch);
	return { r, db };
}

describe('RolloutState', () => {
	it('runs the assigned model under its arm and records the sampling rates with a transcript', async () => {
		const { r } = await started(answer(base));
		expect(r.resolution?.source).toBe('fetched');
		expect([r.modelId, r.arm]).toEqual(['moonshine-base-en', 'candidate']);
		expect(r.stamp(base.model)).toEqual({ arm: 'candidate', sampling: base.telemetry.sampling });
		// A job that started before the config changed made its transcript with another model.
		expect(r.stamp({ id: 'moonshine-tiny-en' }).arm).toBe('default');
	});

	it('a model the user picked is arm user, whatever the server assigned', async () => {
		const db = new RedlineDb(`rollout-${++dbs}`);
		await db.setSetting(ROLLOUT_SETTINGS.model, 'moonshine-tiny-en');
		const { r } = await started(answer(base), db);
		expect([r.modelId, r.arm]).toEqual(['moonshine-tiny-en', 'user']);
		expect(r.stamp({ id: 'moonshine-tiny-en' }).arm).toBe('user');
	});

	it('ignores a stored choice it does not offer', async () => {
		const db = new RedlineDb(`rollout-${++dbs}`);
		await db.setSetting(ROLLOUT_SETTINGS.model, 'whisper-large');
		const { r } = await started(answer(base), db);
		expect(r.choice).toBe('auto');
	});

	it('offline on a later visit: the cached config; with nothing cached: the built-in default', async () => {
		const { db } = await started(answer(base));
		const { r: again } = await started(answer({}, 503), db);
		expect(again.resolution?.source).toBe('cached');
		expect(again.modelId).toBe('moonshine-base-en');
		const { r: fresh } = await started(answer({}, 503));
		expect(fresh.resolution?.source).toBe('default');
		expect([fresh.modelId, fresh.arm]).toEqual([DEFAULT_MODEL_ID, 'default']);
		expect(fresh.stamp({ id: DEFAULT_MODEL_ID })).toEqual({ arm: 'default', sampling: {} });
	});

	it('the default highlight threshold is the config’s for its own model version only', async () => {
		const { r } = await started(answer(base));
		expect(r.thresholdFor(base.model)).toBe(0.45);
		expect(r.thresholdFor({ id: 'moonshine-base-en', version: '0.9.0' })).toBe(DEFAULT_THRESHOLD);
		expect(r.thresholdFor({ id: 'moonshine-tiny-en', version: '1.2.0' })).toBe(DEFAULT_THRESHOLD);
	});

	it('whenReady resolves even when the installation id cannot be read', async () => {
		const r = new RolloutState();
		await r.start(
			new RedlineDb(`rollout-${++dbs}`),
			() => Promise.reject(new Error('no IndexedDB')),
			answer(base) as unknown as typeof fetch
		);
		await r.whenReady();
		expect(r.resolution).toMatchObject({ source: 'default', reason: expect.stringMatching(/no IndexedDB/) });
	});
});
