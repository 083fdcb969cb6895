import { describe, expect, it } from 'vitest';
import { mergeModelAggregates, type ModelAggregates } from './quality';

const m = { model_id: 'tiny', model_version: '1', model_sha256: 'a'.repeat(64) };
const other = { model_id: 'tiny', model_version: '2', model_sha256: 'b'.repeat(64) };

describe('mergeModelAggregates', () => {
	const cases: [string, ModelAggregates[], Record<string, unknown>[]][] = [
		['no rows', [], []],
		[
			'one model, every query, numbers as strings (PostgreSQL)',
			[
				{ ...m, transcripts: '2' },
				{ ...m, ratings: '3', mean_rating: '3.5', confirmed_words: '5' },
				{ ...m, corrections: '4', substitutions: '2', insertions: '1', deletions: '1', reference_words: '20' }
			],
			[
				{
					transcripts: 2,
					corrections: 4,
					ratings: 3,
					meanRating: 3.5,
					wordsReviewed: 25,
					estimatedWer: 0.2
				}
			]
		],
		[
			'only reviews: no WER, no mean rating',
			[{ ...m, ratings: 0, mean_rating: null, confirmed_words: 7 }],
			[{ corrections: 0, ratings: 0, meanRating: null, wordsReviewed: 7, estimatedWer: null }]
		],
		[
			'user deleted every word: reference 0, WER null',
			[{ ...m, corrections: 1, substitutions: 0, insertions: 3, deletions: 0, reference_words: 0 }],
			[{ corrections: 1, wordsReviewed: 0, estimatedWer: null }]
		],
		[
			'two versions kept apart and sorted',
			[
				{ ...other, transcripts: 1 },
				{ ...m, transcripts: 5 },
				{ ...other, corrections: 1, substitutions: 1, insertions: 0, deletions: 0, reference_words: 4 }
			],
			[
				{ version: '1', transcripts: 5, estimatedWer: null },
				{ version: '2', transcripts: 1, estimatedWer: 0.25 }
			]
		],
		[
			'rows without a model (client reports) are ignored',
			[{ model_id: null, model_version: null, model_sha256: null }],
			[]
		]
	];
	it.each(cases)('%s', (_name, rows, expected) => {
		const got = mergeModelAggregates(rows);
		expect(got).toHaveLength(expected.length);
		expected.forEach((e, i) => expect(got[i]).toMatchObject(e));
	});
});
