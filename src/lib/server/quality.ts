/**
 * Model quality per model version and rollout arm, from the stored labels (GET /api/v1/quality).
 *
 * Rows: one per (model id, version, weights sha256, arm). `arm` is the event's rollout arm ('default',
 * 'candidate', 'user'), or 'unknown' for schema version 1 events, which predate rollouts (counting them
 * as 'default' would mix pre-rollout data into the comparison).
 *
 * Sampling: a schema version 2 event carries the probability r with which the browser kept it, and
 * counts with weight 1/r (Horvitz–Thompson), so sums estimate what an unsampled population would have
 * sent; version 1 events weigh 1. Ratios (WER, mean rating) are ratios of weighted sums. `sampled` holds
 * the unweighted numbers of stored events behind each figure, to judge how much data an estimate rests on.
 *
 * Definitions (the dashboard shows these numbers as they are):
 * - transcripts: distinct (installation, transcript) pairs with any event for the model and arm; not
 *   weighted (a transcript is seen through any of its events, whatever their rates).
 * - corrections: corrected segments, i.e. distinct (installation, transcript, segment) with a correction
 *   event; only the latest revision of each counts (highest revision, then later occurredAt, then greater
 *   id), since each correction event carries the segment's whole current state. Weighted by the latest
 *   revision's rate.
 * - ratings / meanRating: weighted number of rating events and their weighted mean stars (null without).
 * - wordsReviewed: weighted reference words of those latest corrections plus words confirmed in reviews.
 * - estimatedWer = Σw(S + D + I) / ΣwN over the latest corrections, where the user's corrected text is
 *   the reference (N = its word count) and the model's words the hypothesis: S = model words the user
 *   replaced, I = model words the user deleted, D = words the user added. Null when N = 0.
 *   It is an estimate: only segments the user edited are counted, so it is the error rate of reviewed
 *   speech, not of everything the model transcribed.
 * - reviewedWords / reviewedWer: WER over reviewed speech (transcript/review.ts `isReviewed`): the same
 *   errors over the reference words of every reviewed segment, i.e. the latest corrections' reference
 *   words (an edited segment is reviewed) plus the model words of segments reviewed without an edit
 *   (confirmed or played through), taken from the latest session_summary per (installation,
 *   transcript): highest revision, then later occurredAt, then greater id. Unedited words are their own
 *   reference. Weighted by 1/r like the rest; reviewedWer is null when reviewedWords = 0. It is lower
 *   than estimatedWer whenever users read segments and found nothing to fix.
 */
import { sql, type Kysely } from 'kysely';
import type { ModelQuality, QualityReport, ReportArm } from '../contracts/quality';
import type { Database } from './db/tables';

export type { ModelQuality, QualityReport, ReportArm } from '../contracts/quality';

/** Per-model aggregates as the queries return them (drivers may give numbers as strings). */
export interface ModelAggregates {
	model_id: string | null;
	model_version: string | null;
	model_sha256: string | null;
	arm: string | null;
	transcripts?: unknown;
	/** Weighted (Σ 1/r) and unweighted counts; the other sums are weighted. */
	corrections?: unknown;
	sampled_corrections?: unknown;
	sampled_ratings?: unknown;
	sampled_reviews?: unknown;
	/** Σ stars/r of ratings, for the weighted mean. */
	weighted_stars?: unknown;
	substitutions?: unknown;
	insertions?: unknown;
	deletions?: unknown;
	reference_words?: unknown;
	ratings?: unknown;
	confirmed_words?: unknown;
	/** Σ w · model words of segments reviewed without an edit (latest session summaries). */
	unedited_reviewed_words?: unknown;
	sampled_summaries?: unknown;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

const ARMS_IN_REPORT: readonly string[] = ['default', 'candidate', 'user'];

/** Merges the per-(model, arm) aggregate rows of the separate queries into the report's rows. */
export function mergeModelAggregates(rows: ModelAggregates[]): ModelQuality[] {
	const byModel = new Map<string, ModelAggregates[]>();
	for (const r of rows) {
		if (r.model_id === null || r.model_version === null || r.model_sha256 === null) continue;
		const key = JSON.stringify([r.model_id, r.model_version, r.model_sha256, r.arm]);
		byModel.set(key, [...(byModel.get(key) ?? []), r]);
	}
	const models = [...byModel.values()].map((rs): ModelQuality => {
		const sum = (k: keyof ModelAggregates) => rs.reduce((s, r) => s + num(r[k]), 0);
		const ratings = sum('ratings');
		const referenceWords = sum('reference_words');
		const errors = sum('substitutions') + sum('insertions') + sum('deletions');
		const reviewedWords = referenceWords + sum('unedited_reviewed_words');
		const arm = rs[0].arm;
		return {
			id: rs[0].model_id!,
			version: rs[0].model_version!,
			sha256: rs[0].model_sha256!,
			arm: (arm !== null && ARMS_IN_REPORT.includes(arm) ? arm : 'unknown') as ReportArm,
			transcripts: sum('transcripts'),
			corrections: sum('corrections'),
			ratings,
			meanRating: ratings > 0 ? sum('weighted_stars') / ratings : null,
			wordsReviewed: referenceWords + sum('confirmed_words'),
			estimatedWer: referenceWords > 0 ? errors / referenceWords : null,
			reviewedWords,
			reviewedWer: reviewedWords > 0 ? errors / reviewedWords : null,
			sampled: {
				corrections: sum('sampled_corrections'),
				ratings: sum('sampled_ratings'),
				reviews: sum('sampled_reviews'),
				summaries: sum('sampled_summaries')
			}
		};
	});
	return models.sort(
		(a, b) =>
			a.id.localeCompare(b.id) ||
			a.version.localeCompare(b.version) ||
			a.sha256.localeCompare(b.sha256) ||
			a.arm.localeCompare(b.arm)
	);
}

const MODEL = ['model_id', 'model_version', 'model_sha256', 'arm'] as const;
/** An event's weight: 1/r for its sampling rate r, 1 for version 1 events (no rate). */
const WEIGHT = sql<number>`(1.0 / coalesce(sampling_rate, 1.0))`;

/** Runs the quality queries; the same SQL on SQLite and PostgreSQL. */
export async function qualityReport(db: Kysely<Database>): Promise<QualityReport> {
	const transcripts = db
		.selectFrom((qb) =>
			qb
				.selectFrom('events')
				.select([...MODEL, 'installation_id', 'transcript_id'])
				.distinct()
				.where('transcript_id', 'is not', null)
				.as('t')
		)
		.select([...MODEL, (eb) => eb.fn.countAll().as('transcripts')])
		.groupBy([...MODEL])
		.execute();

	const ratingsAndReviews = db
		.selectFrom('events')
		.where('type', 'in', ['rating', 'review'])
		.select([
			...MODEL,
			sql<number>`sum(case when type = 'rating' then ${WEIGHT} else 0 end)`.as('ratings'),
			sql<number>`sum(case when type = 'rating' then 1 else 0 end)`.as('sampled_ratings'),
			sql<number>`sum(case when type = 'review' then 1 else 0 end)`.as('sampled_reviews'),
			sql<number>`sum(stars * ${WEIGHT})`.as('weighted_stars'),
			sql<number>`sum(confirmed_words * ${WEIGHT})`.as('confirmed_words')
		])
		.groupBy([...MODEL])
		.execute();

	const corrections = db
		.with('ranked', (qb) =>
			qb
				.selectFrom('events')
				.where('type', '=', 'correction')
				.select([
					...MODEL,
					WEIGHT.as('w'),
					'substitutions',
					'insertions',
					'deletions',
					'reference_words',
					sql<number>`row_number() over (partition by installation_id, transcript_id, segment_id order by revision desc, occurred_at desc, id desc)`.as(
						'rn'
					)
				])
		)
		.selectFrom('ranked')
		.where('rn', '=', 1)
		.select([
			...MODEL,
			sql<number>`sum(w)`.as('corrections'),
			(eb) => eb.fn.countAll().as('sampled_corrections'),
			sql<number>`sum(substitutions * w)`.as('substitutions'),
			sql<number>`sum(insertions * w)`.as('insertions'),
			sql<number>`sum(deletions * w)`.as('deletions'),
			sql<number>`sum(reference_words * w)`.as('reference_words')
		])
		.groupBy([...MODEL])
		.execute();

	const summaries = db
		.with('ranked', (qb) =>
			qb
				.selectFrom('events')
				.where('type', '=', 'session_summary')
				.select([
					...MODEL,
					WEIGHT.as('w'),
					'reviewed_words',
					sql<number>`row_number() over (partition by installation_id, transcript_id order by revision desc, occurred_at desc, id desc)`.as(
						'rn'
					)
				])
		)
		.selectFrom('ranked')
		.where('rn', '=', 1)
		.select([
			...MODEL,
			sql<number>`sum(reviewed_words * w)`.as('unedited_reviewed_words'),
			(eb) => eb.fn.countAll().as('sampled_summaries')
		])
		.groupBy([...MODEL])
		.execute();

	const rejections = db.selectFrom('rejections').select(['reason', 'count']).orderBy('reason').execute();

	const [t, rr, c, s, rej] = await Promise.all([
		transcripts,
		ratingsAndReviews,
		corrections,
		summaries,
		rejections
	]);
	return {
		models: mergeModelAggregates([...t, ...rr, ...c, ...s] as ModelAggregates[]),
		rejections: Object.fromEntries(rej.map((r) => [r.reason, Number(r.count)]))
	};
}
