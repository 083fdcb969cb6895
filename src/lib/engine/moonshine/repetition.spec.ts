import { describe, expect, it } from 'vitest';
import { repetitionCut } from './repetition';

describe('repetitionCut', () => {
	const cases: [string, number[], number][] = [
		['empty', [], -1],
		['normal speech', [5, 6, 7, 8, 9, 10, 11, 12, 13], -1],
		['a doubled word is speech', [5, 6, 6, 7], -1],
		['three repeats are speech', [1, 2, 1, 2, 1, 2], -1],
		['one token eight times', [9, 4, 4, 4, 4, 4, 4, 4, 4], 2],
		['a two-token unit four times', [9, 3, 4, 3, 4, 3, 4, 3, 4], 3],
		['a five-token phrase four times', [7, ...Array(4).fill([1, 2, 3, 4, 5]).flat()], 6],
		['a loop only in the middle is not at the tail', [4, 4, 4, 4, 4, 4, 4, 4, 4, 5], -1]
	];
	it.each(cases)('%s', (_name, tokens, expected) => {
		expect(repetitionCut(tokens)).toBe(expected);
	});

	it('keeps one copy of the repeated unit', () => {
		const tokens = [9, ...Array(6).fill([3, 4]).flat()];
		expect(tokens.slice(0, repetitionCut(tokens))).toEqual([9, 3, 4]);
	});
});
