/**
 * Retention: events received more than RETENTION_DAYS ago (default 400, so a year-on-year comparison
 * still has its year) are deleted, and so are tombstones older than TOMBSTONE_DAYS. A job runs every
 * `intervalMs` and deletes in small batches with a pause between them, so on SQLite (one writer, a
 * synchronous driver) ingestion keeps its turn instead of waiting behind one huge DELETE.
 *
 * Rollups (server/rollup.ts) stay consistent by decrement: each batch's events are taken out of the
 * rollups in the same transaction that deletes them, so the dashboard never counts a deleted event; rows
 * left at zero are pruned at the end of the pass. rejections_hourly has no events behind it: its hours
 * older than the same cutoff are deleted.
 */
import type { Kysely } from 'kysely';
import type { Database } from './db/tables';
import { TOMBSTONE_DAYS } from './ingest';
import { pruneRollups, removeFromRollups } from './rollup';

/** Settings of the retention job. */
export interface RetentionOptions {
	days: number;
	/** Rows per DELETE. */
	batchSize?: number;
	/** Pause between batches, in ms. */
	pauseMs?: number;
	/** How often the job runs, in ms. */
	intervalMs?: number;
	/** The clock the age is measured by (injectable for tests). */
	now?: () => Date;
	logError?: (message: string, error: unknown) => void;
	/** Checked between batches: true ends the pass early (shutdown). */
	stopped?: () => boolean;
}

const DAY_MS = 24 * 3600 * 1000;

/** Deletes expired events and tombstones, batch by batch; resolves to how many events were deleted. */
export async function deleteExpired(db: Kysely<Database>, o: RetentionOptions): Promise<number> {
	const batchSize = o.batchSize ?? 500;
	const pauseMs = o.pauseMs ?? 20;
	const now = (o.now ?? (() => new Date()))();
	const cutoff = new Date(now.getTime() - o.days * DAY_MS).toISOString();
	let total = 0;
	for (;;) {
		// Oldest first through the received_at index; a bounded batch keeps each statement short.
		const n = await db.transaction().execute(async (tx) => {
			const rows = await tx
				.selectFrom('events')
				.selectAll()
				.where('received_at', '<', cutoff)
				.orderBy('received_at')
				.limit(batchSize)
				.execute();
			if (rows.length === 0) return 0;
			await removeFromRollups(tx, rows);
			const r = await tx
				.deleteFrom('events')
				.where(
					'id',
					'in',
					rows.map((x) => x.id)
				)
				.executeTakeFirst();
			return Number(r.numDeletedRows);
		});
		total += n;
		if (n < batchSize || o.stopped?.()) break;
		await new Promise((ok) => setTimeout(ok, pauseMs));
	}
	if (total > 0) await pruneRollups(db);
	await db.deleteFrom('rejections_hourly').where('hour', '<', cutoff.slice(0, 13)).execute();
	const tombstoneCutoff = new Date(now.getTime() - TOMBSTONE_DAYS * DAY_MS).toISOString();
	await db.deleteFrom('deleted_installations').where('deleted_at', '<', tombstoneCutoff).execute();
	return total;
}

/** A running retention job. */
export interface RetentionJob {
	/** Runs one pass now (also what the timer does). */
	runOnce(): Promise<number>;
	/** Stops the timer and waits for a pass under way. */
	stop(): Promise<void>;
}

/** Starts the job: a first pass soon after start-up, then one every `intervalMs` (default 1 hour). */
export function startRetention(db: Kysely<Database>, o: RetentionOptions): RetentionJob {
	const logError = o.logError ?? ((m, e) => console.error(m, e));
	let running: Promise<number> | null = null;
	let stopped = false;
	const runOnce = () => {
		running ??= deleteExpired(db, { ...o, stopped: () => stopped }).finally(() => (running = null));
		return running;
	};
	const tick = () => void runOnce().catch((e) => logError('deleting expired events failed', e));
	const first = setTimeout(tick, 10_000);
	const timer = setInterval(tick, o.intervalMs ?? 3600_000);
	first.unref();
	timer.unref();
	return {
		runOnce,
		async stop() {
			stopped = true;
			clearTimeout(first);
			clearInterval(timer);
			await running?.catch(() => {});
		}
	};
}
