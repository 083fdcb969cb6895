/**
 * Dashboard benchmark: `npm run bench -- dashboard` (BENCH_DASH_INSTALLATIONS, BENCH_DASH_DAYS,
 * BENCH_DASH_CORRECTIONS override the size; BENCH_DASH_PG=0 skips PostgreSQL).
 *
 * Generates telemetry with bench/dashboard-data.ts (two model versions, the newer with a planted
 * regression; transcription, correction, session_summary, rating and outcome events), bulk-inserts
 * the stored rows (multi-row INSERTs in large transactions; not through the endpoint, which
 * bench/ingest.ts measures), then times every dashboard endpoint through the same handlers the app
 * uses (api.ts getDashboard) on SQLite and on a throwaway PostgreSQL cluster. Goal: < 500 ms each.
 * BENCH_DASH_REUSE=<sqlite file> times the endpoints on a database an earlier run filled (no generation).
 * Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { createApi } from '../src/lib/server/api';
import { openDatabase, type OpenDatabase } from '../src/lib/server/db/open';
import type { Database, EventsTable } from '../src/lib/server/db/tables';
import { postgresAvailable, startPostgres } from '../tests/integration/support/postgres';
import { generateRows, SMALL, type GenerateOptions } from './dashboard-data';

const INSTALLATIONS = Number(process.env.BENCH_DASH_INSTALLATIONS ?? 5000);
const DAYS = Number(process.env.BENCH_DASH_DAYS ?? 90);
/** Target number of correction events; sets the corrections per transcript. */
const CORRECTIONS = Number(process.env.BENCH_DASH_CORRECTIONS ?? 200_000);
const ADMIN = 'bench-admin-token-0123456789abcdef0123';
const NOW = new Date('2026-12-01T12:00:00Z');
const ACTIVITY = 0.5;

const options: GenerateOptions = {
	...SMALL,
	installations: INSTALLATIONS,
	days: DAYS,
	activity: ACTIVITY,
	// About 0.99 of transcripts finish (failures stop them) and the last day is partial.
	correctionsPerTranscript: CORRECTIONS / (INSTALLATIONS * DAYS * ACTIVITY * 0.98),
	now: NOW,
	baseline: { id: 'moonshine-tiny-en', version: '1.1.0', sha256: 'a'.repeat(64) },
	candidate: { id: 'moonshine-tiny-en', version: '1.2.0', sha256: 'b'.repeat(64) },
	outageHours: 0
};

const COLUMNS = 24;
async function insertAll(
	db: Kysely<Database>
): Promise<{ rows: number; byType: Record<string, number>; ms: number }> {
	const t0 = performance.now();
	const perStatement = Math.floor(30_000 / COLUMNS);
	let batch: EventsTable[] = [];
	let rows = 0;
	const byType: Record<string, number> = {};
	let trx = await db.startTransaction().execute();
	const flush = async () => {
		if (batch.length === 0) return;
		await trx.insertInto('events').values(batch).execute();
		rows += batch.length;
		batch = [];
		if (rows % 100_000 < perStatement) {
			await trx.commit().execute();
			trx = await db.startTransaction().execute();
		}
	};
	for (const r of generateRows(options)) {
		byType[r.type] = (byType[r.type] ?? 0) + 1;
		batch.push(r);
		if (batch.length >= perStatement) await flush();
	}
	await flush();
	await trx.commit().execute();
	return { rows, byType, ms: performance.now() - t0 };
}

const SECTIONS: [string, string][] = [
	['versions', 'versions?days=90'],
	['versions (30 days)', 'versions?days=30'],
	[
		'compare',
		`compare?days=90&a=${encodeURIComponent('moonshine-tiny-en@1.1.0:aaaaaaaaaaaa:default')}&b=${encodeURIComponent('moonshine-tiny-en@1.2.0:bbbbbbbbbbbb:candidate')}`
	],
	['speed', 'speed?days=90'],
	['health', 'health']
];

async function timeEndpoints(database: OpenDatabase, label: string) {
	const api = createApi({
		db: database.db,
		adminToken: ADMIN,
		limiter: null,
		knownModels: async () => new Set(),
		dbKind: database.kind,
		now: () => NOW
	});
	if (database.kind === 'postgres') await sql`analyze events`.execute(database.db);
	else await sql`analyze`.execute(database.db);
	for (const [name, path] of SECTIONS) {
		const section = path.split('?')[0];
		const times: number[] = [];
		let status = 0;
		for (let i = 0; i < 3; i++) {
			const t = performance.now();
			const res = await api.getDashboard(
				new Request(`http://localhost/api/v1/admin/dashboard/${path}`, {
					headers: { authorization: `Bearer ${ADMIN}` }
				}),
				'127.0.0.1',
				section
			);
			await res.text();
			status = res.status;
			times.push(performance.now() - t);
		}
		times.sort((a, b) => a - b);
		console.log(
			`  ${label} ${name.padEnd(20)} HTTP ${status}  best ${times[0].toFixed(0)} ms, median ${times[1].toFixed(0)} ms`
		);
	}
}

async function run(url: string, label: string) {
	const database = await openDatabase(url);
	try {
		const ins = await insertAll(database.db);
		console.log(
			`  ${label}: inserted ${ins.rows.toLocaleString('en')} events in ${(ins.ms / 1000).toFixed(1)} s (${Object.entries(
				ins.byType
			)
				.map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
				.join(', ')})`
		);
		await timeEndpoints(database, label);
	} finally {
		await database.close();
	}
}

console.log(
	`Dashboard bench: ${INSTALLATIONS} installations, ${DAYS} days, ~${CORRECTIONS.toLocaleString('en')} corrections, two versions`
);
const reuse = process.env.BENCH_DASH_REUSE;
if (reuse) {
	const database = await openDatabase(`sqlite:${reuse}`);
	await timeEndpoints(database, 'SQLite (reused)');
	await database.close();
	process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'redline-dash-bench-'));
try {
	await run(`sqlite:${join(dir, 'bench.db')}`, 'SQLite');
} finally {
	rmSync(dir, { recursive: true, force: true });
}
if (process.env.BENCH_DASH_PG !== '0' && postgresAvailable()) {
	const pg = await startPostgres();
	try {
		await run(await pg.createDatabase('dash'), 'PostgreSQL');
	} finally {
		await pg.stop();
	}
} else console.log('  PostgreSQL: skipped');
