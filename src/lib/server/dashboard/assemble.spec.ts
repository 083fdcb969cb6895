import { describe, expect, it } from 'vitest';
import { highlightScore, reliabilityBins, type LabelledWord } from '../../quality';
import {
	compareVersions,
	compressLabels,
	dailyRatio,
	evalMismatch,
	histogramPercentiles,
	labelPanels,
	outcomePanel,
	predecessor,
	ratingPanel,
	versionKey,
	werPanel,
	werRows
} from './assemble';
import type { CorrectionSums, DailySums, KeyCols, RatingSums, SummarySums } from './queries';

const key: KeyCols = { model_id: 'm', model_version: '1.0.0', model_sha256: 'a'.repeat(64), arm: 'default' };
const corr = (installation_id: string, errors: number, ref: number, hyp: number): CorrectionSums => ({
	...key,
	installation_id,
	rate: 1,
	errors,
	reference_words: ref,
	hypothesis_words: hyp
});
const summ = (installation_id: string, reviewed: number, transcribed: number, rate = 1): SummarySums => ({
	...key,
	installation_id,
	rate,
	reviewed_words: reviewed,
	transcribed_words: transcribed
});

describe('werRows / werPanel', () => {
	it('adds un-edited reviewed words with no error to the edited corrections', () => {
		// A: 2 errors in 10 edited words, 10 more words reviewed unedited. B: 1 in 10, none more.
		const rows = werRows([corr('A', 2, 10, 10), corr('B', 1, 10, 10)], [summ('A', 10, 40), summ('B', 0, 40)]);
		expect(rows.edited.map((r) => r.errors)).toEqual([2, 1]);
		expect(rows.reviewed).toHaveLength(3);
		const p = werPanel([corr('A', 2, 10, 10), corr('B', 1, 10, 10)], [summ('A', 10, 40), summ('B', 0, 40)]);
		// Under the 200-word minimum cap nobody is scaled: reviewed 3 / 30, edited-only 3 / 20.
		expect(p.reviewed!.estimate).toBeCloseTo(0.1, 12);
		expect(p.editedOnly!.estimate).toBeCloseTo(0.15, 12);
		expect(p.reviewed!.installations).toBe(2);
		expect(p.reviewed!.words).toBe(30);
		// Coverage: reviewed model words 10 + 10 + 10 over 80 transcribed.
		expect(p.coverage).toBeCloseTo(30 / 80, 12);
		expect(p.reviewed!.low).toBeLessThanOrEqual(0.1);
		expect(p.reviewed!.high).toBeGreaterThanOrEqual(0.1);
	});

	it('has no figures and no coverage without data', () => {
		expect(werPanel([], [])).toEqual({ reviewed: null, editedOnly: null, coverage: null });
	});
});

describe('dailyRatio', () => {
	it('is the pooled ratio with the clustered normal interval', () => {
		// Two installations: (e, w) = (1, 10) and (3, 10). R = 4/20 = 0.2. Residuals 1 − 2 = −1, 3 − 2 = 1:
		// Σ = 2, k/(k−1) = 2, variance = 2·2/400 = 0.01, sd 0.1, half-width 1.96·0.1.
		const day: DailySums = {
			...key,
			day: '2026-11-30',
			installations: 2,
			e: 4,
			w: 20,
			ee: 10,
			ww: 200,
			ew: 40
		};
		const [d] = dailyRatio([day], 1);
		expect(d.value).toBeCloseTo(0.2, 12);
		expect(d.low).toBeCloseTo(0.2 - 1.959963984540054 * 0.1, 9);
		expect(d.high).toBeCloseTo(0.2 + 1.959963984540054 * 0.1, 9);
	});
	it('gives a day with one installation no band and drops days without words', () => {
		const one: DailySums = { ...key, day: 'd1', installations: 1, e: 1, w: 10, ee: 1, ww: 100, ew: 10 };
		const none: DailySums = { ...key, day: 'd2', installations: 0, e: 0, w: 0, ee: 0, ww: 0, ew: 0 };
		expect(dailyRatio([one, none], 1)).toEqual([{ day: 'd1', value: 0.1, low: 0.1, high: 0.1, weight: 10 }]);
	});
});

describe('ratingPanel', () => {
	it('weights by 1 / rate and pools per installation', () => {
		const r = (installation_id: string, stars: number, ratings: number, rate = 1): RatingSums => ({
			...key,
			installation_id,
			rate,
			stars,
			ratings
		});
		// A: two 5-star ratings. B: one 2-star rating kept at rate 0.5 (weight 2). Weighted counts 2 (5★), 2 (2★).
		const p = ratingPanel([r('A', 5, 2), r('B', 2, 1, 0.5)]);
		expect(p.shares).toEqual([0, 0.5, 0, 0, 0.5]);
		expect(p.count).toBe(3);
		// Mean (10 + 4) / 4 = 3.5, nobody capped (5-rating minimum cap).
		expect(p.mean!.estimate).toBeCloseTo(3.5, 12);
		expect(p.mean!.installations).toBe(2);
	});
	it('has no mean without ratings', () => {
		expect(ratingPanel([])).toEqual({ mean: null, shares: [null, null, null, null, null], count: 0 });
	});
});

describe('compressLabels', () => {
	it('keeps reliability bins and highlight scores exactly', () => {
		const words: LabelledWord[] = [
			{ confidence: 0.12, changed: true },
			{ confidence: 0.125, changed: true, weight: 3 },
			{ confidence: 0.12, changed: false },
			{ confidence: 0.55, changed: false },
			{ confidence: 1, changed: false },
			{ confidence: 0.999, changed: true }
		];
		const c = compressLabels(words);
		expect(c).toHaveLength(5);
		expect(c[0]).toEqual({ confidence: 0.12, changed: false, weight: 1 });
		expect(c[1].confidence).toBeCloseTo((0.12 + 0.375) / 4, 12);
		const strip = (b: ReturnType<typeof reliabilityBins>) => b.map(({ count: _c, ...rest }) => rest);
		expect(strip(reliabilityBins(c))).toEqual(strip(reliabilityBins(words)));
		for (const t of [0.1, 0.13, 0.5, 0.56, 1]) expect(highlightScore(c, t)).toEqual(highlightScore(words, t));
	});
});

describe('labelPanels', () => {
	const payload = (ops: [string, string | null, string | null, number | null][]) =>
		JSON.stringify({
			alignment: ops.map(([op, original, corrected, confidence]) => ({ op, original, corrected, confidence }))
		});
	it('counts confusions, corrected words and labels from the alignment', () => {
		const p = labelPanels(
			[
				{
					payload: payload([
						['correct', 'the', 'the', 0.9],
						['substitution', 'data', 'date', 0.3],
						['deletion', null, 'now', null]
					]),
					rate: 1
				},
				{
					payload: payload([
						['substitution', 'data', 'date', 0.2],
						['insertion', 'uh', null, 0.1]
					]),
					rate: 0.5
				}
			],
			0.5,
			false
		);
		expect(p.confusions).toEqual([
			{ from: 'data', to: 'date', count: 3 },
			{ from: 'uh', to: '∅', count: 2 }
		]);
		expect(p.corrected).toEqual([
			{ word: 'data', count: 3 },
			{ word: 'uh', count: 2 }
		]);
		// Four model words (the deletion has none): three changed, all below 0.5, the kept one above.
		expect(p.calibration.words).toBe(4);
		expect(p.calibration.atThreshold).toEqual({ precision: 1, recall: 1, f1: 1 });
		expect(p.calibration.recommended!.threshold).toBe(0.31);
	});
});

describe('outcomes and percentiles', () => {
	it('takes the smallest value reaching each quantile', () => {
		const h = [
			{ value: 1, count: 5 },
			{ value: 10, count: 4 },
			{ value: 60, count: 1 }
		];
		expect(histogramPercentiles(h, [0.5, 0.9, 1])).toEqual([1, 10, 60]);
		expect(histogramPercentiles([], [0.5])).toBeNull();
	});
	it('shares exported transcripts', () => {
		expect(outcomePanel({ transcripts: 4, exported: 1 }, [{ minutes: 7, transcripts: 1 }])).toEqual({
			transcripts: 4,
			exported: 1,
			share: 0.25,
			minutesToExport: { p50: 7, p90: 7 }
		});
		expect(outcomePanel(undefined, [])).toEqual({
			transcripts: 0,
			exported: 0,
			share: null,
			minutesToExport: null
		});
	});
});

describe('versions', () => {
	it('orders versions numerically and finds the one replaced', () => {
		expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
		const v = (model_version: string, arm = 'default'): KeyCols => ({ ...key, model_version, arm });
		const all = [
			v('1.0.0'),
			v('1.1.0'),
			v('1.1.0', 'candidate'),
			v('1.2.0', 'candidate'),
			{ ...v('2.0.0'), model_id: 'other' }
		];
		expect(predecessor(v('1.2.0', 'candidate'), all)).toEqual(v('1.1.0', 'candidate'));
		expect(predecessor(v('1.1.0'), all)).toEqual(v('1.0.0'));
		expect(predecessor(v('1.0.0'), all)).toBeNull();
		expect(versionKey(v('1.2.0', 'candidate'))).toBe('m@1.2.0:aaaaaaaaaaaa:candidate');
	});
	it('flags a static evaluation far from production', () => {
		expect(evalMismatch(0.1, 0.12)).toBe(false);
		expect(evalMismatch(0.05, 0.2)).toBe(true);
		expect(evalMismatch(0.3, 0.36)).toBe(false);
	});
});
