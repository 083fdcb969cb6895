/**
 * The answer of GET /api/v1/quality, shared by the server that builds it (server/quality.ts) and the
 * admin page that shows it. What each figure means is defined in server/quality.ts.
 */
import { z } from 'zod';

const count = z.int().min(0);

/** Quality figures of one model version. */
export const modelQualitySchema = z.object({
	id: z.string(),
	version: z.string(),
	sha256: z.string(),
	transcripts: count,
	corrections: count,
	ratings: count,
	meanRating: z.number().min(1).max(5).nullable(),
	wordsReviewed: count,
	estimatedWer: z.number().min(0).nullable()
});
/** Quality figures of one model version. */
export type ModelQuality = z.infer<typeof modelQualitySchema>;

/** The quality endpoint's 200 body. */
export const qualityReportSchema = z.object({
	models: z.array(modelQualitySchema),
	/** Rejected events and batches by reason since the database was created. */
	rejections: z.record(z.string(), count)
});
/** The quality endpoint's 200 body. */
export type QualityReport = z.infer<typeof qualityReportSchema>;
