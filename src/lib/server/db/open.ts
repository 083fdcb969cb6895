/**
 * Opens the telemetry database named by DATABASE_URL and migrates it.
 *
 * - `sqlite:<path>` (default `sqlite:./data/redline.db`; the directory is created): Node's node:sqlite in
 *   WAL mode. Durability: `synchronous=FULL` by default, so a commit is fsynced before the 202 is sent
 *   and survives kill -9 and power loss. `SQLITE_SYNCHRONOUS=NORMAL` is faster and still survives a
 *   process crash (kill -9: the committed WAL frames are in the OS page cache), but a power loss or OS
 *   crash can lose the last commits.
 *   The directory is created 0700 and the database file 0600 (SQLite gives its -wal and -shm files the
 *   main file's mode), and `secure_delete` is on, so deleted events are overwritten with zeros instead
 *   of lingering in free pages of the file.
 * - `postgres://…` or `postgresql://…`: node-postgres pool (`PG_POOL_SIZE`, default 10). PostgreSQL's
 *   default synchronous_commit=on makes a commit durable before it returns.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { SAFETY_NET_PAGES, startCheckpointer } from './checkpointer';
import { migrateToLatest } from './migrations';
import { NodeSqliteDatabase } from './node-sqlite';
import type { Database } from './tables';

/** The default when DATABASE_URL is unset. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/redline.db';

/** An open, migrated database and what kind it is. */
export interface OpenDatabase {
	db: Kysely<Database>;
	kind: 'sqlite' | 'postgres';
	/** For SQLite, the database file's directory; null for PostgreSQL. */
	dataDir: string | null;
	close(): Promise<void>;
}

/** Options that tests and the benchmark set; the server takes them from the environment. */
export interface OpenOptions {
	sqliteSynchronous?: 'FULL' | 'NORMAL';
	pgPoolSize?: number;
	/** SQLite: checkpoint the WAL from a worker thread (default true; see checkpointer.ts). */
	backgroundCheckpoints?: boolean;
}

/** Parses a DATABASE_URL into the driver to use. */
export function parseDatabaseUrl(
	url: string
): { kind: 'sqlite'; path: string } | { kind: 'postgres'; connectionString: string } {
	if (url.startsWith('sqlite:')) {
		const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
		if (!path) throw new Error('DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/redline.db');
		return { kind: 'sqlite', path };
	}
	if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', connectionString: url };
	throw new Error(
		`DATABASE_URL must start with sqlite: or postgres://, got ${JSON.stringify(url.slice(0, 20))}`
	);
}

/** Opens and migrates the database at `url`. */
export async function openDatabase(url: string, options: OpenOptions = {}): Promise<OpenDatabase> {
	const parsed = parseDatabaseUrl(url);
	if (parsed.kind === 'sqlite') {
		const file = parsed.path === ':memory:' ? ':memory:' : resolve(parsed.path);
		const dataDir = file === ':memory:' ? null : dirname(file);
		if (dataDir) {
			// mkdir's mode only applies to directories it creates; an existing one is left as the admin set it.
			mkdirSync(dataDir, { recursive: true, mode: 0o700 });
			// Created (or narrowed) before SQLite opens it: the WAL and SHM files copy this mode.
			closeSync(openSync(file, 'a', 0o600));
			chmodSync(file, 0o600);
		}
		const raw = new DatabaseSync(file);
		const sync = options.sqliteSynchronous ?? 'FULL';
		raw.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${sync}; PRAGMA busy_timeout = 5000;`);
		// 64 MiB page cache; the WAL is truncated back to 64 MiB after checkpoints that reset it.
		raw.exec('PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA journal_size_limit = 67108864;');
		raw.exec('PRAGMA secure_delete = ON;');
		const background = file !== ':memory:' && options.backgroundCheckpoints !== false;
		if (background) raw.exec(`PRAGMA wal_autocheckpoint = ${SAFETY_NET_PAGES};`);
		const db = new Kysely<Database>({
			dialect: new SqliteDialect({ database: new NodeSqliteDatabase(raw) })
		});
		await migrateToLatest(db as Kysely<unknown>);
		const checkpointer = background ? startCheckpointer(file, sync) : null;
		return {
			db,
			kind: 'sqlite',
			dataDir,
			close: async () => {
				await checkpointer?.stop();
				await db.destroy();
			}
		};
	}
	const pool = new pg.Pool({ connectionString: parsed.connectionString, max: options.pgPoolSize ?? 10 });
	const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
	await migrateToLatest(db as Kysely<unknown>);
	return { db, kind: 'postgres', dataDir: null, close: () => db.destroy() };
}
