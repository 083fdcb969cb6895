import { describe, expect, it } from 'vitest';
import { mergeModelAggregates, type ModelAggregates } from './quality';

const m = { model_id: 'tiny', model_version: '1', model_sha256: 'a'.repeat(64), arm: 'default' };
const other = { model_id: 'tiny', model_version: '2', model_sha256: 'b'.repeat(64), arm: 'default' };

describe('mergeModelAggregates', () => {
	const cases: [string, ModelAggregates[], Record<string, unknown>[]][] = [
		['no rows', [], []],
		[
			'one model, every query, numbers as strings (PostgreSQL)',
			[
				{ ...m, transcripts: '2' },
				{ ...m, ratings: '3', sampled_ratings: '3', weighted_stars: '10.5', confirmed_words: '5' },
				{
					...m,
					corrections: '4',
					sampled_corrections: '4',
					substitutions: '2',
					insertions: '1',
					deletions: '1',
					reference_words: '20'
				}
			],
			[
				{
					arm: 'default',
					transcripts: 2,
					corrections: 4,
					ratings: 3,
					meanRating: 3.5,
					wordsReviewed: 25,
					estimatedWer: 0.2,
					sampled: { corrections: 4, ratings: 3, reviews: 0 }
				}
			]
		],
		[
			'only reviews: no WER, no mean rating',
			[{ ...m, ratings: 0, weighted_stars: null, confirmed_words: 7, sampled_reviews: 2 }],
			[
				{
					corrections: 0,
					ratings: 0,
					meanRating: null,
					wordsReviewed: 7,
					estimatedWer: null,
					sampled: { corrections: 0, ratings: 0, reviews: 2 }
				}
			]
		],
		[
			'segments reviewed without an edit join the denominator of reviewedWer only',
			[
				{ ...m, corrections: 1, sampled_corrections: 1, substitutions: 2, reference_words: 10 },
				{ ...m, unedited_reviewed_words: 30, sampled_summaries: 2 }
			],
			[
				{
					estimatedWer: 0.2,
					reviewedWords: 40,
					reviewedWer: 0.05,
					sampled: { corrections: 1, ratings: 0, reviews: 0, summaries: 2 }
				}
			]
		],
		[
			'user deleted every word: reference 0, WER null',
			[{ ...m, corrections: 1, substitutions: 0, insertions: 3, deletions: 0, reference_words: 0 }],
			[{ corrections: 1, wordsReviewed: 0, estimatedWer: null }]
		],
		[
			'weighted sums (rate 0.5: weight 2) give weighted ratios and counts',
			[
				// two ratings kept at rate 0.5 (5 and 1 stars) and one at rate 1 (3 stars)
				{ ...m, ratings: 2 + 2 + 1, sampled_ratings: 3, weighted_stars: 2 * 5 + 2 * 1 + 3 },
				{ ...m, corrections: 2, sampled_corrections: 1, substitutions: 2, reference_words: 8 }
			],
			[
				{
					ratings: 5,
					meanRating: 3,
					corrections: 2,
					estimatedWer: 0.25,
					sampled: { corrections: 1, ratings: 3, reviews: 0 }
				}
			]
		],
		[
			'two versions and their arms kept apart and sorted; version 1 rows (arm null) are unknown',
			[
				{ ...other, transcripts: 1 },
				{ ...m, arm: 'candidate', transcripts: 3 },
				{ ...m, arm: null, transcripts: 4 },
				{ ...m, transcripts: 5 },
				{ ...other, corrections: 1, substitutions: 1, insertions: 0, deletions: 0, reference_words: 4 }
			],
			[
				{ version: '1', arm: 'candidate', transcripts: 3 },
				{ version: '1', arm: 'default', transcripts: 5, estimatedWer: null },
				{ version: '1', arm: 'unknown', transcripts: 4 },
				{ version: '2', arm: 'default', transcripts: 1, estimatedWer: 0.25 }
			]
		],
		[
			'rows without a model (client reports) are ignored',
			[{ model_id: null, model_version: null, model_sha256: null, arm: null }],
			[]
		]
	];
	it.each(cases)('%s', (_name, rows, expected) => {
		const got = mergeModelAggregates(rows);
		expect(got).toHaveLength(expected.length);
		expected.forEach((e, i) => expect(got[i]).toMatchObject(e));
	});
});
