/**
 * The rollout admin API (GET/PUT /api/v1/admin/rollout, POST /api/v1/admin/rollout/rollback): request
 * and response bodies, shared by the server and the /admin page.
 *
 * A rollout has a default model and optionally a candidate shown to `percent` % of installations
 * (whole percents: installations are hashed into 100 buckets). Rollback sets the candidate's percent to
 * 0 and keeps the candidate named, so raising the share again reuses the same assignment.
 */
import { z } from 'zod';
import { TRANSCRIPT_EVENT_TYPES, samplingRateSchema } from '../telemetry/schema';

/** A model id as manifests spell it (models/<id>/manifest.json). */
export const modelIdSchema = z
	.string()
	.max(100)
	.regex(/^[a-z0-9][a-z0-9-]*$/, 'a model id: lowercase letters, digits and dashes');

/** The candidate model and the share of installations (0–100 %) that get it. */
export const candidateSchema = z.object({
	model: modelIdSchema,
	percent: z.int().min(0).max(100)
});

/** Sampling rate per transcript event type; a type left out is sent always (rate 1). */
export const samplingSchema = z.partialRecord(z.enum(TRANSCRIPT_EVENT_TYPES), samplingRateSchema);

/** The rollout settings: what the admin sets and the server stores. */
export const rolloutSettingsSchema = z
	.object({
		default: modelIdSchema,
		candidate: candidateSchema.nullable(),
		sampling: samplingSchema
	})
	.refine((s) => s.candidate === null || s.candidate.model !== s.default, {
		path: ['candidate', 'model'],
		message: 'the candidate must differ from the default model'
	});

/** PUT /api/v1/admin/rollout body; `sampling` left out keeps the current rates. */
export const rolloutUpdateSchema = z.object({
	default: modelIdSchema,
	candidate: candidateSchema.nullable(),
	sampling: samplingSchema.optional()
});

/** One change of the settings, as the audit log records it. */
export const rolloutAuditEntrySchema = z.object({
	revision: z.int().min(1),
	at: z.iso.datetime(),
	/** Who changed it: 'admin-token' for the bearer token (the only admin login today). */
	actor: z.string(),
	action: z.enum(['update', 'rollback']),
	before: rolloutSettingsSchema,
	after: rolloutSettingsSchema
});

/** A model the admin can choose (an `asr` manifest in MODELS_DIR). */
export const selectableModelSchema = z.object({
	id: modelIdSchema,
	version: z.string(),
	sha256: z.string(),
	displayName: z.string()
});

/** GET (and PUT / rollback) response: the settings in force, where they came from, and the audit log. */
export const rolloutStateSchema = z.object({
	settings: rolloutSettingsSchema,
	/** 'env' until the first change at run time; from then on the database (which wins at start-up). */
	source: z.enum(['env', 'database']),
	/** Assignment salt derived from (default, candidate): a new candidate reshuffles installations. */
	experimentId: z.string().nullable(),
	models: z.array(selectableModelSchema),
	/** Newest first. */
	audit: z.array(rolloutAuditEntrySchema)
});

/** Rollout settings. */
export type RolloutSettings = z.infer<typeof rolloutSettingsSchema>;
/** PUT body. */
export type RolloutUpdate = z.infer<typeof rolloutUpdateSchema>;
/** One audit log entry. */
export type RolloutAuditEntry = z.infer<typeof rolloutAuditEntrySchema>;
/** The admin endpoints' response. */
export type RolloutState = z.infer<typeof rolloutStateSchema>;
/** Sampling rates by event type. */
export type Sampling = z.infer<typeof samplingSchema>;
