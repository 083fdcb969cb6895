import { describe, expect, it } from 'vitest';
import type { LabelledWord } from './calibration';
import { servedThreshold, type ProductionLabels } from './served-threshold';

// Labels by hand: changed words at 0.2 and 0.4, kept words at 0.3, 0.8 and 0.9. Best F1: t = 0.41
// highlights 0.2, 0.3, 0.4 (precision 2/3, recall 1, F1 0.8); t = 0.21 highlights 0.2 only (F1 2/3);
// t = 0.31 highlights 0.2 and 0.3 (precision 1/2, recall 1/2). Target recall 0.5: t = 0.21.
const labels: LabelledWord[] = [
	{ confidence: 0.2, changed: true },
	{ confidence: 0.4, changed: true },
	{ confidence: 0.3, changed: false },
	{ confidence: 0.8, changed: false },
	{ confidence: 0.9, changed: false }
];
const evaluation = { threshold: 0.45, source: 'evaluation' as const };
const prod = (words: number, installations: number, l = labels): ProductionLabels => ({
	words,
	installations,
	labels: l
});

describe('servedThreshold', () => {
	it.each<[string, ProductionLabels | null, Parameters<typeof servedThreshold>[2], unknown]>([
		['no production labels: the evaluation', null, {}, { threshold: 0.45, source: 'evaluation' }],
		['1,999 words: below the minimum', prod(1999, 25), {}, { threshold: 0.45, source: 'evaluation' }],
		['19 installations: below the minimum', prod(5000, 19), {}, { threshold: 0.45, source: 'evaluation' }],
		[
			'exactly the minimum: best F1 from production',
			prod(2000, 20),
			{},
			{ threshold: 0.41, source: 'production', words: 2000, installations: 20 }
		],
		[
			'a target recall: the lowest threshold reaching it',
			prod(2000, 20),
			{ rule: { rule: 'target-recall', recall: 0.5 } },
			{ threshold: 0.21, source: 'production', words: 2000, installations: 20 }
		],
		[
			'a target recall never reached: the evaluation',
			prod(2000, 20, [{ confidence: 1, changed: true }]),
			{ rule: { rule: 'target-recall', recall: 0.5 } },
			{ threshold: 0.45, source: 'evaluation' }
		],
		[
			'no word ever changed: no F1, the evaluation',
			prod(3000, 30, [{ confidence: 0.5, changed: false }]),
			{},
			{ threshold: 0.45, source: 'evaluation' }
		],
		[
			'lower minimums (configured)',
			prod(10, 2),
			{ minWords: 10, minInstallations: 2 },
			{ threshold: 0.41, source: 'production', words: 10, installations: 2 }
		]
	])('%s', (_name, p, o, want) => {
		expect(servedThreshold(p, evaluation, o)).toEqual(want);
	});

	it('passes the default source through', () => {
		expect(servedThreshold(null, { threshold: 0.6, source: 'default' })).toEqual({
			threshold: 0.6,
			source: 'default'
		});
	});

	it('refuses a minimum below 1', () => {
		expect(() => servedThreshold(null, evaluation, { minWords: 0 })).toThrow(RangeError);
	});
});
