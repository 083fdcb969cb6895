/**
 * TEST ORACLE: the dashboard SQL as it was before rollups (it scanned the events). rollup.test.ts checks
 * that the rollup queries give the same. Sufficient statistics per model version and arm over a time window, nothing
 * more (the statistics are in assemble.ts, via $lib/quality). The same SQL runs on SQLite and
 * PostgreSQL except for reading JSON payload fields (`Dialect`), which the two spell differently.
 *
 * Conventions: a version key is (model_id, model_version, model_sha256, arm), arm 'unknown' for schema
 * version 1 events; the window is occurred_at ≥ `from` (ISO UTC text sorts as time); weights are
 * 1 / sampling rate; of several correction (or session_summary) events of one segment (transcript)
 * only the latest revision counts, as in quality.ts.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../../src/lib/server/db/tables';
import type { Dialect, KeyCols } from '../../../src/lib/server/dashboard/queries';
import type { LabelledWord, ProductionLabels } from '../../../src/lib/quality';

const KEY = sql.raw(`model_id, model_version, model_sha256, coalesce(arm, 'unknown') as arm`);
const KEY_GROUP = sql.raw(`model_id, model_version, model_sha256, arm`);
const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

// A number field of the JSON payload.
function jsonNum(d: Dialect, field: string): RawBuilder<number> {
	return d === 'sqlite'
		? sql<number>`json_extract(payload, ${sql.lit('$.' + field)})`
		: sql<number>`(payload::jsonb #>> ${sql.lit('{' + field.replace('.', ',') + '}')})::double precision`;
}
function jsonText(d: Dialect, field: string): RawBuilder<string> {
	return d === 'sqlite'
		? sql<string>`json_extract(payload, ${sql.lit('$.' + field)})`
		: sql<string>`(payload::jsonb #>> ${sql.lit('{' + field.replace('.', ',') + '}')})`;
}
// Model words of a summary's reviewed segments that were not edited (confirmed or played through):
// reviewed with no error; the edited ones are counted by their correction events.
function unEditedWords(d: Dialect): RawBuilder<number> {
	return d === 'sqlite'
		? sql<number>`(select coalesce(sum(json_extract(value, '$.words')), 0) from json_each(payload, '$.reviewedSegments') where json_extract(value, '$.how') <> 'edited')`
		: sql<number>`(select coalesce(sum((x->>'words')::bigint), 0) from jsonb_array_elements(payload::jsonb -> 'reviewedSegments') x where x->>'how' <> 'edited')`;
}

/** Per version, installation and sampling rate: WER sums of the latest corrections (edited segments). */
export interface CorrectionSums extends KeyCols {
	installation_id: string;
	rate: number;
	errors: number;
	reference_words: number;
	hypothesis_words: number;
}
/** Per version, installation and rate: latest session summaries' un-edited reviewed and transcribed words. */
export interface SummarySums extends KeyCols {
	installation_id: string;
	rate: number;
	reviewed_words: number;
	transcribed_words: number;
}
/** Per version and day: Σ over installations of their day's weighted errors e and words w, and of e², w², e·w. */
export interface DailySums extends KeyCols {
	day: string;
	installations: number;
	e: number;
	w: number;
	ee: number;
	ww: number;
	ew: number;
}

const latestCorrections = (from: string) => sql`
	select ${KEY}, installation_id, coalesce(sampling_rate, 1.0) as rate, substr(occurred_at, 1, 10) as day,
		substitutions + insertions + deletions as errors, reference_words,
		reference_words - deletions + insertions as hypothesis_words,
		row_number() over (partition by installation_id, transcript_id, segment_id
			order by revision desc, occurred_at desc, id desc) as rn
	from events where type = 'correction' and occurred_at >= ${from}`;

const latestSummaries = (d: Dialect, from: string) => sql`
	select ${KEY}, installation_id, coalesce(sampling_rate, 1.0) as rate, substr(occurred_at, 1, 10) as day,
		${unEditedWords(d)} as reviewed_words, ${jsonNum(d, 'transcribedWords')} as transcribed_words,
		row_number() over (partition by installation_id, transcript_id
			order by revision desc, occurred_at desc, id desc) as rn
	from events where type = 'session_summary' and occurred_at >= ${from}`;

/** WER sums per installation of the latest corrections in the window. */
export async function correctionSums(db: Kysely<Database>, from: string): Promise<CorrectionSums[]> {
	const r = await sql<CorrectionSums>`
		with latest as (${latestCorrections(from)})
		select ${KEY_GROUP}, installation_id, rate, sum(errors) as errors, sum(reference_words) as reference_words,
			sum(hypothesis_words) as hypothesis_words
		from latest where rn = 1 group by ${KEY_GROUP}, installation_id, rate`.execute(db);
	return r.rows.map((x) => ({
		...x,
		rate: n(x.rate),
		errors: n(x.errors),
		reference_words: n(x.reference_words),
		hypothesis_words: n(x.hypothesis_words)
	}));
}

/** Reviewed-but-unedited and transcribed words per installation from the latest session summaries. */
export async function summarySums(db: Kysely<Database>, d: Dialect, from: string): Promise<SummarySums[]> {
	const r = await sql<SummarySums>`
		with latest as (${latestSummaries(d, from)})
		select ${KEY_GROUP}, installation_id, rate, sum(reviewed_words) as reviewed_words,
			sum(transcribed_words) as transcribed_words
		from latest where rn = 1 group by ${KEY_GROUP}, installation_id, rate`.execute(db);
	return r.rows.map((x) => ({
		...x,
		rate: n(x.rate),
		reviewed_words: n(x.reviewed_words),
		transcribed_words: n(x.transcribed_words)
	}));
}

/**
 * Daily reviewed-WER sums: per installation and day its weighted errors e and reference words w
 * (corrections, plus summaries' un-edited reviewed words with no error), then per day the sums the
 * clustered variance needs. Uncapped: a daily cap would need every installation's total first.
 */
export async function dailySums(db: Kysely<Database>, d: Dialect, from: string): Promise<DailySums[]> {
	const r = await sql<DailySums>`
		with c as (${latestCorrections(from)}), s as (${latestSummaries(d, from)}),
		reviewed as (
			select ${KEY_GROUP}, installation_id, day, errors / rate as e, reference_words / rate as w from c where rn = 1
			union all
			select ${KEY_GROUP}, installation_id, day, 0 as e, reviewed_words / rate as w from s where rn = 1
		),
		per_installation as (
			select ${KEY_GROUP}, day, installation_id, sum(e) as e, sum(w) as w from reviewed
			group by ${KEY_GROUP}, day, installation_id
		)
		select ${KEY_GROUP}, day, count(*) as installations, sum(e) as e, sum(w) as w, sum(e * e) as ee,
			sum(w * w) as ww, sum(e * w) as ew
		from per_installation group by ${KEY_GROUP}, day order by day`.execute(db);
	return r.rows.map(numericDailySums);
}

// Drivers may give sums and counts as strings: every daily-sums row goes through here.
function numericDailySums(x: DailySums): DailySums {
	return {
		...x,
		installations: n(x.installations),
		e: n(x.e),
		w: n(x.w),
		ee: n(x.ee),
		ww: n(x.ww),
		ew: n(x.ew)
	};
}

/** Per version, installation, rate and stars: how many ratings. */
export interface RatingSums extends KeyCols {
	installation_id: string;
	rate: number;
	stars: number;
	ratings: number;
}
/** Ratings per installation and star count in the window. */
export async function ratingSums(db: Kysely<Database>, from: string): Promise<RatingSums[]> {
	const r = await sql<RatingSums>`
		select ${KEY}, installation_id, coalesce(sampling_rate, 1.0) as rate, stars, count(*) as ratings
		from events where type = 'rating' and occurred_at >= ${from}
		group by ${KEY_GROUP}, installation_id, rate, stars`.execute(db);
	return r.rows.map((x) => ({ ...x, rate: n(x.rate), stars: n(x.stars), ratings: n(x.ratings) }));
}

/** Per version and day: Σ over installations of their day's weighted star sum s and weight w, s², w², s·w. */
export type DailyRatingSums = DailySums;
/** Daily mean-rating sums (same shape as the daily WER sums: e = Σ w·stars, w = Σ weights). */
export async function dailyRatingSums(db: Kysely<Database>, from: string): Promise<DailyRatingSums[]> {
	const r = await sql<DailySums>`
		with per_installation as (
			select ${KEY}, substr(occurred_at, 1, 10) as day, installation_id,
				sum(stars / coalesce(sampling_rate, 1.0)) as e, sum(1.0 / coalesce(sampling_rate, 1.0)) as w
			from events where type = 'rating' and occurred_at >= ${from}
			group by ${KEY_GROUP}, day, installation_id
		)
		select ${KEY_GROUP}, day, count(*) as installations, sum(e) as e, sum(w) as w, sum(e * e) as ee,
			sum(w * w) as ww, sum(e * w) as ew
		from per_installation group by ${KEY_GROUP}, day order by day`.execute(db);
	return r.rows.map(numericDailySums);
}

/** Weighted number of ratings per version carrying each tag. */
export async function tagSums(
	db: Kysely<Database>,
	tags: readonly string[],
	from: string
): Promise<(KeyCols & { tag: string; count: number })[]> {
	// A tag is a JSON string token `"wrong-words"` in the payload; a comment that quotes the same text
	// is stored with escaped quotes (\"), so LIKE on the unescaped token cannot match it.
	const cols = tags.map(
		(t, i) =>
			sql`sum(case when payload like ${'%"' + t + '"%'} then 1.0 / coalesce(sampling_rate, 1.0) else 0 end) as ${sql.ref('t' + i)}`
	);
	const r = await sql<KeyCols & Record<string, unknown>>`
		select ${KEY}, ${sql.join(cols)} from events where type = 'rating' and occurred_at >= ${from}
		group by ${KEY_GROUP}`.execute(db);
	return r.rows.flatMap((x) =>
		tags.map((tag, i) => ({
			model_id: x.model_id,
			model_version: x.model_version,
			model_sha256: x.model_sha256,
			arm: x.arm,
			tag,
			count: n(x['t' + i])
		}))
	);
}

/** The latest correction payloads per version (newest first, at most `limit` per version). */
export async function recentCorrectionPayloads(
	db: Kysely<Database>,
	from: string,
	limit: number
): Promise<(KeyCols & { payload: string; rate: number })[]> {
	const r = await sql<KeyCols & { payload: string; rate: number }>`
		with ranked as (
			select ${KEY}, payload, coalesce(sampling_rate, 1.0) as rate, occurred_at, installation_id, transcript_id,
				segment_id, revision, id
			from events where type = 'correction' and occurred_at >= ${from}
			order by occurred_at desc limit ${limit * 4}
		), latest as (
			select *, row_number() over (partition by installation_id, transcript_id, segment_id
				order by revision desc, occurred_at desc, id desc) as rn from ranked
		), numbered as (
			select *, row_number() over (partition by ${KEY_GROUP} order by occurred_at desc) as k from latest where rn = 1
		)
		select ${KEY_GROUP}, payload, rate from numbered where k <= ${limit}`.execute(db);
	return r.rows.map((x) => ({ ...x, rate: n(x.rate) }));
}

/** Per version: transcripts seen, exported, and a histogram of whole minutes from transcription to export. */
export async function outcomeSums(
	db: Kysely<Database>,
	d: Dialect,
	from: string
): Promise<{
	totals: (KeyCols & { transcripts: number; exported: number })[];
	minutes: (KeyCols & { minutes: number; transcripts: number })[];
}> {
	const perTranscript = sql`
		select ${KEY}, installation_id, transcript_id,
			min(case when type = 'transcription' then occurred_at end) as done_at,
			min(case when type = 'outcome' then occurred_at end) as exported_at
		from events where transcript_id is not null and occurred_at >= ${from}
			and type in ('transcription', 'outcome', 'session_summary', 'rating')
		group by ${KEY_GROUP}, installation_id, transcript_id`;
	const minutes =
		d === 'sqlite'
			? sql`cast(round((julianday(exported_at) - julianday(done_at)) * 1440) as integer)`
			: sql`round(extract(epoch from (exported_at::timestamptz - done_at::timestamptz)) / 60)`;
	const totals = await sql<KeyCols & { transcripts: number; exported: number }>`
		with t as (${perTranscript})
		select ${KEY_GROUP}, count(*) as transcripts, sum(case when exported_at is not null then 1 else 0 end) as exported
		from t group by ${KEY_GROUP}`.execute(db);
	const hist = await sql<KeyCols & { minutes: number; transcripts: number }>`
		with t as (${perTranscript})
		select ${KEY_GROUP}, ${minutes} as minutes, count(*) as transcripts from t
		where exported_at is not null and done_at is not null and exported_at >= done_at
		group by ${KEY_GROUP}, minutes`.execute(db);
	return {
		totals: totals.rows.map((x) => ({ ...x, transcripts: n(x.transcripts), exported: n(x.exported) })),
		minutes: hist.rows.map((x) => ({ ...x, minutes: n(x.minutes), transcripts: n(x.transcripts) }))
	};
}

/** Finished jobs per version, backend, cores bucket and RTF rounded to 0.01 (a histogram). */
export async function rtfHistogram(
	db: Kysely<Database>,
	d: Dialect,
	from: string
): Promise<(KeyCols & { backend: string; cores: string; rtf: number; jobs: number })[]> {
	const cores = jsonNum(d, 'device.cores');
	// PostgreSQL has no round(double precision, integer): the old query failed there (fixed here only,
	// so the oracle runs; the rollups do not round in SQL).
	const ratio = sql`${jsonNum(d, 'processingSeconds')} / ${jsonNum(d, 'audioSeconds')}`;
	const rtf = d === 'sqlite' ? sql`round(${ratio}, 2)` : sql`round((${ratio})::numeric, 2)::double precision`;
	const r = await sql<KeyCols & { backend: string; cores: string; rtf: number; jobs: number }>`
		with j as (
			select ${KEY}, backend,
				case when ${cores} is null then 'unknown' when ${cores} <= 2 then '1–2' when ${cores} <= 4 then '3–4'
					when ${cores} <= 8 then '5–8' else '9+' end as cores,
				${rtf} as rtf
			from events where type = 'transcription' and occurred_at >= ${from}
				and ${jsonText(d, 'status')} = 'done' and ${jsonNum(d, 'audioSeconds')} > 0
		)
		select ${KEY_GROUP}, backend, cores, rtf, count(*) as jobs from j group by ${KEY_GROUP}, backend, cores, rtf`.execute(
		db
	);
	return r.rows.map((x) => ({ ...x, rtf: n(x.rtf), jobs: n(x.jobs) }));
}

/** Jobs, failures and repetition-stopped segments per version and backend. */
export async function failureSums(
	db: Kysely<Database>,
	d: Dialect,
	from: string
): Promise<
	(KeyCols & { backend: string; jobs: number; failed: number; segments: number; repetitions: number })[]
> {
	const status = jsonText(d, 'status');
	const r = await sql<
		KeyCols & { backend: string; jobs: number; failed: number; segments: number; repetitions: number }
	>`
		select ${KEY}, backend, count(*) as jobs, sum(case when ${status} = 'failed' then 1 else 0 end) as failed,
			sum(case when ${status} = 'done' then ${jsonNum(d, 'segments')} else 0 end) as segments,
			sum(case when ${status} = 'done' then ${jsonNum(d, 'repetitionSegments')} else 0 end) as repetitions
		from events where type = 'transcription' and occurred_at >= ${from}
		group by ${KEY_GROUP}, backend`.execute(db);
	return r.rows.map((x) => ({
		...x,
		jobs: n(x.jobs),
		failed: n(x.failed),
		segments: n(x.segments),
		repetitions: n(x.repetitions)
	}));
}

/** Accepted events per received hour and type since `from`. */
export async function hourlyCounts(
	db: Kysely<Database>,
	from: string
): Promise<{ hour: string; type: string; events: number }[]> {
	const r = await sql<{ hour: string; type: string; events: number }>`
		select substr(received_at, 1, 13) as hour, type, count(*) as events from events
		where received_at >= ${from} group by substr(received_at, 1, 13), type order by hour`.execute(db);
	return r.rows.map((x) => ({ ...x, events: n(x.events) }));
}

interface LabelRow {
	bucket: number;
	changed: number;
	words: number;
	weight: number;
	weighted_confidence: number;
	installations: number | null;
}

/**
 * The production highlight threshold's labels of one model version as rollout/production-threshold.ts
 * computed them before rollup_label_installations: from every label event's payload. Only model words
 * with a confidence (the schema gives every model word one; rollup.test.ts's data, stored without the
 * schema, has some without, which the calibration never counted).
 */
export async function productionLabelsFromEvents(
	db: Kysely<Database>,
	dialect: Dialect,
	ref: { id: string; version: string; sha256: string }
): Promise<ProductionLabels> {
	// Model words of the latest labels: a correction's alignment ops with a model word (changed =
	// substitution or insertion), a segment_reviewed's words (kept). Revision −1 ranks below corrections.
	const words =
		dialect === 'sqlite'
			? sql`
				select installation_id, rate, json_extract(x.value, '$.confidence') as c,
					case when json_extract(x.value, '$.op') in ('substitution', 'insertion') then 1 else 0 end as changed
				from latest, json_each(latest.payload, '$.alignment') x
				where latest.type = 'correction' and json_extract(x.value, '$.original') is not null
				union all
				select installation_id, rate, json_extract(x.value, '$[1]') as c, 0 as changed
				from latest, json_each(latest.payload, '$.words') x where latest.type = 'segment_reviewed'`
			: sql`
				select installation_id, rate, (x->>'confidence')::double precision as c,
					case when x->>'op' in ('substitution', 'insertion') then 1 else 0 end as changed
				from latest, jsonb_array_elements(latest.payload::jsonb -> 'alignment') x
				where latest.type = 'correction' and x->>'original' is not null
				union all
				select installation_id, rate, (x->>1)::double precision as c, 0 as changed
				from latest, jsonb_array_elements(latest.payload::jsonb -> 'words') x
				where latest.type = 'segment_reviewed'`;
	const bucket =
		dialect === 'sqlite' ? sql`min(99, cast(c * 100 as integer))` : sql`least(99, floor(c * 100))::integer`;
	const r = await sql<LabelRow>`
		with ranked as (
			select installation_id, type, payload, coalesce(sampling_rate, 1.0) as rate,
				row_number() over (partition by installation_id, transcript_id, segment_id
					order by revision desc, occurred_at desc, id desc) as rn
			from events
			where type in ('correction', 'segment_reviewed') and model_id = ${ref.id}
				and model_version = ${ref.version} and model_sha256 = ${ref.sha256}
		), latest as (select * from ranked where rn = 1),
		words as (${words})
		select ${bucket} as bucket, changed, count(*) as words, sum(1.0 / rate) as weight,
			sum(c / rate) as weighted_confidence, null as installations
		from words where c is not null group by ${bucket}, changed
		union all
		select -1, 0, 0, 0, 0, count(distinct installation_id) from words where c is not null`.execute(db);
	let installations = 0;
	let total = 0;
	const labels: LabelledWord[] = [];
	for (const x of r.rows) {
		if (Number(x.bucket) === -1) {
			installations = Number(x.installations);
			continue;
		}
		const weight = Number(x.weight);
		total += Number(x.words);
		if (weight > 0)
			labels.push({
				confidence: Number(x.weighted_confidence) / weight,
				changed: Number(x.changed) === 1,
				weight
			});
	}
	return { words: total, installations, labels };
}
