/**
 * Ingestion benchmark: `npx tsx bench/ingest.ts` (BENCH_SECONDS, BENCH_CONCURRENCY, BENCH_BATCH override).
 *
 * BENCH_SYNC=0 skips the SQLite throughput runs, BENCH_FLOOD=0 the flood, BENCH_PG=0 PostgreSQL.
 *
 * Starts the telemetry API in its own process (node:http around the same handlers as the app, rate limit
 * off) on 127.0.0.1, and drives it from this process with a fixed number of keep-alive connections, each
 * posting batches of 100 fresh events back to back for a bounded time. Prints events/s and request
 * latency percentiles for SQLite (synchronous=FULL and NORMAL) and, when the PostgreSQL binaries are
 * installed, for a throwaway PostgreSQL cluster with default (durable) settings. Goal on the 2-core
 * reference machine: >= 10,000 events/s with p99 < 100 ms on SQLite. Figures are printed, not asserted.
 *
 * Then a flood (BENCH_FLOOD_SECONDS, default 15): the server runs with its default limits; one client
 * posts full 512 KiB batches back to back from 127.0.0.1 (bounded in time, loopback only) while a second
 * client, from another address (127.0.0.2), sends a small batch every 200 ms. Prints the second
 * client's p99 latency (goal < 200 ms), how much the flooder sent and had accepted, and how much the
 * database grew against the per-client budget (RATE_LIMIT_BYTES_BURST + seconds × RATE_LIMIT_BYTES_PER_SEC).
 *
 * BENCH_BASELINE=<another checkout> runs that checkout's server too, alternating with this one on the same
 * databases' settings (base, new, base, new), so old and new are compared under the same load.
 *
 * Beside each figure: the 1-minute load average, and for the throughput runs the server process's CPU
 * time per event (from /proc), which other work on the machine does not change: 1e6 / that is the
 * events/s one idle core would reach. On PostgreSQL also its server processes' CPU per event: Node and
 * PostgreSQL share the cores, so their sum bounds the throughput.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { LIMIT_DEFAULTS } from '../src/lib/server/rate-limit';
import { BATCH_LIMITS } from '../src/lib/telemetry/schema';
import { FIXTURE_MODELS_DIR, mixedBatch } from '../tests/integration/telemetry/events';
import { postgresAvailable, startPostgres } from '../tests/integration/support/postgres';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const WARMUP_MS = 1000;

// One realistic batch as a template; each request swaps in fresh event ids so nothing is a duplicate.
const template = JSON.stringify({ events: mixedBatch(BATCH) });
const templateIds = [...template.matchAll(/"id":"([0-9a-f-]{36})"/g)].map((m) => m[1]);
const templateParts = template.split(/"id":"[0-9a-f-]{36}"/);
function freshBody(): string {
	let s = templateParts[0];
	for (let i = 1; i < templateParts.length; i++) s += `"id":"${randomUUID()}"` + templateParts[i];
	return s;
}

/** The server script of a checkout: this one, or BENCH_BASELINE's (another checkout, e.g. main) to compare. */
const serveScript = (root: string) => join(root, 'tests', 'integration', 'telemetry', 'fixtures', 'serve.ts');
const HERE = join(import.meta.dirname, '..');
const BASELINE = process.env.BENCH_BASELINE;

function startServer(
	env: Record<string, string>,
	root = HERE
): Promise<{ child: ChildProcess; url: string }> {
	const serve = serveScript(root);
	// Node with tsx as a loader (one process), so stopping it stops the server itself.
	const child = spawn(process.execPath, ['--import', 'tsx', serve], {
		env: {
			...process.env,
			// The throughput runs measure the database, not the limits: all off.
			RATE_LIMIT_PER_SEC: '0',
			RATE_LIMIT_BYTES_PER_SEC: '0',
			GLOBAL_RATE_LIMIT_PER_SEC: '0',
			GLOBAL_RATE_LIMIT_BYTES_PER_SEC: '0',
			EVENTS_PER_INSTALLATION_PER_DAY: '0',
			RATE_LIMIT_IN_FLIGHT: '0',
			MODELS_DIR: FIXTURE_MODELS_DIR,
			ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef',
			...env
		},
		stdio: ['ignore', 'pipe', 'inherit'],
		cwd: root
	});
	return new Promise((ok, fail) => {
		let out = '';
		child.stdout!.on('data', (d) => {
			out += d;
			const m = out.match(/LISTENING (\S+)/);
			if (m) ok({ child, url: m[1] });
		});
		child.on('exit', (code) => fail(new Error(`server exited with ${code}`)));
	});
}

function post(agent: Agent, url: URL, body: string, localAddress?: string): Promise<number> {
	return new Promise((ok, fail) => {
		const req = request(
			url,
			{
				method: 'POST',
				agent,
				localAddress,
				headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
			},
			(res) => {
				res.resume();
				res.on('end', () => ok(res.statusCode ?? 0));
			}
		);
		req.on('error', fail);
		req.end(body);
	});
}

interface Result {
	name: string;
	eventsPerSec: number;
	requests: number;
	p50: number;
	p99: number;
	max: number;
	errors: number;
	/** The server process's CPU time (user + system) per stored event, in µs: independent of the load. */
	cpuPerEvent: number | null;
	/** The server's main (event-loop) thread's share of cpuPerEvent: what one thread must do per event. */
	mainCpuPerEvent: number | null;
	/** cpuPerEvent by thread name (main, the batch parser's worker, libuv's pool, V8's helpers). */
	threads: [string, number][];
	/** PostgreSQL: its server processes' CPU time per stored event, in µs (they share the machine's cores). */
	dbCpuPerEvent: number | null;
	load: number;
}

/** Fields 3… of /proc/<pid>/stat (after the command name), or null when there is no such process. */
function statFields(pid: number | string | undefined): string[] | null {
	try {
		return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	} catch {
		return null;
	}
}

/** User + system CPU seconds of a process so far, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
	const fields = statFields(pid);
	// utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
	return fields && (Number(fields[11]) + Number(fields[12])) / 100;
}

/** User + system CPU seconds of each thread of a process so far, by thread name (the main thread's is `main`). */
function threadSeconds(pid: number | undefined): Map<string, number> | null {
	const out = new Map<string, number>();
	try {
		for (const tid of readdirSync(`/proc/${pid}/task`)) {
			const fields = statFields(`${pid}/task/${tid}`);
			if (!fields) continue;
			const name =
				String(tid) === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
			out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
		}
	} catch {
		return null;
	}
	return out;
}

/**
 * CPU seconds of a PostgreSQL cluster so far: its postmaster (with its exited children's, cutime and
 * cstime) and each live child (backends, WAL writer, checkpointer…), by pid. Null off Linux.
 */
function clusterCpu(port: number): Map<string, number> | null {
	let procs: string[];
	try {
		procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
	} catch {
		return null;
	}
	const postmaster = procs.find((p) => {
		try {
			const args = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
			return args[0].endsWith('/postgres') && args.includes(String(port));
		} catch {
			return false;
		}
	});
	if (!postmaster) return null;
	const out = new Map<string, number>();
	for (const p of procs) {
		const f = statFields(p);
		if (!f) continue;
		if (p === postmaster) out.set(p, (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100);
		else if (f[1] === postmaster) out.set(p, (Number(f[11]) + Number(f[12])) / 100);
	}
	return out;
}

function cpuBetween(from: Map<string, number> | null, to: Map<string, number> | null): number | null {
	if (!from || !to) return null;
	let s = 0;
	for (const [p, v] of to) s += v - (from.get(p) ?? 0);
	return s;
}

async function run(name: string, env: Record<string, string>, root = HERE, pgPort?: number): Promise<Result> {
	const { child, url } = await startServer(env, root);
	const exited = new Promise((ok) => child.on('exit', ok));
	const target = new URL('/api/v1/events', url);
	const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
	const latencies: number[] = [];
	let errors = 0;
	const start = performance.now();
	const measureFrom = start + WARMUP_MS;
	const end = measureFrom + SECONDS * 1000;
	let cpuFrom: number | null = null;
	let threadsFrom: Map<string, number> | null = null;
	let dbFrom: Map<string, number> | null = null;
	setTimeout(() => {
		cpuFrom = cpuSeconds(child.pid);
		threadsFrom = threadSeconds(child.pid);
		if (pgPort) dbFrom = clusterCpu(pgPort);
	}, WARMUP_MS);
	const worker = async () => {
		while (performance.now() < end) {
			const body = freshBody();
			const t0 = performance.now();
			const status = await post(agent, target, body);
			const t1 = performance.now();
			if (status !== 202) errors++;
			if (t0 >= measureFrom) latencies.push(t1 - t0);
		}
	};
	await Promise.all(Array.from({ length: CONCURRENCY }, worker));
	const elapsed = (performance.now() - measureFrom) / 1000;
	const cpuTo = cpuSeconds(child.pid);
	const threadsTo = threadSeconds(child.pid);
	const perEvent = (seconds: number) => (seconds * 1e6) / (latencies.length * BATCH);
	const threads: [string, number][] =
		threadsFrom && threadsTo
			? [...threadsTo].map(([n, v]): [string, number] => [n, perEvent(v - (threadsFrom!.get(n) ?? 0))])
			: [];
	const dbCpu = pgPort ? cpuBetween(dbFrom, clusterCpu(pgPort)) : null;
	const load = loadavg()[0];
	agent.destroy();
	child.kill('SIGTERM');
	await exited;
	latencies.sort((a, b) => a - b);
	const pct = (p: number) =>
		latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
	return {
		name,
		eventsPerSec: (latencies.length * BATCH) / elapsed,
		requests: latencies.length,
		p50: pct(50),
		p99: pct(99),
		max: latencies[latencies.length - 1],
		errors,
		cpuPerEvent:
			cpuFrom === null || cpuTo === null ? null : ((cpuTo - cpuFrom) * 1e6) / (latencies.length * BATCH),
		mainCpuPerEvent: threads.find(([n]) => n === 'main')?.[1] ?? null,
		threads: threads.filter(([, v]) => v >= 1).sort((a, b) => b[1] - a[1]),
		dbCpuPerEvent: dbCpu === null ? null : (dbCpu * 1e6) / (latencies.length * BATCH),
		load
	};
}

function print(r: Result): void {
	console.log(
		`${r.name.padEnd(22)} ${Math.round(r.eventsPerSec).toString().padStart(8)} events/s  ` +
			`p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  max ${r.max.toFixed(1).padStart(6)} ms  ` +
			`(${r.requests} requests, ${r.errors} errors)  ` +
			(r.cpuPerEvent === null
				? ''
				: `server CPU ${r.cpuPerEvent.toFixed(0)} µs/event (${r.threads.map(([n, v]) => `${n} ${v.toFixed(0)}`).join(', ')}) = ${Math.round(1e6 / r.cpuPerEvent)} events/s on one idle core  `) +
			(r.dbCpuPerEvent === null
				? ''
				: `PostgreSQL CPU ${r.dbCpuPerEvent.toFixed(0)} µs/event (total ${(r.dbCpuPerEvent + (r.cpuPerEvent ?? 0)).toFixed(0)})  `) +
			`load ${r.load.toFixed(1)}`
	);
}

function dirBytes(dir: string): number {
	return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

/** The flood run: default limits, one flooder, one honest client; see the header comment. */
async function flood(dir: string): Promise<void> {
	const seconds = Number(process.env.BENCH_FLOOD_SECONDS ?? 15);
	const dbDir = join(dir, 'flood');
	const { child, url } = await startServer({
		DATABASE_URL: `sqlite:${join(dbDir, 'redline.db')}`,
		// The limits under test at their defaults; the request limit too, per client.
		RATE_LIMIT_PER_SEC: '',
		RATE_LIMIT_BYTES_PER_SEC: '',
		GLOBAL_RATE_LIMIT_PER_SEC: '',
		GLOBAL_RATE_LIMIT_BYTES_PER_SEC: '',
		EVENTS_PER_INSTALLATION_PER_DAY: '',
		RATE_LIMIT_IN_FLIGHT: ''
	});
	const exited = new Promise((ok) => child.on('exit', ok));
	const target = new URL('/api/v1/events', url);
	const before = dirBytes(dbDir);
	// As many events as fit in one 512 KiB batch, the largest the server takes.
	let n: number = BATCH_LIMITS.maxEvents;
	while (JSON.stringify({ events: mixedBatch(n) }).length > BATCH_LIMITS.maxBytes) n -= 10;
	const big = JSON.stringify({ events: mixedBatch(n) });
	// One unmeasured batch first: the server's first request is slow with or without a flood (code not yet
	// optimised, the installation's daily count seeded), which is not what this measures.
	const warm = new Agent({ keepAlive: false });
	await post(warm, target, JSON.stringify({ events: mixedBatch(5) }), '127.0.0.3');
	warm.destroy();
	const end = performance.now() + seconds * 1000;
	let sent = 0;
	let acceptedBytes = 0;
	const statuses = new Map<number, number>();
	// BENCH_FLOOD_CLIENTS=0 measures the honest client alone: the machine's own noise floor.
	const flooders = Array.from({ length: Number(process.env.BENCH_FLOOD_CLIENTS ?? 4) }, async () => {
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		while (performance.now() < end) {
			const body = big.replace(/"id":"[0-9a-f-]{36}"/g, () => `"id":"${randomUUID()}"`);
			// A refusal sent before the body was read closes the connection under the rest of the upload.
			const status = await post(agent, target, body, '127.0.0.1').catch((e: NodeJS.ErrnoException) => {
				if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return 0;
				throw e;
			});
			sent += body.length;
			if (status === 202) acceptedBytes += body.length;
			statuses.set(status, (statuses.get(status) ?? 0) + 1);
		}
		agent.destroy();
	});
	const honest = (async () => {
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		const latencies: number[] = [];
		const slowest: [number, number][] = [];
		const started = performance.now();
		let refused = 0;
		while (performance.now() < end) {
			const t0 = performance.now();
			const status = await post(agent, target, JSON.stringify({ events: mixedBatch(5) }), '127.0.0.2');
			latencies.push(performance.now() - t0);
			slowest.push([t0 - started, performance.now() - t0]);
			if (status !== 202) refused++;
			await new Promise((r) => setTimeout(r, 200));
		}
		agent.destroy();
		slowest.sort((a, b) => b[1] - a[1]);
		return { latencies: latencies.sort((a, b) => a - b), refused, slowest: slowest.slice(0, 3) };
	})();
	let h: Awaited<typeof honest>;
	try {
		await Promise.all(flooders);
		h = await honest;
	} finally {
		child.kill('SIGTERM');
		await exited;
	}
	const grewWithWal = dirBytes(dbDir) - before;
	// The WAL holds page copies until a checkpoint; what stays is the database file after one.
	const db = new DatabaseSync(join(dbDir, 'redline.db'));
	db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
	db.close();
	const grew = dirBytes(dbDir) - before;
	const budget = LIMIT_DEFAULTS.RATE_LIMIT_BYTES_BURST + seconds * LIMIT_DEFAULTS.RATE_LIMIT_BYTES_PER_SEC;
	const mb = (b: number) => (b / 1e6).toFixed(1);
	const p99 = h.latencies[Math.min(h.latencies.length - 1, Math.floor(0.99 * h.latencies.length))];
	console.log(
		`flood ${seconds} s: flooder sent ${mb(sent)} MB, ${mb(acceptedBytes)} MB accepted ` +
			`(statuses ${JSON.stringify(Object.fromEntries(statuses))}, 0 = connection closed after a refusal); per-client budget ${mb(budget)} MB; ` +
			`database grew ${mb(grew)} MB after a checkpoint (${mb(grewWithWal)} MB with the WAL)`
	);
	console.log(
		`flood: second client ${h.latencies.length} requests, p50 ${h.latencies[Math.floor(h.latencies.length / 2)].toFixed(1)} ms, ` +
			`p99 ${p99.toFixed(1)} ms (goal < 200 ms), ${h.refused} refused, load ${loadavg()[0].toFixed(1)}; ` +
			`slowest ${h.slowest.map(([at, ms]) => `${ms.toFixed(0)} ms at ${(at / 1000).toFixed(1)} s`).join(', ')}`
	);
}

console.log(
	`ingest bench: ${SECONDS} s per database after ${WARMUP_MS} ms warm-up, ${CONCURRENCY} connections, ` +
		`batches of ${BATCH} (${templateIds.length} ids, ${(template.length / 1024).toFixed(0)} KiB per request), ` +
		`load average ${loadavg()[0].toFixed(1)} (other work on the machine skews the figures)`
);
const dir = mkdtempSync(join(tmpdir(), 'redline-bench-'));
try {
	if (process.env.BENCH_FLOOD !== '0') await flood(dir);
	// With BENCH_BASELINE, each database runs the baseline's server, then this one, then both again,
	// so that both see the same machine; ratios of events/s and CPU per event compare them.
	const servers: [string, string][] = BASELINE
		? [
				['base', BASELINE],
				['new', HERE],
				['base', BASELINE],
				['new', HERE]
			]
		: [['', HERE]];
	const label = (name: string, tag: string) => (tag ? `${name} [${tag}]` : name);
	for (const sync of (process.env.BENCH_SYNC ?? 'FULL,NORMAL').split(',').filter((s) => s && s !== '0')) {
		for (const [i, [tag, root]] of servers.entries())
			print(
				await run(
					label(`sqlite synchronous=${sync}`, tag),
					{ DATABASE_URL: `sqlite:${join(dir, `${sync}-${i}.db`)}`, SQLITE_SYNCHRONOUS: sync },
					root
				)
			);
	}
	if (process.env.BENCH_PG === '0') {
		console.log('postgresql             skipped: BENCH_PG=0');
	} else if (postgresAvailable()) {
		const pg = await startPostgres();
		try {
			for (const [i, [tag, root]] of servers.entries())
				print(
					await run(
						label('postgresql', tag),
						{ DATABASE_URL: await pg.createDatabase(`bench${i}`) },
						root,
						pg.port
					)
				);
		} finally {
			await pg.stop();
		}
	} else {
		console.log('postgresql             skipped: no PostgreSQL binaries (set PG_BIN)');
	}
} finally {
	rmSync(dir, { recursive: true, force: true });
}
