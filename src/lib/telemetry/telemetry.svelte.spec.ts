import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TranscriptEventHub } from '../transcript/events';
import { createDoc, type TranscriptDoc } from '../transcript/document';
import { MemoryOutboxStore } from './outbox-store';
import type { SendBatch } from './sender';
import { DeletionFailedError, TelemetryClient } from './telemetry.svelte';
import { telemetryEventSchema, type TelemetryEvent } from './schema';
import { segmentOf, transcriptResult, word } from '../testing/factories';

let sent: TelemetryEvent[];
let hub: TranscriptEventHub;
let store: MemoryOutboxStore;
const clients: TelemetryClient[] = [];
let n = 0;
const uuid = () => `22222222-2222-4222-8222-${String(++n).padStart(12, '0')}`;

const send: SendBatch = async (events) => {
	sent.push(...events);
	return { kind: 'done', accepted: events.length, duplicates: 0, rejectedIds: [] };
};

function make(fetchImpl?: typeof fetch) {
	const c = new TelemetryClient({ store, send, hub, appVersion: '9.9.9', newId: uuid, fetch: fetchImpl });
	clients.push(c);
	return c;
}

const doc: TranscriptDoc = createDoc({
	id: 'tr',
	title: 't',
	now: '2026-05-01T00:00:00.000Z',
	result: transcriptResult({
		text: 'a',
		model: { id: 'm', version: '2', sha256: 'c'.repeat(64) },
		backend: 'webgpu',
		durationSec: 1,
		segments: [segmentOf([word('hello', 0, 1, 0.5)])]
	})
});
const rate = (stars: 1 | 2 | 3 | 4 | 5) =>
	hub.emit('rated', { doc, rating: { stars, tags: [], comment: '', ratedAt: '' } });

beforeEach(() => {
	vi.useFakeTimers();
	sent = [];
	hub = new TranscriptEventHub();
	store = new MemoryOutboxStore();
});
afterEach(() => {
	for (const c of clients.splice(0)) c.stop();
	vi.useRealTimers();
});

describe('TelemetryClient', () => {
	it('queues and sends nothing before opting in, then sends rated events under the installation id', async () => {
		const c = make();
		await c.start();
		expect(c.consent).toBe('unknown');
		rate(3);
		hub.emit('exported', { doc, format: 'txt' });
		await vi.advanceTimersByTimeAsync(60_000);
		expect(c.pending).toEqual([]);
		expect(sent).toEqual([]);

		await c.setConsent(true);
		rate(4);
		await vi.advanceTimersByTimeAsync(2_000);
		expect(c.pending.map((e) => e.type)).toEqual(['rating']);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(sent).toHaveLength(1);
		expect(telemetryEventSchema.parse(sent[0])).toMatchObject({
			type: 'rating',
			stars: 4,
			installationId: c.installationId,
			appVersion: '9.9.9',
			model: { id: 'm', version: '2', sha256: 'c'.repeat(64) },
			backend: 'webgpu'
		});
		expect(c.counters.sent).toBe(1);
	});

	it('keeps consent, the installation id and the queue across a reload', async () => {
		const a = make();
		await a.start();
		await a.setConsent(true);
		hub.emit('exported', { doc, format: 'srt' });
		a.stop();
		await a.outbox.settled();
		hub = new TranscriptEventHub();
		const b = make();
		await b.start();
		expect(b.consent).toBe('granted');
		expect(b.installationId).toBe(a.installationId);
		expect(b.pending.map((e) => e.type)).toEqual(['outcome']);
	});

	it('withdraw clears the outbox and stops; page hide sends pending debounces first', async () => {
		const c = make();
		await c.start();
		await c.setConsent(true);
		rate(2);
		c.onHide();
		await vi.advanceTimersByTimeAsync(0);
		expect(sent.map((e) => e.type)).toEqual(['rating']);
		rate(5);
		hub.emit('exported', { doc, format: 'txt' });
		expect(c.pending).toHaveLength(1);
		await c.withdraw();
		expect(c.consent).toBe('denied');
		expect(c.pending).toEqual([]);
		expect(store.events.size).toBe(0);
		await vi.advanceTimersByTimeAsync(60_000);
		expect(sent).toHaveLength(1);
	});

	const deletedOk = (calls: string[] = []) =>
		(async (url: RequestInfo | URL) => {
			calls.push(String(url));
			return new Response(JSON.stringify({ deleted: 3 }), { status: 200 });
		}) as typeof fetch;

	it('reset deletes the server data under the old id, then gives a new id and drops what waited', async () => {
		const calls: string[] = [];
		const c = make(deletedOk(calls));
		await c.start();
		await c.setConsent(true);
		const old = c.installationId;
		hub.emit('exported', { doc, format: 'txt' });
		expect(await c.resetInstallationId()).toBe(3);
		expect(calls).toEqual([`/api/v1/installations/${old}`]);
		expect(c.installationId).not.toBe(old);
		expect(c.pending).toEqual([]);
		expect(store.events.size).toBe(0);
		hub.emit('exported', { doc, format: 'vtt' });
		expect(c.pending[0].installationId).toBe(c.installationId);
	});

	it.each<[string, typeof fetch, string]>([
		[
			'a 503',
			async () => new Response(JSON.stringify({ error: 'storage unavailable' }), { status: 503 }),
			'storage unavailable'
		],
		['no network', async () => Promise.reject(new TypeError('Failed to fetch')), 'could not be reached'],
		['a captive portal page', async () => new Response('<html>', { status: 200 }), 'answered 200']
	])(
		'a reset whose deletion fails (%s) keeps the id and says why; forgetting is a separate choice',
		async (_l, f, why) => {
			const c = make(f);
			await c.start();
			await c.setConsent(true);
			const old = c.installationId;
			const err = await c.resetInstallationId().catch((e: unknown) => e);
			expect(err).toBeInstanceOf(DeletionFailedError);
			expect((err as Error).message).toContain(why);
			expect(c.installationId).toBe(old);
			expect(await store.getMeta('installationId')).toBe(old);
			// Sharing goes on under the old id as before.
			hub.emit('exported', { doc, format: 'txt' });
			expect(c.pending.map((e) => e.installationId)).toEqual([old]);

			await c.forgetInstallationId();
			expect(c.installationId).not.toBe(old);
			expect(c.pending).toEqual([]);
		}
	);

	it('deletion waits for the page-hide send on its way before the DELETE', async () => {
		const order: string[] = [];
		let answer!: () => void;
		const hanging: SendBatch = (events) =>
			new Promise((r) => {
				order.push(`send ${events.length}`);
				answer = () => {
					order.push('answer');
					r({ kind: 'done', accepted: events.length, duplicates: 0, rejectedIds: [] });
				};
			});
		const c = new TelemetryClient({
			store,
			send: hanging,
			hub,
			appVersion: '9.9.9',
			newId: uuid,
			fetch: (async () => {
				order.push('DELETE');
				return new Response(JSON.stringify({ deleted: 1 }), { status: 200 });
			}) as typeof fetch
		});
		clients.push(c);
		await c.start();
		await c.setConsent(true);
		hub.emit('exported', { doc, format: 'txt' });
		c.onHide();
		expect(order).toEqual(['send 1']);
		const deleting = c.deleteServerData();
		await vi.advanceTimersByTimeAsync(1_000);
		expect(order).toEqual(['send 1']);
		answer();
		expect(await deleting).toBe(1);
		expect(order).toEqual(['send 1', 'answer', 'DELETE']);
	});

	it('deletes server data by installation id and reports the count', async () => {
		const calls: [string, RequestInit | undefined][] = [];
		const c = make(async (url, init) => {
			calls.push([String(url), init]);
			return new Response(JSON.stringify({ deleted: 7 }), { status: 200 });
		});
		await c.start();
		const id = c.installationId;
		expect(await c.deleteServerData()).toBe(7);
		expect(calls).toEqual([[`/api/v1/installations/${id}`, { method: 'DELETE' }]]);
		const failing = make(
			async () => new Response(JSON.stringify({ error: 'storage unavailable' }), { status: 503 })
		);
		await failing.start();
		await expect(failing.deleteServerData()).rejects.toThrow('storage unavailable');
	});
});

describe('TelemetryClient across tabs', () => {
	/** Enough of a window for attach(): listeners are accepted and ignored. */
	const fakeWindow = () =>
		({
			document: { visibilityState: 'visible', addEventListener() {}, removeEventListener() {} },
			addEventListener() {},
			removeEventListener() {}
		}) as unknown as Window;

	it('a deletion in one tab stops the other tab sending under the deleted id, then moves it to the new one', async () => {
		vi.useRealTimers();
		let release!: () => void;
		const gate = new Promise<void>((r) => (release = r));
		const editorTab = make();
		const settingsTab = make((async () => {
			await gate;
			return new Response(JSON.stringify({ deleted: 0 }), { status: 200 });
		}) as typeof fetch);
		await Promise.all([editorTab.start(), settingsTab.start()]);
		const detach = [editorTab.attach(fakeWindow()), settingsTab.attach(fakeWindow())];
		await settingsTab.setConsent(true);
		await vi.waitFor(() => expect(editorTab.consent).toBe('granted'));
		const old = settingsTab.installationId;

		const deleting = settingsTab.deleteServerData();
		// While the DELETE is on its way the editor tab queues nothing under the old id.
		await vi.waitFor(() => expect(editorTab.outbox.enabled).toBe(false));
		hub.emit('exported', { doc, format: 'txt' });
		expect(editorTab.pending).toEqual([]);
		release();
		await deleting;
		await vi.waitFor(() => expect(editorTab.installationId).toBe(settingsTab.installationId));
		expect(editorTab.installationId).not.toBe(old);
		expect(editorTab.outbox.enabled).toBe(true);
		hub.emit('exported', { doc, format: 'vtt' });
		await vi.waitFor(() =>
			expect(editorTab.pending.map((e) => e.installationId)).toContain(editorTab.installationId)
		);
		expect(editorTab.pending.every((e) => e.installationId !== old)).toBe(true);
		detach.forEach((d) => d());
	});

	it('a withdrawal in one tab stops the other tab at once', async () => {
		vi.useRealTimers();
		const editorTab = make();
		const settingsTab = make();
		await Promise.all([editorTab.start(), settingsTab.start()]);
		const detach = [editorTab.attach(fakeWindow()), settingsTab.attach(fakeWindow())];
		await settingsTab.setConsent(true);
		await vi.waitFor(() => expect(editorTab.consent).toBe('granted'));
		expect(editorTab.installationId).toBe(settingsTab.installationId);

		await settingsTab.withdraw();
		await vi.waitFor(() => expect(editorTab.consent).toBe('denied'));
		rate(5);
		await new Promise((r) => setTimeout(r, 50));
		expect(editorTab.pending).toEqual([]);
		detach.forEach((d) => d());
	});
});
