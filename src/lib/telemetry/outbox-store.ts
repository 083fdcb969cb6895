/**
 * Where the telemetry outbox keeps its events and bookkeeping: its own IndexedDB database, apart from
 * the app's (src/lib/storage/db.ts), so the two never collide in migrations. `MemoryOutboxStore` is the
 * same contract in memory, for tests that run the queue under fake timers.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { IdbConnection } from '../storage/idb-connection';
import type { TelemetryEvent } from './schema';

/** IndexedDB database name. Changing this wipes queued events and settings without a migration. */
export const OUTBOX_DB_NAME = 'redline-telemetry';
/** Schema version. Bump it only together with a new step in `upgradeOutbox`. */
export const OUTBOX_DB_VERSION = 1;

/** Object store names. */
export const OutboxStores = { events: 'events', meta: 'meta' } as const;

/** One queued event with its order and encoded size. */
export interface StoredEvent {
	/** The event's own id (UUID): the key here and the idempotency key on the server. */
	id: string;
	/** Enqueue order; oldest first is the sending and the dropping order. */
	seq: number;
	/** UTF-8 length of the event's JSON. */
	bytes: number;
	event: TelemetryEvent;
}

/** A bookkeeping value (consent, installation id, counters, revisions) under a string key. */
export interface MetaRecord {
	key: string;
	value: unknown;
}

/** Current schema. */
export interface OutboxSchema extends DBSchema {
	events: { key: string; value: StoredEvent; indexes: { seq: number } };
	meta: { key: string; value: MetaRecord };
}

/** Storage the outbox needs; every method resolves once the write is durable. */
export interface OutboxStore {
	/** Every queued event, oldest first. */
	list(): Promise<StoredEvent[]>;
	add(items: StoredEvent[]): Promise<void>;
	remove(ids: string[]): Promise<void>;
	clear(): Promise<void>;
	getMeta(key: string): Promise<unknown>;
	setMeta(key: string, value: unknown): Promise<void>;
}

/** Creates what is missing; safe to run twice. */
export function upgradeOutbox(
	db: IDBPDatabase<OutboxSchema>,
	tx: IDBPTransaction<OutboxSchema, StoreNames<OutboxSchema>[], 'versionchange'>
): void {
	if (!db.objectStoreNames.contains(OutboxStores.events))
		db.createObjectStore(OutboxStores.events, { keyPath: 'id' });
	if (!db.objectStoreNames.contains(OutboxStores.meta))
		db.createObjectStore(OutboxStores.meta, { keyPath: 'key' });
	const events = tx.objectStore(OutboxStores.events);
	if (!events.indexNames.contains('seq')) events.createIndex('seq', 'seq');
}

/** The browser's outbox storage (tldraw-style wrapper: one `tx()` for every read and write). */
export class IdbOutboxStore extends IdbConnection<OutboxSchema> implements OutboxStore {
	constructor(private readonly name: string = OUTBOX_DB_NAME) {
		super();
	}

	protected connect(blocking: () => void): Promise<IDBPDatabase<OutboxSchema>> {
		return openDB<OutboxSchema>(this.name, OUTBOX_DB_VERSION, {
			upgrade: (db, _old, _new, tx) => upgradeOutbox(db, tx),
			blocking
		});
	}

	list(): Promise<StoredEvent[]> {
		return this.tx([OutboxStores.events], 'readonly', (tx) =>
			tx.objectStore(OutboxStores.events).index('seq').getAll()
		);
	}

	add(items: StoredEvent[]): Promise<void> {
		return this.tx([OutboxStores.events], 'readwrite', async (tx) => {
			const s = tx.objectStore(OutboxStores.events);
			await Promise.all(items.map((i) => s.put(i)));
		});
	}

	remove(ids: string[]): Promise<void> {
		return this.tx([OutboxStores.events], 'readwrite', async (tx) => {
			const s = tx.objectStore(OutboxStores.events);
			await Promise.all(ids.map((id) => s.delete(id)));
		});
	}

	clear(): Promise<void> {
		return this.tx([OutboxStores.events], 'readwrite', (tx) => tx.objectStore(OutboxStores.events).clear());
	}

	async getMeta(key: string): Promise<unknown> {
		const row = await this.tx([OutboxStores.meta], 'readonly', (tx) =>
			tx.objectStore(OutboxStores.meta).get(key)
		);
		return row?.value;
	}

	setMeta(key: string, value: unknown): Promise<void> {
		return this.tx([OutboxStores.meta], 'readwrite', async (tx) => {
			await tx.objectStore(OutboxStores.meta).put({ key, value });
		});
	}
}

/** The same contract in memory (tests, and browsers without IndexedDB). Values are cloned like IDB does. */
export class MemoryOutboxStore implements OutboxStore {
	readonly events = new Map<string, StoredEvent>();
	readonly meta = new Map<string, unknown>();

	async list(): Promise<StoredEvent[]> {
		return [...this.events.values()].sort((a, b) => a.seq - b.seq).map((e) => structuredClone(e));
	}
	async add(items: StoredEvent[]): Promise<void> {
		for (const i of items) this.events.set(i.id, structuredClone(i));
	}
	async remove(ids: string[]): Promise<void> {
		for (const id of ids) this.events.delete(id);
	}
	async clear(): Promise<void> {
		this.events.clear();
	}
	async getMeta(key: string): Promise<unknown> {
		return structuredClone(this.meta.get(key));
	}
	async setMeta(key: string, value: unknown): Promise<void> {
		this.meta.set(key, structuredClone(value));
	}
}
