import 'fake-indexeddb/auto';
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { IdbConnection } from './idb-connection';

interface KvSchema extends DBSchema {
	kv: { key: string; value: string };
}

let n = 0;
class KvDb extends IdbConnection<KvSchema> {
	readonly name = `idb-connection-test-${++n}`;
	protected connect(blocking: () => void): Promise<IDBPDatabase<KvSchema>> {
		return openDB<KvSchema>(this.name, 1, { upgrade: (db) => void db.createObjectStore('kv'), blocking });
	}
}

const open: KvDb[] = [];
afterEach(async () => {
	await Promise.all(open.splice(0).map((d) => d.close()));
});

/** Unhandled rejections seen while `run` runs and a moment after (an abort settles asynchronously). */
async function unhandledDuring(run: () => Promise<void>): Promise<unknown[]> {
	const seen: unknown[] = [];
	const note = (e: unknown) => void seen.push(e);
	process.on('unhandledRejection', note);
	try {
		await run();
		await new Promise((r) => setTimeout(r, 50));
	} finally {
		process.off('unhandledRejection', note);
	}
	return seen;
}

describe('IdbConnection.tx', () => {
	it('resolves with the callback result once the transaction has committed', async () => {
		const db = new KvDb();
		open.push(db);
		await db.tx(['kv'], 'readwrite', (tx) => tx.objectStore('kv').put('one', 'a'));
		expect(await db.tx(['kv'], 'readonly', (tx) => tx.objectStore('kv').get('a'))).toBe('one');
	});

	it('a callback whose request fails rejects with that error and leaves no unhandled rejection', async () => {
		const db = new KvDb();
		open.push(db);
		await db.tx(['kv'], 'readwrite', (tx) => tx.objectStore('kv').add('one', 'a'));
		const unhandled = await unhandledDuring(async () => {
			// add() on an existing key fails, which aborts the transaction: tx.done rejects too.
			const failing = db.tx(['kv'], 'readwrite', async (tx) => {
				await tx.objectStore('kv').add('two', 'a');
			});
			await expect(failing).rejects.toMatchObject({ name: 'ConstraintError' });
			await db.pending();
		});
		expect(unhandled).toEqual([]);
		expect(await db.tx(['kv'], 'readonly', (tx) => tx.objectStore('kv').get('a'))).toBe('one');
	});

	it('a callback that throws by itself rejects with its error, and its earlier writes still commit', async () => {
		const db = new KvDb();
		open.push(db);
		const unhandled = await unhandledDuring(async () => {
			const failing = db.tx(['kv'], 'readwrite', async (tx) => {
				await tx.objectStore('kv').put('kept', 'b');
				throw new Error('callback failed');
			});
			await expect(failing).rejects.toThrow('callback failed');
		});
		expect(unhandled).toEqual([]);
		expect(await db.tx(['kv'], 'readonly', (tx) => tx.objectStore('kv').get('b'))).toBe('kept');
	});
});
