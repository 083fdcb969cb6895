/**
 * The production highlight threshold of each model version, for GET /api/v1/config and the dashboard:
 * SQL sums the labelled model words of every segment's latest label (its latest correction, or its
 * segment_reviewed when it has no correction) per hundredth of confidence and changed/kept, with the
 * sampling weights; quality/served-threshold.ts decides from those sums.
 *
 * Cached per model version for `refreshMs` (HIGHLIGHT_REFRESH_SECONDS, default 5 minutes): the sums
 * come from the rollups (a few milliseconds), and the cache keeps the answer steady between refreshes;
 * at most one recomputation per version runs at a time, and a failed one keeps the last answer (or the
 * fallback) until the next refresh.
 */
import { sql, type Kysely } from 'kysely';
import {
	PRODUCTION_THRESHOLD_MINIMUM,
	servedThreshold,
	type LabelledWord,
	type ProductionLabels,
	type ServedThreshold,
	type ThresholdRule
} from '../../quality';
import type { Database } from '../db/tables';

/** The knobs, with their defaults (README: Configuration). */
export const PRODUCTION_THRESHOLD_DEFAULTS = {
	HIGHLIGHT_MIN_WORDS: PRODUCTION_THRESHOLD_MINIMUM.words,
	HIGHLIGHT_MIN_INSTALLATIONS: PRODUCTION_THRESHOLD_MINIMUM.installations,
	HIGHLIGHT_REFRESH_SECONDS: 300
} as const;

/** How the production threshold is chosen and cached. */
export interface ProductionThresholdOptions {
	minWords: number;
	minInstallations: number;
	rule: ThresholdRule;
	refreshMs: number;
}

/** Reads HIGHLIGHT_MIN_WORDS, HIGHLIGHT_MIN_INSTALLATIONS, HIGHLIGHT_TARGET_RECALL, HIGHLIGHT_REFRESH_SECONDS. */
export function productionThresholdOptionsFromEnv(
	env: Record<string, string | undefined>
): ProductionThresholdOptions {
	const whole = (name: keyof typeof PRODUCTION_THRESHOLD_DEFAULTS, min: number) => {
		const raw = env[name];
		const v = raw === undefined || raw === '' ? PRODUCTION_THRESHOLD_DEFAULTS[name] : Number(raw);
		if (!Number.isInteger(v) || v < min)
			throw new Error(`${name} must be a whole number >= ${min}, got ${raw}`);
		return v;
	};
	const recallRaw = env.HIGHLIGHT_TARGET_RECALL;
	let rule: ThresholdRule = { rule: 'best-f1' };
	if (recallRaw !== undefined && recallRaw !== '') {
		const r = Number(recallRaw);
		if (!(r > 0 && r <= 1)) throw new Error(`HIGHLIGHT_TARGET_RECALL must be in (0, 1], got ${recallRaw}`);
		rule = { rule: 'target-recall', recall: r };
	}
	return {
		minWords: whole('HIGHLIGHT_MIN_WORDS', 1),
		minInstallations: whole('HIGHLIGHT_MIN_INSTALLATIONS', 1),
		rule,
		refreshMs: whole('HIGHLIGHT_REFRESH_SECONDS', 0) * 1000
	};
}

/** A model version as the threshold is kept for. */
export interface VersionRef {
	id: string;
	version: string;
	sha256: string;
}

/**
 * The production labels of one model version (every arm), as sums per hundredth of confidence and
 * changed: the model words of every segment's latest label (its latest correction's ops with a model
 * word, changed = substitution or insertion; else its segment_reviewed's words, kept), with sampling
 * weights, from rollup_labels over all days, and the installations with any such word from
 * rollup_label_installations. Both are maintained at ingestion, so this reads a few hundred rows per
 * day and one per installation rather than every label event's payload (measured at 1.66 M events on
 * SQLite: 260 s for the event query this replaced, kept as the oracle in production-threshold.test.ts).
 */
export async function productionLabels(db: Kysely<Database>, ref: VersionRef): Promise<ProductionLabels> {
	const version = sql`model_id = ${ref.id} and model_version = ${ref.version} and model_sha256 = ${ref.sha256}`;
	const [buckets, installations] = await Promise.all([
		sql<{ bucket: unknown; words: unknown; weight: unknown; confidence: unknown }>`
			select bucket, sum(words) as words, sum(weight) as weight, sum(confidence) as confidence
			from rollup_labels where ${version} group by bucket having sum(words) > 0 order by bucket`.execute(db),
		sql<{ n: unknown }>`
			select count(*) as n from (
				select installation_id from rollup_label_installations where ${version}
				group by installation_id having sum(words) > 0
			) x`.execute(db)
	]);
	let total = 0;
	const labels: LabelledWord[] = [];
	for (const x of buckets.rows) {
		const weight = Number(x.weight);
		total += Number(x.words);
		if (weight > 0)
			labels.push({ confidence: Number(x.confidence) / weight, changed: Number(x.bucket) % 2 === 1, weight });
	}
	return { words: total, installations: Number(installations.rows[0]?.n ?? 0), labels };
}

interface Entry {
	value: ServedThreshold | null;
	at: number;
	pending: Promise<ServedThreshold> | null;
}

/** The cached production thresholds of one server process. */
export class ProductionThresholds {
	private readonly cache = new Map<string, Entry>();

	constructor(
		private readonly db: Kysely<Database>,
		readonly options: ProductionThresholdOptions,
		private readonly now: () => number = () => Date.now(),
		private readonly log: (message: string, e: unknown) => void = (m, e) => console.error(m, e)
	) {}

	/**
	 * The threshold the editor gets for `ref`: production when its labels suffice, else `fallback`.
	 * Recomputed when the cached answer is older than refreshMs (callers wait for that one query).
	 */
	async served(
		ref: VersionRef,
		fallback: { threshold: number; source: 'evaluation' | 'default' }
	): Promise<ServedThreshold> {
		const key = `${ref.id}@${ref.version}#${ref.sha256}`;
		const entry = this.cache.get(key) ?? { value: null, at: -Infinity, pending: null };
		this.cache.set(key, entry);
		if (entry.value && this.now() - entry.at < this.options.refreshMs) return entry.value;
		entry.pending ??= productionLabels(this.db, ref)
			.then((labels) => servedThreshold(labels, fallback, this.options))
			.then(
				(v) => {
					entry.value = v;
					return v;
				},
				(e) => {
					// Kept until the next refresh like a success, so a failing database is not asked per request.
					this.log(`computing the production highlight threshold of ${key} failed`, e);
					entry.value ??= { threshold: fallback.threshold, source: fallback.source };
					return entry.value;
				}
			)
			.finally(() => {
				entry.at = this.now();
				entry.pending = null;
			});
		return entry.pending;
	}
}
