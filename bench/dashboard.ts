/**
 * Dashboard benchmark: `npm run bench -- dashboard` (BENCH_DASH_INSTALLATIONS, BENCH_DASH_DAYS,
 * BENCH_DASH_CORRECTIONS override the size; BENCH_DASH_PG=0 skips PostgreSQL).
 *
 * Generates telemetry with bench/dashboard-data.ts (two model versions, the newer with a planted
 * regression; transcription, correction, session_summary, rating and outcome events) and stores it
 * with loadGenerated (the event rows ingestion stores, the rollups built in memory by the same
 * contribution code and written once: rollup.test.ts checks they equal ingestion's), or with
 * BENCH_DASH_INGEST=1 through ingest.ts insertBatch — the endpoint's own code — in large transactions
 * (about 37 minutes on PostgreSQL at full size; never over HTTP, which bench/ingest.ts measures);
 * then times every endpoint the dashboard
 * page calls through the same handlers the app uses (api.ts getDashboard; and /api/v1/health) on
 * SQLite and on a throwaway PostgreSQL cluster, BENCH_DASH_REPEAT times each (p50 and max).
 * Goal: < 500 ms each. Prints generation time and database size, and beside each p50 this process's
 * CPU time per request (on SQLite all the work, the queries included; on PostgreSQL without the
 * server's), which other work on the machine changes less than the wall time; the first request of each
 * endpoint on its own too (later ones reuse the bootstraps of unchanged data, dashboard/memo.ts).
 * BENCH_DASH_REUSE=<sqlite file or postgres:// URL> times the endpoints on a database an earlier run
 * filled (no generation);
 * BENCH_DASH_KEEP=<sqlite file or postgres:// URL of an empty database> fills that one and keeps it
 * for such runs. BENCH_DASH_SQLITE=0 skips SQLite. Each endpoint is then timed live too (BENCH_DASH_LIVE=0
 * skips it; on a reused database it runs only with BENCH_DASH_LIVE=1, as it adds events): before each
 * request a few new events are ingested, so nothing cached can answer.
 * Prints figures; asserts nothing.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { createApi } from '../src/lib/server/api';
import { openDatabase, type OpenDatabase } from '../src/lib/server/db/open';
import { postgresAvailable, startPostgres } from '../tests/integration/support/postgres';
import { ingestGenerated, loadGenerated, SMALL, type GenerateOptions } from './dashboard-data';

const INSTALLATIONS = Number(process.env.BENCH_DASH_INSTALLATIONS ?? 5000);
const DAYS = Number(process.env.BENCH_DASH_DAYS ?? 90);
/** Target number of correction events; sets the corrections per transcript. */
const CORRECTIONS = Number(process.env.BENCH_DASH_CORRECTIONS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_DASH_REPEAT ?? 5);
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

let livePass = 0;

const SECTIONS: [string, string][] = [
	['versions', 'versions?days=90'],
	['versions (30 days)', 'versions?days=30'],
	[
		'compare',
		`compare?days=90&a=${encodeURIComponent('moonshine-tiny-en@1.1.0:aaaaaaaaaaaa:default')}&b=${encodeURIComponent('moonshine-tiny-en@1.2.0:bbbbbbbbbbbb:candidate')}`
	],
	['speed', 'speed?days=90'],
	['health', 'health'],
	['/api/v1/health', '']
];

/**
 * `live`: before each request, a few new events (two new installations, one on each version, their
 * last day) go in through insertBatch, so every request sees data it has not seen: no window sums or
 * bootstrap can be reused, as on a dashboard open while telemetry arrives.
 */
async function timeEndpoints(database: OpenDatabase, label: string, live = false) {
	const api = createApi({
		db: database.db,
		adminToken: ADMIN,
		limiter: null,
		knownModels: async () => new Set(),
		dbKind: database.kind,
		now: () => NOW
	});
	await sql`analyze`.execute(database.db);
	for (const [name, path] of SECTIONS) {
		const section = path.split('?')[0];
		const times: number[] = [];
		const cpu: number[] = [];
		let status = 0;
		for (let i = 0; i < REPEAT; i++) {
			if (live)
				await ingestGenerated(database.db, {
					...options,
					installations: 2,
					days: 1,
					activity: 1,
					correctionsPerTranscript: 3,
					seed: 7_000 + livePass++
				});
			const t = performance.now();
			const c = process.cpuUsage();
			const res = path
				? await api.getDashboard(
						new Request(`http://localhost/api/v1/admin/dashboard/${path}`, {
							headers: { authorization: `Bearer ${ADMIN}` }
						}),
						'127.0.0.1',
						section
					)
				: await api.getHealth(new Request('http://localhost/api/v1/health'), '127.0.0.1');
			await res.text();
			status = res.status;
			times.push(performance.now() - t);
			const used = process.cpuUsage(c);
			cpu.push((used.user + used.system) / 1000);
		}
		// The first request computes everything; later ones of the same data reuse its bootstraps
		// (dashboard/memo.ts), so the first is printed on its own (not in a live pass: none reuses).
		const first = live ? '' : `first ${times[0].toFixed(0)} ms (CPU ${cpu[0].toFixed(0)}), `;
		times.sort((a, b) => a - b);
		cpu.sort((a, b) => a - b);
		const p50 = (xs: number[]) => xs[Math.floor(xs.length / 2)].toFixed(0);
		console.log(
			`  ${label} ${name.padEnd(20)} ${live ? 'live:' : `HTTP ${status} `} ${first}p50 ${p50(times)} ms, ` +
				`max ${times[times.length - 1].toFixed(0)} ms, this process's CPU p50 ${p50(cpu)} ms ` +
				`(${REPEAT} requests${live ? ', each after new events' : ''}, load ${loadavg()[0].toFixed(1)})`
		);
	}
}

async function sizeOf(database: OpenDatabase, dir: string | null): Promise<string> {
	if (database.kind === 'postgres') {
		const r = await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(database.db);
		return `${(Number(r.rows[0].n) / 1e6).toFixed(0)} MB`;
	}
	await sql`pragma wal_checkpoint(TRUNCATE)`.execute(database.db);
	const bytes = readdirSync(dir!).reduce((s, f) => s + statSync(join(dir!, f)).size, 0);
	return `${(bytes / 1e6).toFixed(0)} MB`;
}

async function run(url: string, label: string, dir: string | null) {
	const database = await openDatabase(url);
	try {
		const t0 = performance.now();
		const load0 = loadavg()[0];
		const ingest = process.env.BENCH_DASH_INGEST === '1';
		const ins: Awaited<ReturnType<typeof ingestGenerated>> & { insertMs?: number; rollupMs?: number } =
			await (ingest ? ingestGenerated : loadGenerated)(database.db, options);
		const ms = performance.now() - t0;
		console.log(
			`  ${label}: stored ${ins.accepted.toLocaleString('en')} events ${ingest ? 'through insertBatch' : 'in bulk (loadGenerated)'} in ${(ms / 1000).toFixed(1)} s ` +
				`(${Math.round(ins.accepted / (ms / 1000)).toLocaleString('en')} events/s, load ${load0.toFixed(1)}→${loadavg()[0].toFixed(1)}; ` +
				`${ins.insertMs !== undefined ? `inserts ${(ins.insertMs / 1000).toFixed(1)} s, rollups written in ${((ins.rollupMs ?? 0) / 1000).toFixed(1)} s; ` : ''}` +
				`${Object.entries(ins.byType)
					.map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
					.join(', ')}); database ${await sizeOf(database, dir)}`
		);
		await timeEndpoints(database, label);
		if (process.env.BENCH_DASH_LIVE !== '0') await timeEndpoints(database, label, true);
	} finally {
		await database.close();
	}
}

const reuse = process.env.BENCH_DASH_REUSE;
console.log(
	`Dashboard bench: ${reuse ? `reusing ${reuse}` : `${INSTALLATIONS} installations, ${DAYS} days, ~${CORRECTIONS.toLocaleString('en')} corrections, two versions`}, ` +
		`load average ${loadavg()
			.map((x) => x.toFixed(2))
			.join(' ')}`
);
if (reuse) {
	const pg = reuse.startsWith('postgres');
	const database = await openDatabase(pg ? reuse : `sqlite:${reuse}`);
	await timeEndpoints(database, pg ? 'PostgreSQL (reused)' : 'SQLite (reused)');
	// Off by default here: it adds events to a database kept for comparisons.
	if (process.env.BENCH_DASH_LIVE === '1')
		await timeEndpoints(database, pg ? 'PostgreSQL (reused)' : 'SQLite (reused)', true);
	await database.close();
	process.exit(0);
}
const keep = process.env.BENCH_DASH_KEEP;
if (keep?.startsWith('postgres')) {
	await run(keep, 'PostgreSQL (kept)', null);
	process.exit(0);
}
if (process.env.BENCH_DASH_SQLITE === '0') console.log('  SQLite: skipped');
else if (keep) await run(`sqlite:${keep}`, 'SQLite', dirname(keep));
else {
	const dir = mkdtempSync(join(tmpdir(), 'redline-dash-bench-'));
	try {
		await run(`sqlite:${join(dir, 'bench.db')}`, 'SQLite', dir);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
if (process.env.BENCH_DASH_PG !== '0' && postgresAvailable()) {
	const pg = await startPostgres();
	try {
		await run(await pg.createDatabase('dash'), 'PostgreSQL', null);
	} finally {
		await pg.stop();
	}
} else console.log('  PostgreSQL: skipped');
