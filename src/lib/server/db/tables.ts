/** Kysely's view of the tables; the migrations in migrations.ts create exactly these. */
import type { Generated } from 'kysely';

/**
 * One accepted telemetry event. `payload` is the validated event as JSON; the other columns are copies
 * of its fields (and counts derived from it) so the quality query needs no JSON functions, which differ
 * between SQLite and PostgreSQL. Times are ISO 8601 UTC strings, which sort correctly as text.
 */
export interface EventsTable {
	id: string;
	type: string;
	schema_version: number;
	occurred_at: string;
	received_at: string;
	installation_id: string;
	app_version: string;
	/** Null for client_report events, which are about no transcript or model. */
	transcript_id: string | null;
	model_id: string | null;
	model_version: string | null;
	model_sha256: string | null;
	backend: string | null;
	/** Rollout arm of schema version 2+ transcript events; null for version 1 and client reports. */
	arm: string | null;
	/** Probability the event was kept with (version 2+ transcript events); null means 1. */
	sampling_rate: number | null;
	/** correction, review and segment_reviewed events. */
	segment_id: string | null;
	/**
	 * correction events: the highest revision per segment wins; session_summary: per transcript;
	 * segment_reviewed: −1, so any correction of the segment supersedes it.
	 */
	revision: number | null;
	/** correction events: WER counts of this revision (reference = user's text, hypothesis = model). */
	substitutions: number | null;
	insertions: number | null;
	deletions: number | null;
	reference_words: number | null;
	/** review events: how many words the user confirmed. */
	confirmed_words: number | null;
	/** rating events. */
	stars: number | null;
	/**
	 * session_summary events: model words of reviewed segments the user did not edit; segment_reviewed:
	 * the segment's model words.
	 */
	reviewed_words: number | null;
	payload: string;
}

/** Rejected events and batches, counted by reason (shown on the dashboard). */
export interface RejectionsTable {
	reason: string;
	count: Generated<number>;
	last_at: string;
}

/** Rejections per UTC hour ('YYYY-MM-DDTHH') and reason, for the health rules. */
export interface RejectionsHourlyTable {
	hour: string;
	reason: string;
	count: Generated<number>;
}

/** The admin's run-time rollout settings (one row, id 'current'); `settings` is contracts/rollout JSON. */
export interface RolloutSettingsTable {
	id: string;
	revision: number;
	settings: string;
	updated_at: string;
	updated_by: string;
}

/** Every change of the rollout settings: who, when, and the settings before and after (JSON). */
export interface RolloutAuditTable {
	revision: number;
	at: string;
	actor: string;
	action: string;
	before: string;
	after: string;
}

/** Tombstones of deleted installations: sha256 (hex) of the lower-case id and when it was deleted. */
export interface DeletedInstallationsTable {
	installation_hash: string;
	deleted_at: string;
}

/** Dashboard login sessions: sha256 (hex) of the session id and when it expires (ISO UTC). */
export interface AdminSessionsTable {
	id_hash: string;
	created_at: string;
	expires_at: string;
}

/** The columns every rollup row's version key has (arm 'unknown' for schema version 1 events). */
interface VersionKeyColumns {
	model_id: string;
	model_version: string;
	model_sha256: string;
	arm: string;
}

/** Per day, version, installation and sampling rate: latest corrections and summaries, ratings by stars. */
export interface RollupDailyTable extends VersionKeyColumns {
	day: string;
	installation_id: string;
	rate: number;
	corrections: Generated<number>;
	errors: Generated<number>;
	reference_words: Generated<number>;
	hypothesis_words: Generated<number>;
	summaries: Generated<number>;
	reviewed_words: Generated<number>;
	transcribed_words: Generated<number>;
	stars_1: Generated<number>;
	stars_2: Generated<number>;
	stars_3: Generated<number>;
	stars_4: Generated<number>;
	stars_5: Generated<number>;
}
/** rollup_daily summed per block of days (server/rollup.ts BLOCK_DAYS; `block` is its first day). */
export interface RollupBlocksTable extends Omit<RollupDailyTable, 'day'> {
	block: string;
}
/**
 * Per day and version, over the installations of the day: how many count for reviewed WER (w_) and for
 * ratings (r_), and Σ of their day's weighted e, w, e², w², e·w (the daily clustered variance's sums).
 */
export interface RollupDayStatsTable extends VersionKeyColumns {
	day: string;
	w_installations: Generated<number>;
	w_e: Generated<number>;
	w_w: Generated<number>;
	w_ee: Generated<number>;
	w_ww: Generated<number>;
	w_ew: Generated<number>;
	r_installations: Generated<number>;
	r_e: Generated<number>;
	r_w: Generated<number>;
	r_ee: Generated<number>;
	r_ww: Generated<number>;
	r_ew: Generated<number>;
}
/**
 * Transcripts per day and version by kind: 'seen' on the day of their last event, 'exported' on the
 * day of their first export, 'timed' (exported after transcription) on the transcription's day with
 * the whole minutes between them (minutes −1 for the other kinds).
 */
export interface RollupOutcomesTable extends VersionKeyColumns {
	day: string;
	kind: string;
	minutes: number;
	transcripts: Generated<number>;
}
/** Ratings per day, version and tag: how many, and Σ 1/rate. */
export interface RollupTagsTable extends VersionKeyColumns {
	day: string;
	tag: string;
	n: Generated<number>;
	weight: Generated<number>;
}
/** Labelled words of latest corrections per day, version and bucket (hundredth of confidence · 2 + changed). */
export interface RollupLabelsTable extends VersionKeyColumns {
	day: string;
	bucket: number;
	words: Generated<number>;
	weight: Generated<number>;
	confidence: Generated<number>;
}
/** Labelled words of each installation's latest labels per version (the production threshold's minimum). */
export interface RollupLabelInstallationsTable extends VersionKeyColumns {
	installation_id: string;
	words: Generated<number>;
}
/** Confusions (model word → user word, '∅' for a deleted word) of latest corrections per day and version. */
export interface RollupConfusionsTable extends VersionKeyColumns {
	day: string;
	from_word: string;
	to_word: string;
	n: Generated<number>;
	weight: Generated<number>;
}
/** Finished jobs per day, version, backend, cores bucket and RTF bucket (server/rollup.ts rtfBucket). */
export interface RollupRtfTable extends VersionKeyColumns {
	day: string;
	backend: string;
	cores: string;
	rtf: number;
	jobs: Generated<number>;
}
/** Jobs per day, version and backend: all, failed, and segments / repetition segments of finished ones. */
export interface RollupJobsTable extends VersionKeyColumns {
	day: string;
	backend: string;
	jobs: Generated<number>;
	failed: Generated<number>;
	segments: Generated<number>;
	repetitions: Generated<number>;
}
/** Per transcript and version: its events, the last one's time, the first transcription's and export's. */
export interface RollupTranscriptsTable extends VersionKeyColumns {
	installation_id: string;
	transcript_id: string;
	events: Generated<number>;
	last_at: string;
	done_at: string | null;
	exported_at: string | null;
}
/** Accepted events per received hour ('YYYY-MM-DDTHH') and type. */
export interface RollupHourlyTable {
	hour: string;
	type: string;
	events: Generated<number>;
}
/** The latest revision of each corrected segment (kind 'correction') or summarised transcript (segment ''). */
export interface RollupLatestTable {
	transcript_id: string;
	segment_id: string;
	kind: string;
	installation_id: string;
	event_id: string;
	revision: number;
	occurred_at: string;
}

/** The database as kysely sees it. */
export interface Database {
	events: EventsTable;
	rejections: RejectionsTable;
	rejections_hourly: RejectionsHourlyTable;
	rollout_settings: RolloutSettingsTable;
	rollout_audit: RolloutAuditTable;
	deleted_installations: DeletedInstallationsTable;
	admin_sessions: AdminSessionsTable;
	rollup_daily: RollupDailyTable;
	rollup_blocks: RollupBlocksTable;
	rollup_day_stats: RollupDayStatsTable;
	rollup_outcomes: RollupOutcomesTable;
	rollup_tags: RollupTagsTable;
	rollup_labels: RollupLabelsTable;
	rollup_label_installations: RollupLabelInstallationsTable;
	rollup_confusions: RollupConfusionsTable;
	rollup_rtf: RollupRtfTable;
	rollup_jobs: RollupJobsTable;
	rollup_transcripts: RollupTranscriptsTable;
	rollup_hourly: RollupHourlyTable;
	rollup_latest: RollupLatestTable;
}
