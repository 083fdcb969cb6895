import { describe, expect, it } from 'vitest';
import { isReviewed, playedSeconds, type SegmentReviewState } from './review';

const base: SegmentReviewState = { edited: false, confirmedWords: 0, durationSec: 10, playedOnScreenSec: 0 };

describe('isReviewed', () => {
	it.each<[string, Partial<SegmentReviewState>, boolean]>([
		['untouched', {}, false],
		['edited', { edited: true }, true],
		['one word confirmed', { confirmedWords: 1 }, true],
		['played 9 of 10 s on screen (exactly 90 %)', { playedOnScreenSec: 9 }, true],
		['played 8.99 of 10 s', { playedOnScreenSec: 8.99 }, false],
		['played all of it', { playedOnScreenSec: 10 }, true],
		['zero-length segment, nothing done', { durationSec: 0 }, false],
		['zero-length segment, edited', { durationSec: 0, edited: true }, true]
	])('%s → %s', (_, patch, expected) => {
		expect(isReviewed({ ...base, ...patch })).toBe(expected);
	});

	it.each<Partial<SegmentReviewState>>([
		{ durationSec: -1 },
		{ durationSec: NaN },
		{ playedOnScreenSec: Infinity },
		{ confirmedWords: 1.5 },
		{ confirmedWords: -1 }
	])('rejects %o', (patch) => {
		expect(() => isReviewed({ ...base, ...patch })).toThrow(RangeError);
	});
});

describe('playedSeconds', () => {
	it.each<[string, { from: number; to: number }[], number, number, number]>([
		['nothing played', [], 0, 10, 0],
		['all of it', [{ from: 0, to: 10 }], 0, 10, 10],
		// [2,6) and [4,8) overlap on [4,6): union [2,8) = 6 s.
		[
			'overlap counts once',
			[
				{ from: 2, to: 6 },
				{ from: 4, to: 8 }
			],
			0,
			10,
			6
		],
		// The same second replayed three times is one second.
		[
			'repeats count once',
			[
				{ from: 1, to: 2 },
				{ from: 1, to: 2 },
				{ from: 1, to: 2 }
			],
			0,
			10,
			1
		],
		// Segment [10,20): [5,12) clips to [10,12) = 2 s, [18,30) to [18,20) = 2 s.
		[
			'clipped to the segment',
			[
				{ from: 5, to: 12 },
				{ from: 18, to: 30 }
			],
			10,
			20,
			4
		],
		['outside the segment', [{ from: 0, to: 5 }], 10, 20, 0],
		// Unsorted, nested: [3,4) inside [0,5), then [6,7): 5 + 1 = 6 s.
		[
			'unsorted and nested',
			[
				{ from: 6, to: 7 },
				{ from: 0, to: 5 },
				{ from: 3, to: 4 }
			],
			0,
			10,
			6
		]
	])('%s', (_, intervals, start, end, expected) => {
		expect(playedSeconds(intervals, start, end)).toBeCloseTo(expected, 12);
	});

	it('rejects reversed intervals and segments', () => {
		expect(() => playedSeconds([{ from: 2, to: 1 }], 0, 10)).toThrow(RangeError);
		expect(() => playedSeconds([], 5, 1)).toThrow(RangeError);
	});
});
