import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';

/**
 * One IndexedDB connection with the lifecycle both of our databases need (the app's and the
 * telemetry outbox's): opened lazily on first use, every read and write through `tx()`, `pending()`
 * to await what was started, and `close()` after which the next call opens it again. A subclass only
 * says how to open its database.
 */
export abstract class IdbConnection<DB extends DBSchema> {
	private dbPromise: Promise<IDBPDatabase<DB>> | null = null;
	private readonly inFlight = new Set<Promise<unknown>>();

	/**
	 * Opens the database (openDB with its version and upgrade). Pass `blocking` on to openDB: when
	 * another tab wants a newer version, it closes this connection instead of blocking that tab.
	 */
	protected abstract connect(blocking: () => void): Promise<IDBPDatabase<DB>>;

	private open(): Promise<IDBPDatabase<DB>> {
		this.dbPromise ??= this.connect(() => void this.close());
		return this.dbPromise;
	}

	/**
	 * Runs `fn` in one transaction over `stores` and resolves once the transaction has committed (not
	 * merely when `fn` returns). The run is tracked so `pending()` can await every write started.
	 */
	async tx<const S extends StoreNames<DB>[], M extends IDBTransactionMode, T>(
		stores: S,
		mode: M,
		fn: (tx: IDBPTransaction<DB, S, M>) => Promise<T> | T
	): Promise<T> {
		const run = (async () => {
			const db = await this.open();
			const tx = db.transaction(stores, mode);
			// Handled before fn runs (as tldraw's LocalIndexedDb does): when fn fails, its failed request
			// aborts the transaction and tx.done rejects while nobody awaits it, an unhandled rejection.
			const done = tx.done.then(
				() => ({ ok: true as const }),
				(error: unknown) => ({ ok: false as const, error })
			);
			let result: T;
			try {
				result = await fn(tx);
			} catch (e) {
				await done; // settle the transaction, but fn's error is the one to report
				throw e;
			}
			const settled = await done;
			if (!settled.ok) throw settled.error;
			return result;
		})();
		this.inFlight.add(run);
		try {
			return await run;
		} finally {
			this.inFlight.delete(run);
		}
	}

	/** Resolves when every transaction started so far has settled (tests, page hide). */
	async pending(): Promise<void> {
		await Promise.allSettled([...this.inFlight]);
	}

	/** Closes the connection; the next call opens it again. */
	async close(): Promise<void> {
		const db = this.dbPromise;
		this.dbPromise = null;
		if (db) (await db).close();
	}
}
