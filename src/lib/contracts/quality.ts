/**
 * GET /api/v1/quality (admin): model quality per model version and rollout arm. The definitions of
 * every figure are in src/lib/server/quality.ts, which builds this body.
 */
import { z } from 'zod';

/** The arm a quality row is about: an event's arm, or 'unknown' for schema version 1 events. */
export const REPORT_ARMS = ['default', 'candidate', 'user', 'unknown'] as const;

/** Quality figures of one model version in one arm (sums weighted by 1/samplingRate). */
export const modelQualitySchema = z.object({
	id: z.string(),
	version: z.string(),
	sha256: z.string(),
	arm: z.enum(REPORT_ARMS),
	transcripts: z.number(),
	corrections: z.number(),
	ratings: z.number(),
	meanRating: z.number().nullable(),
	wordsReviewed: z.number(),
	estimatedWer: z.number().nullable(),
	/** Reference words of every reviewed segment (edited or not): the honest WER's denominator. */
	reviewedWords: z.number(),
	/** Errors over reviewedWords (WER over reviewed speech); null without reviewed words. */
	reviewedWer: z.number().nullable(),
	/** Stored events behind the figures, unweighted (summaries: latest session summaries). */
	sampled: z.object({
		corrections: z.number(),
		ratings: z.number(),
		reviews: z.number(),
		summaries: z.number()
	})
});

/** The quality endpoint's body. */
export const qualityReportSchema = z.object({
	models: z.array(modelQualitySchema),
	/** Rejected events and batches by reason since the database was created. */
	rejections: z.record(z.string(), z.number())
});

/** One row of the report. */
export type ModelQuality = z.infer<typeof modelQualitySchema>;
/** The quality endpoint's body. */
export type QualityReport = z.infer<typeof qualityReportSchema>;
/** An arm as the report names it. */
export type ReportArm = (typeof REPORT_ARMS)[number];
