import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryOutboxStore } from './outbox-store';
import { Outbox, eventBytes, takeBatch, type LockManagerLike, type OutboxLimits } from './outbox';
import type { SendBatch, SendOutcome } from './sender';
import { SCHEMA_VERSION, telemetryEventSchema, type RatingEvent, type TelemetryEvent } from './schema';

const INSTALL = '00000000-0000-4000-8000-000000000001';
let counter = 0;

/** A valid rating event with a fresh id; `comment` pads its size. */
function ev(comment = ''): RatingEvent {
	const n = ++counter;
	return {
		id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
		schemaVersion: SCHEMA_VERSION,
		type: 'rating',
		occurredAt: new Date().toISOString(),
		installationId: INSTALL,
		appVersion: '0.1.0',
		transcriptId: 't1',
		model: { id: 'm', version: '1', sha256: 'a'.repeat(64) },
		backend: 'wasm',
		decodeSettings: {},
		arm: 'default',
		samplingRate: 1,
		stars: 4,
		tags: [],
		...(comment ? { comment } : {})
	};
}

interface Call {
	at: number;
	ids: string[];
	keepalive: boolean;
}

/**
 * A stub server: records every call and answers with the scripted outcomes in order (then 202).
 * `received` counts what reached it, by id, so lost answers show up as repeats.
 */
function stubSend(script: (SendOutcome | ((ids: string[]) => SendOutcome))[] = []) {
	const calls: Call[] = [];
	const received = new Map<string, number>();
	const send: SendBatch = async (events, { keepalive }) => {
		const ids = events.map((e) => e.id);
		calls.push({ at: Date.now(), ids, keepalive });
		const next = script.shift();
		const out = typeof next === 'function' ? next(ids) : next;
		// Only a 2xx or a retry whose answer was "lost" (see lost()) means the server has the events.
		if (!out || out.kind === 'done' || (out as { lost?: boolean }).lost)
			for (const id of ids) received.set(id, (received.get(id) ?? 0) + 1);
		return out ?? { kind: 'done', accepted: ids.length, duplicates: 0, rejectedIds: [] };
	};
	return { send, calls, received };
}

const retry = (reason = 'network', retryAfterMs: number | null = null): SendOutcome => ({
	kind: 'retry',
	reason,
	retryAfterMs
});
/** The server stored the batch but the answer never arrived (the client sees a network error). */
const lost = (): SendOutcome => ({ ...retry(), lost: true }) as unknown as SendOutcome;

function makeOutbox(opts: {
	send: SendBatch;
	store?: MemoryOutboxStore;
	limits?: Partial<OutboxLimits>;
	locks?: LockManagerLike | null;
	report?: boolean;
}) {
	const store = opts.store ?? new MemoryOutboxStore();
	const outbox = new Outbox({
		store,
		send: opts.send,
		random: () => 0.5,
		locks: opts.locks ?? null,
		limits: { backoffBaseMs: 2000, ...opts.limits },
		makeReport: opts.report
			? (dropped) => ({
					id: crypto.randomUUID(),
					schemaVersion: SCHEMA_VERSION,
					type: 'client_report',
					occurredAt: new Date().toISOString(),
					installationId: INSTALL,
					appVersion: '0.1.0',
					dropped: { ...dropped }
				})
			: undefined
	});
	outbox.enabled = true;
	return { outbox, store };
}

beforeEach(() => {
	vi.useFakeTimers({ now: Date.parse('2026-05-01T12:00:00Z') });
});
afterEach(() => {
	vi.useRealTimers();
});

const t0 = Date.parse('2026-05-01T12:00:00Z');

describe('takeBatch', () => {
	const q = (sizes: number[]) => sizes.map((bytes, i) => ({ id: `e${i}`, seq: i, bytes, event: ev() }));
	it.each<[number[], number, number, string[], string[]]>([
		[[], 10, 1000, [], []],
		[[10, 10, 10], 2, 1000, [], ['e0', 'e1']],
		[[10, 10, 10], 10, 13 + 22, [], ['e0', 'e1']],
		[[10, 10, 10], 10, 13 + 21, [], ['e0']],
		[[5000, 10], 10, 100, [], ['e0']], // an oversized event alone still goes, to meet its 413
		[[10, 10, 10], 10, 1000, ['e1'], ['e0', 'e2']]
	])('sizes %j, ≤%i events, ≤%i bytes, excluding %j → %j', (sizes, n, bytes, exclude, want) => {
		expect(takeBatch(q(sizes), n, bytes, new Set(exclude)).map((e) => e.id)).toEqual(want);
	});
});

describe('Outbox', () => {
	it('queues and sends nothing while disabled (no consent)', async () => {
		const { send, calls } = stubSend();
		const { outbox, store } = makeOutbox({ send });
		outbox.enabled = false;
		await outbox.start();
		expect(outbox.enqueue(ev())).toBe(false);
		await vi.advanceTimersByTimeAsync(60_000);
		await outbox.flush();
		expect(calls).toEqual([]);
		expect(store.events.size).toBe(0);
	});

	it('batches by time: nothing before the interval, one batch at it', async () => {
		const { send, calls } = stubSend();
		const { outbox, store } = makeOutbox({ send });
		await outbox.start();
		const ids = [ev(), ev(), ev()].map((e) => (outbox.enqueue(e), e.id));
		await vi.advanceTimersByTimeAsync(9_999);
		expect(calls).toHaveLength(0);
		expect(store.events.size).toBe(3);
		await vi.advanceTimersByTimeAsync(1);
		expect(calls).toEqual([{ at: t0 + 10_000, ids, keepalive: false }]);
		expect(store.events.size).toBe(0);
		expect(outbox.counters).toEqual({ sent: 3, dropped: {}, errors: 0 });
	});

	it('batches by count: 50 waiting send at once, in batches of at most 100', async () => {
		const { send, calls, received } = stubSend();
		const { outbox } = makeOutbox({ send });
		await outbox.start();
		for (let i = 0; i < 49; i++) outbox.enqueue(ev());
		await vi.advanceTimersByTimeAsync(0);
		expect(calls).toHaveLength(0);
		outbox.enqueue(ev());
		await vi.advanceTimersByTimeAsync(0);
		expect(calls).toHaveLength(1);
		expect(calls[0].ids).toHaveLength(50);
		for (let i = 0; i < 230; i++) outbox.enqueue(ev());
		await vi.advanceTimersByTimeAsync(10_000);
		expect(calls.every((c) => c.ids.length <= 100)).toBe(true);
		expect(received.size).toBe(280);
		expect([...received.values()].every((n) => n === 1)).toBe(true);
	});

	it('batches by bytes', async () => {
		const { send, calls } = stubSend();
		const one = eventBytes(ev('x'.repeat(1000)));
		const { outbox } = makeOutbox({ send, limits: { batchBytes: 13 + 3 * (one + 1) } });
		await outbox.start();
		for (let i = 0; i < 7; i++) outbox.enqueue(ev('x'.repeat(1000)));
		await outbox.flush();
		expect(calls.map((c) => c.ids.length)).toEqual([3, 3, 1]);
	});

	it('backs off exponentially with jitter on network errors and 5xx, then delivers each event once', async () => {
		const { send, calls, received } = stubSend([
			retry(),
			retry('http_500'),
			retry('http_503'),
			retry('http_408')
		]);
		const { outbox } = makeOutbox({ send });
		await outbox.start();
		const e = ev();
		outbox.enqueue(e);
		await outbox.flush(); // t0: fails
		// random 0.5 × 2000·2^attempt: waits 1 s, 2 s, 4 s, 8 s.
		await vi.advanceTimersByTimeAsync(20_000);
		expect(calls.map((c) => c.at - t0)).toEqual([0, 1000, 3000, 7000, 15000]);
		expect(received.get(e.id)).toBe(1);
		expect(outbox.pending).toEqual([]);
	});

	it('does not flush early while backing off, even when the timer or 50 new events ask', async () => {
		const { send, calls } = stubSend([retry('http_429', 30_000)]);
		const { outbox } = makeOutbox({ send });
		await outbox.start();
		outbox.enqueue(ev());
		await outbox.flush();
		for (let i = 0; i < 60; i++) outbox.enqueue(ev());
		await vi.advanceTimersByTimeAsync(29_999);
		expect(calls).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(calls[1].at - t0).toBe(30_000);
		expect(outbox.pending).toHaveLength(0);
	});

	it('drops a batch refused with another 4xx, counts it, and does not retry', async () => {
		const { send, calls } = stubSend([{ kind: 'drop', reason: 'http_400' }]);
		const { outbox, store } = makeOutbox({ send });
		await outbox.start();
		outbox.enqueue(ev());
		outbox.enqueue(ev());
		await outbox.flush();
		await vi.advanceTimersByTimeAsync(600_000);
		expect(calls).toHaveLength(1);
		expect(outbox.counters).toEqual({ sent: 0, dropped: { http_400: 2 }, errors: 1 });
		expect(store.events.size).toBe(0);
	});

	it('counts events a 207 rejected as invalid and the rest as sent', async () => {
		const { send } = stubSend([
			(ids) => ({ kind: 'done', accepted: 2, duplicates: 0, rejectedIds: [ids[1]] })
		]);
		const { outbox } = makeOutbox({ send });
		await outbox.start();
		for (let i = 0; i < 3; i++) outbox.enqueue(ev());
		await outbox.flush();
		expect(outbox.counters).toEqual({ sent: 2, dropped: { invalid: 1 }, errors: 0 });
		expect(outbox.pending).toEqual([]);
	});

	it('splits a batch in half on 413 and drops an event that is too large alone', async () => {
		// The stub server refuses any batch holding the "big" event, and any batch of more than 2.
		let big = '';
		const { send, calls, received } = stubSend(
			Array.from(
				{ length: 20 },
				() => (ids: string[]) =>
					ids.includes(big) || ids.length > 2
						? ({ kind: 'split' } as const)
						: ({ kind: 'done', accepted: ids.length, duplicates: 0, rejectedIds: [] } as const)
			)
		);
		const { outbox } = makeOutbox({ send });
		await outbox.start();
		const events = [ev(), ev(), ev(), ev(), ev()];
		big = events[3].id;
		for (const e of events) outbox.enqueue(e);
		await outbox.flush();
		expect(calls.map((c) => c.ids.map((id) => events.findIndex((e) => e.id === id)))).toEqual([
			[0, 1, 2, 3, 4],
			[0, 1, 2],
			[0, 1],
			[2],
			[3, 4],
			[3],
			[4]
		]);
		expect([...received.keys()].sort()).toEqual([0, 1, 2, 4].map((i) => events[i].id).sort());
		expect(outbox.counters.dropped).toEqual({ too_large: 1 });
		expect(outbox.pending).toEqual([]);
	});

	it('refuses one event larger than a batch at enqueue time', async () => {
		const { send } = stubSend();
		const { outbox } = makeOutbox({ send, limits: { batchBytes: 2000 } });
		await outbox.start();
		expect(outbox.enqueue(ev('y'.repeat(1990)))).toBe(false);
		expect(outbox.counters.dropped).toEqual({ too_large: 1 });
	});

	it('is bounded: beyond the cap the oldest are dropped, counted, and reported in a client_report', async () => {
		const sent: TelemetryEvent[] = [];
		const send: SendBatch = async (events) => {
			sent.push(...events);
			return { kind: 'done', accepted: events.length, duplicates: 0, rejectedIds: [] };
		};
		const { outbox } = makeOutbox({
			send,
			limits: { maxEvents: 10, reportIntervalMs: 60_000 },
			report: true
		});
		await outbox.start();
		const events = Array.from({ length: 15 }, () => ev());
		for (const e of events) outbox.enqueue(e);
		expect(outbox.pending.map((e) => e.id)).toEqual(events.slice(5).map((e) => e.id));
		expect(outbox.counters.dropped).toEqual({ queue_full: 5 });
		await vi.advanceTimersByTimeAsync(59_999);
		expect(sent.map((e) => e.id)).toEqual(events.slice(5).map((e) => e.id));
		await vi.advanceTimersByTimeAsync(1);
		const reports = sent.filter((e) => e.type === 'client_report');
		expect(reports).toHaveLength(1);
		expect(telemetryEventSchema.parse(reports[0])).toMatchObject({ dropped: { queue_full: 5 } });
		expect(outbox.counters).toEqual({ sent: 11, dropped: { queue_full: 5 }, errors: 0 });
	});

	it('reports drops with the exact counts', async () => {
		const reports: TelemetryEvent[] = [];
		const send: SendBatch = async (events) => {
			reports.push(...events.filter((e) => e.type === 'client_report'));
			if (events.some((e) => e.type === 'rating')) return { kind: 'drop', reason: 'http_422' };
			return { kind: 'done', accepted: events.length, duplicates: 0, rejectedIds: [] };
		};
		const { outbox } = makeOutbox({ send, report: true, limits: { reportIntervalMs: 30_000 } });
		await outbox.start();
		outbox.enqueue(ev());
		outbox.enqueue(ev());
		await outbox.flush(); // both dropped as http_422
		await vi.advanceTimersByTimeAsync(30_000); // the timer flush queues and sends the report
		expect(reports).toHaveLength(1);
		expect(reports[0]).toMatchObject({ type: 'client_report', dropped: { http_422: 2 } });
		expect(telemetryEventSchema.parse(reports[0])).toBeTruthy();
		await vi.advanceTimersByTimeAsync(120_000);
		expect(reports).toHaveLength(1); // nothing new to report
	});

	it('survives an offline period and a reload: a new outbox on the same storage sends the same ids once', async () => {
		const offline = stubSend(Array.from({ length: 100 }, () => retry()));
		const store = new MemoryOutboxStore();
		const first = makeOutbox({ send: offline.send, store }).outbox;
		await first.start();
		const events = [ev(), ev(), ev()];
		for (const e of events) first.enqueue(e);
		await vi.advanceTimersByTimeAsync(30 * 60_000);
		// Backoff is capped: about one attempt per 2.5 min on average once at the cap (random 0.5 × 5 min).
		const gaps = offline.calls.slice(1).map((c, i) => c.at - offline.calls[i].at);
		expect(Math.max(...gaps)).toBeLessThanOrEqual(150_000 + 10_000);
		expect(offline.received.size).toBe(0);
		first.stop();
		await first.settled();

		const online = stubSend();
		const second = makeOutbox({ send: online.send, store }).outbox;
		await second.start();
		expect(second.pending.map((e) => e.id)).toEqual(events.map((e) => e.id));
		await vi.advanceTimersByTimeAsync(10_000);
		expect([...online.received.entries()]).toEqual(events.map((e) => [e.id, 1]));
		expect(store.events.size).toBe(0);
	});

	it('re-sends the same ids after a lost answer (idempotent), never new ones', async () => {
		const { send, calls, received } = stubSend([lost()]);
		const { outbox } = makeOutbox({ send });
		await outbox.start();
		const e = ev();
		outbox.enqueue(e);
		await outbox.flush();
		await vi.advanceTimersByTimeAsync(5_000);
		expect(calls.map((c) => c.ids)).toEqual([[e.id], [e.id]]);
		// The server saw the id twice and, deduping by id, stores it once.
		expect(received.get(e.id)).toBe(2);
		expect(outbox.pending).toEqual([]);
	});

	it('page hide sends one keepalive batch synchronously, within the keepalive size', async () => {
		const { send, calls } = stubSend();
		const one = eventBytes(ev('z'.repeat(5000)));
		const { outbox, store } = makeOutbox({ send, limits: { keepaliveBytes: 13 + 3 * (one + 1) } });
		await outbox.start();
		const events = Array.from({ length: 5 }, () => ev('z'.repeat(5000)));
		for (const e of events) outbox.enqueue(e);
		outbox.flushOnHide();
		// No await in between: the request starts inside the pagehide handler.
		expect(calls).toHaveLength(1);
		expect(calls[0]).toMatchObject({ keepalive: true, ids: events.slice(0, 3).map((e) => e.id) });
		await outbox.settled();
		expect(store.events.size).toBe(2);
	});

	it('page hide while a send is in flight does not send the same events twice', async () => {
		let release!: (o: SendOutcome) => void;
		const calls: string[][] = [];
		const send: SendBatch = (events) => {
			calls.push(events.map((e) => e.id));
			return calls.length === 1
				? new Promise((r) => (release = r))
				: Promise.resolve({ kind: 'done', accepted: events.length, duplicates: 0, rejectedIds: [] });
		};
		const { outbox } = makeOutbox({ send });
		await outbox.start();
		const a = ev();
		outbox.enqueue(a);
		const flushing = outbox.flush();
		await vi.advanceTimersByTimeAsync(0);
		const b = ev();
		outbox.enqueue(b);
		outbox.flushOnHide();
		expect(calls).toEqual([[a.id], [b.id]]);
		release({ kind: 'done', accepted: 1, duplicates: 0, rejectedIds: [] });
		await flushing;
		await outbox.settled();
		expect(outbox.pending).toEqual([]);
	});

	it('two tabs sharing storage and a lock send each event once', async () => {
		const held = new Set<string>();
		const locks: LockManagerLike = {
			async request(name, _o, cb) {
				if (held.has(name)) return cb(null);
				held.add(name);
				try {
					return await cb({ name });
				} finally {
					held.delete(name);
				}
			}
		};
		const server = stubSend();
		// A slow server keeps the first tab's lock held while the second tries.
		const slow: SendBatch = async (events, o) => {
			await new Promise((r) => setTimeout(r, 100));
			return server.send(events, o);
		};
		const store = new MemoryOutboxStore();
		const tabA = makeOutbox({ send: slow, store, locks }).outbox;
		const tabB = makeOutbox({ send: slow, store, locks }).outbox;
		await tabA.start();
		await tabB.start();
		const events = Array.from({ length: 6 }, () => ev());
		events.forEach((e, i) => (i % 2 ? tabB : tabA).enqueue(e));
		await tabA.settled();
		await tabB.settled();
		await vi.advanceTimersByTimeAsync(30_000);
		expect([...server.received.values()].every((n) => n === 1)).toBe(true);
		expect(server.received.size).toBe(6);
	});

	it('clear() (withdraw) empties storage and ignores answers to requests already sent', async () => {
		let release!: (o: SendOutcome) => void;
		const send: SendBatch = () => new Promise((r) => (release = r));
		const { outbox, store } = makeOutbox({ send });
		await outbox.start();
		outbox.enqueue(ev());
		const flushing = outbox.flush();
		await vi.advanceTimersByTimeAsync(0);
		await outbox.clear();
		outbox.enabled = false;
		release({ kind: 'drop', reason: 'http_400' });
		await flushing;
		expect(store.events.size).toBe(0);
		expect(outbox.counters).toEqual({ sent: 0, dropped: {}, errors: 0 });
		expect(outbox.enqueue(ev())).toBe(false);
	});
});
