/**
 * GET /api/v1/admin/dashboard/<section>?days=7|30|90 (admin): the dashboard's figures. Built by
 * src/lib/server/dashboard/ (SQL sums, statistics from $lib/quality); every interval is 95 %.
 */
import { z } from 'zod';

/** The time ranges the dashboard offers, in days back from now. */
export const DASHBOARD_RANGES = [7, 30, 90] as const;

const interval = z.object({ estimate: z.number(), low: z.number(), high: z.number() });
const sequential = z.object({
	/** ln Λ of the mSPRT (Λ itself overflows on overwhelming evidence). */
	logLikelihoodRatio: z.number(),
	pValue: z.number(),
	significant: z.boolean(),
	low: z.number(),
	high: z.number()
});
/** A difference between two versions (candidate − baseline) with the fixed-sample interval and the mSPRT. */
export const comparisonSchema = z.object({
	baseline: z.number(),
	candidate: z.number(),
	difference: z.number(),
	fixedLow: z.number(),
	fixedHigh: z.number(),
	sequential: sequential.nullable(),
	installations: z.object({ baseline: z.number(), candidate: z.number() })
});
/** A WER with its installation-clustered bootstrap interval and what it rests on. */
const werFigure = interval.extend({ installations: z.number(), words: z.number() });

/** One model version in one rollout arm. */
export const versionPanelSchema = z.object({
	/** `id@version:sha12:arm`, what the compare endpoint takes. */
	key: z.string(),
	id: z.string(),
	version: z.string(),
	sha256: z.string(),
	arm: z.string(),
	wer: z.object({
		reviewed: werFigure.nullable(),
		editedOnly: werFigure.nullable(),
		/** Reviewed model words / transcribed model words (session summaries); null without summaries. */
		coverage: z.number().nullable()
	}),
	/** Daily reviewed WER with a normal interval from the clustered linearisation variance. */
	daily: z.array(
		z.object({ day: z.string(), wer: z.number(), low: z.number(), high: z.number(), words: z.number() })
	),
	cusum: z
		.object({
			alarm: z.boolean(),
			since: z.string().nullable(),
			statistic: z.array(z.object({ day: z.string(), s: z.number() }))
		})
		.nullable(),
	ratings: z.object({
		mean: interval.extend({ installations: z.number(), ratings: z.number() }).nullable(),
		/** Weighted shares of 1…5 stars (null without ratings) and the number of ratings. */
		shares: z.array(z.number().nullable()),
		count: z.number(),
		daily: z.array(
			z.object({ day: z.string(), mean: z.number(), low: z.number(), high: z.number(), ratings: z.number() })
		),
		/** Weighted number of ratings carrying each issue tag. */
		tags: z.array(z.object({ tag: z.string(), count: z.number() }))
	}),
	calibration: z.object({
		bins: z.array(
			z.object({
				low: z.number(),
				high: z.number(),
				words: z.number(),
				meanConfidence: z.number().nullable(),
				accuracy: z.number().nullable()
			})
		),
		ece: z.number().nullable(),
		/** The threshold editors get for this version now (GET /api/v1/config), or the manifest's. */
		threshold: z.number(),
		/**
		 * Where `threshold` comes from when the config serves this version: production labels (with
		 * their counts), eval.json or the default; null for a version the server no longer serves.
		 */
		served: z
			.object({
				source: z.enum(['production', 'evaluation', 'default']),
				words: z.number().nullable(),
				installations: z.number().nullable()
			})
			.nullable()
			.optional(),
		atThreshold: z.object({
			precision: z.number().nullable(),
			recall: z.number().nullable(),
			f1: z.number().nullable()
		}),
		recommended: z
			.object({
				threshold: z.number(),
				precision: z.number().nullable(),
				recall: z.number().nullable(),
				f1: z.number().nullable()
			})
			.nullable(),
		/** Labelled words (each segment's latest label: its correction, or its segment_reviewed) and how many corrected segments are among them; `sampled` is false since the rollups count every label of the window (kept for the contract). */
		words: z.number(),
		segments: z.number(),
		sampled: z.boolean()
	}),
	confusions: z.array(z.object({ from: z.string(), to: z.string(), count: z.number() })),
	corrected: z.array(z.object({ word: z.string(), count: z.number() })),
	outcome: z.object({
		transcripts: z.number(),
		exported: z.number(),
		share: z.number().nullable(),
		/** Minutes from the transcription's end to the first export: median and 90th percentile. */
		minutesToExport: z.object({ p50: z.number(), p90: z.number() }).nullable()
	}),
	/** models/<id>/eval.json beside production; `mismatch` when the production WER is far from it. */
	evaluation: z
		.object({
			wer: z.number(),
			rtf: z.number().nullable(),
			date: z.string(),
			evalSet: z.string(),
			mismatch: z.boolean()
		})
		.nullable(),
	/** Against the version this one replaces (the previous version of the same model, same arm or default). */
	regression: z
		.object({ against: z.string(), wer: comparisonSchema.nullable(), significant: z.boolean() })
		.nullable()
});

/** GET …/dashboard/versions. */
export const dashboardVersionsSchema = z.object({
	days: z.number(),
	from: z.string(),
	versions: z.array(versionPanelSchema)
});

/** GET …/dashboard/compare?a=&b=: b against a. */
export const dashboardCompareSchema = z.object({
	a: z.string(),
	b: z.string(),
	wer: comparisonSchema.nullable(),
	rating: comparisonSchema.nullable()
});

const percentiles = z.object({ p50: z.number(), p90: z.number(), p99: z.number(), jobs: z.number() });
/** GET …/dashboard/speed: field speed and failures from transcription events. */
export const dashboardSpeedSchema = z.object({
	/** Real-time factor (processing / audio seconds) of finished jobs. */
	rtf: z.array(
		z.object({ key: z.string(), backend: z.string(), cores: z.string() }).extend(percentiles.shape)
	),
	failures: z.array(
		z.object({
			key: z.string(),
			backend: z.string(),
			jobs: z.number(),
			failedShare: z.number(),
			/** Segments stopped for repetition / all segments of finished jobs. */
			repetitionShare: z.number().nullable()
		})
	)
});

/** GET …/dashboard/health: alerts from hourly counts of the last 7 days. */
export const dashboardHealthSchema = z.object({
	alerts: z.array(z.object({ code: z.string(), message: z.string(), since: z.string() })),
	hours: z.array(z.object({ hour: z.string(), accepted: z.number(), rejected: z.number() })),
	rejections: z.record(z.string(), z.number())
});

export type VersionPanel = z.infer<typeof versionPanelSchema>;
export type DashboardVersions = z.infer<typeof dashboardVersionsSchema>;
export type DashboardCompare = z.infer<typeof dashboardCompareSchema>;
export type DashboardSpeed = z.infer<typeof dashboardSpeedSchema>;
export type DashboardHealth = z.infer<typeof dashboardHealthSchema>;
export type ComparisonFigure = z.infer<typeof comparisonSchema>;
