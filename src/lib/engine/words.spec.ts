import { describe, expect, it } from 'vitest';
import llamaTokenizer from 'llama-tokenizer-js';
import { moonshineTokenizer } from './moonshine/tokenizer';
import { interpolateWordTimes, speechClock, tokensToWords, type PieceTokenizer } from './words';

const fake: PieceTokenizer = {
	piece: (id) => ['▁The', '▁qu', 'ick', '.', '▁fox', ',', '▁'][id],
	decode: (ids) =>
		ids.map((id) => ['▁The', '▁qu', 'ick', '.', '▁fox', ',', '▁'][id].replaceAll('▁', ' ')).join('')
};

describe('tokensToWords', () => {
	const cases: [string, number[], number[], { text: string; confidence: number }[]][] = [
		['empty', [], [], []],
		[
			'one piece per word',
			[0, 4],
			[0.9, 0.8],
			[
				{ text: 'The', confidence: 0.9 },
				{ text: 'fox', confidence: 0.8 }
			]
		],
		['minimum over a word’s pieces', [1, 2], [0.9, 0.3], [{ text: 'quick', confidence: 0.3 }]],
		['punctuation does not lower a word', [1, 2, 3], [0.9, 0.8, 0.1], [{ text: 'quick.', confidence: 0.8 }]],
		[
			'stray punctuation joins the previous word',
			[4, 6, 5],
			[0.7, 0.9, 0.2],
			[{ text: 'fox,', confidence: 0.7 }]
		],
		['unknown ids are skipped', [0, 99], [0.9, 0.1], [{ text: 'The', confidence: 0.9 }]]
	];
	it.each(cases)('%s', (_n, tokens, probs, expected) => {
		expect(tokensToWords(tokens, probs, fake)).toEqual(expected);
	});

	it('decodes real Moonshine token ids (greedy output for "The quick brown fox")', () => {
		const ids = [450, 4996, 17354, 1701, 29916];
		const words = tokensToWords(
			ids,
			ids.map(() => 0.9),
			moonshineTokenizer
		);
		expect(words.map((w) => w.text)).toEqual(['The', 'quick', 'brown', 'fox']);
	});

	it('keeps byte-fallback pieces inside their word', () => {
		const ids = llamaTokenizer.encode('naïve 日本 words', false);
		const words = tokensToWords(
			ids,
			ids.map(() => 0.9),
			moonshineTokenizer
		);
		expect(words.map((w) => w.text)).toEqual(['naïve', '日本', 'words']);
	});
});

describe('interpolateWordTimes', () => {
	it('shares the span by characters, in order, inside the bounds', () => {
		const w = interpolateWordTimes(
			[
				{ text: 'a', confidence: 1 },
				{ text: 'bbb', confidence: 0.5 }
			],
			10,
			16
		);
		expect(w[0].start).toBe(10);
		expect(w[1].end).toBe(16);
		expect(w[0].end).toBeLessThan(w[1].start);
		expect(w[1].end - w[1].start).toBeGreaterThan(w[0].end - w[0].start);
	});

	it('skips silent frames with the speech clock', () => {
		// frames of 1 s: speech in 0-1 and 3-4, silence between
		const clock = speechClock([0.9, 0.1, 0.1, 0.9], 1, 0, 4);
		const w = interpolateWordTimes(
			[
				{ text: 'aaaa', confidence: 1 },
				{ text: 'bbbb', confidence: 1 }
			],
			0,
			4,
			clock
		);
		expect(w[0].end).toBeLessThanOrEqual(1);
		expect(w[1].start).toBeGreaterThanOrEqual(3);
	});
});
