import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';

/**
 * Runs `fn` in one transaction over `stores` and resolves once the transaction has committed (not
 * merely when `fn` returns). The run is tracked in `inFlight` so a wrapper's `pending()` can await
 * every write it started. Shared by the app's database and the telemetry outbox's.
 */
export async function runTx<
	DB extends DBSchema,
	const S extends StoreNames<DB>[],
	M extends IDBTransactionMode,
	T
>(
	open: () => Promise<IDBPDatabase<DB>>,
	inFlight: Set<Promise<unknown>>,
	stores: S,
	mode: M,
	fn: (tx: IDBPTransaction<DB, S, M>) => Promise<T> | T
): Promise<T> {
	const run = (async () => {
		const db = await open();
		const tx = db.transaction(stores, mode);
		const result = await fn(tx);
		await tx.done;
		return result;
	})();
	inFlight.add(run);
	try {
		return await run;
	} finally {
		inFlight.delete(run);
	}
}
