/**
 * Rollups: the sums the dashboard reads, maintained at ingestion in the same transaction as the event
 * insert (so they cannot disagree with the events), and taken back out when events are deleted
 * (retention, installation deletion). Every rollup row is a pure function of events: `contributions`
 * turns one event into signed increments, and the same function builds, backfills and removes.
 *
 * Tables (migration 0006; a version key VK is model_id, model_version, model_sha256, arm — arm 'unknown'
 * for schema version 1 events — and `day` is the UTC day of occurred_at, 'YYYY-MM-DD'):
 * - rollup_daily (day, VK, installation_id, rate): the latest corrections' counts (corrections, errors,
 *   reference_words, hypothesis_words), the latest session summaries' (summaries, reviewed_words,
 *   transcribed_words) and ratings per star (stars_1 … stars_5). Per installation, because the clustered
 *   bootstrap and the daily clustered variance resample installations.
 * - rollup_blocks (VK, installation_id, rate, block) (migration 0007): rollup_daily summed per block of
 *   BLOCK_DAYS days, so the installation sums of a window read one row per installation and block.
 * - rollup_day_stats (day, VK) (0007): per day, the installations in the daily WER and rating series and
 *   Σ of their day's e, w, e², w², e·w (see `installationDay`), so the daily bands read one row per day.
 * - rollup_outcomes (day, VK, kind, minutes) (0007): rollup_transcripts counted per day: seen (last
 *   event), exported (first export), timed (transcription day, minutes to export).
 *   These three derive from rollup_daily and rollup_transcripts: `deriveRollups` adds to a delta what
 *   it changes in them, from the stored rows before it (one read per installation-day and transcript).
 * - rollup_tags (day, VK, tag): ratings carrying a tag, n and Σ 1/rate.
 * - rollup_labels (day, VK, bucket): labelled words of each segment's latest label (correction or segment_reviewed) per hundredth of confidence
 *   and changed flag (bucket = hundredth · 2 + changed, exactly what assemble.ts compressLabels keeps):
 *   words, Σ 1/rate, Σ confidence/rate.
 * - rollup_label_installations (VK, installation_id) (migration 0009): the words of rollup_labels per
 *   installation over all days, for the production threshold's minimum number of installations.
 * - rollup_confusions (day, VK, from_word, to_word): confusions of the latest corrections, n and Σ 1/rate.
 * - rollup_rtf (day, VK, backend, cores, rtf): finished jobs per RTF bucket (see `rtfBucket`).
 * - rollup_jobs (day, VK, backend): jobs, failed, segments and repetition segments of finished jobs.
 * - rollup_transcripts (installation_id, transcript_id, VK): events of the transcript (transcription,
 *   outcome, session_summary, rating), the last one's time and the first transcription's and export's.
 * - rollup_hourly (hour, type): accepted events per received hour (the health rules).
 * - rollup_latest (transcript_id, segment_id, kind, installation_id): which event is the latest revision
 *   of a segment (kind 'correction': its latest correction, else its segment_reviewed) or transcript (kind 'session_summary', segment_id ''); only that
 *   one counts in the latest-revision sums above, as in the event queries.
 *
 * Known differences from scanning the events: the window is whole UTC days; "latest" is the latest
 * revision overall, counted on its own day (the event queries took the latest within the window, which
 * differs only when a higher revision occurred earlier than a lower one); a transcript's export and
 * transcription times are its first ones. When retention deletes the latest revision of a segment,
 * the segment stops counting (its older revisions were received earlier and are deleted first anyway).
 */
import { CompiledQuery, SqliteAdapter, sql, type Kysely } from 'kysely';
import { RATING_TAGS, type TelemetryEvent } from '../telemetry/schema';
import type { Database, EventsTable } from './db/tables';

const VK = ['model_id', 'model_version', 'model_sha256', 'arm'] as const;

/** What rollup_daily and rollup_blocks sum per installation (the blocks are whole runs of days). */
export const INSTALLATION_SUMS = [
	'corrections',
	'errors',
	'reference_words',
	'hypothesis_words',
	'summaries',
	'reviewed_words',
	'transcribed_words',
	'stars_1',
	'stars_2',
	'stars_3',
	'stars_4',
	'stars_5'
] as const;

/** The additive rollup tables: key columns and summed columns. */
export const ROLLUP_TABLES = {
	rollup_daily: {
		keys: ['day', ...VK, 'installation_id', 'rate'],
		vals: INSTALLATION_SUMS
	},
	rollup_blocks: {
		keys: [...VK, 'installation_id', 'rate', 'block'],
		vals: INSTALLATION_SUMS
	},
	rollup_day_stats: {
		keys: ['day', ...VK],
		vals: [
			'w_installations',
			'w_e',
			'w_w',
			'w_ee',
			'w_ww',
			'w_ew',
			'r_installations',
			'r_e',
			'r_w',
			'r_ee',
			'r_ww',
			'r_ew'
		]
	},
	rollup_outcomes: { keys: ['day', ...VK, 'kind', 'minutes'], vals: ['transcripts'] },
	rollup_tags: { keys: ['day', ...VK, 'tag'], vals: ['n', 'weight'] },
	rollup_labels: { keys: ['day', ...VK, 'bucket'], vals: ['words', 'weight', 'confidence'] },
	rollup_label_installations: { keys: [...VK, 'installation_id'], vals: ['words'] },
	rollup_confusions: { keys: ['day', ...VK, 'from_word', 'to_word'], vals: ['n', 'weight'] },
	rollup_rtf: { keys: ['day', ...VK, 'backend', 'cores', 'rtf'], vals: ['jobs'] },
	rollup_jobs: { keys: ['day', ...VK, 'backend'], vals: ['jobs', 'failed', 'segments', 'repetitions'] },
	rollup_hourly: { keys: ['hour', 'type'], vals: ['events'] }
} as const;
type Additive = keyof typeof ROLLUP_TABLES;

/** Columns of rows whose only real content is a count: a row at 0 there holds nothing. */
export const ROLLUP_COUNT_COLUMNS: Record<Additive, string> = {
	rollup_daily: 'corrections + summaries + stars_1 + stars_2 + stars_3 + stars_4 + stars_5',
	rollup_blocks: 'corrections + summaries + stars_1 + stars_2 + stars_3 + stars_4 + stars_5',
	rollup_day_stats: 'w_installations + r_installations',
	rollup_outcomes: 'transcripts',
	rollup_tags: 'n',
	rollup_labels: 'words',
	rollup_label_installations: 'words',
	rollup_confusions: 'n',
	rollup_rtf: 'jobs',
	rollup_jobs: 'jobs',
	rollup_hourly: 'events'
};

/**
 * The RTF histogram's bucket of a job (its representative value). Edges: hundredths below 2 (the value
 * is RTF rounded to 0.01, so a percentile is off by at most 0.005), tenths from 2 to 10 (at most 0.05),
 * whole numbers from 10 to 100 (at most 0.5), and everything from 100 up in one bucket 100. At most
 * 200 + 80 + 91 buckets per version, backend and cores.
 */
export function rtfBucket(rtf: number): number {
	if (rtf < 1.995) return Math.round(rtf * 100) / 100;
	if (rtf < 9.95) return Math.round(rtf * 10) / 10;
	return Math.min(100, Math.round(rtf));
}

/** The cores bucket the speed panel groups by. */
export function coresBucket(cores: number | null | undefined): string {
	if (cores === null || cores === undefined) return 'unknown';
	return cores <= 2 ? '1–2' : cores <= 4 ? '3–4' : cores <= 8 ? '5–8' : '9+';
}

/** Signed increments, per table and key, waiting to be written. */
export class RollupDelta {
	readonly rows = new Map<Additive, Map<string, { keys: unknown[]; vals: number[] }>>();
	readonly transcripts = new Map<
		string,
		{ keys: unknown[]; events: number; last: string; done: string | null; exported: string | null }
	>();

	/** Adds `vals` (by column name) to the row of `table` with these key values. */
	add(table: Additive, keys: unknown[], vals: Partial<Record<string, number>>): void {
		let t = this.rows.get(table);
		if (!t) this.rows.set(table, (t = new Map()));
		// Key parts are ids, words and numbers: joined with a control character they stay distinct.
		const k = keys.join('\u0001');
		const cols = ROLLUP_TABLES[table].vals;
		let r = t.get(k);
		if (!r) t.set(k, (r = { keys, vals: new Array<number>(cols.length).fill(0) }));
		for (let i = 0; i < cols.length; i++) r.vals[i] += vals[cols[i]] ?? 0;
	}

	/** Adds `vals` in the table's column order to the row of `table` with these key values. */
	addVals(table: Additive, keys: unknown[], vals: readonly number[]): void {
		let t = this.rows.get(table);
		if (!t) this.rows.set(table, (t = new Map()));
		const k = keys.join('\u0001');
		let r = t.get(k);
		if (!r) t.set(k, (r = { keys, vals: new Array<number>(vals.length).fill(0) }));
		for (let i = 0; i < vals.length; i++) r.vals[i] += vals[i];
	}
}

type Row = Pick<
	EventsTable,
	| 'id'
	| 'type'
	| 'occurred_at'
	| 'received_at'
	| 'installation_id'
	| 'transcript_id'
	| 'segment_id'
	| 'revision'
	| 'model_id'
	| 'model_version'
	| 'model_sha256'
	| 'arm'
	| 'backend'
	| 'sampling_rate'
	| 'substitutions'
	| 'insertions'
	| 'deletions'
	| 'reference_words'
	| 'reviewed_words'
	| 'stars'
>;
/** A stored event row with its parsed event. */
export interface RollupItem {
	row: Row;
	event: TelemetryEvent;
}

const vk = (r: Row) => [r.model_id, r.model_version, r.model_sha256, r.arm ?? 'unknown'];
const rateOf = (r: Row) => r.sampling_rate ?? 1;
const dayOf = (r: Row) => r.occurred_at.slice(0, 10);

/**
 * The labelled model words of a correction or segment_reviewed: the words latestContribution puts in
 * rollup_labels (a correction's ops with a model word and its confidence — the schema sets both or
 * neither —, a segment_reviewed's words).
 */
export function labelledWords(e: TelemetryEvent): number {
	if (e.type === 'segment_reviewed') return e.words.length;
	if (e.type !== 'correction') return 0;
	let n = 0;
	for (const a of e.alignment) if (a.original !== null && a.confidence !== null) n++;
	return n;
}

/** The part of an event that counts only while it is the latest revision of its segment or transcript. */
export function latestContribution(it: RollupItem, sign: number, d: RollupDelta): void {
	const { row, event: e } = it;
	const rate = rateOf(row);
	const day = dayOf(row);
	if (e.type === 'correction' || e.type === 'segment_reviewed')
		d.add('rollup_label_installations', [...vk(row), row.installation_id], {
			words: sign * labelledWords(e)
		});
	if (e.type === 'correction') {
		const del = row.deletions ?? 0;
		const ins = row.insertions ?? 0;
		const ref = row.reference_words ?? 0;
		d.add('rollup_daily', [day, ...vk(row), row.installation_id, rate], {
			corrections: sign,
			errors: sign * ((row.substitutions ?? 0) + ins + del),
			reference_words: sign * ref,
			hypothesis_words: sign * (ref - del + ins)
		});
		for (const a of e.alignment) {
			if (a.original !== null && a.confidence !== null) {
				const changed = a.op === 'substitution' || a.op === 'insertion';
				const bucket = Math.min(99, Math.floor(a.confidence * 100)) * 2 + (changed ? 1 : 0);
				d.add('rollup_labels', [day, ...vk(row), bucket], {
					words: sign,
					weight: sign / rate,
					confidence: (sign * a.confidence) / rate
				});
			}
			const to = a.op === 'substitution' ? a.corrected : a.op === 'insertion' ? '∅' : null;
			if (to !== null && a.original !== null)
				d.add('rollup_confusions', [day, ...vk(row), a.original, to], { n: sign, weight: sign / rate });
		}
	}
	if (e.type === 'segment_reviewed')
		// Reviewed without edits: every model word was kept, the calibration's negatives. Its revision
		// (−1) ranks below every correction, so a later correction of the segment displaces it.
		for (const [, confidence] of e.words) {
			const bucket = Math.min(99, Math.floor(confidence * 100)) * 2;
			d.add('rollup_labels', [day, ...vk(row), bucket], {
				words: sign,
				weight: sign / rate,
				confidence: (sign * confidence) / rate
			});
		}
	if (e.type === 'session_summary')
		d.add('rollup_daily', [day, ...vk(row), row.installation_id, rate], {
			summaries: sign,
			reviewed_words: sign * (row.reviewed_words ?? 0),
			transcribed_words: sign * e.transcribedWords
		});
}

const TRANSCRIPT_TYPES = new Set(['transcription', 'outcome', 'session_summary', 'rating']);

/** The part of an event that always counts (every event of it adds). */
export function plainContribution(it: RollupItem, sign: number, d: RollupDelta): void {
	const { row, event: e } = it;
	d.add('rollup_hourly', [row.received_at.slice(0, 13), row.type], { events: sign });
	if (e.type === 'client_report') return;
	const rate = rateOf(row);
	const day = dayOf(row);
	if (e.type === 'rating') {
		d.add('rollup_daily', [day, ...vk(row), row.installation_id, rate], { [`stars_${e.stars}`]: sign });
		for (const tag of new Set(e.tags))
			if ((RATING_TAGS as readonly string[]).includes(tag))
				d.add('rollup_tags', [day, ...vk(row), tag], { n: sign, weight: sign / rate });
	}
	if (e.type === 'transcription') {
		const done = e.status === 'done';
		d.add('rollup_jobs', [day, ...vk(row), row.backend], {
			jobs: sign,
			failed: e.status === 'failed' ? sign : 0,
			segments: done ? sign * e.segments : 0,
			repetitions: done ? sign * e.repetitionSegments : 0
		});
		if (done && e.audioSeconds > 0)
			d.add(
				'rollup_rtf',
				[
					day,
					...vk(row),
					row.backend,
					coresBucket(e.device?.cores),
					rtfBucket(e.processingSeconds / e.audioSeconds)
				],
				{ jobs: sign }
			);
	}
	if (TRANSCRIPT_TYPES.has(e.type) && row.transcript_id !== null) {
		const keys = [row.installation_id, row.transcript_id, ...vk(row)];
		const k = JSON.stringify(keys);
		const t = d.transcripts.get(k) ?? { keys, events: 0, last: '', done: null, exported: null };
		t.events += sign;
		const min = (a: string | null, b: string) => (a === null || b < a ? b : a);
		if (row.occurred_at > t.last) t.last = row.occurred_at;
		// Removing: the times of the events removed, which the row forgets if they are its first ones.
		if (e.type === 'transcription') t.done = min(t.done, row.occurred_at);
		if (e.type === 'outcome') t.exported = min(t.exported, row.occurred_at);
		d.transcripts.set(k, t);
	}
}

/**
 * One upsert written twice, as fixed text: for SQLite a single-row statement run once per row (prepared
 * once and kept by the statement cache, so nothing is compiled or parsed per batch: measured, the
 * kysely-built multi-row upserts cost more to compile than to run for the few rows a batch touches),
 * for PostgreSQL one statement taking each column as an array (`unnest`), so a table is one round trip
 * whatever the number of rows.
 */
interface Upsert {
	sqlite: string;
	postgres: string;
}

// PostgreSQL array types of the columns that are not text (keys) or bigint (summed values).
const PG_TYPES: Record<string, string> = {
	rate: 'float8',
	rtf: 'float8',
	bucket: 'int4',
	weight: 'float8',
	confidence: 'float8',
	minutes: 'int4',
	w_e: 'float8',
	w_w: 'float8',
	w_ee: 'float8',
	w_ww: 'float8',
	w_ew: 'float8',
	r_e: 'float8',
	r_w: 'float8',
	r_ee: 'float8',
	r_ww: 'float8',
	r_ew: 'float8',
	revision: 'int4',
	last_at: 'text',
	done_at: 'text',
	exported_at: 'text',
	event_id: 'text',
	occurred_at: 'text'
};

function upsert(table: string, keys: readonly string[], vals: readonly string[], set: string): Upsert {
	const cols = [...keys, ...vals];
	const head = `insert into "${table}" (${cols.map((c) => `"${c}"`).join(', ')})`;
	const tail = `on conflict (${keys.map((c) => `"${c}"`).join(', ')}) do update set ${set}`;
	const types = cols.map((c, i) => PG_TYPES[c] ?? (i < keys.length ? 'text' : 'int8'));
	return {
		sqlite: `${head} values (${cols.map(() => '?').join(', ')}) ${tail}`,
		postgres: `${head} select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) ${tail}`
	};
}

const ADDITIVE_UPSERTS = Object.fromEntries(
	Object.entries(ROLLUP_TABLES).map(([table, { keys, vals }]) => [
		table,
		upsert(table, keys, vals, vals.map((c) => `"${c}" = "${table}"."${c}" + excluded."${c}"`).join(', '))
	])
) as Record<Additive, Upsert>;

const TRANSCRIPT_KEYS = ['installation_id', 'transcript_id', ...VK];
const TRANSCRIPT_VALS = ['events', 'last_at', 'done_at', 'exported_at'];
// Adding keeps the earliest transcription and export and the latest event (null never replaces a
// time); removing forgets a time that was the removed event's (a transcript has one of each).
const transcriptUpsert = (adding: boolean) => {
	const c = (name: string) => `"rollup_transcripts"."${name}"`;
	const x = (name: string) => `excluded."${name}"`;
	const time = (n: string) =>
		adding
			? `case when ${x(n)} is not null and (${c(n)} is null or ${x(n)} < ${c(n)}) then ${x(n)} else ${c(n)} end`
			: `case when ${c(n)} = ${x(n)} then null else ${c(n)} end`;
	const last = adding
		? `case when ${x('last_at')} > ${c('last_at')} then ${x('last_at')} else ${c('last_at')} end`
		: c('last_at');
	return upsert(
		'rollup_transcripts',
		TRANSCRIPT_KEYS,
		TRANSCRIPT_VALS,
		`"events" = ${c('events')} + excluded."events", "last_at" = ${last}, ` +
			`"done_at" = ${time('done_at')}, "exported_at" = ${time('exported_at')}`
	);
};
const TRANSCRIPT_UPSERTS = { adding: transcriptUpsert(true), removing: transcriptUpsert(false) };

const LATEST_KEYS = ['transcript_id', 'segment_id', 'kind', 'installation_id'];
const LATEST_UPSERT = upsert(
	'rollup_latest',
	LATEST_KEYS,
	['event_id', 'revision', 'occurred_at'],
	'"event_id" = excluded."event_id", "revision" = excluded."revision", "occurred_at" = excluded."occurred_at"'
);

const isSqlite = (db: Kysely<Database>) => db.getExecutor().adapter instanceof SqliteAdapter;

/** An upsert with the rows (values in its column order) to run it for. */
type Write = [Upsert, unknown[][]];

/**
 * Runs upserts: on SQLite row by row; on PostgreSQL all of them in one statement (each a data-modifying
 * WITH query, on its own table), so a request's rollups cost one round trip.
 */
async function runUpserts(db: Kysely<Database>, writes: Write[]): Promise<void> {
	const todo = writes.filter(([, rows]) => rows.length > 0);
	if (isSqlite(db)) {
		for (const [u, rows] of todo) for (const r of rows) await db.executeQuery(CompiledQuery.raw(u.sqlite, r));
		return;
	}
	if (todo.length === 0) return;
	const params: unknown[] = [];
	const parts = todo.map(([u, rows], i) => {
		const offset = params.length;
		for (let c = 0; c < rows[0].length; c++) params.push(rows.map((r) => r[c]));
		return `w${i} as (${u.postgres.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
	});
	await db.executeQuery(CompiledQuery.raw(`with ${parts.join(', ')} select 1`, params));
}

/** The writes of a delta: every row's sums move by its increments (inserted when new). */
function deltaWrites(d: RollupDelta): Write[] {
	const ts = [...d.transcripts.values()];
	return [
		...[...d.rows].map(([table, rows]): Write => [
			ADDITIVE_UPSERTS[table],
			[...rows.values()].map((r) => [...r.keys, ...r.vals])
		]),
		...[true, false].map((adding): Write => [
			TRANSCRIPT_UPSERTS[adding ? 'adding' : 'removing'],
			ts.filter((t) => t.events >= 0 === adding).map((t) => [...t.keys, t.events, t.last, t.done, t.exported])
		])
	];
}

/** Writes a delta, with what it changes in the derived tables (deriveRollups): every row's sums move by its increments (inserted when new). */
export async function applyDelta(db: Kysely<Database>, d: RollupDelta): Promise<void> {
	await deriveRollups(db, d);
	await runUpserts(db, deltaWrites(d));
}

const DAY_MS = 86_400_000;
/**
 * Days per block of rollup_blocks. A window of d days reads its whole blocks there (one row per
 * installation and block) and only its first, partial block's days from rollup_daily: about
 * 5000 · (90/8 + 3.5/2) rows for 90 days at 5,000 installations instead of 5000 · 45, for one more
 * upsert per rollup_daily row at ingestion.
 */
export const BLOCK_DAYS = 8;
const epochDay = (day: string) => Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
const dayText = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
const blockOffset = (d: number) => ((d % BLOCK_DAYS) + BLOCK_DAYS) % BLOCK_DAYS;

/** The block holding `day` ('YYYY-MM-DD'): its first day, blocks of BLOCK_DAYS days counted from 1970-01-01. */
export function blockOf(day: string): string {
	const d = epochDay(day);
	return dayText(d - blockOffset(d));
}

/** The first block starting on or after `day`: a window from `day` holds it and every later block whole. */
export function firstBlockFrom(day: string): string {
	const d = epochDay(day);
	const r = blockOffset(d);
	return dayText(r === 0 ? d : d + BLOCK_DAYS - r);
}

/** One rollup_daily row's values in column order (ROLLUP_TABLES.rollup_daily.vals) with its rate. */
export interface DailyValues {
	rate: number;
	vals: readonly number[];
}

/**
 * One installation's day in the daily series, from its rollup_daily rows (one per rate): in the WER
 * series (1/0), its weighted errors e and words w (corrections and un-edited reviewed words), e², w²,
 * e·w; then the same for ratings (e = Σ stars/rate, w = Σ 1/rate). rollup_day_stats sums these over the
 * installations of a day, which is what the daily clustered variance needs.
 */
export function installationDay(rows: readonly DailyValues[]): number[] {
	let wIn = 0;
	let we = 0;
	let ww = 0;
	let rIn = 0;
	let re = 0;
	let rw = 0;
	for (const { rate, vals: v } of rows) {
		if (v[0] + v[4] > 0) {
			wIn = 1;
			we += v[1] / rate;
			ww += (v[2] + v[5]) / rate;
		}
		const ratings = v[7] + v[8] + v[9] + v[10] + v[11];
		if (ratings > 0) {
			rIn = 1;
			re += (v[7] + 2 * v[8] + 3 * v[9] + 4 * v[10] + 5 * v[11]) / rate;
			rw += ratings / rate;
		}
	}
	return [wIn, we, ww, we * we, ww * ww, we * ww, rIn, re, rw, re * re, rw * rw, re * rw];
}

/** A rollup_transcripts row's state: events, last event's time, first transcription's and export's. */
export interface TranscriptState {
	events: number;
	last: string;
	done: string | null;
	exported: string | null;
}

/** A transcript's row after an upsert of `t` onto `before` (the same rules as its SQL, see transcriptUpsert). */
export function transcriptAfter(before: TranscriptState | undefined, t: TranscriptState): TranscriptState {
	if (!before) return { ...t };
	if (t.events >= 0)
		return {
			events: before.events + t.events,
			last: t.last > before.last ? t.last : before.last,
			done: t.done !== null && (before.done === null || t.done < before.done) ? t.done : before.done,
			exported:
				t.exported !== null && (before.exported === null || t.exported < before.exported)
					? t.exported
					: before.exported
		};
	return {
		events: before.events + t.events,
		last: before.last,
		done: before.done === t.done ? null : before.done,
		exported: before.exported === t.exported ? null : before.exported
	};
}

/** Whole minutes from a transcript's transcription to its export (rounded to the nearest). */
export const minutesToExport = (done: string, exported: string) =>
	Math.round((Date.parse(exported) - Date.parse(done)) / 60_000);

/**
 * A transcript's rows in rollup_outcomes: seen on its last event's day, exported on its first export's
 * day, timed on its transcription's day with the minutes to export (when exported after it). A window
 * from a midnight counts a transcript seen when its last event is in it (as the event queries did), and
 * its export, which is never after its last event, likewise.
 */
function outcomeContribution(r: TranscriptState | undefined, vkey: unknown[], sign: number, d: RollupDelta) {
	if (!r || r.events <= 0) return;
	d.add('rollup_outcomes', [r.last.slice(0, 10), ...vkey, 'seen', -1], { transcripts: sign });
	if (r.exported === null) return;
	d.add('rollup_outcomes', [r.exported.slice(0, 10), ...vkey, 'exported', -1], { transcripts: sign });
	if (r.done !== null && r.exported >= r.done)
		d.add('rollup_outcomes', [r.done.slice(0, 10), ...vkey, 'timed', minutesToExport(r.done, r.exported)], {
			transcripts: sign
		});
}

/** Stored rows by their key values joined with \u0001 (every key read is there, with [] when none). */
type Stored = Map<string, Record<string, unknown>[]>;
const joinKey = (cols: readonly string[], row: Record<string, unknown>) =>
	cols.map((c) => row[c]).join('\u0001');

/** PostgreSQL: the rows of `table` whose `keyCols` equal one of the arrays $offset+1 … (one per column). */
const pgSelectByKeys = (table: string, keyCols: readonly string[], cols: readonly string[], offset: number) =>
	`select ${[...keyCols, ...cols].map((c) => `"${c}"`).join(', ')} from "${table}" ` +
	`where (${keyCols.map((c) => `"${c}"`).join(', ')}) in ` +
	`(select * from unnest(${keyCols.map((_, i) => `$${offset + i + 1}::text[]`).join(', ')}))`;
const columnsOf = (keys: unknown[][], n: number) =>
	Array.from({ length: n }, (_, i) => keys.map((k) => k[i]));

/**
 * Stored rows of `table` whose `keyCols` equal one of `keys`, by those values joined with \u0001: on
 * SQLite one fixed statement per key (an index range each), on PostgreSQL one unnest query. Keys already
 * in `known` (read before, see prefetchPg) are taken from there.
 */
async function rowsByKeys(
	db: Kysely<Database>,
	table: string,
	keyCols: readonly string[],
	cols: readonly string[],
	keys: unknown[][],
	known?: Stored
): Promise<Stored> {
	const out: Stored = new Map();
	const todo: unknown[][] = [];
	for (const k of keys) {
		const j = k.join('\u0001');
		const rows = known?.get(j);
		if (rows) out.set(j, rows);
		else if (!out.has(j)) {
			out.set(j, []);
			todo.push(k);
		}
	}
	if (todo.length === 0) return out;
	const put = (row: Record<string, unknown>) => out.get(joinKey(keyCols, row))?.push(row);
	if (isSqlite(db)) {
		const select = `select ${[...keyCols, ...cols].map((c) => `"${c}"`).join(', ')} from "${table}"`;
		const text = `${select} where ${keyCols.map((c) => `"${c}" = ?`).join(' and ')}`;
		for (const k of todo)
			for (const row of (await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, k))).rows)
				put(row);
		return out;
	}
	const r = await db.executeQuery<Record<string, unknown>>(
		CompiledQuery.raw(pgSelectByKeys(table, keyCols, cols, 0), columnsOf(todo, keyCols.length))
	);
	for (const row of r.rows) put(row);
	return out;
}

const DAILY_VALS = ROLLUP_TABLES.rollup_daily.vals;
const DAY_GROUP = ['day', ...VK, 'installation_id'];
const dailyValues = (row: Record<string, unknown>): DailyValues => ({
	rate: Number(row.rate),
	vals: DAILY_VALS.map((c) => Number(row[c]))
});

/**
 * Adds to a delta what it changes in the tables derived from rollup_daily and rollup_transcripts:
 * rollup_blocks (the daily rows summed per block), rollup_day_stats (an installation-day's statistics
 * before and after, from the stored rows plus the delta) and rollup_outcomes (a transcript's rows
 * before and after). Reads the stored rows, so call it before the delta is written, in its transaction
 * (like the latest-revision states, it relies on one writer at a time per installation).
 */
export async function deriveRollups(
	db: Kysely<Database>,
	d: RollupDelta,
	known?: { daily: Stored; transcripts: Stored }
): Promise<void> {
	const daily = d.rows.get('rollup_daily');
	if (daily) {
		const groups = new Map<string, { keys: unknown[]; rows: DailyValues[] }>();
		for (const r of daily.values()) {
			const [day, ...rest] = r.keys;
			const rate = rest[5] as number;
			d.addVals('rollup_blocks', [...rest, blockOf(day as string)], r.vals);
			const keys = [day, ...rest.slice(0, 5)];
			const k = keys.join('\u0001');
			const g = groups.get(k);
			if (g) g.rows.push({ rate, vals: r.vals });
			else groups.set(k, { keys, rows: [{ rate, vals: r.vals }] });
		}
		const stored = await rowsByKeys(
			db,
			'rollup_daily',
			DAY_GROUP,
			['rate', ...DAILY_VALS],
			[...groups.values()].map((g) => g.keys),
			known?.daily
		);
		for (const [k, g] of groups) {
			const before = (stored.get(k) ?? []).map(dailyValues);
			const after = before.map((b) => ({ rate: b.rate, vals: [...b.vals] }));
			for (const x of g.rows) {
				const same = after.find((a) => a.rate === x.rate);
				if (same) same.vals = same.vals.map((v, i) => v + x.vals[i]);
				else after.push({ rate: x.rate, vals: [...x.vals] });
			}
			const b = installationDay(before);
			d.addVals(
				'rollup_day_stats',
				g.keys.slice(0, 5),
				installationDay(after).map((x, i) => x - b[i])
			);
		}
	}
	if (d.transcripts.size > 0) {
		const ts = [...d.transcripts.values()];
		const stored = await rowsByKeys(
			db,
			'rollup_transcripts',
			TRANSCRIPT_KEYS,
			TRANSCRIPT_VALS,
			ts.map((t) => t.keys),
			known?.transcripts
		);
		for (const t of ts) {
			const row = stored.get(t.keys.join('\u0001'))?.[0];
			const before = row && transcriptState(row);
			const vkey = t.keys.slice(2);
			outcomeContribution(before, vkey, -1, d);
			outcomeContribution(transcriptAfter(before, t), vkey, 1, d);
		}
	}
}

const transcriptState = (row: Record<string, unknown>): TranscriptState => ({
	events: Number(row.events),
	last: row.last_at as string,
	done: (row.done_at as string | null) ?? null,
	exported: (row.exported_at as string | null) ?? null
});

const DERIVED = ['rollup_blocks', 'rollup_day_stats', 'rollup_outcomes'] as const;

/**
 * Rebuilds the derived tables (rollup_blocks, rollup_day_stats, rollup_outcomes) from rollup_daily and
 * rollup_transcripts, day by day (migration 0007 on a database whose rollups already exist).
 */
export async function rebuildDerivedRollups(db: Kysely<Database>): Promise<void> {
	for (const t of DERIVED) await sql`delete from ${sql.table(t)}`.execute(db);
	const days = await db.selectFrom('rollup_daily').select('day').distinct().orderBy('day').execute();
	for (const { day } of days) {
		const d = new RollupDelta();
		const rows = await db.selectFrom('rollup_daily').selectAll().where('day', '=', day).execute();
		const groups = new Map<string, { keys: unknown[]; rows: DailyValues[] }>();
		for (const row of rows) {
			const v = dailyValues(row as unknown as Record<string, unknown>);
			const keys = [row.day, ...VK.map((c) => row[c]), row.installation_id];
			d.addVals('rollup_blocks', [...keys.slice(1), v.rate, blockOf(day)], v.vals);
			const k = keys.join('\u0001');
			const g = groups.get(k);
			if (g) g.rows.push(v);
			else groups.set(k, { keys, rows: [v] });
		}
		for (const g of groups.values())
			d.addVals('rollup_day_stats', g.keys.slice(0, 5), installationDay(g.rows));
		await runUpserts(db, deltaWrites(d));
	}
	const d = new RollupDelta();
	for (const row of await db.selectFrom('rollup_transcripts').selectAll().execute())
		outcomeContribution(
			transcriptState(row as unknown as Record<string, unknown>),
			VK.map((c) => row[c]),
			1,
			d
		);
	await runUpserts(db, deltaWrites(d));
}

const LATEST_TYPES = new Set(['correction', 'segment_reviewed', 'session_summary']);
interface LatestState {
	event_id: string;
	revision: number;
	occurred_at: string;
	/** The event counted now, when this call made it the latest. */
	item?: RollupItem;
	/** The stored event counted now (loadStates), when it is still stored. */
	row?: EventsTable;
}
// A segment's label is its latest correction or, below any correction, its segment_reviewed: one kind.
const stateParts = (r: Row): string[] =>
	r.type === 'correction' || r.type === 'segment_reviewed'
		? [r.transcript_id!, r.segment_id!, 'correction', r.installation_id]
		: [r.transcript_id!, '', r.type, r.installation_id];
const stateKey = (r: Row) => JSON.stringify(stateParts(r));
// The order of the event queries: highest revision, then later occurredAt, then greater id.
const newer = (r: Row, s: LatestState) =>
	(r.revision ?? 0) !== s.revision
		? (r.revision ?? 0) > s.revision
		: r.occurred_at !== s.occurred_at
			? r.occurred_at > s.occurred_at
			: r.id > s.event_id;

// On PostgreSQL a state comes with its event's row (left join: a state whose event is gone has none),
// so that displacing it costs no second round trip.
const STATE_COLUMNS =
	'l."event_id" as "state_event_id", l."revision" as "state_revision", ' +
	'l."occurred_at" as "state_occurred_at", e.*';
const STATE_FROM = 'from "rollup_latest" l left join "events" e on e."id" = l."event_id"';
const LATEST_SELECT_PG =
	`select ${LATEST_KEYS.map((c) => `l."${c}" as "state_${c}"`).join(', ')}, ${STATE_COLUMNS} ${STATE_FROM} ` +
	`where (${LATEST_KEYS.map((c) => `l."${c}"`).join(', ')}) in ` +
	`(select * from unnest($1::text[], $2::text[], $3::text[], $4::text[]))`;
type StateRow = Omit<EventsTable, 'id'> & {
	id: string | null;
	state_event_id: string;
	state_revision: number | string;
	state_occurred_at: string;
} & Partial<Record<`state_${(typeof LATEST_KEYS)[number]}`, string>>;

/** The stored latest-revision states of these rows’ segments and transcripts by stateKey (on PostgreSQL with their events). */
async function loadStates(db: Kysely<Database>, rows: Row[]): Promise<Map<string, LatestState>> {
	const out = new Map<string, LatestState>();
	const put = (k: string, s: StateRow) =>
		out.set(k, {
			event_id: s.state_event_id,
			revision: Number(s.state_revision),
			occurred_at: s.state_occurred_at,
			row: s.id === null ? undefined : (s as EventsTable)
		});
	if (isSqlite(db)) {
		// By transcript, in lists: measured on SQLite, one primary-key lookup per state costs about 11 µs
		// (30 with its event’s row) against 4 per state for the list; the events of displaced states are
		// read afterwards, in one list too (rowsById).
		const transcripts = [...new Set(rows.map((r) => r.transcript_id!))];
		for (let i = 0; i < transcripts.length; i += 500)
			for (const s of await db
				.selectFrom('rollup_latest')
				.selectAll()
				.where('transcript_id', 'in', transcripts.slice(i, i + 500))
				.execute())
				out.set(JSON.stringify([s.transcript_id, s.segment_id, s.kind, s.installation_id]), {
					event_id: s.event_id,
					revision: Number(s.revision),
					occurred_at: s.occurred_at
				});
		return out;
	}
	const r = await db.executeQuery<StateRow>(CompiledQuery.raw(LATEST_SELECT_PG, stateParams(rows)));
	for (const s of r.rows)
		put(
			JSON.stringify([s.state_transcript_id, s.state_segment_id, s.state_kind, s.state_installation_id]),
			s
		);
	return out;
}

/** LATEST_SELECT_PG's parameters: the state keys of these rows, one array per key column. */
const stateParams = (rows: Row[]) =>
	columnsOf([...new Map(rows.map((r) => [stateKey(r), stateParts(r)])).values()], LATEST_KEYS.length);

// The three reads of prefetchPg in one statement, each aggregated to one json column (no rows: null).
const agg = (select: string) => `(select json_agg(x) from (${select}) x)`;
const PREFETCH_PG =
	`select ${agg(LATEST_SELECT_PG)} as "latest", ` +
	`${agg(pgSelectByKeys('rollup_daily', DAY_GROUP, ['rate', ...DAILY_VALS], LATEST_KEYS.length))} as "daily", ` +
	`${agg(pgSelectByKeys('rollup_transcripts', TRANSCRIPT_KEYS, TRANSCRIPT_VALS, LATEST_KEYS.length + DAY_GROUP.length))} as "transcripts"`;
const DAILY_TYPES = new Set(['correction', 'session_summary']);

/**
 * PostgreSQL: in one round trip instead of three, the latest-revision states of `latest` (loadStates)
 * and the stored rollup_daily and rollup_transcripts rows deriveRollups will read for `d` (plain
 * contributions added) with the latest-revision ones: the installation-days of `d` and of `latest`'s
 * corrections and summaries, and d's transcripts. A displaced revision on another day or version is
 * read by deriveRollups afterwards (its key is not in `known`).
 */
async function prefetchPg(
	db: Kysely<Database>,
	latest: Row[],
	d: RollupDelta
): Promise<{ states: Map<string, LatestState>; known: { daily: Stored; transcripts: Stored } }> {
	const days = new Map<string, unknown[]>();
	for (const r of d.rows.get('rollup_daily')?.values() ?? []) {
		const keys = r.keys.slice(0, DAY_GROUP.length);
		days.set(keys.join('\u0001'), keys);
	}
	for (const r of latest)
		if (DAILY_TYPES.has(r.type)) {
			const keys = [dayOf(r), ...vk(r), r.installation_id];
			days.set(keys.join('\u0001'), keys);
		}
	const transcripts = [...d.transcripts.values()].map((t) => t.keys);
	const { rows } = await db.executeQuery<{
		latest: StateRow[] | null;
		daily: Record<string, unknown>[] | null;
		transcripts: Record<string, unknown>[] | null;
	}>(
		CompiledQuery.raw(PREFETCH_PG, [
			...stateParams(latest),
			...columnsOf([...days.values()], DAY_GROUP.length),
			...columnsOf(transcripts, TRANSCRIPT_KEYS.length)
		])
	);
	const states = new Map<string, LatestState>();
	for (const s of rows[0].latest ?? [])
		states.set(
			JSON.stringify([s.state_transcript_id, s.state_segment_id, s.state_kind, s.state_installation_id]),
			{
				event_id: s.state_event_id,
				revision: Number(s.state_revision),
				occurred_at: s.state_occurred_at,
				row: s.id === null ? undefined : (s as EventsTable)
			}
		);
	const stored = (
		keys: Iterable<unknown[]>,
		cols: readonly string[],
		found: Record<string, unknown>[] | null
	) => {
		const out: Stored = new Map();
		for (const k of keys) out.set(k.join('\u0001'), []);
		for (const row of found ?? []) out.get(joinKey(cols, row))?.push(row);
		return out;
	};
	return {
		states,
		known: {
			daily: stored(days.values(), DAY_GROUP, rows[0].daily),
			transcripts: stored(transcripts, TRANSCRIPT_KEYS, rows[0].transcripts)
		}
	};
}

/** Stored events by id (SQLite: the events of displaced states, which loadStates does not read there). */
async function rowsById(db: Kysely<Database>, ids: string[]): Promise<RollupItem[]> {
	const out: RollupItem[] = [];
	for (let i = 0; i < ids.length; i += 500) {
		const rows = await db
			.selectFrom('events')
			.selectAll()
			.where('id', 'in', ids.slice(i, i + 500))
			.execute();
		for (const row of rows) out.push({ row, event: JSON.parse(row.payload) as TelemetryEvent });
	}
	return out;
}

/**
 * Adds newly stored events to the rollups (call in the inserting transaction, with exactly the rows the
 * insert stored). A correction or summary that is now its segment's latest revision replaces the
 * previous latest one's contribution.
 */
export async function addToRollups(db: Kysely<Database>, items: readonly RollupItem[]): Promise<void> {
	const d = new RollupDelta();
	for (const it of items) plainContribution(it, 1, d);
	const latest = items.filter((it) => LATEST_TYPES.has(it.row.type) && it.row.transcript_id !== null);
	let latestRows: unknown[][] = [];
	const pre =
		isSqlite(db) || (latest.length === 0 && !d.rows.has('rollup_daily') && d.transcripts.size === 0)
			? undefined
			: await prefetchPg(
					db,
					latest.map((it) => it.row),
					d
				);
	if (latest.length > 0) {
		const states =
			pre?.states ??
			(await loadStates(
				db,
				latest.map((it) => it.row)
			));
		const displaced: string[] = [];
		const changed = new Set<string>();
		for (const it of latest) {
			const k = stateKey(it.row);
			const cur = states.get(k);
			if (cur && !newer(it.row, cur)) continue;
			if (cur?.item) latestContribution(cur.item, -1, d);
			else if (cur?.row)
				latestContribution({ row: cur.row, event: JSON.parse(cur.row.payload) as TelemetryEvent }, -1, d);
			else if (cur) displaced.push(cur.event_id);
			latestContribution(it, 1, d);
			states.set(k, {
				event_id: it.row.id,
				revision: it.row.revision ?? 0,
				occurred_at: it.row.occurred_at,
				item: it
			});
			changed.add(k);
		}
		for (const old of await rowsById(db, displaced)) latestContribution(old, -1, d);
		latestRows = [...changed].map((k) => {
			const s = states.get(k)!;
			return [...(JSON.parse(k) as string[]), s.event_id, s.revision, s.occurred_at];
		});
	}
	await deriveRollups(db, d, pre?.known);
	await runUpserts(db, [[LATEST_UPSERT, latestRows], ...deltaWrites(d)]);
}

/**
 * Takes events about to be deleted out of the rollups (call in the deleting transaction, before the
 * DELETE). A deleted latest revision stops counting and its state row goes.
 */
export async function removeFromRollups(db: Kysely<Database>, rows: readonly EventsTable[]): Promise<void> {
	const d = new RollupDelta();
	const items = rows.map((row) => ({ row, event: JSON.parse(row.payload) as TelemetryEvent }));
	for (const it of items) plainContribution(it, -1, d);
	const latest = items.filter((it) => LATEST_TYPES.has(it.row.type) && it.row.transcript_id !== null);
	if (latest.length > 0) {
		const states = await loadStates(
			db,
			latest.map((it) => it.row)
		);
		for (const it of latest) {
			const k = stateKey(it.row);
			if (states.get(k)?.event_id !== it.row.id) continue;
			latestContribution(it, -1, d);
			const [transcript_id, segment_id, kind, installation_id] = JSON.parse(k) as string[];
			await db
				.deleteFrom('rollup_latest')
				.where('transcript_id', '=', transcript_id)
				.where('segment_id', '=', segment_id)
				.where('kind', '=', kind)
				.where('installation_id', '=', installation_id)
				.execute();
		}
	}
	await applyDelta(db, d);
}

/** Deletes rollup rows that no longer hold anything (after removals). */
export async function pruneRollups(db: Kysely<Database>): Promise<void> {
	for (const [table, counts] of Object.entries(ROLLUP_COUNT_COLUMNS))
		await sql`delete from ${sql.table(table)} where ${sql.raw(counts)} <= 0`.execute(db);
	await db.deleteFrom('rollup_transcripts').where('events', '<=', 0).execute();
}

/** Rebuilds every rollup from the stored events (the migration's backfill), page by page. */
export async function backfillRollups(db: Kysely<Database>, pageSize = 2000): Promise<number> {
	let after = '';
	let total = 0;
	for (;;) {
		const rows = await db
			.selectFrom('events')
			.selectAll()
			.where('id', '>', after)
			.orderBy('id')
			.limit(pageSize)
			.execute();
		if (rows.length === 0) return total;
		const items = rows.map((row) => ({ row, event: JSON.parse(row.payload) as TelemetryEvent }));
		// A page in one transaction (unless the caller's, as in the migration): on SQLite the rows are
		// written by single-row statements, each its own commit outside one.
		if (db.isTransaction) await addToRollups(db, items);
		else await db.transaction().execute((tx) => addToRollups(tx, items));
		total += rows.length;
		after = rows[rows.length - 1].id;
	}
}

/** Rows per statement when RollupLoader writes (PostgreSQL: arrays of this length per column). */
const LOAD_CHUNK = 20_000;

/**
 * Builds every rollup of a history in memory and writes it in bulk, for loading many events into a
 * database with no rollups yet (the dashboard bench's generated history: addToRollups per batch takes
 * half an hour there on PostgreSQL, mostly reading back the rows it wrote a batch earlier). The same
 * contributions as addToRollups, so the tables end up as ingestion of the same events would leave
 * them (rollup.test.ts compares): plain ones per event, the latest revision's per segment and
 * transcript, the derived tables from the whole delta at once. `add` takes groups of events in which
 * every revision of a segment or transcript comes in one call (one installation's events, say), so no
 * event has to be kept past its call; a revision of a key an earlier call held is refused.
 */
export class RollupLoader {
	private readonly d = new RollupDelta();
	private readonly latestRows: unknown[][] = [];
	private readonly done = new Set<string>();

	/** Adds stored events (each once) whose segments' and transcripts' revisions are all in this call. */
	add(items: readonly RollupItem[]): void {
		const d = this.d;
		const latest = items.filter((it) => LATEST_TYPES.has(it.row.type) && it.row.transcript_id !== null);
		// Checked before anything is added, so a refused call leaves the loader as it was.
		for (const it of latest)
			if (this.done.has(stateKey(it.row)))
				throw new Error(`RollupLoader: revisions of ${stateKey(it.row)} came in two calls of add`);
		for (const it of items) plainContribution(it, 1, d);
		const states = new Map<string, LatestState & { item: RollupItem }>();
		for (const it of latest) {
			const k = stateKey(it.row);
			const cur = states.get(k);
			if (cur && !newer(it.row, cur)) continue;
			if (cur) latestContribution(cur.item, -1, d);
			latestContribution(it, 1, d);
			states.set(k, {
				event_id: it.row.id,
				revision: it.row.revision ?? 0,
				occurred_at: it.row.occurred_at,
				item: it
			});
		}
		for (const [k, s] of states) {
			this.done.add(k);
			this.latestRows.push([...(JSON.parse(k) as string[]), s.event_id, s.revision, s.occurred_at]);
		}
	}

	/** Writes everything added (call once, in a transaction, on a database whose rollups are empty). */
	async write(db: Kysely<Database>): Promise<void> {
		const held = await db.selectFrom('rollup_latest').select('event_id').limit(1).execute();
		const counted = await db.selectFrom('rollup_hourly').select('hour').limit(1).execute();
		if (held.length + counted.length > 0)
			throw new Error('RollupLoader writes only into empty rollups (use addToRollups or backfillRollups)');
		// Nothing stored yet: every installation-day and transcript deriveRollups would read is known empty.
		const empty = (keys: Iterable<unknown[]>): Stored =>
			new Map([...keys].map((k) => [k.join('\u0001'), []]));
		const days = [...(this.d.rows.get('rollup_daily')?.values() ?? [])].map((r) =>
			r.keys.slice(0, DAY_GROUP.length)
		);
		await deriveRollups(db, this.d, {
			daily: empty(days),
			transcripts: empty([...this.d.transcripts.values()].map((t) => t.keys))
		});
		for (const [u, rows] of [[LATEST_UPSERT, this.latestRows] as Write, ...deltaWrites(this.d)])
			for (let i = 0; i < rows.length; i += LOAD_CHUNK)
				await runUpserts(db, [[u, rows.slice(i, i + LOAD_CHUNK)]]);
	}
}
