import { describe, expect, it } from 'vitest';
import {
	expectedCalibrationError,
	highlightScore,
	recommendThreshold,
	reliabilityBins,
	type LabelledWord
} from './calibration';

const w = (confidence: number, changed: boolean, weight?: number): LabelledWord => ({
	confidence,
	changed,
	weight
});

// Six words: low-confidence ones mostly changed.
const words = [w(0.1, true), w(0.3, true), w(0.45, false), w(0.6, true), w(0.85, false), w(0.95, false)];

describe('reliabilityBins / expectedCalibrationError', () => {
	it('bins by confidence with the last bin including 1', () => {
		const bins = reliabilityBins([w(0, true), w(0.5, false), w(0.49, true), w(1, false)], 2);
		// [0, 0.5): 0 and 0.49, both changed; [0.5, 1]: 0.5 and 1, none changed.
		expect(bins).toEqual([
			{ low: 0, high: 0.5, count: 2, weight: 2, meanConfidence: 0.245, changedShare: 1 },
			{ low: 0.5, high: 1, count: 2, weight: 2, meanConfidence: 0.75, changedShare: 0 }
		]);
	});

	it.each<[string, LabelledWord[], number, number | null]>([
		['no words', [], 10, null],
		// One bin: mean confidence 0.8, 1 of 5 changed → accuracy 0.8: perfectly calibrated.
		['calibrated', [w(0.8, false), w(0.8, false), w(0.8, true), w(0.8, false), w(0.8, false)], 10, 0],
		// All at 0.9 but all changed: accuracy 0 → ECE 0.9.
		['overconfident', [w(0.9, true), w(0.9, true)], 10, 0.9],
		// Two bins: [0, 0.5) = 0.1, 0.3, 0.45 (mean 0.2833, 1 of 3 kept → accuracy 1/3, gap 0.05);
		// [0.5, 1] = 0.6, 0.85, 0.95 (mean 0.8, 2 of 3 kept → accuracy 2/3, gap 0.1333).
		// ECE = ½ · 0.05 + ½ · 0.1333 = 0.091667.
		['six words, two bins', words, 2, 0.0916666667],
		// Weight 3 on the changed 0.9 word, 1 on an unchanged one: accuracy 1/4, gap 0.65.
		['weights', [w(0.9, true, 3), w(0.9, false, 1)], 10, 0.65]
	])('%s', (_, ws, bins, expected) => {
		const e = expectedCalibrationError(ws, bins);
		if (expected === null) expect(e).toBeNull();
		else expect(e).toBeCloseTo(expected, 9);
	});

	it('rejects confidences outside [0, 1], negative weights and bad bin counts', () => {
		expect(() => reliabilityBins([w(1.1, true)])).toThrow(RangeError);
		expect(() => reliabilityBins([w(0.5, true, -1)])).toThrow(RangeError);
		expect(() => reliabilityBins([], 0)).toThrow(RangeError);
	});
});

describe('highlightScore', () => {
	it.each<[number, number | null, number | null, number | null]>([
		// Below 0.1 nothing highlighted: precision undefined, recall 0.
		[0.1, null, 0, null],
		// < 0.4 highlights 0.1, 0.3: both changed → precision 1, recall 2/3, F1 = 0.8.
		[0.4, 1, 2 / 3, 0.8],
		// < 0.7 highlights 0.1, 0.3, 0.45, 0.6: 3 changed → precision 3/4, recall 1, F1 = 6/7.
		[0.7, 0.75, 1, 6 / 7],
		// < 1 highlights all: precision 3/6, recall 1, F1 = 2/3.
		[1, 0.5, 1, 2 / 3]
	])('threshold %s', (t, precision, recall, f1) => {
		const s = highlightScore(words, t);
		for (const [got, want] of [
			[s.precision, precision],
			[s.recall, recall],
			[s.f1, f1]
		] as const)
			if (want === null) expect(got).toBeNull();
			else expect(got).toBeCloseTo(want, 12);
	});

	it('is 0 F1 when highlighted words are all unchanged', () => {
		expect(highlightScore([w(0.1, false), w(0.9, true)], 0.5)).toMatchObject({
			precision: 0,
			recall: 0,
			f1: 0
		});
	});
});

describe('recommendThreshold', () => {
	it('picks the best F1, the lowest among ties', () => {
		// F1 is 6/7 for every threshold in (0.6, 0.85]: the first candidate there is 0.61.
		expect(recommendThreshold(words)?.threshold).toBe(0.61);
	});

	it('picks the lowest threshold reaching a target recall', () => {
		// Recall ≥ 0.5 first at < 0.31 (0.1 and 0.3 highlighted → 2/3); recall 1 first at 0.61.
		expect(recommendThreshold(words, { rule: 'target-recall', recall: 0.5 })?.threshold).toBe(0.31);
		expect(recommendThreshold(words, { rule: 'target-recall', recall: 1 })?.threshold).toBe(0.61);
	});

	it('uses given candidates, and returns null when nothing qualifies', () => {
		// < 0.2: 0.1 only → P 1, R 1/3, F1 0.5; < 0.5: 0.1, 0.3, 0.45 → P 2/3, R 2/3, F1 2/3.
		expect(recommendThreshold(words, { rule: 'best-f1' }, [0.5, 0.2])?.threshold).toBe(0.5);
		expect(recommendThreshold([w(0.5, false)])).toBeNull();
		expect(recommendThreshold(words, { rule: 'target-recall', recall: 1 }, [0.2])).toBeNull();
		expect(() => recommendThreshold(words, { rule: 'target-recall', recall: 0 })).toThrow(RangeError);
	});
});
