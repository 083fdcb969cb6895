import { describe, expect, it } from 'vitest';
import { evalLabels } from './eval-labels';

const w = (text: string, confidence = 0.5) => ({ text, confidence });

describe('evalLabels', () => {
	it.each([
		[
			'all correct, case and punctuation normalised',
			[w('Hello,'), w('world.')],
			'hello world',
			[false, false]
		],
		['a substituted word is changed', [w('the'), w('cat'), w('sat')], 'the hat sat', [false, true, false]],
		['an extra model word (a user would delete it) is changed', [w('uh'), w('yes')], 'yes', [true, false]],
		['a word the model missed labels no model word', [w('the'), w('sat')], 'the cat sat', [false, false]],
		['a number spoken as words matches', [w('42'), w('days')], 'forty two days', [false, false]],
		['a word that normalises to nothing is no label', [w('yes'), w('-')], 'yes', [false]],
		['empty reference: every model word is changed', [w('noise')], '', [true]]
	] as const)('%s', (_name, words, reference, changed) => {
		expect(evalLabels(words, reference).map((l) => l.changed)).toEqual(changed);
	});

	it('keeps each word’s confidence', () => {
		expect(evalLabels([w('a', 0.9), w('b', 0.2)], 'a c')).toEqual([
			{ confidence: 0.9, changed: false },
			{ confidence: 0.2, changed: true }
		]);
	});
});
