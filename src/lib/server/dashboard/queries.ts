/**
 * The dashboard's SQL: sufficient statistics per model version and arm over a window of whole UTC days,
 * read from the rollups (server/rollup.ts), never from the events, so a request costs the same at a
 * million events as at a thousand. The same SQL runs on SQLite and PostgreSQL except for date arithmetic
 * (`Dialect`).
 *
 * Conventions: a version key is (model_id, model_version, model_sha256, arm), arm 'unknown' for schema
 * version 1 events; the window is the days ≥ `from`'s day; weights are 1 / sampling rate; of several
 * correction (or session_summary) events of one segment (transcript) only the latest revision counts,
 * as in quality.ts. tests/integration/telemetry/rollup.test.ts checks every function against the event
 * queries these replaced (kept there as the oracle).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/tables';

/** Which SQL dialect the database speaks. */
export type Dialect = 'sqlite' | 'postgres';

/** The columns that name a version. */
export interface KeyCols {
	model_id: string;
	model_version: string;
	model_sha256: string;
	arm: string;
}

const KEY_GROUP = sql.raw(`model_id, model_version, model_sha256, arm`);
const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const dayOf = (from: string) => from.slice(0, 10);
const keyOf = (x: KeyCols): KeyCols => ({
	model_id: x.model_id,
	model_version: x.model_version,
	model_sha256: x.model_sha256,
	arm: x.arm
});

/** Per version, installation and sampling rate: WER sums of the latest corrections (edited segments). */
export interface CorrectionSums extends KeyCols {
	installation_id: string;
	rate: number;
	errors: number;
	reference_words: number;
	hypothesis_words: number;
	/** Latest corrected segments behind the sums (the calibration panel's segment count). */
	corrections?: number;
}
/** Per version, installation and rate: latest session summaries' un-edited reviewed and transcribed words. */
export interface SummarySums extends KeyCols {
	installation_id: string;
	rate: number;
	reviewed_words: number;
	transcribed_words: number;
}
/** Per version, installation, rate and stars: how many ratings. */
export interface RatingSums extends KeyCols {
	installation_id: string;
	rate: number;
	stars: number;
	ratings: number;
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
/** Per version and day: Σ over installations of their day's weighted star sum s and weight w, s², w², s·w. */
export type DailyRatingSums = DailySums;

const STARS = [1, 2, 3, 4, 5] as const;

/**
 * Per installation over the window, in one pass over rollup_daily: the WER sums of the latest
 * corrections, the latest summaries' words, and ratings per star. Grouped installation first: SQLite
 * sorts the rows to group them, and comparing keys that differ in their first column (rather than after
 * a 64-character sha256 shared by every row of a version) is what that sort costs. Rows come ordered by
 * installation and rate, so each version's clusters (and so its bootstrap draws) have one order on both
 * databases.
 */
export async function installationSums(
	db: Kysely<Database>,
	from: string
): Promise<{ corrections: CorrectionSums[]; summaries: SummarySums[]; ratings: RatingSums[] }> {
	const r = await sql<Record<string, unknown> & KeyCols & { installation_id: string }>`
		select ${KEY_GROUP}, installation_id, rate, sum(corrections) as corrections, sum(errors) as errors,
			sum(reference_words) as reference_words, sum(hypothesis_words) as hypothesis_words,
			sum(summaries) as summaries, sum(reviewed_words) as reviewed_words,
			sum(transcribed_words) as transcribed_words,
			sum(stars_1) as s1, sum(stars_2) as s2, sum(stars_3) as s3, sum(stars_4) as s4, sum(stars_5) as s5
		from rollup_daily where day >= ${dayOf(from)}
		group by installation_id, rate, ${KEY_GROUP} order by installation_id, rate`.execute(db);
	const corrections: CorrectionSums[] = [];
	const summaries: SummarySums[] = [];
	const ratings: RatingSums[] = [];
	for (const x of r.rows) {
		const base = { ...keyOf(x), installation_id: x.installation_id, rate: n(x.rate) };
		if (n(x.corrections) > 0)
			corrections.push({
				...base,
				errors: n(x.errors),
				reference_words: n(x.reference_words),
				hypothesis_words: n(x.hypothesis_words),
				corrections: n(x.corrections)
			});
		if (n(x.summaries) > 0)
			summaries.push({
				...base,
				reviewed_words: n(x.reviewed_words),
				transcribed_words: n(x.transcribed_words)
			});
		for (const stars of STARS) {
			const ratingsN = n(x[`s${stars}`]);
			if (ratingsN > 0) ratings.push({ ...base, stars, ratings: ratingsN });
		}
	}
	return { corrections, summaries, ratings };
}

/**
 * Daily sums, in one pass over rollup_daily for both series: reviewed WER (per installation and day its
 * weighted errors e and reference words w — corrections, plus summaries' un-edited reviewed words with
 * no error) and mean rating (e = Σ stars/rate, w = Σ 1/rate), then per day the sums the clustered
 * variance needs. Grouped in the primary key's order (day first), so SQLite streams the inner group
 * instead of sorting the window's rows. Uncapped: a daily cap would need every installation's total first.
 */
export async function dailySums(
	db: Kysely<Database>,
	from: string
): Promise<{ wer: DailySums[]; ratings: DailyRatingSums[] }> {
	const starsN = sql.raw('stars_1 + stars_2 + stars_3 + stars_4 + stars_5');
	// Rows that count for a series: an installation is in a day's series when one of its rows is.
	const werRow = sql.raw('corrections + summaries > 0');
	const r = await sql<Record<string, unknown> & KeyCols & { day: string }>`
		with per_installation as (
			select day, ${KEY_GROUP}, installation_id,
				max(case when ${werRow} then 1 else 0 end) as wer_in,
				sum(case when ${werRow} then errors / rate else 0 end) as we,
				sum(case when ${werRow} then (reference_words + reviewed_words) / rate else 0 end) as ww,
				max(case when ${starsN} > 0 then 1 else 0 end) as rating_in,
				sum(case when ${starsN} > 0
					then (stars_1 + 2 * stars_2 + 3 * stars_3 + 4 * stars_4 + 5 * stars_5) / rate else 0 end) as re,
				sum(case when ${starsN} > 0 then (${starsN}) / rate else 0 end) as rw
			from rollup_daily where day >= ${dayOf(from)}
			group by day, ${KEY_GROUP}, installation_id
		)
		select day, ${KEY_GROUP},
			sum(wer_in) as w_installations, sum(we) as w_e, sum(ww) as w_w, sum(we * we) as w_ee,
			sum(ww * ww) as w_ww, sum(we * ww) as w_ew,
			sum(rating_in) as r_installations, sum(re) as r_e, sum(rw) as r_w, sum(re * re) as r_ee,
			sum(rw * rw) as r_ww, sum(re * rw) as r_ew
		from per_installation group by day, ${KEY_GROUP} order by day`.execute(db);
	const series = (p: 'w' | 'r'): DailySums[] =>
		r.rows
			.filter((x) => n(x[`${p}_installations`]) > 0)
			.map((x) => ({
				...keyOf(x),
				day: x.day,
				installations: n(x[`${p}_installations`]),
				e: n(x[`${p}_e`]),
				w: n(x[`${p}_w`]),
				ee: n(x[`${p}_ee`]),
				ww: n(x[`${p}_ww`]),
				ew: n(x[`${p}_ew`])
			}));
	return { wer: series('w'), ratings: series('r') };
}

/** Weighted number of ratings carrying each tag, for every version in `versions` (0 where none). */
export async function tagSums(
	db: Kysely<Database>,
	tags: readonly string[],
	from: string,
	versions: readonly KeyCols[]
): Promise<(KeyCols & { tag: string; count: number })[]> {
	const r = await sql<KeyCols & { tag: string; weight: unknown }>`
		select ${KEY_GROUP}, tag, sum(weight) as weight from rollup_tags where day >= ${dayOf(from)}
		group by ${KEY_GROUP}, tag having sum(n) > 0`.execute(db);
	const found = new Map(
		r.rows.map((x) => [JSON.stringify([...Object.values(keyOf(x)), x.tag]), n(x.weight)])
	);
	return versions.flatMap((v) =>
		tags.map((tag) => ({
			...keyOf(v),
			tag,
			count: found.get(JSON.stringify([...Object.values(keyOf(v)), tag])) ?? 0
		}))
	);
}

/** Labelled words of the latest corrections per version, compressed per (hundredth of confidence, changed). */
export async function labelSums(
	db: Kysely<Database>,
	from: string
): Promise<(KeyCols & { bucket: number; words: number; weight: number; confidence: number })[]> {
	const r = await sql<KeyCols & { bucket: unknown; words: unknown; weight: unknown; confidence: unknown }>`
		select ${KEY_GROUP}, bucket, sum(words) as words, sum(weight) as weight, sum(confidence) as confidence
		from rollup_labels where day >= ${dayOf(from)}
		group by ${KEY_GROUP}, bucket having sum(words) > 0 order by bucket`.execute(db);
	return r.rows.map((x) => ({
		...keyOf(x),
		bucket: n(x.bucket),
		words: n(x.words),
		weight: n(x.weight),
		confidence: n(x.confidence)
	}));
}

/** How many of the top pairs (and words) per version SQL returns; assemble.ts sorts exactly and keeps 10. */
const CONFUSION_CANDIDATES = 200;

/** Per version the most frequent confusions (model word → user word) and most corrected model words. */
export async function confusionSums(
	db: Kysely<Database>,
	from: string
): Promise<{
	pairs: (KeyCols & { from: string; to: string; count: number })[];
	words: (KeyCols & { word: string; count: number })[];
}> {
	const [pairs, words] = await Promise.all([
		sql<KeyCols & { from_word: string; to_word: string; weight: unknown }>`
			with p as (
				select ${KEY_GROUP}, from_word, to_word, sum(weight) as weight from rollup_confusions
				where day >= ${dayOf(from)} group by ${KEY_GROUP}, from_word, to_word having sum(n) > 0
			), ranked as (
				select *, row_number() over (partition by ${KEY_GROUP} order by weight desc) as k from p
			)
			select ${KEY_GROUP}, from_word, to_word, weight from ranked where k <= ${CONFUSION_CANDIDATES}`.execute(db),
		sql<KeyCols & { from_word: string; weight: unknown }>`
			with p as (
				select ${KEY_GROUP}, from_word, sum(weight) as weight from rollup_confusions
				where day >= ${dayOf(from)} group by ${KEY_GROUP}, from_word having sum(n) > 0
			), ranked as (
				select *, row_number() over (partition by ${KEY_GROUP} order by weight desc) as k from p
			)
			select ${KEY_GROUP}, from_word, weight from ranked where k <= ${CONFUSION_CANDIDATES}`.execute(db)
	]);
	return {
		pairs: pairs.rows.map((x) => ({ ...keyOf(x), from: x.from_word, to: x.to_word, count: n(x.weight) })),
		words: words.rows.map((x) => ({ ...keyOf(x), word: x.from_word, count: n(x.weight) }))
	};
}

/**
 * Per version: transcripts seen, exported, and a histogram of whole minutes from transcription to
 * export, in one pass over rollup_transcripts: grouped by version and minutes (null for a transcript not
 * exported in the window), with the totals summed over the groups.
 */
export async function outcomeSums(
	db: Kysely<Database>,
	d: Dialect,
	from: string
): Promise<{
	totals: (KeyCols & { transcripts: number; exported: number })[];
	minutes: (KeyCols & { minutes: number; transcripts: number })[];
}> {
	const minutes =
		d === 'sqlite'
			? sql`cast(round((julianday(exported_at) - julianday(done_at)) * 1440) as integer)`
			: sql`round(extract(epoch from (exported_at::timestamptz - done_at::timestamptz)) / 60)`;
	const seen = sql`last_at >= ${from}`;
	const timed = sql`exported_at >= ${from} and done_at >= ${from} and exported_at >= done_at`;
	// Grouped by the 5th column, minutes: PostgreSQL would not match the expression with other placeholders.
	const r = await sql<Record<string, unknown> & KeyCols>`
		select ${KEY_GROUP}, case when ${timed} then ${minutes} end as minutes,
			sum(case when ${seen} then 1 else 0 end) as transcripts,
			sum(case when ${seen} and exported_at >= ${from} then 1 else 0 end) as exported,
			sum(case when ${timed} then 1 else 0 end) as timed
		from rollup_transcripts where events > 0 and (${seen} or (${timed}))
		group by ${KEY_GROUP}, 5`.execute(db);
	const totals = new Map<string, KeyCols & { transcripts: number; exported: number }>();
	const hist: (KeyCols & { minutes: number; transcripts: number })[] = [];
	for (const x of r.rows) {
		const key = keyOf(x);
		const id = JSON.stringify(Object.values(key));
		const t = totals.get(id) ?? { ...key, transcripts: 0, exported: 0 };
		t.transcripts += n(x.transcripts);
		t.exported += n(x.exported);
		totals.set(id, t);
		if (x.minutes !== null && n(x.timed) > 0)
			hist.push({ ...key, minutes: n(x.minutes), transcripts: n(x.timed) });
	}
	return { totals: [...totals.values()].filter((t) => t.transcripts > 0), minutes: hist };
}

/** Finished jobs per version, backend, cores bucket and RTF bucket (server/rollup.ts rtfBucket). */
export async function rtfHistogram(
	db: Kysely<Database>,
	from: string
): Promise<(KeyCols & { backend: string; cores: string; rtf: number; jobs: number })[]> {
	const r = await sql<KeyCols & { backend: string; cores: string; rtf: number; jobs: number }>`
		select ${KEY_GROUP}, backend, cores, rtf, sum(jobs) as jobs from rollup_rtf where day >= ${dayOf(from)}
		group by ${KEY_GROUP}, backend, cores, rtf having sum(jobs) > 0`.execute(db);
	return r.rows.map((x) => ({ ...x, rtf: n(x.rtf), jobs: n(x.jobs) }));
}

/** Jobs, failures and repetition-stopped segments per version and backend. */
export async function failureSums(
	db: Kysely<Database>,
	from: string
): Promise<
	(KeyCols & { backend: string; jobs: number; failed: number; segments: number; repetitions: number })[]
> {
	const r = await sql<
		KeyCols & { backend: string; jobs: number; failed: number; segments: number; repetitions: number }
	>`
		select ${KEY_GROUP}, backend, sum(jobs) as jobs, sum(failed) as failed, sum(segments) as segments,
			sum(repetitions) as repetitions
		from rollup_jobs where day >= ${dayOf(from)} group by ${KEY_GROUP}, backend having sum(jobs) > 0`.execute(db);
	return r.rows.map((x) => ({
		...x,
		jobs: n(x.jobs),
		failed: n(x.failed),
		segments: n(x.segments),
		repetitions: n(x.repetitions)
	}));
}
