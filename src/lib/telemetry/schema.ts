/**
 * Telemetry events: the one definition shared by the browser sender, the server endpoint and the CLI.
 *
 * Versioning: every event carries `schemaVersion`. A change that old servers could not read gets a new
 * literal and a new member of the union; the server keeps accepting the old versions it knows
 * (ACCEPTED_SCHEMA_VERSIONS). Browsers build SCHEMA_VERSION only.
 * - 1: the first version.
 * - 2: adds the `session_summary` and `transcription` event types (version 2 only); transcript events add `arm` (which rollout arm chose the model: 'default', 'candidate', or 'user'
 *   when the user picked the model) and `samplingRate` (0 < r ≤ 1, the probability with which the
 *   browser kept this event; the quality report weights it by 1/r). client_report is unchanged but
 *   for the literal. Version 1 events are stored with arm and sampling rate unknown (null) and count as
 *   arm 'unknown' with weight 1 in the quality report.
 * - 3: adds the `segment_reviewed` event type (version 3 only): the model's words of a segment the
 *   user reviewed without editing (confirmed a word or played it through), the negatives of
 *   calibration and the reviewed-only lines of the labelled-data export. Every other type is unchanged
 *   but for the literal: version 2 and 3 events of those types share one schema.
 *
 * Privacy: no event has a field for audio, and objects are parsed strictly enough that nothing unlisted is
 * stored (unknown keys are stripped by zod's default object parsing).
 *
 * Size: every string and array is bounded, so one event stays well under the batch limit of 512 KiB.
 */
import { z } from 'zod';

/** The schema version this module produces. */
export const SCHEMA_VERSION = 3;

/** Every schema version the server accepts, oldest first. */
export const ACCEPTED_SCHEMA_VERSIONS = [1, 2, 3] as const;

/** The rollout arms a v2 transcript event can name; 'user' means the user chose the model. */
export const ARMS = ['default', 'candidate', 'user'] as const;

/** The probability with which the browser kept an event (1 = every event is sent). */
export const samplingRateSchema = z.number().gt(0).max(1);

/**
 * Batch limits the endpoint enforces (413 beyond them); the browser outbox batches at most maxBytes
 * (OUTBOX_LIMITS.batchBytes), and adapter-node's BODY_SIZE_LIMIT default of 512K matches it.
 */
export const BATCH_LIMITS = { maxEvents: 500, maxBytes: 512 * 1024 } as const;

/** Per-event bounds; exported so the client can truncate before it builds an event. */
export const EVENT_LIMITS = {
	maxWordsPerSegment: 500,
	maxWordChars: 100,
	maxCorrectedTextChars: 10_000,
	maxAlignmentOps: 1000,
	maxCommentChars: 2000,
	maxIdChars: 100,
	maxDecodeSettings: 32,
	maxDropReasons: 32,
	maxSummarySegments: 5000
} as const;

const boundedId = z.string().min(1).max(EVENT_LIMITS.maxIdChars);
const seconds = z
	.number()
	.finite()
	.min(0)
	.max(7 * 24 * 3600);
const confidence = z.number().min(0).max(1);
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** One word as the model produced it; it cannot end before it starts. */
export const wordSchema = z
	.object({
		text: z.string().min(1).max(EVENT_LIMITS.maxWordChars),
		confidence,
		start: seconds,
		end: seconds
	})
	.refine((w) => w.start <= w.end, { path: ['end'], message: 'a word cannot end before it starts' });

/** The exact model version an event judges. */
export const modelRefSchema = z.object({
	id: boundedId,
	version: z.string().min(1).max(100),
	sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits')
});

/** Decode settings as flat key/value pairs (e.g. { maxTokensPerSecond: 6, language: 'en' }). */
export const decodeSettingsSchema = z
	.record(
		z.string().min(1).max(64),
		z.union([z.string().max(200), z.number().finite(), z.boolean(), z.null()])
	)
	.refine((o) => Object.keys(o).length <= EVENT_LIMITS.maxDecodeSettings, {
		message: `at most ${EVENT_LIMITS.maxDecodeSettings} settings`
	});

/** Fields every event has. `id` is generated once per event and is the idempotency key. */
const baseFields = {
	id: z.uuid(),
	// Version 3 changed no existing type, so versions 2 and 3 of those share their schema.
	schemaVersion: z.literal([2, SCHEMA_VERSION]),
	occurredAt: z.iso.datetime({ offset: true }),
	/** Pseudonymous, random, resettable; also what a deletion request names. */
	installationId: z.uuid(),
	appVersion: z.string().min(1).max(50)
};

/** The same fields in version 1 events. */
const baseFieldsV1 = { ...baseFields, schemaVersion: z.literal(1) };

/** Fields of every version 1 event about one transcript made by one model. */
const transcriptFieldsV1 = {
	...baseFieldsV1,
	transcriptId: boundedId,
	model: modelRefSchema,
	backend: z.enum(['webgpu', 'wasm']),
	decodeSettings: decodeSettingsSchema
};

/** Fields of every event about one transcript made by one model (versions 2 and 3). */
const transcriptFields = {
	...transcriptFieldsV1,
	schemaVersion: z.literal([2, SCHEMA_VERSION]),
	/** Which rollout arm chose the model (GET /api/v1/config), or 'user' when the user chose it. */
	arm: z.enum(ARMS),
	/** The probability with which this event was kept (the config's rate for its type). */
	samplingRate: samplingRateSchema
};

/**
 * One step of the word alignment between the model's words and the user's corrected words.
 *
 * Which side is which: the user's corrected text is the REFERENCE, the model's original words are the
 * HYPOTHESIS, as in the usual WER definition (see src/lib/transcript/align.ts). So:
 * - `correct`: model word kept as is (both words set);
 * - `substitution`: model word replaced by a different user word (both set);
 * - `insertion`: the model produced a word the user DELETED (`original` set, `corrected` null);
 * - `deletion`: the model missed a word the user ADDED (`original` null, `corrected` set).
 * `confidence` is the model word's confidence, so it is null exactly when `original` is null.
 * The schema rejects ops whose null sides do not match these rules.
 */
export const alignmentOpSchema = z
	.object({
		op: z.enum(['correct', 'substitution', 'insertion', 'deletion']),
		original: z.string().min(1).max(EVENT_LIMITS.maxWordChars).nullable(),
		corrected: z.string().min(1).max(EVENT_LIMITS.maxWordChars).nullable(),
		confidence: confidence.nullable()
	})
	.superRefine((a, ctx) => {
		const wantOriginal = a.op !== 'deletion';
		const wantCorrected = a.op !== 'insertion';
		if ((a.original !== null) !== wantOriginal)
			ctx.addIssue({
				code: 'custom',
				path: ['original'],
				message: wantOriginal ? `${a.op} needs the model's word` : 'a deletion has no model word'
			});
		if ((a.corrected !== null) !== wantCorrected)
			ctx.addIssue({
				code: 'custom',
				path: ['corrected'],
				message: wantCorrected ? `${a.op} needs the user's word` : 'an insertion has no corrected word'
			});
		if ((a.confidence !== null) !== (a.original !== null))
			ctx.addIssue({
				code: 'custom',
				path: ['confidence'],
				message: 'confidence is the model word’s: set exactly when original is set'
			});
	});

/** Splits corrected text into words the way the editor does (whitespace). */
export function correctedWords(text: string): string[] {
	return text.split(/\s+/).filter((w) => w.length > 0);
}

const correctionFields = {
	type: z.literal('correction'),
	segmentId: boundedId,
	revision: z.int().min(0).max(1_000_000),
	originalWords: z.array(wordSchema).max(EVENT_LIMITS.maxWordsPerSegment),
	correctedText: z.string().max(EVENT_LIMITS.maxCorrectedTextChars),
	alignment: z.array(alignmentOpSchema).max(EVENT_LIMITS.maxAlignmentOps)
};

// The alignment must read back as exactly both sides, so the server can trust its counts.
function checkAlignment(
	e: { originalWords: { text: string }[]; correctedText: string; alignment: AlignmentOp[] },
	ctx: z.RefinementCtx
): void {
	const hyp = e.alignment.flatMap((a) => (a.original === null ? [] : [a.original]));
	const ref = e.alignment.flatMap((a) => (a.corrected === null ? [] : [a.corrected]));
	const original = e.originalWords.map((w) => w.text);
	if (hyp.length !== original.length || hyp.some((w, i) => w !== original[i]))
		ctx.addIssue({
			code: 'custom',
			path: ['alignment'],
			message: 'the alignment’s original words differ from originalWords'
		});
	const corrected = correctedWords(e.correctedText);
	if (ref.length !== corrected.length || ref.some((w, i) => w !== corrected[i]))
		ctx.addIssue({
			code: 'custom',
			path: ['alignment'],
			message: 'the alignment’s corrected words differ from correctedText'
		});
}

/**
 * A segment the user edited: the model's words, the user's text and their alignment.
 *
 * Supersession: the browser sends one event per segment per editing pause, with `revision` increasing
 * each time (0, 1, 2, …). For one (installationId, transcriptId, segmentId) the event with the highest
 * `revision` wins (ties: later `occurredAt`, then greater `id`); earlier ones are kept but ignored by the
 * quality numbers. The event describes the segment's whole current state, never a delta, so the latest
 * one alone is enough. A segment edited back to the model's text is sent as all-`correct` ops.
 */
export const correctionEventSchema = z
	.object({ ...transcriptFields, ...correctionFields })
	.superRefine(checkAlignment);

/** A version 1 correction event. */
export const correctionEventSchemaV1 = z
	.object({ ...transcriptFieldsV1, ...correctionFields })
	.superRefine(checkAlignment);

const reviewFields = {
	type: z.literal('review'),
	segmentId: boundedId,
	confirmedWords: z.array(wordSchema).min(1).max(EVENT_LIMITS.maxWordsPerSegment)
};
/** Words the user confirmed as correct (e.g. a low-confidence word marked right): positive labels. */
export const reviewEventSchema = z.object({ ...transcriptFields, ...reviewFields });
/** A version 1 review event. */
export const reviewEventSchemaV1 = z.object({ ...transcriptFieldsV1, ...reviewFields });

/** The issue tags a rating may carry. */
export const RATING_TAGS = ['wrong-words', 'missing-words', 'punctuation', 'speakers', 'timing'] as const;

const ratingFields = {
	type: z.literal('rating'),
	stars: z.int().min(1).max(5),
	tags: z
		.array(z.enum(RATING_TAGS))
		.max(RATING_TAGS.length)
		.refine((t) => new Set(t).size === t.length, { message: 'tags must be unique' }),
	comment: z.string().max(EVENT_LIMITS.maxCommentChars).optional()
};
/** The user's judgement of one transcript. */
export const ratingEventSchema = z.object({ ...transcriptFields, ...ratingFields });
/** A version 1 rating event. */
export const ratingEventSchemaV1 = z.object({ ...transcriptFieldsV1, ...ratingFields });

/** Export formats an outcome can name. */
export const EXPORT_FORMATS = ['txt', 'srt', 'vtt', 'json', 'docx'] as const;

const outcomeFields = {
	type: z.literal('outcome'),
	outcome: z.literal('exported'),
	format: z.enum(EXPORT_FORMATS)
};
/** The transcript reached its goal: it was exported. */
export const outcomeEventSchema = z.object({ ...transcriptFields, ...outcomeFields });
/** A version 1 outcome event. */
export const outcomeEventSchemaV1 = z.object({ ...transcriptFieldsV1, ...outcomeFields });

const clientReportFields = {
	type: z.literal('client_report'),
	dropped: z
		.record(z.string().regex(/^[a-z0-9_.:-]{1,64}$/), count)
		.refine((o) => Object.keys(o).length <= EVENT_LIMITS.maxDropReasons, {
			message: `at most ${EVENT_LIMITS.maxDropReasons} reasons`
		})
};
/**
 * The client's own losses: events it dropped, counted by reason (e.g. { 'queue-full': 3, 'http-400': 1 }).
 * It is about the installation, not a transcript, so it has no transcript, model, backend or arm fields.
 */
export const clientReportEventSchema = z.object({ ...baseFields, ...clientReportFields });
/** A version 1 client report. */
export const clientReportEventSchemaV1 = z.object({ ...baseFieldsV1, ...clientReportFields });

/** How a segment came to count as reviewed (transcript/review.ts `isReviewed` is the one rule). */
export const REVIEW_KINDS = ['edited', 'confirmed', 'played'] as const;

/**
 * What the user looked at in one transcript, sent when they leave it or export it: the denominator of
 * the honest WER (errors over reviewed words, not over edited words only). Cumulative: each summary
 * describes the whole transcript so far, and for one (installationId, transcriptId) the highest
 * `revision` wins, as for corrections. Word counts are the model's words.
 */
export const sessionSummaryEventSchema = z.object({
	...transcriptFields,
	type: z.literal('session_summary'),
	revision: z.int().min(0).max(1_000_000),
	reason: z.enum(['leave', 'export']),
	reviewedSegments: z
		.array(z.object({ segmentId: boundedId, words: count, how: z.enum(REVIEW_KINDS) }))
		.max(EVENT_LIMITS.maxSummarySegments),
	transcribedSegments: count,
	transcribedWords: count,
	editedSegments: count,
	/** Seconds the transcript was open and the tab visible. */
	activeSeconds: seconds,
	/** Share (0..1) of the recording's duration the user played, counting each second once. */
	playbackCoverage: z.number().min(0).max(1)
});

/**
 * One model word in the compact form of `segment_reviewed`: [text, confidence, start, end]. The browser
 * floors the confidence to 0.001 (so `confidence < t` is unchanged for every threshold t in hundredths)
 * and rounds times to 0.01 s; it cannot end before it starts.
 */
export const compactWordSchema = z
	.tuple([z.string().min(1).max(EVENT_LIMITS.maxWordChars), confidence, seconds, seconds])
	.refine((w) => w[2] <= w[3], { path: [3], message: 'a word cannot end before it starts' });

/**
 * A segment the user reviewed without editing it (a word confirmed, or its audio played through on
 * screen; transcript/review.ts), with the model's words: every word is a label "not changed". Sent once
 * per segment, only while the segment shows exactly the model's words and no correction of it was ever
 * sent; a correction of the same (installationId, transcriptId, segmentId) supersedes it whenever it
 * arrives. It carries the model's words (text), so it needs the same consent as corrections, and it is
 * sampled with the correction's rate and key (sampling.ts: type 'correction'), so the edited and the
 * unedited labels of a transcript are one sample and calibration weights both alike.
 */
export const segmentReviewedEventSchema = z.object({
	...transcriptFields,
	schemaVersion: z.literal(SCHEMA_VERSION),
	type: z.literal('segment_reviewed'),
	segmentId: boundedId,
	how: z.enum(['confirmed', 'played']),
	words: z.array(compactWordSchema).min(1).max(EVENT_LIMITS.maxWordsPerSegment)
});

/** The device hints a transcription event may carry: nothing that identifies a person. */
export const DEVICE_MEMORY_BUCKETS = [0.25, 0.5, 1, 2, 4, 8] as const;

/**
 * One transcription job as it ended: field speed and runtime failures per model version × backend.
 * `transcriptId` is the job's transcript id (a failed job's id names no stored transcript).
 */
export const transcriptionEventSchema = z.object({
	...transcriptFields,
	type: z.literal('transcription'),
	status: z.enum(['done', 'failed', 'cancelled']),
	audioSeconds: seconds,
	processingSeconds: seconds,
	segments: count,
	words: count,
	repetitionSegments: count,
	truncatedSegments: count,
	empty: z.boolean(),
	/** A short machine code for a failure (e.g. 'no-speech', 'webgpu-lost'); null when it did not fail. */
	errorCode: z
		.string()
		.regex(/^[a-z0-9_.:-]{1,64}$/)
		.nullable(),
	device: z.object({
		cores: z.int().min(1).max(1024).nullable(),
		memoryGb: z
			.number()
			.refine((v) => (DEVICE_MEMORY_BUCKETS as readonly number[]).includes(v), {
				message: `one of ${DEVICE_MEMORY_BUCKETS.join(', ')}`
			})
			.nullable()
	})
});

/** Any accepted telemetry event, discriminated by `type`, then by `schemaVersion`. */
export const telemetryEventSchema = z.discriminatedUnion('type', [
	z.discriminatedUnion('schemaVersion', [correctionEventSchemaV1, correctionEventSchema]),
	z.discriminatedUnion('schemaVersion', [reviewEventSchemaV1, reviewEventSchema]),
	z.discriminatedUnion('schemaVersion', [ratingEventSchemaV1, ratingEventSchema]),
	z.discriminatedUnion('schemaVersion', [outcomeEventSchemaV1, outcomeEventSchema]),
	z.discriminatedUnion('schemaVersion', [clientReportEventSchemaV1, clientReportEventSchema]),
	sessionSummaryEventSchema,
	transcriptionEventSchema,
	segmentReviewedEventSchema
]);

/** The event types, in union order. */
export const EVENT_TYPES = [
	'correction',
	'review',
	'rating',
	'outcome',
	'client_report',
	'session_summary',
	'transcription',
	'segment_reviewed'
] as const;

/**
 * The event types with a sampling rate of their own in the rollout config. `segment_reviewed` carries an
 * arm and a rate too, but samples under the correction's (see segmentReviewedEventSchema).
 */
export const TRANSCRIPT_EVENT_TYPES = [
	'correction',
	'review',
	'rating',
	'outcome',
	'session_summary',
	'transcription'
] as const;

/** A complete, valid batch as the browser and CLI send it. */
export const eventBatchSchema = z.object({
	events: z.array(telemetryEventSchema).min(1).max(BATCH_LIMITS.maxEvents)
});

/**
 * The batch envelope alone: the server checks it first, then each event on its own, so one bad event
 * never costs the good ones.
 */
export const batchEnvelopeSchema = z.object({ events: z.array(z.unknown()) });

/** Any accepted telemetry event (every accepted schema version). */
export type TelemetryEvent = z.infer<typeof telemetryEventSchema>;
/** A rollout arm as events name it. */
export type Arm = (typeof ARMS)[number];
/** An event type that can be sampled. */
export type TranscriptEventType = (typeof TRANSCRIPT_EVENT_TYPES)[number];
/** A segment correction event (current version, as the browser builds it). */
export type CorrectionEvent = z.infer<typeof correctionEventSchema>;
/** A confirmed-words event. */
export type ReviewEvent = z.infer<typeof reviewEventSchema>;
/** A star rating event. */
export type RatingEvent = z.infer<typeof ratingEventSchema>;
/** An export event. */
export type OutcomeEvent = z.infer<typeof outcomeEventSchema>;
/** What the user reviewed in one transcript. */
export type SessionSummaryEvent = z.infer<typeof sessionSummaryEventSchema>;
/** A segment reviewed without edits, with the model's words (compact). */
export type SegmentReviewedEvent = z.infer<typeof segmentReviewedEventSchema>;
/** A model word as [text, confidence, start, end]. */
export type CompactWord = z.infer<typeof compactWordSchema>;
/** One transcription job's outcome, speed and device hints. */
export type TranscriptionEvent = z.infer<typeof transcriptionEventSchema>;
/** The client's dropped-event counts. */
export type ClientReportEvent = z.infer<typeof clientReportEventSchema>;
/** One alignment step (reference = user's text, hypothesis = model's words). */
export type AlignmentOp = z.infer<typeof alignmentOpSchema>;
/** A batch of events as posted to /api/v1/events. */
export type EventBatch = z.infer<typeof eventBatchSchema>;
/** An event type name. */
export type EventType = TelemetryEvent['type'];
