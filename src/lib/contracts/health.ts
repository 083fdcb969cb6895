/**
 * GET /api/v1/health (public): whether telemetry arrives as it should. It holds counts and alert texts
 * only, never user text or installation ids; src/lib/server/health.ts builds it.
 */
import { z } from 'zod';

/** One alert of the health rules (quality/health.ts). */
export const healthAlertSchema = z.object({
	code: z.enum(['event-type-stopped', 'telemetry-stopped', 'rejection-rate-jump']),
	message: z.string(),
	/** The first hour of the problem, e.g. '2026-11-30T14:00Z'. */
	since: z.string()
});

/** The health endpoint's body. */
export const healthReportSchema = z.object({
	status: z.enum(['ok', 'alert']),
	alerts: z.array(healthAlertSchema),
	/** Totals over the window the rules looked at: accepted events per type, and rejected events. */
	counts: z.object({
		hours: z.number(),
		accepted: z.record(z.string(), z.number()),
		rejected: z.number()
	})
});

/** The health endpoint's body. */
export type HealthReport = z.infer<typeof healthReportSchema>;
