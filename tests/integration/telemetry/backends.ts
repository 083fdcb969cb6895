/** The two databases every endpoint test runs against: a temp SQLite file and a throwaway PostgreSQL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi, type Api } from '../../../src/lib/server/api';
import type { OpenDatabase } from '../../../src/lib/server/db/open';
import { storeFor } from '../../../src/lib/server/ingest';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { knownModels } from './events';

/** Makes fresh, empty databases of one kind. */
export interface Backend {
	name: 'sqlite' | 'postgres';
	start(): Promise<void>;
	/** URL of a new empty database. */
	newDatabase(): Promise<string>;
	stop(): Promise<void>;
}

function sqlite(): Backend {
	let dir = '';
	let n = 0;
	return {
		name: 'sqlite',
		async start() {
			dir = mkdtempSync(join(tmpdir(), 'redline-sqlite-'));
		},
		async newDatabase() {
			return `sqlite:${join(dir, `db${n++}`, 'redline.db')}`;
		},
		async stop() {
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

function postgres(): Backend {
	let cluster: TestPostgres | null = null;
	let n = 0;
	return {
		name: 'postgres',
		async start() {
			cluster = await startPostgres({ fast: true });
		},
		async newDatabase() {
			return cluster!.createDatabase(`test_${n++}`);
		},
		async stop() {
			await cluster?.stop();
		}
	};
}

/** Both backends, fresh per test file. */
export function backends(): Backend[] {
	return [sqlite(), postgres()];
}

/** The API over one test database, accepting model(1) to model(3), unlimited, on the test's clock. */
export function clockedApi(database: OpenDatabase, adminToken: string, now: () => Date): Api {
	return createApi({
		db: database.db,
		adminToken,
		limiter: null,
		knownModels,
		store: storeFor(database.db),
		now
	});
}
