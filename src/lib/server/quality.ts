/**
 * Model quality per model version, from the stored labels (GET /api/v1/quality).
 *
 * Definitions (the dashboard shows these numbers as they are):
 * - transcripts: distinct (installation, transcript) pairs with any event for the model.
 * - corrections: corrected segments, i.e. distinct (installation, transcript, segment) with a correction
 *   event; only the latest revision of each counts (highest revision, then later occurredAt, then greater
 *   id), since each correction event carries the segment's whole current state.
 * - ratings / meanRating: all rating events and their mean stars (null without ratings).
 * - wordsReviewed: reference words of those latest corrections plus words confirmed in review events.
 * - estimatedWer = (S + D + I) / N summed over the latest corrections, where the user's corrected text is
 *   the reference (N = its word count) and the model's words the hypothesis: S = model words the user
 *   replaced, I = model words the user deleted, D = words the user added. Null when N = 0.
 *   It is an estimate: only segments the user edited are counted, so it is the error rate of reviewed
 *   speech, not of everything the model transcribed.
 */
import { sql, type Kysely } from 'kysely';
import type { ModelQuality, QualityReport } from '../contracts/quality';
import type { Database } from './db/tables';

/** Per-model aggregates as the queries return them (drivers may give numbers as strings). */
export interface ModelAggregates {
	model_id: string | null;
	model_version: string | null;
	model_sha256: string | null;
	transcripts?: unknown;
	corrections?: unknown;
	substitutions?: unknown;
	insertions?: unknown;
	deletions?: unknown;
	reference_words?: unknown;
	ratings?: unknown;
	mean_rating?: unknown;
	confirmed_words?: unknown;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Merges the per-model aggregate rows of the separate queries into the report's model list. */
export function mergeModelAggregates(rows: ModelAggregates[]): ModelQuality[] {
	const byModel = new Map<string, ModelAggregates[]>();
	for (const r of rows) {
		if (r.model_id === null || r.model_version === null || r.model_sha256 === null) continue;
		const key = JSON.stringify([r.model_id, r.model_version, r.model_sha256]);
		byModel.set(key, [...(byModel.get(key) ?? []), r]);
	}
	const models = [...byModel.values()].map((rs): ModelQuality => {
		const sum = (k: keyof ModelAggregates) => rs.reduce((s, r) => s + num(r[k]), 0);
		const ratings = sum('ratings');
		const ratingRow = rs.find((r) => r.mean_rating !== undefined && r.mean_rating !== null);
		const referenceWords = sum('reference_words');
		const errors = sum('substitutions') + sum('insertions') + sum('deletions');
		return {
			id: rs[0].model_id!,
			version: rs[0].model_version!,
			sha256: rs[0].model_sha256!,
			transcripts: sum('transcripts'),
			corrections: sum('corrections'),
			ratings,
			meanRating: ratings > 0 && ratingRow ? Number(ratingRow.mean_rating) : null,
			wordsReviewed: referenceWords + sum('confirmed_words'),
			estimatedWer: referenceWords > 0 ? errors / referenceWords : null
		};
	});
	return models.sort(
		(a, b) =>
			a.id.localeCompare(b.id) || a.version.localeCompare(b.version) || a.sha256.localeCompare(b.sha256)
	);
}

const MODEL = ['model_id', 'model_version', 'model_sha256'] as const;

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
			sql<number>`sum(case when type = 'rating' then 1 else 0 end)`.as('ratings'),
			(eb) => eb.fn.avg('stars').as('mean_rating'),
			(eb) => eb.fn.sum('confirmed_words').as('confirmed_words')
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
			(eb) => eb.fn.countAll().as('corrections'),
			(eb) => eb.fn.sum('substitutions').as('substitutions'),
			(eb) => eb.fn.sum('insertions').as('insertions'),
			(eb) => eb.fn.sum('deletions').as('deletions'),
			(eb) => eb.fn.sum('reference_words').as('reference_words')
		])
		.groupBy([...MODEL])
		.execute();

	const rejections = db.selectFrom('rejections').select(['reason', 'count']).orderBy('reason').execute();

	const [t, rr, c, rej] = await Promise.all([transcripts, ratingsAndReviews, corrections, rejections]);
	return {
		models: mergeModelAggregates([...t, ...rr, ...c] as ModelAggregates[]),
		rejections: Object.fromEntries(rej.map((r) => [r.reason, Number(r.count)]))
	};
}
