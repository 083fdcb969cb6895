/**
 * Pure assembly of the dashboard's figures from the SQL sums of queries.ts, through $lib/quality.
 * No I/O here, so every step is tested on rows small enough to compute by hand (assemble.spec.ts).
 * The bootstraps' results are kept by their exact inputs (memo.ts), which changes no figure.
 */
import {
	DEFAULT_THRESHOLDS,
	RATING_CAP,
	WER_CAP,
	cappedRatioBootstrap,
	compareClusters,
	cusum,
	expectedCalibrationError,
	highlightScore,
	recommendThreshold,
	reliabilityBins,
	toClusters,
	werCoverage,
	werClusters,
	type Cluster,
	type LabelledWord,
	type WerRow
} from '../../quality';
import type { ComparisonFigure, VersionPanel } from '../../contracts/dashboard';
import type { CorrectionSums, DailySums, KeyCols, RatingSums, SummarySums } from './queries';
import { dashboardMemo } from './memo';

/** Bootstrap settings of every dashboard interval (seeded: the same data give the same interval). */
export const DASHBOARD_BOOTSTRAP = { seed: 20261201, resamples: 1000 } as const;
/** z of a two-sided 95 % normal interval. */
const Z95 = 1.959963984540054;

/** The version key `id@version:sha12:arm` of a row. */
export function versionKey(r: KeyCols): string {
	return `${r.model_id}@${r.model_version}:${r.model_sha256.slice(0, 12)}:${r.arm}`;
}

/** Groups rows by version key. */
export function byVersion<T extends KeyCols>(rows: readonly T[]): Map<string, T[]> {
	const m = new Map<string, T[]>();
	for (const r of rows) {
		const k = versionKey(r);
		const list = m.get(k);
		if (list) list.push(r);
		else m.set(k, [r]);
	}
	return m;
}

/** The reviewed and edited-only WER rows of one version (corrections edited, summaries reviewed unedited). */
export function werRows(corrections: readonly CorrectionSums[], summaries: readonly SummarySums[]) {
	const edited: WerRow[] = corrections.map((c) => ({
		installationId: c.installation_id,
		errors: c.errors,
		referenceWords: c.reference_words,
		hypothesisWords: c.hypothesis_words,
		samplingRate: c.rate
	}));
	// Confirmed or played-through segments count with no error: their model words are the reference.
	const unedited: WerRow[] = summaries
		.filter((s) => s.reviewed_words > 0)
		.map((s) => ({
			installationId: s.installation_id,
			errors: 0,
			referenceWords: s.reviewed_words,
			hypothesisWords: s.reviewed_words,
			samplingRate: s.rate
		}));
	const transcribed = summaries.map((s) => ({
		installationId: s.installation_id,
		words: s.transcribed_words,
		samplingRate: s.rate
	}));
	return { reviewed: [...edited, ...unedited], edited, transcribed };
}

type WerFigure = NonNullable<VersionPanel['wer']['reviewed']>;

function werFigure(rows: readonly WerRow[]): WerFigure | null {
	const clusters = werClusters(rows);
	const b = dashboardMemo.get('wer', [clusters, WER_CAP, DASHBOARD_BOOTSTRAP], () =>
		cappedRatioBootstrap(clusters, WER_CAP, DASHBOARD_BOOTSTRAP)
	);
	if (b === null) return null;
	return {
		estimate: b.estimate,
		low: b.low,
		high: b.high,
		installations: clusters.length,
		words: clusters.reduce((s, c) => s + c.denominator, 0)
	};
}

/** Headline WER figures: reviewed (with the edited-only upper bound) and coverage, with bootstrap intervals. */
export function werPanel(
	corrections: readonly CorrectionSums[],
	summaries: readonly SummarySums[]
): VersionPanel['wer'] {
	const rows = werRows(corrections, summaries);
	// Only the coverage of werSummary: its two pooled figures are the bootstrap's estimates below.
	return {
		reviewed: werFigure(rows.reviewed),
		editedOnly: werFigure(rows.edited),
		coverage: summaries.length > 0 ? werCoverage(rows) : null
	};
}

/**
 * A ratio per day with a normal 95 % interval from the clustered linearisation variance
 * k/(k−1) · Σ(eᵢ − R wᵢ)² / (Σwᵢ)², expanded into the sums SQL gives: Σe² − 2RΣew + R²Σw². A day with one
 * installation has no between-installation spread: it gets no band (low = high = the value; the chart
 * caption says so) rather than a band drawn over the whole scale, which would flatten every other day.
 */
export function dailyRatio(
	days: readonly DailySums[],
	max: number
): { day: string; value: number; low: number; high: number; weight: number }[] {
	return days
		.filter((d) => d.w > 0)
		.map((d) => {
			const r = d.e / d.w;
			const k = d.installations;
			const ss = Math.max(0, d.ee - 2 * r * d.ew + r * r * d.ww);
			const half = k > 1 ? Z95 * Math.sqrt(((k / (k - 1)) * ss) / (d.w * d.w)) : 0;
			return {
				day: d.day,
				value: r,
				low: Math.max(0, r - half),
				high: Math.min(max, r + half),
				weight: d.w
			};
		});
}

/** Rating clusters (Σ w·stars over Σ w per installation) from per-star counts. */
export function ratingClustersOf(rows: readonly RatingSums[]): Cluster[] {
	return toClusters(
		rows.map((r) => ({
			installationId: r.installation_id,
			numerator: r.stars * r.ratings,
			denominator: r.ratings,
			samplingRate: r.rate
		}))
	);
}

/** Mean rating with bootstrap interval, the weighted shares of 1…5 stars and the number of ratings. */
export function ratingPanel(
	rows: readonly RatingSums[]
): Pick<VersionPanel['ratings'], 'mean' | 'shares' | 'count'> {
	const clusters = ratingClustersOf(rows);
	const b = dashboardMemo.get('rating', [clusters, RATING_CAP, DASHBOARD_BOOTSTRAP], () =>
		cappedRatioBootstrap(clusters, RATING_CAP, DASHBOARD_BOOTSTRAP)
	);
	const counts = [0, 0, 0, 0, 0];
	for (const r of rows) counts[r.stars - 1] += r.ratings / r.rate;
	const total = counts.reduce((s, c) => s + c, 0);
	const count = rows.reduce((s, r) => s + r.ratings, 0);
	return {
		mean: b && {
			estimate: b.estimate,
			low: b.low,
			high: b.high,
			installations: clusters.length,
			ratings: count
		},
		shares: counts.map((c) => (total > 0 ? c / total : null)),
		count
	};
}

/**
 * One label payload's labelled words and its confusions (model word → user word): a correction's
 * model words by their alignment ops, a segment_reviewed's all unchanged (the negatives of calibration).
 */
export function labelsOf(payload: string, rate: number) {
	const e = JSON.parse(payload) as
		| {
				type?: 'correction';
				alignment: {
					op: string;
					original: string | null;
					corrected: string | null;
					confidence: number | null;
				}[];
		  }
		| { type: 'segment_reviewed'; words: [string, number, number, number][] };
	const words: LabelledWord[] = [];
	const confusions: [string, string][] = [];
	if (e.type === 'segment_reviewed') {
		for (const w of e.words) words.push({ confidence: w[1], changed: false, weight: 1 / rate });
		return { words, confusions };
	}
	for (const a of e.alignment) {
		if (a.original !== null && a.confidence !== null)
			words.push({
				confidence: a.confidence,
				changed: a.op === 'substitution' || a.op === 'insertion',
				weight: 1 / rate
			});
		if (a.op === 'substitution') confusions.push([a.original!, a.corrected!]);
		if (a.op === 'insertion') confusions.push([a.original!, '∅']);
	}
	return { words, confusions };
}

/**
 * Labelled words compressed to one weighted word per (hundredth of confidence, changed): the weighted
 * mean confidence of the words in it, their total weight. Exact for everything the panel computes:
 * reliability bins (tenths) are unions of hundredths and keep their weighted means, and a threshold
 * t = k/100 highlights exactly the hundredths below k. Turns 100 threshold scans over every word into
 * scans over at most 202 entries.
 */
export function compressLabels(words: readonly LabelledWord[]): LabelledWord[] {
	const sums = new Map<number, { c: number; w: number }>();
	for (const x of words) {
		const k = Math.min(99, Math.floor(x.confidence * 100)) * 2 + (x.changed ? 1 : 0);
		const w = x.weight ?? 1;
		const s = sums.get(k) ?? { c: 0, w: 0 };
		s.c += x.confidence * w;
		s.w += w;
		sums.set(k, s);
	}
	return [...sums.entries()]
		.filter(([, s]) => s.w > 0)
		.sort((a, b) => a[0] - b[0])
		.map(([k, s]) => ({ confidence: s.c / s.w, changed: k % 2 === 1, weight: s.w }));
}

/** Calibration, confusions and most corrected words from a version's latest label payloads (corrections and reviewed-only segments). */
export function labelPanels(
	payloads: readonly { payload: string; rate: number }[],
	threshold: number,
	sampled: boolean,
	top = 10
): Pick<VersionPanel, 'calibration' | 'confusions' | 'corrected'> {
	const all: LabelledWord[] = [];
	const pairs = new Map<string, number>();
	const corrected = new Map<string, number>();
	for (const p of payloads) {
		const l = labelsOf(p.payload, p.rate);
		for (const w of l.words) all.push(w);
		for (const [from, to] of l.confusions) {
			const k = `${from}\u0000${to}`;
			pairs.set(k, (pairs.get(k) ?? 0) + 1 / p.rate);
			corrected.set(from, (corrected.get(from) ?? 0) + 1 / p.rate);
		}
	}
	return labelFigures(
		{ words: compressLabels(all), wordCount: all.length, segments: payloads.length, pairs, corrected },
		threshold,
		sampled,
		top
	);
}

/** A version's labels already summed: compressed words (compressLabels), counts, and confusion weights. */
export interface LabelSums {
	words: LabelledWord[];
	/** Labelled words and corrected segments behind them (unweighted). */
	wordCount: number;
	segments: number;
	/** Weight per `from\u0000to` pair and per corrected model word. */
	pairs: ReadonlyMap<string, number>;
	corrected: ReadonlyMap<string, number>;
}

/** The compressed words of one version from rollup_labels rows (bucket = hundredth · 2 + changed). */
export function wordsOfBuckets(
	rows: readonly { bucket: number; weight: number; confidence: number }[]
): LabelledWord[] {
	return [...rows]
		.filter((r) => r.weight > 0)
		.sort((a, b) => a.bucket - b.bucket)
		.map((r) => ({ confidence: r.confidence / r.weight, changed: r.bucket % 2 === 1, weight: r.weight }));
}

/** Calibration, confusions and most corrected words from a version's summed labels. */
export function labelFigures(
	l: LabelSums,
	threshold: number,
	sampled: boolean,
	top = 10
): Pick<VersionPanel, 'calibration' | 'confusions' | 'corrected'> {
	const words = l.words;
	const at = highlightScore(words, threshold);
	const rec = recommendThreshold(words, { rule: 'best-f1' }, DEFAULT_THRESHOLDS);
	const sortTop = <T>(m: ReadonlyMap<string, number>, f: (k: string, v: number) => T) =>
		[...m.entries()]
			.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
			.slice(0, top)
			.map(([k, v]) => f(k, v));
	return {
		calibration: {
			bins: reliabilityBins(words, 10).map((b) => ({
				low: b.low,
				high: b.high,
				words: Math.round(b.weight),
				meanConfidence: b.meanConfidence,
				accuracy: b.changedShare === null ? null : 1 - b.changedShare
			})),
			ece: expectedCalibrationError(words, 10),
			threshold,
			atThreshold: { precision: at.precision, recall: at.recall, f1: at.f1 },
			recommended: rec && {
				threshold: rec.threshold,
				precision: rec.precision,
				recall: rec.recall,
				f1: rec.f1
			},
			words: l.wordCount,
			segments: l.segments,
			sampled
		},
		confusions: sortTop(l.pairs, (k, count) => {
			const [from, to] = k.split('\u0000');
			return { from, to, count };
		}),
		corrected: sortTop(l.corrected, (word, count) => ({ word, count }))
	};
}

/** Share exported and the median / 90th percentile of minutes to export, from a histogram of whole minutes. */
export function outcomePanel(
	totals: { transcripts: number; exported: number } | undefined,
	minutes: readonly { minutes: number; transcripts: number }[]
): VersionPanel['outcome'] {
	const transcripts = totals?.transcripts ?? 0;
	const exported = totals?.exported ?? 0;
	return {
		transcripts,
		exported,
		share: transcripts > 0 ? exported / transcripts : null,
		minutesToExport: toP50P90(
			histogramPercentiles(
				minutes.map((m) => ({ value: m.minutes, count: m.transcripts })),
				[0.5, 0.9]
			)
		)
	};
}

const toP50P90 = (q: number[] | null) => (q === null ? null : { p50: q[0], p90: q[1] });

/** Quantiles of a histogram of values: the smallest value whose cumulative count reaches q of the total; null when empty. */
export function histogramPercentiles(
	hist: readonly { value: number; count: number }[],
	qs: readonly number[]
): number[] | null {
	const sorted = [...hist].filter((h) => h.count > 0).sort((a, b) => a.value - b.value);
	const total = sorted.reduce((s, h) => s + h.count, 0);
	if (total === 0) return null;
	return qs.map((q) => {
		let acc = 0;
		for (const h of sorted) {
			acc += h.count;
			if (acc >= q * total) return h.value;
		}
		return sorted[sorted.length - 1].value;
	});
}

/** CUSUM on the daily WER series (null with fewer than 3 days with words). */
export function cusumPanel(days: readonly DailySums[]): VersionPanel['cusum'] {
	const c = cusum(days.map((d) => ({ day: d.day, errors: d.e, words: d.w })));
	return c && { alarm: c.alarm, since: c.since, statistic: c.statistic };
}

/** The comparison of two versions' WER rows (b − a). */
export function compareWerRows(a: readonly WerRow[], b: readonly WerRow[]): ComparisonFigure | null {
	if (a.length === 0 || b.length === 0) return null;
	const options = { ...DASHBOARD_BOOTSTRAP, tau: 0.03, cap: WER_CAP };
	const ca = werClusters(a);
	const cb = werClusters(b);
	return dashboardMemo.get('compare', [ca, cb, options], () => compareClusters(ca, cb, options));
}

/** The comparison of two versions' ratings (b − a). */
export function compareRatingRows(
	a: readonly RatingSums[],
	b: readonly RatingSums[]
): ComparisonFigure | null {
	if (a.length === 0 || b.length === 0) return null;
	const options = { ...DASHBOARD_BOOTSTRAP, tau: 0.25, cap: RATING_CAP };
	const ca = ratingClustersOf(a);
	const cb = ratingClustersOf(b);
	return dashboardMemo.get('compare', [ca, cb, options], () => compareClusters(ca, cb, options));
}

/** Compares semantic versions `1.2.0` numerically (then as text). */
export function compareVersions(a: string, b: string): number {
	const pa = a.split(/[.-]/).map(Number);
	const pb = b.split(/[.-]/).map(Number);
	for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
		const x = pa[i] ?? 0;
		const y = pb[i] ?? 0;
		if (Number.isNaN(x) || Number.isNaN(y)) return a < b ? -1 : a > b ? 1 : 0;
		if (x !== y) return x - y;
	}
	return 0;
}

/**
 * The version each version replaces: the highest lower version of the same model id (any arm,
 * preferring the same arm, then 'default'); null for a model's first version.
 */
export function predecessor(key: KeyCols, all: readonly KeyCols[]): KeyCols | null {
	const older = all
		.filter((o) => o.model_id === key.model_id && compareVersions(o.model_version, key.model_version) < 0)
		.sort((a, b) => compareVersions(b.model_version, a.model_version));
	if (older.length === 0) return null;
	const top = older.filter((o) => o.model_version === older[0].model_version);
	return top.find((o) => o.arm === key.arm) ?? top.find((o) => o.arm === 'default') ?? top[0];
}

/** Quantile helper for RTF histograms (p50, p90, p99) with the number of jobs. */
export function rtfPercentiles(hist: readonly { value: number; count: number }[]) {
	const q = histogramPercentiles(hist, [0.5, 0.9, 0.99]);
	return q && { p50: q[0], p90: q[1], p99: q[2], jobs: hist.reduce((s, h) => s + h.count, 0) };
}

/**
 * A large mismatch between the static evaluation and production: relative difference over 50 % and
 * absolute over 5 points. Production speech (real microphones, real users) is expected to be worse
 * than a clean evaluation set by some margin; beyond this the evaluation set no longer predicts the field.
 */
export function evalMismatch(evalWer: number, production: number): boolean {
	const diff = Math.abs(production - evalWer);
	return diff > 0.05 && diff > 0.5 * Math.max(evalWer, 1e-9);
}
