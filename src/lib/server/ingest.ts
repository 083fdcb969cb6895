/**
 * Event ingestion: per-event validation (pure) and storage of a batch in one transaction.
 *
 * Idempotency: the event id is the primary key and rows are inserted with ON CONFLICT DO NOTHING, so
 * a replayed batch (the client retrying after a lost response) stores nothing new; ids seen again are
 * counted as duplicates. A repeated id inside one batch counts as a duplicate too.
 */
import type { Kysely } from 'kysely';
import {
	ACCEPTED_SCHEMA_VERSIONS,
	EVENT_TYPES,
	clientReportEventSchema,
	correctionEventSchema,
	outcomeEventSchema,
	ratingEventSchema,
	reviewEventSchema,
	telemetryEventSchema,
	type TelemetryEvent
} from '../telemetry/schema';
import type { RejectedEventReport } from '../contracts/events';
import type { Database, EventsTable } from './db/tables';

/** An event the server would not store, reported back to the client by its index in the batch. */
export interface RejectedEvent extends RejectedEventReport {
	/** Low-cardinality reason for the rejection counters, e.g. `event:rating:stars`. */
	reason: string;
}

/** How many issues per event a response lists; the first ones are enough to fix a client. */
const MAX_ISSUES = 10;

const KNOWN_FIELDS = new Set(
	[
		correctionEventSchema,
		reviewEventSchema,
		ratingEventSchema,
		outcomeEventSchema,
		clientReportEventSchema
	].flatMap((s) => Object.keys(s.shape))
);

/** Splits a batch's raw events into valid ones and rejections. */
export function validateEvents(raw: unknown[]): { valid: TelemetryEvent[]; rejected: RejectedEvent[] } {
	const valid: TelemetryEvent[] = [];
	const rejected: RejectedEvent[] = [];
	raw.forEach((value, index) => {
		const r = telemetryEventSchema.safeParse(value);
		// PostgreSQL refuses NUL in text and JSON: such an event would fail its whole batch with 503
		// (which clients retry for ever), so it is rejected here, alone, on every database.
		if (r.success && JSON.stringify(r.data).includes('\\u0000')) {
			const issues = [{ path: '', message: 'text must not contain NUL characters' }];
			rejected.push({ index, id: eventId(value), issues, reason: 'event:nul-character' });
			return;
		}
		if (r.success) {
			valid.push(r.data);
			return;
		}
		const issues = r.error.issues
			.slice(0, MAX_ISSUES)
			.map((i) => ({ path: i.path.join('.'), message: i.message }));
		const firstPath = r.error.issues[0]?.path[0];
		rejected.push({ index, id: eventId(value), issues, reason: rejectionReason(value, firstPath) });
	});
	return { valid, rejected };
}

function eventId(value: unknown): string | null {
	const id = isRecord(value) ? value.id : undefined;
	return typeof id === 'string' && id.length <= 100 ? id : null;
}

/**
 * A reason with bounded cardinality: every part comes from a fixed list (event types, the schema's field
 * names), never from the client's strings, so a hostile client cannot grow the counter table.
 */
export function rejectionReason(value: unknown, firstPath: PropertyKey | undefined): string {
	if (!isRecord(value)) return 'event:not-an-object';
	const type = EVENT_TYPES.find((t) => t === value.type);
	if (!type) return 'event:unknown-type';
	if (!ACCEPTED_SCHEMA_VERSIONS.some((v) => v === value.schemaVersion))
		return 'event:unsupported-schema-version';
	const field = typeof firstPath === 'string' && KNOWN_FIELDS.has(firstPath) ? firstPath : 'other';
	return `event:${type}:${field}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The row stored for an event: its indexed fields, derived counts and the whole event as JSON. */
export function eventRow(e: TelemetryEvent, receivedAt: string): EventsTable {
	const row: EventsTable = {
		id: e.id,
		type: e.type,
		schema_version: e.schemaVersion,
		// Normalised to UTC so text order is time order.
		occurred_at: new Date(e.occurredAt).toISOString(),
		received_at: receivedAt,
		// Lower case so a deletion request matches whatever case the client used.
		installation_id: e.installationId.toLowerCase(),
		app_version: e.appVersion,
		transcript_id: null,
		model_id: null,
		model_version: null,
		model_sha256: null,
		backend: null,
		arm: null,
		sampling_rate: null,
		segment_id: null,
		revision: null,
		substitutions: null,
		insertions: null,
		deletions: null,
		reference_words: null,
		confirmed_words: null,
		stars: null,
		payload: JSON.stringify(e)
	};
	if (e.type === 'client_report') return row;
	Object.assign(row, {
		transcript_id: e.transcriptId,
		model_id: e.model.id,
		model_version: e.model.version,
		model_sha256: e.model.sha256,
		backend: e.backend
	});
	// Version 1 events predate rollouts and sampling: their arm and rate stay null (unknown, weight 1).
	if (e.schemaVersion !== 1) Object.assign(row, { arm: e.arm, sampling_rate: e.samplingRate });
	if (e.type === 'correction')
		Object.assign(row, { segment_id: e.segmentId, revision: e.revision }, errorCounts(e));
	if (e.type === 'review')
		Object.assign(row, { segment_id: e.segmentId, confirmed_words: e.confirmedWords.length });
	if (e.type === 'rating') row.stars = e.stars;
	return row;
}

/**
 * WER counts of one correction. The user's corrected text is the reference and the model's words the
 * hypothesis, so reference words are the ops with a corrected word: correct + substitution + deletion
 * (a deletion is a word the user added that the model missed); an insertion is a model word the user
 * removed and adds an error without adding a reference word.
 */
export function errorCounts(e: Extract<TelemetryEvent, { type: 'correction' }>): {
	substitutions: number;
	insertions: number;
	deletions: number;
	reference_words: number;
} {
	const c = { substitutions: 0, insertions: 0, deletions: 0, reference_words: 0 };
	for (const a of e.alignment) {
		if (a.op === 'substitution') c.substitutions++;
		else if (a.op === 'insertion') c.insertions++;
		else if (a.op === 'deletion') c.deletions++;
		if (a.corrected !== null) c.reference_words++;
	}
	return c;
}

/** Rows per INSERT statement: well under SQLite's and PostgreSQL's bound-parameter limits. */
const ROWS_PER_INSERT = 200;

/** Stores one request's valid events and rejection reasons; resolves after the commit. */
export type StoreBatch = (
	events: TelemetryEvent[],
	rejectionReasons: string[],
	now: Date
) => Promise<{ accepted: number; duplicates: number }>;

/**
 * Stores valid events and counts rejections in one transaction; resolves only after it committed,
 * which is what lets the endpoint answer 202.
 */
export async function storeBatch(
	db: Kysely<Database>,
	events: TelemetryEvent[],
	rejectionReasons: string[],
	now: Date
): Promise<{ accepted: number; duplicates: number }> {
	return db.transaction().execute((tx) => insertBatch(tx, events, rejectionReasons, now));
}

async function insertBatch(
	tx: Kysely<Database>,
	events: TelemetryEvent[],
	rejectionReasons: string[],
	now: Date
): Promise<{ accepted: number; duplicates: number }> {
	const receivedAt = now.toISOString();
	const seen = new Set<string>();
	const rows: EventsTable[] = [];
	for (const e of events) {
		if (seen.has(e.id)) continue;
		seen.add(e.id);
		rows.push(eventRow(e, receivedAt));
	}
	let accepted = 0;
	for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
		const r = await tx
			.insertInto('events')
			.values(rows.slice(i, i + ROWS_PER_INSERT))
			.onConflict((oc) => oc.column('id').doNothing())
			.executeTakeFirst();
		accepted += Number(r.numInsertedOrUpdatedRows ?? 0);
	}
	await countRejections(tx, rejectionReasons, now);
	return { accepted, duplicates: events.length - accepted };
}

interface Pending {
	events: TelemetryEvent[];
	reasons: string[];
	now: Date;
	resolve: (r: { accepted: number; duplicates: number }) => void;
	reject: (e: unknown) => void;
}

/**
 * Group commit for SQLite: requests that arrive while the database is busy are written together in one
 * transaction, so they share one commit (and, with synchronous=FULL, one fsync) instead of queueing for
 * one each. Every request still gets its own counts, and none is answered before the shared commit.
 * If the shared transaction fails, each request is retried alone so one cannot fail the others.
 */
export function groupCommit(db: Kysely<Database>, maxRequests = 32): StoreBatch {
	const queue: Pending[] = [];
	let scheduled = false;

	async function flush(): Promise<void> {
		scheduled = false;
		const group = queue.splice(0, maxRequests);
		if (queue.length > 0) schedule();
		try {
			const results = await db.transaction().execute(async (tx) => {
				const out = [];
				for (const p of group) out.push(await insertBatch(tx, p.events, p.reasons, p.now));
				return out;
			});
			group.forEach((p, i) => p.resolve(results[i]));
		} catch (e) {
			if (group.length === 1) return group[0].reject(e);
			for (const p of group) storeBatch(db, p.events, p.reasons, p.now).then(p.resolve, p.reject);
		}
	}

	function schedule() {
		if (scheduled) return;
		scheduled = true;
		// setImmediate runs after pending I/O callbacks, so bodies that finished arriving meanwhile join.
		setImmediate(() => void flush());
	}

	return (events, reasons, now) =>
		new Promise((resolve, reject) => {
			queue.push({ events, reasons, now, resolve, reject });
			schedule();
		});
}

/** The store to use for a database: group commit on SQLite (one writer), plain transactions on PostgreSQL. */
export function storeFor(db: Kysely<Database>, kind: 'sqlite' | 'postgres'): StoreBatch {
	return kind === 'sqlite' ? groupCommit(db) : (events, reasons, now) => storeBatch(db, events, reasons, now);
}

/** Adds rejections to the per-reason counters. */
export async function countRejections(db: Kysely<Database>, reasons: string[], now: Date): Promise<void> {
	const counts = new Map<string, number>();
	for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
	if (counts.size === 0) return;
	const lastAt = now.toISOString();
	await db
		.insertInto('rejections')
		.values([...counts].sort().map(([reason, count]) => ({ reason, count, last_at: lastAt })))
		.onConflict((oc) =>
			oc.column('reason').doUpdateSet((eb) => ({
				count: eb('rejections.count', '+', eb.ref('excluded.count')),
				last_at: eb.ref('excluded.last_at')
			}))
		)
		.execute();
}

/** Deletes everything stored under one installation id; returns how many events were removed. */
export async function deleteInstallation(db: Kysely<Database>, installationId: string): Promise<number> {
	const r = await db.deleteFrom('events').where('installation_id', '=', installationId).executeTakeFirst();
	return Number(r.numDeletedRows);
}
