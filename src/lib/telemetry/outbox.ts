/**
 * The telemetry outbox: a bounded, persistent queue that sends events in batches and survives reloads
 * and offline periods.
 *
 * - Batches: at most `batchEvents` events and `batchBytes` bytes of JSON, below the server's limits.
 * - When: every `flushIntervalMs`, as soon as `flushAtCount` events wait, and on page hide
 *   (`flushOnHide`, keepalive fetch limited to `keepaliveBytes` since browsers cap keepalive bodies at
 *   64 KiB).
 * - Retries: see sender.ts for the status contract; network errors, 5xx, 408 and 429 wait
 *   `backoffDelay(attempt)` or the server's Retry-After, then the whole queue is tried again.
 * - Exactly once: every event's id is made once, when it is built, and kept in storage, so re-sending
 *   after a lost answer is harmless (the server stores each id once).
 * - Cap (documented limit): at most 5,000 events and 5 MiB wait; beyond that the oldest are dropped.
 * - Drops are counted by reason (`queue_full`, `too_large`, `invalid`, `http_<status>`) and reported to
 *   the server at most once per `reportIntervalMs` as a `client_report` event.
 * - Tabs: a flush runs under a Web Lock, so two tabs never send the same batch at once; it reads the
 *   shared IndexedDB queue, so one tab also sends what another queued.
 */
import { backoffDelay } from './backoff';
import type { OutboxStore, StoredEvent } from './outbox-store';
import type { SendBatch, SendOutcome } from './sender';
import { BATCH_LIMITS, type TelemetryEvent } from './schema';

/** Sizes and intervals of the queue. */
export interface OutboxLimits {
	maxEvents: number;
	maxBytes: number;
	batchEvents: number;
	batchBytes: number;
	keepaliveBytes: number;
	flushIntervalMs: number;
	flushAtCount: number;
	reportIntervalMs: number;
	backoffBaseMs: number;
	backoffMaxMs: number;
}

/** The documented defaults. */
export const OUTBOX_LIMITS: OutboxLimits = {
	maxEvents: 5_000,
	maxBytes: 5 * 1024 * 1024,
	batchEvents: 100,
	// Exactly the server's limit: takeBatch counts the envelope too.
	batchBytes: BATCH_LIMITS.maxBytes,
	keepaliveBytes: 60 * 1024,
	flushIntervalMs: 10_000,
	flushAtCount: 50,
	reportIntervalMs: 60_000,
	backoffBaseMs: 2_000,
	backoffMaxMs: 5 * 60_000
};

/** Counters shown in settings; persisted across reloads. */
export interface OutboxStats {
	/** Events the server acknowledged (accepted or already stored). */
	sent: number;
	/** Events dropped, by reason. */
	dropped: Record<string, number>;
	/** Requests refused with a 4xx that is not retried. */
	errors: number;
}

/** The part of the Web Locks API the outbox uses. */
export interface LockManagerLike {
	request(
		name: string,
		options: { ifAvailable?: boolean },
		callback: (lock: unknown) => Promise<void>
	): Promise<unknown>;
}

/** Outbox dependencies; everything with a side effect is injectable. */
export interface OutboxOptions {
	store: OutboxStore;
	send: SendBatch;
	now?: () => number;
	random?: () => number;
	/** navigator.locks in the browser; null runs flushes without a cross-tab lock. */
	locks?: LockManagerLike | null;
	limits?: Partial<OutboxLimits>;
	/** Builds the `client_report` event for these drop counts (null: do not report). */
	makeReport?: (dropped: Record<string, number>) => TelemetryEvent | null;
}

const STATS_KEY = 'stats';
const UNREPORTED_KEY = 'unreportedDrops';
const LOCK_NAME = 'redline-telemetry-flush';

/** UTF-8 length of an event's JSON, as it will travel. */
export function eventBytes(event: TelemetryEvent): number {
	return new TextEncoder().encode(JSON.stringify(event)).length;
}

/**
 * The next batch from the front of `queue`: in order, skipping `exclude`, stopping before the count or
 * byte limit would be passed (always at least one event, so an event alone above `maxBytes` still
 * goes out and meets its 413).
 */
export function takeBatch(
	queue: readonly StoredEvent[],
	maxEvents: number,
	maxBytes: number,
	exclude: ReadonlySet<string> = new Set()
): StoredEvent[] {
	const out: StoredEvent[] = [];
	// `{"events":[` + `]}` plus a comma between events.
	let bytes = 13;
	for (const e of queue) {
		if (exclude.has(e.id)) continue;
		if (out.length >= maxEvents) break;
		if (out.length > 0 && bytes + e.bytes + 1 > maxBytes) break;
		out.push(e);
		bytes += e.bytes + 1;
	}
	return out;
}

/** The queue; one per tab. */
export class Outbox {
	/** When false, `enqueue` ignores events and nothing is sent (no consent). */
	enabled = false;
	private readonly limits: OutboxLimits;
	private readonly now: () => number;
	private readonly random: () => number;
	/** This tab's view of the stored queue, oldest first; kept in memory so page hide can send synchronously. */
	private queue: StoredEvent[] = [];
	private inflight = new Set<string>();
	private stats: OutboxStats = { sent: 0, dropped: {}, errors: 0 };
	private unreported: Record<string, number> = {};
	private lastReportAt = 0;
	private attempt = 0;
	private retryAt = 0;
	private retryTimer: ReturnType<typeof setTimeout> | undefined;
	private interval: ReturnType<typeof setInterval> | undefined;
	private flushing: Promise<void> | null = null;
	/** Page-hide sends still waiting for their answer (they run outside `flushing`). */
	private hideSends = new Set<Promise<unknown>>();
	private writes: Promise<unknown> = Promise.resolve();
	private seq = 0;
	/** Bumped by clear(), so answers to requests sent before it change nothing. */
	private generation = 0;
	private listeners = new Set<() => void>();

	constructor(private readonly opts: OutboxOptions) {
		this.limits = { ...OUTBOX_LIMITS, ...opts.limits };
		this.now = opts.now ?? Date.now;
		this.random = opts.random ?? Math.random;
	}

	/** Loads the stored queue and counters and starts the flush timer. */
	async start(): Promise<void> {
		const [queue, stats, unreported] = await Promise.all([
			this.opts.store.list(),
			this.opts.store.getMeta(STATS_KEY),
			this.opts.store.getMeta(UNREPORTED_KEY)
		]);
		this.queue = queue;
		if (stats) this.stats = stats as OutboxStats;
		if (unreported) this.unreported = unreported as Record<string, number>;
		this.lastReportAt = this.now();
		clearInterval(this.interval);
		this.interval = setInterval(() => void this.flush(), this.limits.flushIntervalMs);
		this.changed();
	}

	/** Stops the timers (the queue stays stored). */
	stop(): void {
		clearInterval(this.interval);
		clearTimeout(this.retryTimer);
		this.interval = undefined;
	}

	/** Calls `fn` whenever the queue or the counters change; returns the unsubscribe function. */
	onChange(fn: () => void): () => void {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	}

	/** Events waiting, oldest first (what would be sent). */
	get pending(): TelemetryEvent[] {
		return this.queue.map((e) => e.event);
	}

	/** Sent/dropped/error counters. */
	get counters(): OutboxStats {
		return { sent: this.stats.sent, dropped: { ...this.stats.dropped }, errors: this.stats.errors };
	}

	/** Time (ms since epoch) of the next retry while backing off, else null. */
	get retryingAt(): number | null {
		return this.retryAt > this.now() ? this.retryAt : null;
	}

	/**
	 * Resolves when every write started so far has reached storage and every batch this tab has on its
	 * way (timer flushes and page-hide keepalive sends alike) has its answer.
	 */
	async settled(): Promise<void> {
		await this.writes;
		await this.flushing;
		await Promise.allSettled([...this.hideSends]);
		await this.writes;
	}

	/**
	 * `settled()`, and then waits for the flush lock, which another tab holds while it sends the shared
	 * queue: after this no batch of any tab's locked flush is on its way. (Another tab's page-hide send
	 * takes no lock, since it must leave synchronously; the server refuses events for a deleted
	 * installation, so one that lands after the deletion is not stored.)
	 */
	async settledEverywhere(): Promise<void> {
		await this.settled();
		await this.opts.locks?.request(LOCK_NAME, {}, async () => {});
	}

	/**
	 * Queues an event (already validated, id already set). Returns false when it was not queued: the
	 * outbox is disabled, or the event alone is larger than a batch (dropped as `too_large`).
	 */
	enqueue(event: TelemetryEvent): boolean {
		if (!this.enabled) return false;
		const bytes = eventBytes(event);
		if (bytes + 13 > this.limits.batchBytes) {
			this.drop('too_large', 1);
			return false;
		}
		const item: StoredEvent = { id: event.id, seq: this.nextSeq(), bytes, event };
		this.queue.push(item);
		this.write(() => this.opts.store.add([item]));
		this.enforceCap();
		this.changed();
		if (this.queue.length - this.inflight.size >= this.limits.flushAtCount) void this.flush();
		return true;
	}

	/** Counts events dropped before they reached the queue (e.g. `invalid_local`: refused by the schema). */
	countDrop(reason: string, n = 1): void {
		this.drop(reason, n);
	}

	/** Empties the queue and forgets backoff and unreported drops (withdrawn consent). */
	async clear(): Promise<void> {
		this.generation++;
		this.queue = [];
		this.inflight.clear();
		this.unreported = {};
		this.attempt = 0;
		this.retryAt = 0;
		clearTimeout(this.retryTimer);
		this.write(() => this.opts.store.clear());
		this.write(() => this.opts.store.setMeta(UNREPORTED_KEY, {}));
		this.changed();
		await this.writes;
	}

	/** Sends everything that waits, batch by batch, unless backing off or another tab is sending. */
	flush(): Promise<void> {
		if (!this.enabled || this.flushing) return this.flushing ?? Promise.resolve();
		if (this.retryAt > this.now()) return Promise.resolve();
		const run = async () => {
			const locks = this.opts.locks;
			if (locks) {
				await locks.request(LOCK_NAME, { ifAvailable: true }, async (lock) => {
					// Another tab holds the lock: it is sending the shared queue right now.
					if (lock) await this.flushLocked();
				});
			} else await this.flushLocked();
		};
		this.flushing = run()
			.catch((e) => console.error('telemetry flush failed', e))
			.finally(() => {
				this.flushing = null;
			});
		return this.flushing;
	}

	/**
	 * For `visibilitychange`→hidden and `pagehide`: sends one keepalive batch synchronously from memory
	 * (storage reads would not finish during unload). Events stay stored until acknowledged, so if the
	 * page dies first they go out again on the next load, and the server keeps one copy.
	 */
	flushOnHide(): void {
		if (!this.enabled || this.retryAt > this.now()) return;
		this.maybeReport();
		const batch = takeBatch(this.queue, this.limits.batchEvents, this.limits.keepaliveBytes, this.inflight);
		if (batch.length === 0 || batch.reduce((n, e) => n + e.bytes + 1, 13) > this.limits.keepaliveBytes)
			return;
		const sending: Promise<unknown> = this.deliver(batch, true, this.generation)
			.catch((e) => console.error('telemetry page-hide send failed', e))
			.finally(() => this.hideSends.delete(sending));
		this.hideSends.add(sending);
	}

	private async flushLocked(): Promise<void> {
		await this.writes;
		// Pick up what other tabs queued (and forget what they already sent).
		const generation = this.generation;
		const seqAtRead = this.seq;
		const stored = await this.opts.store.list();
		if (generation !== this.generation) return;
		// Keep events queued here while the list was read: their writes may have missed it.
		const known = new Set(stored.map((e) => e.id));
		this.queue = [...stored, ...this.queue.filter((e) => e.seq > seqAtRead && !known.has(e.id))];
		this.maybeReport();
		this.changed();
		for (;;) {
			if (!this.enabled || generation !== this.generation) return;
			const batch = takeBatch(this.queue, this.limits.batchEvents, this.limits.batchBytes, this.inflight);
			if (batch.length === 0) return;
			const outcome = await this.deliver(batch, false, generation);
			if (outcome === 'retry') return;
		}
	}

	/** Sends one batch (splitting on 413) and applies the outcome; 'retry' means: stop, backoff is set. */
	private async deliver(
		batch: StoredEvent[],
		keepalive: boolean,
		generation: number
	): Promise<'ok' | 'retry'> {
		for (const e of batch) this.inflight.add(e.id);
		let outcome: SendOutcome;
		try {
			outcome = await this.opts.send(
				batch.map((e) => e.event),
				{ keepalive }
			);
		} finally {
			for (const e of batch) this.inflight.delete(e.id);
		}
		if (generation !== this.generation) return 'ok';
		switch (outcome.kind) {
			case 'done': {
				const rejected = outcome.rejectedIds.length;
				this.stats.sent += batch.length - rejected;
				this.attempt = 0;
				this.retryAt = 0;
				this.remove(batch);
				if (rejected > 0) this.drop('invalid', rejected);
				else this.saveStats();
				return 'ok';
			}
			case 'drop':
				this.stats.errors += 1;
				this.remove(batch);
				this.drop(outcome.reason, batch.length);
				return 'ok';
			case 'split': {
				if (batch.length === 1) {
					this.remove(batch);
					this.drop('too_large', 1);
					return 'ok';
				}
				const half = Math.ceil(batch.length / 2);
				if ((await this.deliver(batch.slice(0, half), keepalive, generation)) === 'retry') return 'retry';
				return this.deliver(batch.slice(half), keepalive, generation);
			}
			case 'retry': {
				const wait =
					outcome.retryAfterMs ??
					backoffDelay(this.attempt, {
						baseMs: this.limits.backoffBaseMs,
						maxMs: this.limits.backoffMaxMs,
						random: this.random
					});
				this.attempt++;
				this.retryAt = this.now() + wait;
				clearTimeout(this.retryTimer);
				this.retryTimer = setTimeout(() => void this.flush(), wait);
				this.changed();
				return 'retry';
			}
		}
	}

	/** Skips the wait after a failure (the browser says it is back online). */
	retryNow(): Promise<void> {
		this.retryAt = 0;
		this.attempt = 0;
		clearTimeout(this.retryTimer);
		return this.flush();
	}

	private remove(batch: StoredEvent[]): void {
		const ids = new Set(batch.map((e) => e.id));
		this.queue = this.queue.filter((e) => !ids.has(e.id));
		this.write(() => this.opts.store.remove([...ids]));
		this.changed();
	}

	private enforceCap(): void {
		let bytes = this.queue.reduce((n, e) => n + e.bytes, 0);
		const dropped: StoredEvent[] = [];
		while (
			this.queue.length > 0 &&
			(this.queue.length > this.limits.maxEvents || bytes > this.limits.maxBytes)
		) {
			const oldest = this.queue.shift() as StoredEvent;
			bytes -= oldest.bytes;
			dropped.push(oldest);
		}
		if (dropped.length === 0) return;
		this.write(() => this.opts.store.remove(dropped.map((e) => e.id)));
		this.drop('queue_full', dropped.length);
	}

	private drop(reason: string, n: number): void {
		this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + n;
		this.unreported[reason] = (this.unreported[reason] ?? 0) + n;
		this.saveStats();
		this.changed();
	}

	/** Queues a client_report with the drops not yet reported, at most once per interval. */
	private maybeReport(): void {
		if (!this.opts.makeReport || Object.keys(this.unreported).length === 0) return;
		if (this.now() - this.lastReportAt < this.limits.reportIntervalMs) return;
		const report = this.opts.makeReport(this.unreported);
		this.lastReportAt = this.now();
		if (!report) return;
		this.unreported = {};
		this.write(() => this.opts.store.setMeta(UNREPORTED_KEY, {}));
		this.enqueue(report);
	}

	private saveStats(): void {
		const stats = this.counters;
		const unreported = { ...this.unreported };
		this.write(() => this.opts.store.setMeta(STATS_KEY, stats));
		this.write(() => this.opts.store.setMeta(UNREPORTED_KEY, unreported));
	}

	/** Chains storage writes so they land in call order; a failed write is logged, not fatal. */
	private write(fn: () => Promise<void>): void {
		this.writes = this.writes.then(fn).catch((e) => console.error('telemetry outbox write failed', e));
	}

	private nextSeq(): number {
		// Time-based so events of several tabs interleave in enqueue order; the counter breaks ties.
		this.seq = Math.max(this.seq + 1, this.now() * 1000);
		return this.seq;
	}

	private changed(): void {
		for (const fn of this.listeners) fn();
	}
}
