/**
 * The production highlight threshold of each model version, for GET /api/v1/config and the dashboard:
 * SQL sums the labelled model words of every segment's latest label (its latest correction, or its
 * segment_reviewed when it has no correction) per hundredth of confidence and changed/kept, with the
 * sampling weights; quality/served-threshold.ts decides from those sums.
 *
 * Cached per model version for `refreshMs` (HIGHLIGHT_REFRESH_SECONDS, default 5 minutes): the sums
 * scan the version's label events, so a config request never does; at most one recomputation per
 * version runs at a time, and a failed one keeps the last answer (or the fallback) until the next refresh.
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
import type { Dialect } from '../dashboard/queries';
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

interface Row {
	bucket: number;
	changed: number;
	words: number;
	weight: number;
	weighted_confidence: number;
	installations: number | null;
}

/** The production labels of one model version, as sums per hundredth of confidence and changed. */
export async function productionLabels(
	db: Kysely<Database>,
	dialect: Dialect,
	ref: VersionRef
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
	const r = await sql<Row>`
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
		from words group by ${bucket}, changed
		union all
		select -1, 0, 0, 0, 0, count(distinct installation_id) from words`.execute(db);
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
		private readonly dialect: Dialect,
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
		entry.pending ??= productionLabels(this.db, this.dialect, ref)
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
