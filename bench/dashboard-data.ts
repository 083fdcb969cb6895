/**
 * Generated telemetry for the dashboard bench and its end-to-end test: valid schema version 2 events
 * (they pass the event schemas) from many installations over many days, with two model versions, a
 * planted WER regression of the newer one, and optionally an outage of correction events in the last
 * hours. Deterministic for a seed. `ingestGenerated` stores them through ingest.ts `insertBatch`, the
 * endpoint's own code, so the rollups it maintains come from the real ingestion, only in larger
 * transactions and back-dated (received when they occurred). `loadGenerated` stores the same rows
 * (insertEventRows) and builds the same rollups in memory (rollup.ts RollupLoader), writing them once:
 * minutes instead of half an hour at full size on PostgreSQL.
 */
import { mulberry32, randomInt, type Random } from '../src/lib/shared/random';
import { sql, SqliteAdapter, type Kysely } from 'kysely';
import { eventRow, insertBatch, insertEventRows } from '../src/lib/server/ingest';
import { RollupLoader, type RollupItem } from '../src/lib/server/rollup';
import type { Database, EventsTable } from '../src/lib/server/db/tables';
import { telemetryEventSchema, type TelemetryEvent } from '../src/lib/telemetry/schema';

/** A model ref as events carry it. */
export interface Ref {
	id: string;
	version: string;
	sha256: string;
}

/** What to generate. */
export interface GenerateOptions {
	/** The older version (baseline) and the newer one (the one with the planted regression). */
	baseline: Ref;
	candidate: Ref;
	installations: number;
	days: number;
	now: Date;
	/** Share of installation-days with a transcript. */
	activity: number;
	/** Mean corrected segments per transcript. */
	correctionsPerTranscript: number;
	/** Word error probability of the baseline, and what the candidate adds. */
	baselineWer: number;
	regression: number;
	/** Hours before `now` without correction events (other types continue); 0 = no outage. */
	outageHours: number;
	seed: number;
}

/** Defaults: a small data set (the e2e test's). */
export const SMALL: Omit<GenerateOptions, 'baseline' | 'candidate' | 'now'> = {
	installations: 60,
	days: 21,
	activity: 0.8,
	correctionsPerTranscript: 3,
	baselineWer: 0.08,
	regression: 0.06,
	outageHours: 0,
	seed: 1
};

const WORDS =
	'the a to of and meeting project budget quarter team review customer report data model next week'.split(
		' '
	);
const SWAPS: Record<string, string> = {
	meeting: 'meetings',
	budget: 'budgets',
	quarter: 'order',
	team: 'teams',
	data: 'date',
	week: 'weak'
};

function hex(random: Random, n: number): string {
	let s = '';
	for (let i = 0; i < n; i++) s += randomInt(random, 16).toString(16);
	return s;
}
// A UUID v4 from the seeded stream (crypto.randomUUID would make runs differ).
function uuid(random: Random): string {
	const h = hex(random, 32);
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[randomInt(random, 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Generates the events in time order per installation (not globally). */
export function* generateEvents(o: GenerateOptions): Generator<TelemetryEvent> {
	const random = mulberry32(o.seed);
	const dayMs = 86_400_000;
	const start = o.now.getTime() - o.days * dayMs;
	const outageFrom = o.now.getTime() - o.outageHours * 3600_000;
	for (let i = 0; i < o.installations; i++) {
		const installationId = uuid(random);
		// Half the installations on each version; the candidate arm is the newer one.
		const onCandidate = i % 2 === 1;
		const model = onCandidate ? o.candidate : o.baseline;
		const arm = onCandidate ? ('candidate' as const) : ('default' as const);
		const wer = o.baselineWer + (onCandidate ? o.regression : 0) + (random() - 0.5) * 0.04;
		const backend = random() < 0.6 ? ('wasm' as const) : ('webgpu' as const);
		const cores = [2, 4, 8, 12][randomInt(random, 4)];
		const common = {
			schemaVersion: 2 as const,
			installationId,
			appVersion: '0.1.0',
			model,
			backend,
			decodeSettings: {},
			arm,
			samplingRate: 1
		};
		for (let d = 0; d < o.days; d++) {
			if (random() >= o.activity) continue;
			// Spread over the day, the last day only up to now.
			const t0 = start + d * dayMs + random() * (dayMs - 3600_000);
			if (t0 > o.now.getTime() - 1800_000) continue;
			const at = (offsetSec: number) =>
				new Date(Math.min(o.now.getTime() - 1000, t0 + offsetSec * 1000)).toISOString();
			const transcriptId = uuid(random);
			const audioSeconds = 60 + random() * 600;
			const failed = random() < (backend === 'webgpu' ? 0.04 : 0.01);
			const segments = Math.max(1, Math.round(audioSeconds / 10));
			yield {
				...common,
				id: uuid(random),
				occurredAt: at(0),
				transcriptId,
				type: 'transcription',
				status: failed ? 'failed' : 'done',
				audioSeconds,
				processingSeconds:
					audioSeconds * (backend === 'webgpu' ? 0.1 : 0.3) * (8 / cores) ** 0.5 * (0.7 + random() * 0.6),
				segments,
				words: segments * 20,
				repetitionSegments: random() < 0.1 ? 1 : 0,
				truncatedSegments: 0,
				empty: false,
				errorCode: failed ? 'webgpu-lost' : null,
				device: { cores, memoryGb: 8 }
			};
			if (failed) continue;
			const k = Math.max(1, Math.round(o.correctionsPerTranscript * (0.5 + random())));
			const reviewed: { segmentId: string; words: number; how: 'edited' | 'confirmed' | 'played' }[] = [];
			for (let s = 0; s < k; s++) {
				const when = t0 + (30 + s * 20) * 1000;
				const segmentId = `s${s}`;
				const n = 8 + randomInt(random, 8);
				const originalWords = [];
				const alignment = [];
				const corrected: string[] = [];
				for (let w = 0; w < n; w++) {
					const text = WORDS[randomInt(random, WORDS.length)];
					const wrong = random() < wer * 2.5; // edited segments hold the errors
					const confidence = wrong ? 0.2 + random() * 0.5 : 0.55 + random() * 0.45;
					originalWords.push({ text, confidence, start: w * 0.4, end: w * 0.4 + 0.3 });
					if (!wrong) {
						alignment.push({ op: 'correct' as const, original: text, corrected: text, confidence });
						corrected.push(text);
					} else if (random() < 0.8) {
						const c = SWAPS[text] ?? `${text}s`;
						alignment.push({ op: 'substitution' as const, original: text, corrected: c, confidence });
						corrected.push(c);
					} else alignment.push({ op: 'insertion' as const, original: text, corrected: null, confidence });
				}
				reviewed.push({ segmentId, words: n, how: 'edited' });
				if (when >= outageFrom) continue;
				yield {
					...common,
					id: uuid(random),
					occurredAt: at(30 + s * 20),
					transcriptId,
					type: 'correction',
					segmentId,
					revision: 0,
					originalWords,
					correctedText: corrected.join(' '),
					alignment
				};
			}
			// Segments read or played without an edit: reviewed with no error.
			for (let s = 0; s < k; s++)
				reviewed.push({ segmentId: `r${s}`, words: 10, how: random() < 0.5 ? 'confirmed' : 'played' });
			yield {
				...common,
				id: uuid(random),
				occurredAt: at(600),
				transcriptId,
				type: 'session_summary',
				revision: 0,
				reason: 'leave',
				reviewedSegments: reviewed,
				transcribedSegments: segments,
				transcribedWords: segments * 20,
				editedSegments: k,
				activeSeconds: 600,
				playbackCoverage: 0.5
			};
			if (random() < 0.4) {
				const stars = Math.max(
					1,
					Math.min(5, Math.round(4.2 - (onCandidate ? 0.8 : 0) + (random() - 0.5) * 2))
				);
				yield {
					...common,
					id: uuid(random),
					occurredAt: at(620),
					transcriptId,
					type: 'rating',
					stars,
					tags: stars <= 3 ? ['wrong-words'] : []
				};
			}
			if (random() < 0.6)
				yield {
					...common,
					id: uuid(random),
					occurredAt: at(660 + random() * 1800),
					transcriptId,
					type: 'outcome',
					outcome: 'exported',
					format: 'txt'
				};
		}
	}
}

/** Stored rows of the generated events (received when they occurred); `check` validates each with the schema. */
export function* generateRows(o: GenerateOptions, check = false): Generator<EventsTable> {
	for (const e of generateEvents(o)) {
		const event = check ? telemetryEventSchema.parse(e) : e;
		yield eventRow(event, event.occurredAt);
	}
}

/**
 * Stores the generated events through the ingestion code (events and rollups), `perBatch` events per
 * insertBatch call and `perTransaction` per commit; `check` validates each with the schema first.
 */
export async function ingestGenerated(
	db: Kysely<Database>,
	o: GenerateOptions,
	{ check = false, perBatch = 1000, perTransaction = 20_000 } = {}
): Promise<{ events: number; accepted: number; byType: Record<string, number> }> {
	const byType: Record<string, number> = {};
	let events = 0;
	let accepted = 0;
	let batch: TelemetryEvent[] = [];
	let trx = await db.startTransaction().execute();
	const receivedAt = (e: TelemetryEvent) => new Date(e.occurredAt).toISOString();
	const flush = async () => {
		if (batch.length === 0) return;
		accepted += (await insertBatch(trx, batch, [], o.now, receivedAt)).accepted;
		events += batch.length;
		batch = [];
		if (events % perTransaction < perBatch) {
			await trx.commit().execute();
			trx = await db.startTransaction().execute();
		}
	};
	try {
		for (const e of generateEvents(o)) {
			byType[e.type] = (byType[e.type] ?? 0) + 1;
			batch.push(check ? telemetryEventSchema.parse(e) : e);
			if (batch.length >= perBatch) await flush();
		}
		await flush();
		await trx.commit().execute();
	} catch (e) {
		await trx.rollback().execute();
		throw e;
	}
	return { events, accepted, byType };
}

const isPostgres = (db: Kysely<Database>) => !(db.getExecutor().adapter instanceof SqliteAdapter);

/**
 * Stores the generated events as ingestGenerated would leave them (the same event rows, the same
 * rollups: rollup.test.ts compares the loader with ingestion) in one transaction: rows `perInsert` at
 * a time through insertEventRows, the rollups built per installation (the generator yields each
 * installation's events together) by a RollupLoader and written at the end. Only into an empty
 * database.
 */
export async function loadGenerated(
	db: Kysely<Database>,
	o: GenerateOptions,
	{ perInsert = 5000 } = {}
): Promise<{
	events: number;
	accepted: number;
	byType: Record<string, number>;
	/** Milliseconds in insertEventRows and writing the rollups (the rest is generating). */
	insertMs: number;
	rollupMs: number;
}> {
	const byType: Record<string, number> = {};
	let events = 0;
	let accepted = 0;
	let insertMs = 0;
	let rollupMs = 0;
	const loader = new RollupLoader();
	await db.transaction().execute(async (trx) => {
		// PostgreSQL: the events table's secondary indexes are dropped for the load and built again from
		// their own definitions afterwards (one sort each instead of a B-tree insert per row and index).
		const indexes = isPostgres(trx)
			? (
					await sql<{ name: string; def: string }>`
						select indexname as name, indexdef as def from pg_indexes
						where tablename = 'events' and indexname not in (
							select conname from pg_constraint where conrelid = 'events'::regclass)`.execute(trx)
				).rows
			: [];
		for (const i of indexes) await sql`drop index ${sql.id(i.name)}`.execute(trx);
		let rows: EventsTable[] = [];
		const byId = new Map<string, TelemetryEvent>();
		const flush = async () => {
			const t = performance.now();
			const { inserted } = await insertEventRows(trx, rows);
			insertMs += performance.now() - t;
			accepted += inserted.length;
			// Whole installations per flush, so each one's events reach the loader in one call.
			const groups = new Map<string, RollupItem[]>();
			for (const row of inserted) {
				const group = groups.get(row.installation_id);
				const it = { row, event: byId.get(row.id)! };
				if (group) group.push(it);
				else groups.set(row.installation_id, [it]);
			}
			for (const group of groups.values()) loader.add(group);
			rows = [];
			byId.clear();
		};
		let installation = '';
		for (const e of generateEvents(o)) {
			if (e.installationId !== installation && rows.length >= perInsert) await flush();
			installation = e.installationId;
			byType[e.type] = (byType[e.type] ?? 0) + 1;
			events++;
			byId.set(e.id, e);
			rows.push(eventRow(e, new Date(e.occurredAt).toISOString()));
		}
		await flush();
		const ti = performance.now();
		for (const i of indexes) await sql.raw(i.def).execute(trx);
		insertMs += performance.now() - ti;
		const t = performance.now();
		await loader.write(trx);
		rollupMs = performance.now() - t;
	});
	return { events, accepted, byType, insertMs, rollupMs };
}
