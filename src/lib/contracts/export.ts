/**
 * GET /api/v1/export (admin): labelled data as NDJSON, one line per reviewed segment the server holds
 * words for. src/lib/server/export.ts builds the lines; the CLI (cli/export-dataset.ts) writes them.
 *
 * Line schema, exportVersion 1:
 * - model {id, version, sha256}, appVersion: what made the words and which app sent them;
 * - installation: HMAC-SHA256 of the installation id under a server secret (32 hex digits), stable
 *   within one server so lines can be grouped by installation, never the raw id;
 * - transcriptId, segmentId, revision: the segment and the correction revision the line is from;
 * - modelWords [{text, confidence, start, end}]: the model's words; correctedText: the user's text (the
 *   model's text when the user did not change it); alignment: schema.ts alignment ops;
 * - edited: the user's text differs from the model's; reviewedOnly: the opposite (reviewed, kept as is);
 * - rating: the transcript's latest rating {stars, tags} or null;
 * - occurredAt: when the browser built the correction; receivedAt: when the server stored it (the export
 *   order and what `since` resumes by).
 * A later revision of a segment is exported again when it arrives: consumers keep, per (installation,
 * transcriptId, segmentId), the line with the highest revision.
 */
import { z } from 'zod';
import { alignmentOpSchema, modelRefSchema, RATING_TAGS, wordSchema } from '../telemetry/schema';

/** The export format's version. */
export const EXPORT_VERSION = 1;

/** One NDJSON line of the export. */
export const exportLineSchema = z.object({
	exportVersion: z.literal(EXPORT_VERSION),
	model: modelRefSchema,
	appVersion: z.string(),
	installation: z.string().regex(/^[0-9a-f]{32}$/),
	transcriptId: z.string(),
	segmentId: z.string(),
	revision: z.number(),
	modelWords: z.array(wordSchema),
	correctedText: z.string(),
	alignment: z.array(alignmentOpSchema),
	edited: z.boolean(),
	reviewedOnly: z.boolean(),
	rating: z.object({ stars: z.number(), tags: z.array(z.enum(RATING_TAGS)) }).nullable(),
	occurredAt: z.string(),
	receivedAt: z.string()
});

/** One NDJSON line of the export. */
export type ExportLine = z.infer<typeof exportLineSchema>;
