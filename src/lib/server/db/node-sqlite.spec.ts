import { DatabaseSync } from 'node:sqlite';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeSqliteDatabase } from './node-sqlite';
import { parseDatabaseUrl } from './open';

interface T {
	t: { id: number; name: string; flag: number | null };
}

let db: Kysely<T> | null = null;
afterEach(async () => {
	await db?.destroy();
	db = null;
});

function open(): Kysely<T> {
	db = new Kysely<T>({
		dialect: new SqliteDialect({ database: new NodeSqliteDatabase(new DatabaseSync(':memory:')) })
	});
	return db;
}

describe('NodeSqliteDatabase under kysely', () => {
	it('runs DDL, inserts, returning, selects and transactions', async () => {
		const k = open();
		await k.schema
			.createTable('t')
			.addColumn('id', 'integer', (c) => c.primaryKey())
			.addColumn('name', 'text')
			.addColumn('flag', 'integer')
			.execute();
		const ins = await k
			.insertInto('t')
			.values([
				{ id: 1, name: 'a', flag: null },
				{ id: 2, name: 'b', flag: true as unknown as number }
			])
			.executeTakeFirst();
		expect(ins.numInsertedOrUpdatedRows).toBe(2n);
		const ret = await k.insertInto('t').values({ id: 3, name: 'c', flag: 0 }).returning('name').execute();
		expect(ret).toEqual([{ name: 'c' }]);
		await expect(
			k.transaction().execute(async (tx) => {
				await tx.insertInto('t').values({ id: 4, name: 'd', flag: 0 }).execute();
				throw new Error('roll back');
			})
		).rejects.toThrow('roll back');
		const rows = await k.selectFrom('t').selectAll().orderBy('id').execute();
		expect(rows).toEqual([
			{ id: 1, name: 'a', flag: null },
			{ id: 2, name: 'b', flag: 1 },
			{ id: 3, name: 'c', flag: 0 }
		]);
		const dup = await k
			.insertInto('t')
			.values({ id: 1, name: 'again', flag: 0 })
			.onConflict((oc) => oc.column('id').doNothing())
			.executeTakeFirst();
		expect(dup.numInsertedOrUpdatedRows).toBe(0n);
		const { rows: pragma } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(k);
		expect(pragma[0].journal_mode).toBe('memory');
	});

	it('reuses prepared statements and stays bounded', async () => {
		const raw = new DatabaseSync(':memory:');
		const wrapped = new NodeSqliteDatabase(raw);
		expect(wrapped.prepare('select 1 as x')).toBe(wrapped.prepare('select 1 as x'));
		for (let i = 0; i < 300; i++) wrapped.prepare(`select ${i} as x`);
		expect(wrapped.prepare('select 299 as x').all([])).toEqual([{ x: 299 }]);
		wrapped.close();
		expect(raw.isOpen).toBe(false);
	});
});

describe('parseDatabaseUrl', () => {
	it.each([
		['sqlite:./data/redline.db', { kind: 'sqlite', path: './data/redline.db' }],
		['sqlite:/tmp/x.db', { kind: 'sqlite', path: '/tmp/x.db' }],
		['sqlite:///tmp/x.db', { kind: 'sqlite', path: '/tmp/x.db' }],
		['postgres://u@h:5432/d', { kind: 'postgres', connectionString: 'postgres://u@h:5432/d' }],
		['postgresql://h/d', { kind: 'postgres', connectionString: 'postgresql://h/d' }]
	])('%s', (url, expected) => expect(parseDatabaseUrl(url)).toEqual(expected));

	it.each([['sqlite:'], ['mysql://h/d'], ['./data/redline.db']])('rejects %s', (url) => {
		expect(() => parseDatabaseUrl(url)).toThrow();
	});
});
