/**
 * Background WAL checkpoints for SQLite, off the request path.
 *
 * SQLite's automatic checkpoint runs inside whichever commit crosses the WAL threshold, and node:sqlite
 * is synchronous, so that commit (and every request queued behind it on the event loop) waits for the
 * checkpoint to copy pages and fsync: the benchmark's worst latencies. Here a worker thread with its own
 * connection runs PASSIVE checkpoints (they never block writers) every `intervalMs`, and the writer's
 * own automatic checkpoint is kept only as a far-off safety net. Checkpoints only copy committed data
 * from the WAL into the database file, so they change nothing about durability.
 */
import { Worker } from 'node:worker_threads';

/** WAL pages (4 KiB) after which the writer checkpoints itself if the background one falls behind. */
export const SAFETY_NET_PAGES = 10_000;

// Plain CommonJS evaluated in the worker: no separate file for bundlers to find.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.file);
db.exec('PRAGMA busy_timeout = 1000; PRAGMA synchronous = ' + workerData.synchronous + ';');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => { try { checkpoint.get(); } catch {} }, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/** A running checkpointer. */
export interface Checkpointer {
	stop(): Promise<void>;
}

/** Starts checkpointing `file` (a WAL-mode database) every `intervalMs` from a worker thread. */
export function startCheckpointer(
	file: string,
	synchronous: 'FULL' | 'NORMAL',
	intervalMs = 500
): Checkpointer {
	const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, synchronous, intervalMs } });
	worker.unref();
	// A failing checkpointer only means the writer's own checkpoints take over; say so once.
	worker.on('error', (e) => console.error('background WAL checkpoints stopped:', e));
	return {
		stop: () =>
			new Promise<void>((ok) => {
				// Held while stopping: with nothing else alive (a start that failed, a script) an unref'd
				// worker would let the process end with this promise unsettled.
				worker.ref();
				worker.once('exit', () => ok());
				worker.postMessage('stop');
				setTimeout(() => void worker.terminate(), 2000).unref();
			})
	};
}
