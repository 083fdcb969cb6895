import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import {
	IdbOutboxStore,
	MemoryOutboxStore,
	OUTBOX_DB_VERSION,
	OutboxStores,
	upgradeOutbox,
	type OutboxSchema,
	type OutboxStore,
	type StoredEvent
} from './outbox-store';

let n = 0;
const opened: IdbOutboxStore[] = [];
afterEach(async () => {
	await Promise.all(opened.splice(0).map((s) => s.close()));
});

const item = (id: string, seq: number): StoredEvent => ({
	id,
	seq,
	bytes: 10,
	event: { id, type: 'client_report' } as unknown as StoredEvent['event']
});

describe.each<[string, () => OutboxStore]>([
	[
		'IdbOutboxStore',
		() => {
			const s = new IdbOutboxStore(`outbox-test-${++n}`);
			opened.push(s);
			return s;
		}
	],
	['MemoryOutboxStore', () => new MemoryOutboxStore()]
])('%s', (_name, make) => {
	it('lists events oldest first whatever the insertion order, removes by id, clears', async () => {
		const s = make();
		await s.add([item('c', 3), item('a', 1)]);
		await s.add([item('b', 2)]);
		expect((await s.list()).map((e) => e.id)).toEqual(['a', 'b', 'c']);
		await s.remove(['b', 'missing']);
		expect((await s.list()).map((e) => e.id)).toEqual(['a', 'c']);
		await s.add([item('a', 1)]); // same id again: replaced, not duplicated
		expect(await s.list()).toHaveLength(2);
		await s.clear();
		expect(await s.list()).toEqual([]);
	});

	it('keeps meta values as copies', async () => {
		const s = make();
		expect(await s.getMeta('x')).toBeUndefined();
		const v = { sent: 1, dropped: { queue_full: 2 } };
		await s.setMeta('x', v);
		v.sent = 99;
		expect(await s.getMeta('x')).toEqual({ sent: 1, dropped: { queue_full: 2 } });
	});
});

describe('IdbOutboxStore persistence', () => {
	it('survives closing and reopening (a reload)', async () => {
		const name = `outbox-test-${++n}`;
		const a = new IdbOutboxStore(name);
		await a.add([item('x', 1)]);
		await a.setMeta('consent', 'granted');
		await a.close();
		const b = new IdbOutboxStore(name);
		opened.push(b);
		expect((await b.list()).map((e) => e.id)).toEqual(['x']);
		expect(await b.getMeta('consent')).toBe('granted');
	});

	it('upgrade is safe to run over a half-made layout (events store without its index)', async () => {
		const name = `outbox-test-${++n}`;
		const raw = await openDB(name, 1, {
			upgrade: (db) => void db.createObjectStore(OutboxStores.events, { keyPath: 'id' })
		});
		raw.close();
		// Reopen at a higher version running the real upgrade twice in one versionchange.
		const db = await openDB<OutboxSchema>(name, OUTBOX_DB_VERSION + 1, {
			upgrade: (d, _o, _n, tx) => {
				upgradeOutbox(d, tx);
				upgradeOutbox(d, tx);
			}
		});
		expect([...db.objectStoreNames].sort()).toEqual(['events', 'meta']);
		expect([...db.transaction('events').store.indexNames]).toEqual(['seq']);
		db.close();
	});
});
