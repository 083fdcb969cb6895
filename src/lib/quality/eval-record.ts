/**
 * models/<id>/eval.json: the result of `npm run eval` for one model version, kept beside its manifest.
 * The server's rollout catalog takes the model's default highlight threshold from it when it is about
 * the manifest's exact version and weights (a record of older weights is ignored), else from the
 * manifest. The threshold is `recommendThreshold` with the best-F1 rule over the labels of
 * transcript/eval-labels.ts, so it is chosen by the same rule as the production recommendation.
 */
import { z } from 'zod';

/** The file name beside manifest.json. */
export const EVAL_RECORD_FILE = 'eval.json';

/** One evaluation record. */
export const evalRecordSchema = z.object({
	model: z.object({ id: z.string(), version: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
	evaluationSet: z.object({
		/** The manifest file's name, e.g. 'eval.jsonl'. */
		name: z.string().min(1),
		/** sha256 of the manifest file's bytes: which list of files and references was used. */
		sha256: z.string().regex(/^[0-9a-f]{64}$/),
		files: z.int().min(1)
	}),
	date: z.iso.datetime(),
	wer: z.number().min(0),
	/** Processing seconds per audio second on the machine that ran the evaluation. */
	rtf: z.number().min(0).nullable(),
	/** Reference words (the WER's denominator) and model words that became calibration labels. */
	words: z.int().min(0),
	labelledWords: z.int().min(0),
	/** Best-F1 threshold for "this word will be corrected"; null when no word was wrong. */
	highlightThreshold: z.number().min(0).max(1).nullable(),
	highlightScore: z
		.object({
			precision: z.number().nullable(),
			recall: z.number().nullable(),
			f1: z.number().nullable(),
			highlightedShare: z.number().nullable()
		})
		.nullable()
});

/** One evaluation record. */
export type EvalRecord = z.infer<typeof evalRecordSchema>;
