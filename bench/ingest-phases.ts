/**
 * Where ingestion's CPU goes: `npx tsx bench/ingest-phases.ts` (BENCH_BATCHES, BENCH_BATCH, BENCH_GROUP,
 * BENCH_PG=0).
 *
 * Runs the server's own functions on batches of the ingest bench (mixedBatch, fresh ids each), in this
 * process, BENCH_GROUP batches (default 4) per transaction as the group commit stores them, and
 * charges this process's CPU time (process.cpuUsage: user + system, what other work on the machine
 * does not change) to each phase: decoding and JSON.parse, validation,
 * the tombstone lookup, building rows, the event insert, the rollup deltas, the rejection counters and
 * the commit. Prints µs per event for each, on SQLite (synchronous=FULL, a file) and on a throwaway
 * PostgreSQL cluster, with the load average. The HTTP layer is not in it; bench/ingest.ts measures the
 * whole server, this only splits its work.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type OpenDatabase } from '../src/lib/server/db/open';
import {
	countRejections,
	deletedInstallations,
	eventRow,
	insertEventRows,
	jsonMayContainNul,
	validateEvents
} from '../src/lib/server/ingest';
import { addToRollups } from '../src/lib/server/rollup';
import { batchEnvelopeSchema, type TelemetryEvent } from '../src/lib/telemetry/schema';
import { knownModels, mixedBatch } from '../tests/integration/telemetry/events';
import { postgresAvailable, startPostgres } from '../tests/integration/support/postgres';

const BATCHES = Number(process.env.BENCH_BATCHES ?? 300);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const WARMUP = 32;
/** Batches per transaction (BENCH_GROUP): what the server's group commit forms from 4 connections. */
const GROUP = Number(process.env.BENCH_GROUP ?? 4);

const PHASES = [
	'parse',
	'validate',
	'tombstones',
	'rows',
	'insert',
	'rollups',
	'rejections',
	'commit'
] as const;
type Phase = (typeof PHASES)[number];

const template = JSON.stringify({ events: mixedBatch(BATCH) });
const parts = template.split(/"id":"[0-9a-f-]{36}"/);
function freshBody(): Uint8Array {
	let s = parts[0];
	for (let i = 1; i < parts.length; i++) s += `"id":"${randomUUID()}"` + parts[i];
	return new TextEncoder().encode(s);
}

function cpu(): number {
	const u = process.cpuUsage();
	return u.user + u.system;
}

async function measure(name: string, database: OpenDatabase): Promise<void> {
	const { db } = database;
	const known = await knownModels();
	const spent = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
	let events = 0;
	for (let b = 0; b < WARMUP + BATCHES; b += GROUP) {
		const counting = b >= WARMUP;
		let t = cpu();
		const lap = (p: Phase) => {
			const now = cpu();
			if (counting) spent[p] += now - t;
			t = now;
		};
		// GROUP batches, each parsed and validated alone, then stored in one transaction as the server's
		// group commit does when that many requests wait (the ingest bench's 4 connections).
		const now = new Date();
		const valid: TelemetryEvent[] = [];
		for (let g = 0; g < GROUP; g++) {
			const text = new TextDecoder('utf-8', { fatal: true }).decode(freshBody());
			const raw = batchEnvelopeSchema.parse(JSON.parse(text)).events;
			lap('parse');
			valid.push(
				...validateEvents(raw, {
					receivedAt: now,
					knownModels: known,
					mayContainNul: jsonMayContainNul(text)
				}).valid
			);
			lap('validate');
		}
		await db.transaction().execute(async (tx) => {
			// The server's own check (fixed text, an array on PostgreSQL), with the transaction's BEGIN.
			await deletedInstallations(tx, valid, now);
			lap('tombstones');
			const receivedAt = now.toISOString();
			const rows = valid.map((e) => eventRow(e, receivedAt));
			lap('rows');
			const { inserted } = await insertEventRows(tx, rows);
			lap('insert');
			const byId = new Map(valid.map((e) => [e.id, e]));
			await addToRollups(
				tx,
				inserted.map((row) => ({ row, event: byId.get(row.id)! }))
			);
			lap('rollups');
			await countRejections(tx, [], now);
			lap('rejections');
		});
		lap('commit');
		if (counting) events += valid.length;
	}
	const total = PHASES.reduce((s, p) => s + spent[p], 0);
	const us = (v: number) => (v / events).toFixed(1).padStart(6);
	console.log(
		`${name.padEnd(12)} total ${us(total)} µs/event  ` +
			PHASES.map((p) => `${p} ${us(spent[p]).trim()}`).join('  ') +
			`  (${events} events, load ${loadavg()[0].toFixed(1)})`
	);
}

console.log(
	`ingest phases: ${BATCHES} batches of ${BATCH} after ${WARMUP} warm-up batches, ${GROUP} per transaction, ` +
		`CPU µs per stored event, ` +
		`load average ${loadavg()[0].toFixed(1)}`
);
const dir = mkdtempSync(join(tmpdir(), 'redline-phases-'));
try {
	const lite = await openDatabase(`sqlite:${join(dir, 'phases.db')}`, { sqliteSynchronous: 'FULL' });
	try {
		await measure('sqlite', lite);
	} finally {
		await lite.close();
	}
	if (process.env.BENCH_PG !== '0' && postgresAvailable()) {
		const pg = await startPostgres();
		try {
			const db = await openDatabase(await pg.createDatabase('phases'));
			try {
				await measure('postgresql', db);
				await sql`select 1`.execute(db.db);
			} finally {
				await db.close();
			}
		} finally {
			await pg.stop();
		}
	}
} finally {
	rmSync(dir, { recursive: true, force: true });
}
