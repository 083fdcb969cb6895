/** The two databases every endpoint test runs against: a temp SQLite file and a throwaway PostgreSQL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../support/postgres';

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
