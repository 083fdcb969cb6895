/**
 * GET /api/v1/config?installation=<uuid>: what the browser should run and send. Public, carries no user
 * data, and may be cached for a minute (Cache-Control), so a rollout change reaches browsers within
 * about a minute.
 */
import { z } from 'zod';
import { TRANSCRIPT_EVENT_TYPES, modelRefSchema, samplingRateSchema } from '../telemetry/schema';

/** The arms the server assigns ('user' is the browser's own, for a model the user chose). */
export const ASSIGNED_ARMS = ['default', 'candidate'] as const;

/** The config endpoint's body. */
export const clientConfigSchema = z.object({
	/** The model version this installation should transcribe with. */
	model: modelRefSchema,
	/** Which arm of the rollout chose it; events about its transcripts carry it. */
	arm: z.enum(ASSIGNED_ARMS),
	/** Words below this confidence are highlighted by default (the model version's own default). */
	highlightThreshold: z.number().min(0).max(1),
	/**
	 * Where highlightThreshold comes from: 'production' (chosen from this many labelled words of this
	 * many installations, server/rollout/production-threshold.ts), 'evaluation' (models/<id>/eval.json)
	 * or 'default' (the manifest or the built-in value). Optional: servers and cached configs from
	 * before it have none.
	 */
	highlightThresholdSource: z
		.discriminatedUnion('source', [
			z.object({ source: z.literal('production'), words: z.int().min(0), installations: z.int().min(0) }),
			z.object({ source: z.enum(['evaluation', 'default']) })
		])
		.optional(),
	telemetry: z.object({
		/** Keep each event of a type with this probability, and send the rate with it. Every type listed. */
		sampling: z.record(z.enum(TRANSCRIPT_EVENT_TYPES), samplingRateSchema)
	})
});

/** The config endpoint's body. */
export type ClientConfig = z.infer<typeof clientConfigSchema>;
