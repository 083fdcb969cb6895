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
import { firstBlockFrom, INSTALLATION_SUMS } from '../rollup';

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

const SUMMED = INSTALLATION_SUMS;
const SUMS = sql.raw(SUMMED.map((c) => `sum(${c}) as ${c}`).join(', '));

/**
 * Per installation over the window: the WER sums of the latest corrections, the latest summaries'
 * words, and ratings per star. Per version (those with a row in rollup_day_stats in the window, which
 * every version with a counting rollup_daily row has): the window's whole blocks from rollup_blocks (a
 * range of its key: version, installation, rate, block), the days before its first whole block from
 * rollup_daily; the two integer sums are added here. Rows come ordered by installation and rate, so
 * each version's clusters (and so its bootstrap draws) have one order on both databases.
 */
export async function installationSums(
	db: Kysely<Database>,
	from: string
): Promise<{ corrections: CorrectionSums[]; summaries: SummarySums[]; ratings: RatingSums[] }> {
	const day = dayOf(from);
	const block = firstBlockFrom(day);
	const versions = await sql<KeyCols>`
		select distinct ${KEY_GROUP} from rollup_day_stats
		where day >= ${day} and (w_installations > 0 or r_installations > 0)`.execute(db);
	type Row = Record<string, unknown> & { installation_id: string; rate: unknown };
	const isVersion = (v: KeyCols) =>
		sql`model_id = ${v.model_id} and model_version = ${v.model_version} and model_sha256 = ${v.model_sha256} and arm = ${v.arm}`;
	const perVersion = await Promise.all(
		versions.rows.map(async (v) => {
			const [blocks, days] = await Promise.all([
				sql<Row>`
					select installation_id, rate, ${SUMS} from rollup_blocks
					where ${isVersion(v)} and block >= ${block} group by installation_id, rate`.execute(db),
				sql<Row>`
					select installation_id, rate, ${SUMS} from rollup_daily
					where day >= ${day} and day < ${block} and ${isVersion(v)} group by installation_id, rate`.execute(db)
			]);
			const totals = new Map<string, { installation_id: string; rate: number; v: number[] }>();
			for (const x of [...blocks.rows, ...days.rows]) {
				const rate = n(x.rate);
				const k = `${x.installation_id}\u0001${rate}`;
				const t = totals.get(k);
				if (t) for (let i = 0; i < SUMMED.length; i++) t.v[i] += n(x[SUMMED[i]]);
				else totals.set(k, { installation_id: x.installation_id, rate, v: SUMMED.map((c) => n(x[c])) });
			}
			const ordered = [...totals.values()].sort((p, q) =>
				p.installation_id < q.installation_id
					? -1
					: p.installation_id > q.installation_id
						? 1
						: p.rate - q.rate
			);
			return { key: keyOf(v), ordered };
		})
	);
	const corrections: CorrectionSums[] = [];
	const summaries: SummarySums[] = [];
	const ratings: RatingSums[] = [];
	for (const { key, ordered } of perVersion)
		for (const { installation_id, rate, v } of ordered) {
			const [corr, errors, ref, hyp, summ, reviewed, transcribed, ...stars] = v;
			const base = { ...key, installation_id, rate };
			if (corr > 0)
				corrections.push({
					...base,
					errors,
					reference_words: ref,
					hypothesis_words: hyp,
					corrections: corr
				});
			if (summ > 0) summaries.push({ ...base, reviewed_words: reviewed, transcribed_words: transcribed });
			for (const s of STARS) if (stars[s - 1] > 0) ratings.push({ ...base, stars: s, ratings: stars[s - 1] });
		}
	return { corrections, summaries, ratings };
}

/**
 * Daily sums from rollup_day_stats (kept per day and version at ingestion, see server/rollup.ts
 * installationDay): reviewed WER (per installation and day its weighted errors e and reference words w —
 * corrections, plus summaries' un-edited reviewed words with no error) and mean rating (e = Σ stars/rate,
 * w = Σ 1/rate), and per day the sums the clustered variance needs. Uncapped: a daily cap would need
 * every installation's total first.
 */
export async function dailySums(
	db: Kysely<Database>,
	from: string
): Promise<{ wer: DailySums[]; ratings: DailyRatingSums[] }> {
	const r = await sql<Record<string, unknown> & KeyCols & { day: string }>`
		select * from rollup_day_stats where day >= ${dayOf(from)} order by day`.execute(db);
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
 * export, from rollup_outcomes (rollup_transcripts counted per day at ingestion: a window from a
 * midnight holds a transcript when its last event, export or transcription is on one of its days).
 */
export async function outcomeSums(
	db: Kysely<Database>,
	from: string
): Promise<{
	totals: (KeyCols & { transcripts: number; exported: number })[];
	minutes: (KeyCols & { minutes: number; transcripts: number })[];
}> {
	const r = await sql<Record<string, unknown> & KeyCols & { kind: string }>`
		select ${KEY_GROUP}, kind, minutes, sum(transcripts) as transcripts from rollup_outcomes
		where day >= ${dayOf(from)} group by ${KEY_GROUP}, kind, minutes having sum(transcripts) > 0`.execute(db);
	const totals = new Map<string, KeyCols & { transcripts: number; exported: number }>();
	const hist: (KeyCols & { minutes: number; transcripts: number })[] = [];
	for (const x of r.rows) {
		const key = keyOf(x);
		if (x.kind === 'timed') {
			hist.push({ ...key, minutes: n(x.minutes), transcripts: n(x.transcripts) });
			continue;
		}
		const id = JSON.stringify(Object.values(key));
		const t = totals.get(id) ?? { ...key, transcripts: 0, exported: 0 };
		if (x.kind === 'seen') t.transcripts += n(x.transcripts);
		else t.exported += n(x.transcripts);
		totals.set(id, t);
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
