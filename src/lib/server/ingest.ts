/**
 * Event ingestion: per-event validation (pure) and storage of a batch in one transaction.
 *
 * Idempotency: the event id is the primary key and rows are inserted with ON CONFLICT DO NOTHING, so
 * a replayed batch (the client retrying after a lost response) stores nothing new; ids seen again are
 * counted as duplicates. A repeated id inside one batch counts as a duplicate too.
 */
import { createHash } from 'node:crypto';
import { CompiledQuery, SqliteAdapter, type Kysely } from 'kysely';
import {
	ACCEPTED_SCHEMA_VERSIONS,
	EVENT_TYPES,
	clientReportEventSchema,
	correctionEventSchema,
	outcomeEventSchema,
	ratingEventSchema,
	reviewEventSchema,
	segmentReviewedEventSchema,
	telemetryEventSchema,
	type TelemetryEvent
} from '../telemetry/schema';
import type { RejectedEventReport } from '../contracts/events';
import type { Database, EventsTable } from './db/tables';
import { eachRowSql } from './db/node-sqlite';
import { addToRollups, removeFromRollups, type RollupItem } from './rollup';

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
		clientReportEventSchema,
		segmentReviewedEventSchema
	].flatMap((s) => Object.keys(s.shape))
);

/** What validation checks an event against besides its schema. */
export interface ValidationContext {
	/** The server's clock when the batch arrived: `occurredAt` must lie in [receivedAt − 1 year, receivedAt + 1 day]. */
	receivedAt: Date;
	/** Model refs the server reports on (modelRefKey of each); events about any other model are refused. */
	knownModels: ReadonlySet<string>;
	/**
	 * False when the JSON text the events came from has no `\u0000`: a NUL can only reach a parsed string
	 * through that escape (JSON forbids raw control characters in strings), so the per-event search for
	 * one can be skipped. Absent: every event is searched.
	 */
	mayContainNul?: boolean;
}

/** Whether JSON text could parse to a string holding NUL (see ValidationContext.mayContainNul). */
export function jsonMayContainNul(text: string): boolean {
	return text.includes('\\u0000');
}

/** How far in the past an event may have happened: the outbox never keeps one that long. */
export const MAX_EVENT_AGE_MS = 365 * 24 * 3600 * 1000;
/** How far ahead of the server's clock an event may claim to be (a client clock off by a time zone). */
export const MAX_EVENT_FUTURE_MS = 24 * 3600 * 1000;

/** The key a model ref is known by: id, version and weight hash together. */
export function modelRefKey(m: { id: string; version: string; sha256: string }): string {
	return `${m.id}@${m.version}#${m.sha256}`;
}

/** Splits a batch's raw events into valid ones (with their indices in the batch) and rejections. */
export function validateEvents(
	raw: unknown[],
	context: ValidationContext
): { valid: TelemetryEvent[]; indices: number[]; rejected: RejectedEvent[] } {
	const valid: TelemetryEvent[] = [];
	const indices: number[] = [];
	const rejected: RejectedEvent[] = [];
	const received = context.receivedAt.getTime();
	// A plain loop with no closure per event: this runs for every event the server is sent.
	for (let index = 0; index < raw.length; index++) {
		const value = raw[index];
		const r = telemetryEventSchema.safeParse(value);
		if (!r.success) {
			const issues = r.error.issues
				.slice(0, MAX_ISSUES)
				.map((i) => ({ path: i.path.join('.'), message: i.message }));
			const firstPath = r.error.issues[0]?.path[0];
			rejected.push({ index, id: eventId(value), issues, reason: rejectionReason(value, firstPath) });
			continue;
		}
		const e = r.data;
		const refusal = refusalOf(e, received, context);
		if (refusal) {
			rejected.push({ index, id: eventId(value), issues: [refusal.issue], reason: refusal.reason });
			continue;
		}
		valid.push(e);
		indices.push(index);
	}
	return { valid, indices, rejected };
}

/** Why a schema-valid event is refused anyway, or null when it is not. */
function refusalOf(
	e: TelemetryEvent,
	received: number,
	context: ValidationContext
): { issue: { path: string; message: string }; reason: string } | null {
	// PostgreSQL refuses NUL in text and JSON: such an event would fail its whole batch with 503
	// (which clients retry for ever), so it is rejected here, alone, on every database. The parsed
	// strings are searched, not the JSON text, where a comment reading `\u0000` is six harmless
	// characters.
	if (context.mayContainNul !== false && hasNul(e))
		return {
			issue: { path: '', message: 'text must not contain NUL characters' },
			reason: 'event:nul-character'
		};
	const at = Date.parse(e.occurredAt);
	if (at < received - MAX_EVENT_AGE_MS || at > received + MAX_EVENT_FUTURE_MS)
		return {
			issue: {
				path: 'occurredAt',
				message: 'occurredAt must lie between one year before and one day after the server’s clock'
			},
			reason: `event:${e.type}:occurredAt`
		};
	if (e.type !== 'client_report' && !context.knownModels.has(modelRefKey(e.model)))
		return {
			issue: { path: 'model', message: 'this server does not know that model id, version and sha256' },
			reason: 'event:unknown-model'
		};
	return null;
}

/** Events validated between two turns of the event loop: about 2 ms of work on the reference machine. */
export const VALIDATION_CHUNK = 50;

/**
 * validateEvents in slices of `chunk` events with a turn of the event loop (setImmediate) between them:
 * a full batch of 500 takes tens of milliseconds to validate, and done in one go it would hold the one
 * Node thread, and every other client's request, for all of it. The result is the same as
 * validateEvents on the whole batch.
 */
export async function validateEventsYielding(
	raw: unknown[],
	context: ValidationContext,
	chunk = VALIDATION_CHUNK
): Promise<ReturnType<typeof validateEvents>> {
	if (raw.length <= chunk) return validateEvents(raw, context);
	const out: ReturnType<typeof validateEvents> = { valid: [], indices: [], rejected: [] };
	for (let start = 0; start < raw.length; start += chunk) {
		if (start > 0) await new Promise<void>((ok) => setImmediate(ok));
		const part = validateEvents(raw.slice(start, start + chunk), context);
		out.valid.push(...part.valid);
		for (const i of part.indices) out.indices.push(start + i);
		for (const r of part.rejected) out.rejected.push({ ...r, index: start + r.index });
	}
	return out;
}

function hasNul(value: unknown): boolean {
	if (typeof value === 'string') return value.includes('\u0000');
	if (Array.isArray(value)) return value.some(hasNul);
	if (isRecord(value)) return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v));
	return false;
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

/** The revision a segment_reviewed row is stored (and exported) with: any correction's is higher. */
export const SEGMENT_REVIEWED_REVISION = -1;

/** The row stored for an event: its indexed fields, derived counts and the whole event as JSON. */
export function eventRow(e: TelemetryEvent, receivedAt: string): EventsTable {
	// One object literal with every column, in EVENT_COLUMN_TYPES order, for every type: the rows share
	// one shape (V8 keeps them fast) and the insert binds them in this order.
	const transcript = e.type === 'client_report' ? null : e;
	// Version 1 events predate rollouts and sampling: their arm and rate stay null (unknown, weight 1).
	const v2 = transcript !== null && transcript.schemaVersion !== 1 ? transcript : null;
	const counts = e.type === 'correction' ? errorCounts(e) : null;
	return {
		id: e.id,
		type: e.type,
		schema_version: e.schemaVersion,
		// Normalised to UTC so text order is time order.
		occurred_at: utcTime(e.occurredAt),
		received_at: receivedAt,
		// Lower case so a deletion request matches whatever case the client used.
		installation_id: e.installationId.toLowerCase(),
		app_version: e.appVersion,
		transcript_id: transcript?.transcriptId ?? null,
		model_id: transcript?.model.id ?? null,
		model_version: transcript?.model.version ?? null,
		model_sha256: transcript?.model.sha256 ?? null,
		backend: transcript?.backend ?? null,
		arm: v2?.arm ?? null,
		sampling_rate: v2?.samplingRate ?? null,
		segment_id:
			e.type === 'correction' || e.type === 'review' || e.type === 'segment_reviewed' ? e.segmentId : null,
		// Revision −1 for segment_reviewed: below every correction revision, so a correction of the segment
		// always supersedes it.
		revision:
			e.type === 'correction' || e.type === 'session_summary'
				? e.revision
				: e.type === 'segment_reviewed'
					? SEGMENT_REVIEWED_REVISION
					: null,
		substitutions: counts?.substitutions ?? null,
		insertions: counts?.insertions ?? null,
		deletions: counts?.deletions ?? null,
		reference_words: counts?.reference_words ?? null,
		confirmed_words: e.type === 'review' ? e.confirmedWords.length : null,
		stars: e.type === 'rating' ? e.stars : null,
		reviewed_words:
			e.type === 'segment_reviewed'
				? e.words.length
				: e.type === 'session_summary'
					? e.reviewedSegments.reduce((s, r) => s + (r.how === 'edited' ? 0 : r.words), 0)
					: null,
		payload: JSON.stringify(e)
	};
}

/** An ISO time in UTC with milliseconds (toISOString's form); a time already in that form is returned as is. */
function utcTime(iso: string): string {
	// 24 characters ending in Z is exactly YYYY-MM-DDTHH:MM:SS.sssZ once the schema checked the format.
	return iso.length === 24 && iso.endsWith('Z') ? iso : new Date(iso).toISOString();
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

/**
 * Roughly the bytes one events row takes in the database once written: its record (every column's
 * value, a byte of header each, the cell's own overhead), an entry in each of the three indexes (the
 * primary key, installation and received_at, each with the key and a row pointer),
 * all over the share of a page B-tree pages are filled to. Calibrated against SQLite's dbstat on mixed
 * batches (tests/integration/telemetry/flood.test.ts checks it against a file's growth); it is about
 * twice the event's bytes in the request, which is why the byte budget counts this rather than those.
 */
export function storedRowBytes(row: EventsTable): number {
	// String lengths, not UTF-8 byte counts: events are nearly all ASCII, and this runs for every row.
	let record = 12 + EVENT_COLUMNS.length;
	for (const c of EVENT_COLUMNS) {
		const v = row[c];
		if (typeof v === 'string') record += v.length;
		else if (typeof v === 'number') record += 8;
	}
	const indexes = row.id.length + row.installation_id.length + row.received_at.length + 3 * 14;
	return Math.round((record + indexes) / PAGE_FILL);
}

/** The share of a page that B-tree pages of the events table and its indexes hold (dbstat: 0.75–0.8). */
const PAGE_FILL = 0.78;

/**
 * The events table's columns in the order eventRow builds them. A Record, so the compiler checks the
 * list names every column.
 */
const EVENT_COLUMNS = Object.keys({
	id: 1,
	type: 1,
	schema_version: 1,
	occurred_at: 1,
	received_at: 1,
	installation_id: 1,
	app_version: 1,
	transcript_id: 1,
	model_id: 1,
	model_version: 1,
	model_sha256: 1,
	backend: 1,
	arm: 1,
	sampling_rate: 1,
	segment_id: 1,
	revision: 1,
	substitutions: 1,
	insertions: 1,
	deletions: 1,
	reference_words: 1,
	confirmed_words: 1,
	stars: 1,
	reviewed_words: 1,
	payload: 1
} satisfies Record<keyof EventsTable, 1>) as (keyof EventsTable)[];
const COLUMN_LIST = EVENT_COLUMNS.map((c) => `"${c}"`).join(', ');
/** SQLite: the single-row INSERT, run once per row of one call (node-sqlite.ts eachRowSql). */
const SQLITE_INSERT =
	eachRowSql(EVENT_COLUMNS.length) +
	`insert into "events" (${COLUMN_LIST}) values (${EVENT_COLUMNS.map(() => '?').join(', ')}) on conflict ("id") do nothing`;
/** The columns but the payload, which the PostgreSQL INSERT sends apart (PG_INSERT). */
const PG_JSON_COLUMNS = EVENT_COLUMNS.filter((c) => c !== 'payload');
/**
 * The payloads' separator in PG_INSERT's second parameter. JSON.stringify writes every control character
 * inside a string as an escape and none outside one, so no payload holds U+0001.
 */
const PAYLOAD_SEPARATOR = '\u0001';
/**
 * PostgreSQL: the whole batch as two parameters, the rows but their payloads as one JSON array, which
 * the server splits into rows of the events table's type, and the payloads joined by PAYLOAD_SEPARATOR,
 * paired with the rows by position; RETURNING lists the rows stored. Measured against a kysely-built
 * multi-row INSERT and against each column as an array (`unnest`): 19, 24 and 36 µs of Node CPU an
 * event, as node-postgres escapes array elements in JavaScript where JSON.stringify is native. Sending
 * the payloads apart (each an event's JSON, which inside the rows' JSON was escaped by Node and
 * unescaped by PostgreSQL) took PostgreSQL's CPU for the INSERT from 47 to 33 µs an event and Node's from
 * 14 to 7 (bench/ingest.ts's batches).
 */
const PG_INSERT =
	`insert into "events" (${COLUMN_LIST}) ` +
	`select ${PG_JSON_COLUMNS.map((c) => `j."${c}"`).join(', ')}, p."payload" ` +
	`from json_populate_recordset(null::"events", $1::json) with ordinality as j ` +
	`join unnest(string_to_array($2, chr(1))) with ordinality as p("payload", "n") on p."n" = j."ordinality" ` +
	`on conflict ("id") do nothing returning "id"`;
/** Rows per kysely-built INSERT on PostgreSQL (the fallback below): well under its parameter limit. */
const ROWS_PER_INSERT = 200;

/** SQLite rows inserted between two turns of the event loop (a few milliseconds of work). */
const ROWS_PER_TURN = 100;

/**
 * Inserts event rows, skipping ids already stored; returns the rows inserted (what the rollups add).
 *
 * Both statements are fixed text, so nothing is compiled per batch (kysely building a 5,000-parameter
 * INSERT cost more than running it). On SQLite one prepared single-row INSERT runs per row, all of a
 * chunk in one call (eachRowSql): measured on the reference machine, 11 µs per row against 22–33 µs for
 * 200-row INSERTs, and one call per chunk saves the ~10 µs a row of a trip through kysely's executor.
 * The event loop gets a turn every ROWS_PER_TURN rows, so a full batch does not hold the one Node thread
 * for its whole insert. On PostgreSQL, where each statement is a round trip, the batch is one statement
 * (PG_INSERT).
 */
export async function insertEventRows(
	tx: Kysely<Database>,
	rows: EventsTable[]
): Promise<{ inserted: EventsTable[]; storedBytes: number }> {
	if (rows.length === 0) return { inserted: [], storedBytes: 0 };
	const inserted: EventsTable[] = [];
	let storedBytes = 0;
	if (!(tx.getExecutor().adapter instanceof SqliteAdapter)) {
		const byId = new Map(rows.map((r) => [r.id, r]));
		// A key list as the replacer: the payloads are left out natively, with no function called per value.
		const json = JSON.stringify(rows, PG_JSON_COLUMNS);
		// JSON.stringify writes a lone surrogate (which JSON.parse lets through from a `\ud800` escape) as
		// that escape, and PostgreSQL refuses to turn one into text, which would fail the batch for good.
		// Sent as text parameters instead, node-postgres encodes it as U+FFFD, as it always did. (A payload
		// holds one only as that escape, plain ASCII, so the payloads are never the reason.)
		if (!json.includes('\\ud')) {
			const payloads = rows.map((r) => r.payload).join(PAYLOAD_SEPARATOR);
			const r = await tx.executeQuery<{ id: string }>(CompiledQuery.raw(PG_INSERT, [json, payloads]));
			// RETURNING lists only the rows stored (not the duplicates): what the rollups and the budget count.
			for (const { id } of r.rows) inserted.push(byId.get(id)!);
		} else {
			for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
				const r = await tx
					.insertInto('events')
					.values(rows.slice(i, i + ROWS_PER_INSERT))
					.onConflict((oc) => oc.column('id').doNothing())
					.returning('id')
					.execute();
				for (const { id } of r) inserted.push(byId.get(id)!);
			}
		}
	} else {
		for (let start = 0; start < rows.length; start += ROWS_PER_TURN) {
			if (start > 0) await new Promise<void>((ok) => setImmediate(ok));
			const chunk = rows.slice(start, start + ROWS_PER_TURN);
			const values: unknown[] = [];
			for (const row of chunk) for (const c of EVENT_COLUMNS) values.push(row[c]);
			const r = await tx.executeQuery<{ changes: number }>(CompiledQuery.raw(SQLITE_INSERT, values));
			r.rows.forEach((run, i) => {
				if (run.changes > 0) inserted.push(chunk[i]);
			});
		}
	}
	for (const row of inserted) storedBytes += storedRowBytes(row);
	return { inserted, storedBytes };
}

/** What storing one request's events did. */
export interface StoreResult {
	accepted: number;
	duplicates: number;
	/** Installations (lower-case ids) deleted in the last TOMBSTONE_DAYS whose events were refused. */
	deletedInstallations: string[];
	/** About how many bytes the accepted events take in the database (storedRowBytes). */
	storedBytes: number;
}

/**
 * Stores one request's valid events and rejection reasons; resolves after the commit. `rows`, when the
 * caller built them already (to reserve their bytes), are eventRow of each event received at `now`.
 */
export type StoreBatch = (
	events: TelemetryEvent[],
	rejectionReasons: string[],
	now: Date,
	rows?: readonly EventsTable[]
) => Promise<StoreResult>;

/** How long a deleted installation's events are refused. */
export const TOMBSTONE_DAYS = 30;
/** The rejection reason of an event from a deleted installation. */
export const DELETED_INSTALLATION_REASON = 'event:installation-deleted';

/**
 * The PostgreSQL advisory lock key of an installation (the first 60 bits of its hash, a positive
 * bigint), as a decimal string: ingestion holds it shared, deletion exclusively.
 */
export function installationLockKey(hash: string): string {
	return BigInt('0x' + hash.slice(0, 15)).toString();
}

/** What a tombstone stores instead of the installation id. */
export function installationHash(installationId: string): string {
	return createHash('sha256').update(installationId.toLowerCase()).digest('hex');
}

/**
 * Stores valid events and counts rejections in one transaction; resolves only after it committed,
 * which is what lets the endpoint answer 202.
 */
export async function storeBatch(
	db: Kysely<Database>,
	events: TelemetryEvent[],
	rejectionReasons: string[],
	now: Date,
	rows?: readonly EventsTable[]
): Promise<StoreResult> {
	return db
		.transaction()
		.execute((tx) => insertBatch(tx, events, rejectionReasons, now, undefined, undefined, rows));
}

/**
 * Inserts one request's events and counts its rejections inside the caller's transaction, and adds the
 * stored events to the rollups (server/rollup.ts) in the same transaction. `receivedAtOf` overrides
 * the receipt time per event (only the dashboard bench, which back-dates generated history). With
 * `deferRollups` the stored events are appended there instead, for the caller to add (addToRollups)
 * before the transaction commits. `prebuilt` rows (eventRow of each event, in order) are used instead
 * of building them again.
 */
export async function insertBatch(
	tx: Kysely<Database>,
	events: TelemetryEvent[],
	rejectionReasons: string[],
	now: Date,
	receivedAtOf?: (e: TelemetryEvent) => string,
	deferRollups?: RollupItem[],
	prebuilt?: readonly EventsTable[]
): Promise<StoreResult> {
	const [result] = await insertRequests(
		tx,
		[{ events, reasons: rejectionReasons, now, rows: prebuilt }],
		deferRollups,
		receivedAtOf
	);
	return result;
}

/** One request's part of a group (insertRequests): its valid events, rejection reasons, receipt time and rows. */
export interface RequestPart {
	events: TelemetryEvent[];
	reasons: string[];
	now: Date;
	/** eventRow of each event received at `now`, when the caller built them already. */
	rows?: readonly EventsTable[];
}

/**
 * insertBatch for several requests at once (a group commit's), with the same result as one call per
 * request in their order (an id sent twice is stored by the first and a duplicate for the later): one
 * tombstone query and one event INSERT for the whole group, so the round trips and statements of a
 * group do not grow with its requests.
 */
export async function insertRequests(
	tx: Kysely<Database>,
	parts: readonly RequestPart[],
	deferRollups?: RollupItem[],
	receivedAtOf?: (e: TelemetryEvent) => string
): Promise<StoreResult[]> {
	// Checked inside the transaction that inserts, so a deletion committed before it always wins.
	const tombstones = await tombstonesOf(
		tx,
		parts.flatMap((p) => p.events),
		parts.reduce((t, p) => (p.now < t ? p.now : t), parts[0].now)
	);
	const seen = new Set<string>();
	const rows: EventsTable[] = [];
	const partOf = new Map<string, number>();
	const byId = new Map<string, TelemetryEvent>();
	const out = parts.map((p, k) => {
		const receivedAt = p.now.toISOString();
		const deleted = deletedSince(tombstones, p.now);
		const reasons = [...p.reasons];
		let stored = 0;
		for (let i = 0; i < p.events.length; i++) {
			const e = p.events[i];
			if (deleted.has(e.installationId.toLowerCase())) {
				reasons.push(DELETED_INSTALLATION_REASON);
				continue;
			}
			stored++;
			if (seen.has(e.id)) continue;
			seen.add(e.id);
			byId.set(e.id, e);
			partOf.set(e.id, k);
			rows.push(p.rows?.[i] ?? eventRow(e, receivedAtOf ? receivedAtOf(e) : receivedAt));
		}
		return { stored, reasons, deleted, accepted: 0, storedBytes: 0 };
	});
	const { inserted } = await insertEventRows(tx, rows);
	for (const row of inserted) {
		const r = out[partOf.get(row.id)!];
		r.accepted++;
		r.storedBytes += storedRowBytes(row);
	}
	const items = inserted.map((row) => ({ row, event: byId.get(row.id)! }));
	if (deferRollups) for (const it of items) deferRollups.push(it);
	else await addToRollups(tx, items);
	for (let k = 0; k < parts.length; k++) await countRejections(tx, out[k].reasons, parts[k].now);
	return out.map((r) => ({
		accepted: r.accepted,
		duplicates: r.stored - r.accepted,
		deletedInstallations: [...r.deleted],
		storedBytes: r.storedBytes
	}));
}

/** Tombstones of these events' installations deleted after `since` − TOMBSTONE_DAYS: lower-case id → deleted_at. */
type Tombstones = Map<string, string>;

/** The installations of `tombstones` still refused at `now` (deleted in the last TOMBSTONE_DAYS). */
function deletedSince(tombstones: Tombstones, now: Date): Set<string> {
	const since = new Date(now.getTime() - TOMBSTONE_DAYS * 24 * 3600 * 1000).toISOString();
	const out = new Set<string>();
	for (const [id, at] of tombstones) if (at >= since) out.add(id);
	return out;
}

/** The lower-case installation ids of these events deleted in the last TOMBSTONE_DAYS (one query). */
export async function deletedInstallations(
	tx: Kysely<Database>,
	events: TelemetryEvent[],
	now: Date
): Promise<Set<string>> {
	return deletedSince(await tombstonesOf(tx, events, now), now);
}

/** The tombstones of these events' installations that are still in force at `now` or later (one query). */
async function tombstonesOf(tx: Kysely<Database>, events: TelemetryEvent[], now: Date): Promise<Tombstones> {
	const byHash = new Map(
		[...new Set(events.map((e) => e.installationId.toLowerCase()))].map((id) => [installationHash(id), id])
	);
	if (byHash.size === 0) return new Map();
	const since = new Date(now.getTime() - TOMBSTONE_DAYS * 24 * 3600 * 1000).toISOString();
	// Fixed text rather than a kysely-built query: building and compiling that one cost about 100 µs of
	// CPU a request (measured), more than running it. A list on SQLite, an array on PostgreSQL.
	const hashes = [...byHash.keys()];
	const sqlite = tx.getExecutor().adapter instanceof SqliteAdapter;
	// PostgreSQL runs concurrent transactions: hold each installation's lock (shared, in key order)
	// until commit, so a deletion either committed before this check (its tombstone is seen) or waits
	// for these events and deletes them too. SQLite writes through one connection, one at a time.
	if (!sqlite)
		await tx.executeQuery(
			CompiledQuery.raw('select pg_advisory_xact_lock_shared(k) from unnest($1::bigint[]) as k order by k', [
				hashes.map(installationLockKey).sort()
			])
		);
	const query = sqlite
		? CompiledQuery.raw(
				`select "installation_hash", "deleted_at" from "deleted_installations" where "installation_hash" in (${hashes.map(() => '?').join(', ')}) and "deleted_at" >= ?`,
				[...hashes, since]
			)
		: CompiledQuery.raw(
				'select "installation_hash", "deleted_at" from "deleted_installations" where "installation_hash" = any($1::text[]) and "deleted_at" >= $2',
				[hashes, since]
			);
	const { rows } = await tx.executeQuery<{ installation_hash: string; deleted_at: string }>(query);
	return new Map(rows.map((r) => [byHash.get(r.installation_hash)!, r.deleted_at]));
}

interface Pending {
	events: TelemetryEvent[];
	reasons: string[];
	now: Date;
	rows: readonly EventsTable[] | undefined;
	/** How many groups of small batches went before this one while it was first in line. */
	overtaken: number;
	resolve: (r: StoreResult) => void;
	reject: (e: unknown) => void;
}

/** The group commit's limits (see groupCommit). */
export interface GroupPolicy {
	/** Requests per group at most. */
	maxRequests: number;
	/** Events per group at most (a group always takes at least one request). */
	maxEvents: number;
	/** A batch of at most this many events is small: small ones may go before a large one in line. */
	smallEvents: number;
	/** How often a large batch first in line lets small ones go first before it goes itself. */
	maxOvertakes: number;
}

/** Defaults: a 500-event batch is a group of its own, an honest client's few events never wait behind two. */
export const GROUP_POLICY: GroupPolicy = {
	maxRequests: 32,
	maxEvents: 500,
	smallEvents: 50,
	maxOvertakes: 2
};

/**
 * Which queued requests (by index, in queue order) the next group commits, given each one's event count
 * and how often it was overtaken. In arrival order, bounded by the policy; except that when the first
 * in line is large, small batches behind it go first (at most `maxOvertakes` times for that one), so a
 * client sending a few events does not wait for someone else's 500 to be written.
 */
export function pickGroup(
	queue: readonly { events: number; overtaken: number }[],
	policy: GroupPolicy = GROUP_POLICY
): number[] {
	const head = queue[0];
	if (!head) return [];
	const small = (q: { events: number }) => q.events <= policy.smallEvents;
	const overtake = !small(head) && head.overtaken < policy.maxOvertakes && queue.some(small);
	const picked: number[] = [];
	let events = 0;
	for (let i = 0; i < queue.length && picked.length < policy.maxRequests; i++) {
		if (overtake && !small(queue[i])) continue;
		if (picked.length > 0 && events + queue[i].events > policy.maxEvents) break;
		picked.push(i);
		events += queue[i].events;
	}
	return picked;
}

/**
 * Group commit: requests that arrive while the database is busy are written together in one
 * transaction, so they share one commit (one fsync) instead of queueing for one each. One group is in
 * flight at a time; the next is picked when it has committed, from everything that arrived meanwhile.
 * Every request still gets its own counts, and none is answered before the shared commit.
 * If the shared transaction fails, each request is retried alone so one cannot fail the others.
 * Groups are bounded in events too (node:sqlite is synchronous, so one huge group would hold every
 * other request for its whole duration) and small batches may go before a large one (pickGroup).
 *
 * On PostgreSQL too: concurrent transactions gain nothing there, since every one of them updates the
 * same few rollup rows (the hour's count, the day's sums) and waits for the row locks of the one before
 * it, commit included, so they commit one by one anyway; grouped, a group's rollup rows are read and
 * written once and its events take one INSERT, which halved PostgreSQL's CPU per event (bench/ingest.ts).
 */
export function groupCommit(db: Kysely<Database>, policy: GroupPolicy = GROUP_POLICY): StoreBatch {
	const queue: Pending[] = [];
	let scheduled = false;
	let running = false;

	async function flush(): Promise<void> {
		scheduled = false;
		running = true;
		try {
			await commitGroup();
		} finally {
			running = false;
			if (queue.length > 0) schedule();
		}
	}

	async function commitGroup(): Promise<void> {
		const picked = pickGroup(
			queue.map((p) => ({ events: p.events.length, overtaken: p.overtaken })),
			policy
		);
		if (picked[0] !== 0) queue[0].overtaken++;
		const group = picked.map((i) => queue[i]);
		for (const i of picked.reverse()) queue.splice(i, 1);
		try {
			const results = await db.transaction().execute(async (tx) => {
				// The group's stored events go to the rollups together, in request order: addToRollups over
				// their concatenation equals one call per request (it carries each segment's latest revision
				// from one event to the next), with one set of statements for the whole group.
				const items: RollupItem[] = [];
				const out = await insertRequests(tx, group, items);
				await addToRollups(tx, items);
				return out;
			});
			group.forEach((p, i) => p.resolve(results[i]));
		} catch (e) {
			if (group.length === 1) return group[0].reject(e);
			for (const p of group) storeBatch(db, p.events, p.reasons, p.now, p.rows).then(p.resolve, p.reject);
		}
	}

	function schedule() {
		if (scheduled || running) return;
		scheduled = true;
		// setImmediate runs after pending I/O callbacks, so bodies that finished arriving meanwhile join.
		setImmediate(() => void flush());
	}

	return (events, reasons, now, rows) =>
		new Promise((resolve, reject) => {
			queue.push({ events, reasons, now, rows, overtaken: 0, resolve, reject });
			schedule();
		});
}

/** The store the server uses: group commit (see groupCommit), on either database. */
export function storeFor(db: Kysely<Database>): StoreBatch {
	return groupCommit(db);
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
	// The same counts per hour, for the health rules (server/health.ts).
	const hour = lastAt.slice(0, 13);
	await db
		.insertInto('rejections_hourly')
		.values([...counts].sort().map(([reason, count]) => ({ hour, reason, count })))
		.onConflict((oc) =>
			oc.columns(['hour', 'reason']).doUpdateSet((eb) => ({
				count: eb('rejections_hourly.count', '+', eb.ref('excluded.count'))
			}))
		)
		.execute();
}

/**
 * Deletes everything stored under one installation id and leaves a tombstone, in one transaction;
 * returns how many events were removed.
 */
export async function deleteInstallation(
	db: Kysely<Database>,
	installationId: string,
	now: Date = new Date()
): Promise<number> {
	const id = installationId.toLowerCase();
	return db.transaction().execute(async (tx) => {
		// Waits for ingestion holding this installation's lock (see tombstonesOf), and makes new
		// ingestion wait for this commit, after which it sees the tombstone.
		if (!(tx.getExecutor().adapter instanceof SqliteAdapter))
			await tx.executeQuery(
				CompiledQuery.raw('select pg_advisory_xact_lock($1::bigint)', [
					installationLockKey(installationHash(id))
				])
			);
		await tx
			.insertInto('deleted_installations')
			.values({ installation_hash: installationHash(id), deleted_at: now.toISOString() })
			.onConflict((oc) => oc.column('installation_hash').doUpdateSet({ deleted_at: now.toISOString() }))
			.execute();
		// Its contribution to the rollups goes too: summed rows are decremented, and rows keyed by the
		// installation are deleted outright (a row of zeros would still say it existed).
		const rows = await tx.selectFrom('events').selectAll().where('installation_id', '=', id).execute();
		await removeFromRollups(tx, rows);
		const days = [...new Set(rows.map((r) => r.occurred_at.slice(0, 10)))];
		for (let i = 0; i < days.length; i += 500)
			await tx
				.deleteFrom('rollup_daily')
				.where('installation_id', '=', id)
				.where('day', 'in', days.slice(i, i + 500))
				.execute();
		await tx.deleteFrom('rollup_blocks').where('installation_id', '=', id).execute();
		await tx.deleteFrom('rollup_transcripts').where('installation_id', '=', id).execute();
		const r = await tx.deleteFrom('events').where('installation_id', '=', id).executeTakeFirst();
		return Number(r.numDeletedRows);
	});
}
