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
	/** correction and review events. */
	segment_id: string | null;
	/** correction events: the highest revision per segment wins. */
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
	/** session_summary events: model words of reviewed segments the user did not edit. */
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

/** The database as kysely sees it. */
export interface Database {
	events: EventsTable;
	rejections: RejectionsTable;
	rejections_hourly: RejectionsHourlyTable;
	rollout_settings: RolloutSettingsTable;
	rollout_audit: RolloutAuditTable;
	deleted_installations: DeletedInstallationsTable;
	admin_sessions: AdminSessionsTable;
}
