import { describe, expect, it } from 'vitest';
import type { CrossAttention } from './model';
import {
	alignmentMatrix,
	crossAttentionWordTimes,
	dynamicTimeWarping,
	medianFilter,
	rowSpans
} from './word-times';

const f32 = (xs: number[]) => Float32Array.from(xs);

describe('medianFilter', () => {
	const cases: [string, number[], number, number[]][] = [
		['width 1 is the identity', [3, 1, 2], 1, [3, 1, 2]],
		['a spike is removed', [0, 0, 9, 0, 0], 3, [0, 0, 0, 0, 0]],
		['edges reflect', [5, 1, 1, 1], 3, [1, 1, 1, 1]],
		['a step is kept', [0, 0, 0, 1, 1, 1], 3, [0, 0, 0, 1, 1, 1]],
		['a row shorter than half the width is kept', [4], 3, [4]],
		['empty', [], 5, []]
	];
	it.each(cases)('%s', (_n, row, width, expected) => {
		expect(Array.from(medianFilter(f32(row), width))).toEqual(expected);
	});
	it('rejects an even width', () => {
		expect(() => medianFilter(f32([1, 2]), 2)).toThrow(/odd/);
	});
});

describe('dynamicTimeWarping', () => {
	const cases: [string, number[][], number[], number[]][] = [
		['empty', [], [], []],
		['one cell', [[0]], [0], [0]],
		['one row takes every column', [[1, 1, 1]], [0, 0, 0], [0, 1, 2]],
		['one column takes every row', [[1], [1]], [0, 1], [0, 0]],
		[
			'follows the cheap cells',
			[
				[0, 0, 9, 9],
				[9, 9, 0, 0]
			],
			[0, 0, 1, 1],
			[0, 1, 2, 3]
		],
		[
			'a diagonal when it is cheapest',
			[
				[0, 9, 9],
				[9, 0, 9],
				[9, 9, 0]
			],
			[0, 1, 2],
			[0, 1, 2]
		]
	];
	it.each(cases)('%s', (_n, cost, rows, cols) => {
		expect(dynamicTimeWarping(cost.map(f32))).toEqual({ rows, cols });
	});
});

describe('rowSpans', () => {
	it('gives each row its first and last column on the path', () => {
		expect(rowSpans({ rows: [0, 0, 1, 1, 2], cols: [0, 1, 2, 3, 4] }, 3)).toEqual([
			{ first: 0, last: 1 },
			{ first: 2, last: 3 },
			{ first: 4, last: 4 }
		]);
	});
});

/** Attention of one layer, `heads` heads, where step r attends to the frames listed in focus[r]. */
function attention(focus: number[][], frames: number, heads = 1, frameSeconds = 0.1): CrossAttention {
	const steps = focus.map((fs) => {
		const row = new Float32Array(heads * frames).fill(0.01);
		for (let h = 0; h < heads; h++) for (const f of fs) row[h * frames + f] = 1;
		return row;
	});
	return { layers: [4], heads, frames, frameSeconds, steps };
}

describe('alignmentMatrix', () => {
	it('standardises each frame over the steps, so a frame every step attends to stops counting', () => {
		const m = alignmentMatrix(
			attention(
				[
					[0, 1],
					[0, 2]
				],
				3
			),
			[[4, 0]],
			1
		);
		expect(Array.from(m[0])).toEqual([0, Math.SQRT1_2, -Math.SQRT1_2].map((x) => Math.fround(x)));
		expect(m[1][0]).toBe(0);
	});
	it('averages the chosen heads', () => {
		const a = attention([[0], [1]], 2, 2);
		a.steps[0][2] = 0.01; // head 1 of step 0 looks nowhere in particular
		a.steps[0][3] = 0.01;
		const one = alignmentMatrix(a, [[4, 0]], 1);
		const both = alignmentMatrix(
			a,
			[
				[4, 0],
				[4, 1]
			],
			1
		);
		expect(both[0][0]).toBeCloseTo(one[0][0] / 2 + alignmentMatrix(a, [[4, 1]], 1)[0][0] / 2, 6);
	});
	it('rejects a head the decoder does not output', () => {
		expect(() => alignmentMatrix(attention([[0]], 2), [[3, 0]])).toThrow(/not among/);
		expect(() => alignmentMatrix(attention([[0]], 2), [[4, 1]])).toThrow(/not among/);
	});
});

describe('crossAttentionWordTimes', () => {
	// Tokens: "▁hel" "lo" "," "▁world" and the end token; 10 frames of 0.1 s.
	const a = attention([[1, 2], [3], [4, 5], [6, 7, 8], [9]], 10);
	const words = [
		{ text: 'hello,', confidence: 0.9, firstToken: 0, lastToken: 1 },
		{ text: 'world', confidence: 0.8, firstToken: 3, lastToken: 3 }
	];
	it('spans each word from its first token to its last spoken one, offset by the segment start', () => {
		expect(crossAttentionWordTimes(words, a, [[4, 0]], 2, 3.5, 1)).toEqual([
			{ text: 'hello,', start: 2, end: 2.4, confidence: 0.9 },
			{ text: 'world', start: 2.6, end: 2.9, confidence: 0.8 }
		]);
	});
	it('clamps to the segment end', () => {
		expect(crossAttentionWordTimes(words, a, [[4, 0]], 2, 2.5, 1).map((w) => [w.start, w.end])).toEqual([
			[2, 2.4],
			[2.5, 2.5]
		]);
	});
	it('gives no words for no tokens', () => {
		expect(crossAttentionWordTimes([], attention([], 4), [[4, 0]], 0, 1)).toEqual([]);
	});
});
