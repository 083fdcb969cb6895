/**
 * Ingestion benchmark: `npx tsx bench/ingest.ts` (BENCH_SECONDS, BENCH_CONCURRENCY, BENCH_BATCH override).
 *
 * Starts the telemetry API in its own process (node:http around the same handlers as the app, rate limit
 * off) on 127.0.0.1, and drives it from this process with a fixed number of keep-alive connections, each
 * posting batches of 100 fresh events back to back for a bounded time. Prints events/s and request
 * latency percentiles for SQLite (synchronous=FULL and NORMAL) and, when the PostgreSQL binaries are
 * installed, for a throwaway PostgreSQL cluster with default (durable) settings. Goal on the 2-core
 * reference machine: >= 10,000 events/s with p99 < 100 ms on SQLite. Figures are printed, not asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mixedBatch } from '../tests/integration/telemetry/events';
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

function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
	const serve = join(import.meta.dirname, '..', 'tests', 'integration', 'telemetry', 'fixtures', 'serve.ts');
	// Node with tsx as a loader (one process), so stopping it stops the server itself.
	const child = spawn(process.execPath, ['--import', 'tsx', serve], {
		env: { ...process.env, RATE_LIMIT_PER_SEC: '0', ADMIN_TOKEN: 'bench', ...env },
		stdio: ['ignore', 'pipe', 'inherit']
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

function post(agent: Agent, url: URL, body: string): Promise<number> {
	return new Promise((ok, fail) => {
		const req = request(
			url,
			{
				method: 'POST',
				agent,
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
}

async function run(name: string, env: Record<string, string>): Promise<Result> {
	const { child, url } = await startServer(env);
	const exited = new Promise((ok) => child.on('exit', ok));
	const target = new URL('/api/v1/events', url);
	const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
	const latencies: number[] = [];
	let errors = 0;
	const start = performance.now();
	const measureFrom = start + WARMUP_MS;
	const end = measureFrom + SECONDS * 1000;
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
		errors
	};
}

function print(r: Result): void {
	console.log(
		`${r.name.padEnd(22)} ${Math.round(r.eventsPerSec).toString().padStart(8)} events/s  ` +
			`p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  max ${r.max.toFixed(1).padStart(6)} ms  ` +
			`(${r.requests} requests, ${r.errors} errors)`
	);
}

console.log(
	`ingest bench: ${SECONDS} s per database after ${WARMUP_MS} ms warm-up, ${CONCURRENCY} connections, ` +
		`batches of ${BATCH} (${templateIds.length} ids, ${(template.length / 1024).toFixed(0)} KiB per request), ` +
		`load average ${loadavg()[0].toFixed(1)} (other work on the machine skews the figures)`
);
const dir = mkdtempSync(join(tmpdir(), 'redline-bench-'));
try {
	for (const sync of (process.env.BENCH_SYNC ?? 'FULL,NORMAL').split(',')) {
		print(
			await run(`sqlite synchronous=${sync}`, {
				DATABASE_URL: `sqlite:${join(dir, `${sync}.db`)}`,
				SQLITE_SYNCHRONOUS: sync
			})
		);
	}
	if (process.env.BENCH_PG === '0') {
		console.log('postgresql             skipped: BENCH_PG=0');
	} else if (postgresAvailable()) {
		const pg = await startPostgres();
		try {
			print(await run('postgresql', { DATABASE_URL: await pg.createDatabase('bench') }));
		} finally {
			await pg.stop();
		}
	} else {
		console.log('postgresql             skipped: no PostgreSQL binaries (set PG_BIN)');
	}
} finally {
	rmSync(dir, { recursive: true, force: true });
}
