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
	type W = { text: string; confidence: number; firstToken: number; lastToken: number };
	const cases: [string, number[], number[], W[]][] = [
		['empty', [], [], []],
		[
			'one piece per word',
			[0, 4],
			[0.9, 0.8],
			[
				{ text: 'The', confidence: 0.9, firstToken: 0, lastToken: 0 },
				{ text: 'fox', confidence: 0.8, firstToken: 1, lastToken: 1 }
			]
		],
		[
			'minimum over a word’s pieces',
			[1, 2],
			[0.9, 0.3],
			[{ text: 'quick', confidence: 0.3, firstToken: 0, lastToken: 1 }]
		],
		[
			'punctuation does not lower a word, nor count among its spoken tokens',
			[1, 2, 3],
			[0.9, 0.8, 0.1],
			[{ text: 'quick.', confidence: 0.8, firstToken: 0, lastToken: 1 }]
		],
		[
			'stray punctuation joins the previous word',
			[4, 6, 5],
			[0.7, 0.9, 0.2],
			[{ text: 'fox,', confidence: 0.7, firstToken: 0, lastToken: 0 }]
		],
		[
			'unknown ids are skipped, token indices still count them',
			[99, 0, 4],
			[0.1, 0.9, 0.8],
			[
				{ text: 'The', confidence: 0.9, firstToken: 1, lastToken: 1 },
				{ text: 'fox', confidence: 0.8, firstToken: 2, lastToken: 2 }
			]
		]
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
