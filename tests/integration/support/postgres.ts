/**
 * A throwaway PostgreSQL cluster for tests and the benchmark: Debian's postgresql-15 binaries, a fresh
 * data directory under /tmp, trust auth for the user `redline`, listening on 127.0.0.1 at a free port.
 * As root the binaries run as the `postgres` user (PostgreSQL refuses to run as root); otherwise
 * directly. stop() shuts it down and deletes the directory; an exit hook does the same if a test run
 * dies first.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where Debian puts the server binaries; PG_BIN overrides. */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A running throwaway cluster. */
export interface TestPostgres {
	port: number;
	/** Connection URL of a database in this cluster (default: the `postgres` database). */
	url(database?: string): string;
	/** Creates an empty database and returns its URL. */
	createDatabase(name: string): Promise<string>;
	stop(): Promise<void>;
}

/** Options for the throwaway cluster. */
export interface StartOptions {
	/** fsync=off etc.: faster for correctness tests; leave false when measuring. */
	fast?: boolean;
	/** More server settings (`-c name=value …`), e.g. to preload pg_stat_statements while profiling. */
	settings?: string;
}

/** Whether the PostgreSQL binaries are installed (tests fail loudly when not; the bench skips). */
export function postgresAvailable(): boolean {
	return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));
}

function freePort(): Promise<number> {
	return new Promise((ok, fail) => {
		const s = createServer();
		s.on('error', fail);
		s.listen(0, '127.0.0.1', () => {
			const a = s.address();
			s.close(() => (a && typeof a === 'object' ? ok(a.port) : fail(new Error('no port'))));
		});
	});
}

function shellQuote(s: string): string {
	return `'${s.replace(/'/g, `'\\''`)}'`;
}

function run(args: string[]): void {
	if (userInfo().uid === 0) {
		execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', args.map(shellQuote).join(' ')], {
			stdio: 'pipe'
		});
	} else {
		execFileSync(args[0], args.slice(1), { stdio: 'pipe' });
	}
}

/** Starts a new cluster; always pair with stop(). */
export async function startPostgres(options: StartOptions = {}): Promise<TestPostgres> {
	const dir = mkdtempSync('/tmp/redline-pg-');
	if (userInfo().uid === 0) {
		const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
		const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
		chownSync(dir, uid, gid);
	}
	const data = join(dir, 'data');
	const port = await freePort();
	let stopped = false;
	const stopSync = () => {
		if (stopped) return;
		stopped = true;
		try {
			run([join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
		} catch {
			// not running (start failed): only the directory is left to remove
		}
		rmSync(dir, { recursive: true, force: true });
	};
	process.once('exit', stopSync);
	try {
		run([
			join(PG_BIN, 'initdb'),
			'-D',
			data,
			'-A',
			'trust',
			'-U',
			'redline',
			'-E',
			'UTF8',
			'--no-instructions'
		]);
		const fast =
			(options.fast ? ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off' : '') +
			(options.settings ? ` ${options.settings}` : '');
		run([
			join(PG_BIN, 'pg_ctl'),
			'-D',
			data,
			'-l',
			join(dir, 'log'),
			'-o',
			`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=50${fast}`,
			'-w',
			'start'
		]);
	} catch (e) {
		stopSync();
		const err = e as { stderr?: Buffer; message: string };
		throw new Error(`could not start PostgreSQL: ${err.stderr?.toString() || err.message}`, { cause: e });
	}
	const url = (database = 'postgres') => `postgres://redline@127.0.0.1:${port}/${database}`;
	return {
		port,
		url,
		async createDatabase(name) {
			if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
			const client = new pg.Client({ connectionString: url() });
			await client.connect();
			try {
				await client.query(`CREATE DATABASE ${name}`);
			} finally {
				await client.end();
			}
			return url(name);
		},
		async stop() {
			stopSync();
			process.removeListener('exit', stopSync);
		}
	};
}
