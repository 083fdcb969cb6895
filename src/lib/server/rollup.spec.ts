import { describe, expect, it } from 'vitest';
import {
	BLOCK_DAYS,
	blockOf,
	firstBlockFrom,
	installationDay,
	minutesToExport,
	transcriptAfter,
	type TranscriptState
} from './rollup';

describe('blocks of days', () => {
	// 1970-01-01 is day 0; 2026-11-26 is day 20,783 = 8 · 2,597 + 7, so its block starts 7 days earlier.
	it.each([
		['1970-01-01', '1970-01-01', '1970-01-01'],
		['1970-01-08', '1970-01-01', '1970-01-09'],
		['1970-01-09', '1970-01-09', '1970-01-09'],
		['2026-11-19', '2026-11-19', '2026-11-19'],
		['2026-11-26', '2026-11-19', '2026-11-27'],
		['2026-11-27', '2026-11-27', '2026-11-27'],
		['2026-12-01', '2026-11-27', '2026-12-05']
	])('%s is in the block of %s; the first whole block from it starts %s', (day, block, first) => {
		expect(BLOCK_DAYS).toBe(8);
		expect(blockOf(day)).toBe(block);
		expect(firstBlockFrom(day)).toBe(first);
	});
});

// Values in rollup_daily's column order: corrections, errors, reference_words, hypothesis_words,
// summaries, reviewed_words, transcribed_words, stars_1 … stars_5.
const row = (rate: number, v: Partial<Record<string, number>>) => ({
	rate,
	vals: [
		v.corrections ?? 0,
		v.errors ?? 0,
		v.reference ?? 0,
		0,
		v.summaries ?? 0,
		v.reviewed ?? 0,
		0,
		v.s1 ?? 0,
		v.s2 ?? 0,
		v.s3 ?? 0,
		v.s4 ?? 0,
		v.s5 ?? 0
	]
});

describe('installationDay', () => {
	it.each([
		['nothing', [], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
		// e = 3, w = 20 + 10 reviewed: e² 9, w² 900, e·w 90.
		[
			'one rate',
			[row(1, { corrections: 2, errors: 3, reference: 20, summaries: 1, reviewed: 10 })],
			[1, 3, 30, 9, 900, 90, 0, 0, 0, 0, 0, 0]
		],
		// Rate 0.5 doubles: e = 2 + 2·1 = 4, w = 10 + 2·5 = 20; ratings: one 5 at rate 1, two 2s at 0.5 →
		// e = 5 + 2·4 = 13, w = 1 + 2·2 = 5.
		[
			'two rates',
			[
				row(1, { corrections: 1, errors: 2, reference: 10, s5: 1 }),
				row(0.5, { corrections: 1, errors: 1, reference: 5, s2: 2 })
			],
			[1, 4, 20, 16, 400, 80, 1, 13, 5, 169, 25, 65]
		],
		// Only ratings: not in the WER series.
		['ratings only', [row(1, { s3: 2 })], [0, 0, 0, 0, 0, 0, 1, 6, 2, 36, 4, 12]]
	])('%s', (_, rows, expected) => {
		expect(installationDay(rows)).toEqual(expected);
	});
});

const state = (
	events: number,
	last: string,
	done: string | null,
	exported: string | null
): TranscriptState => ({
	events,
	last,
	done,
	exported
});

describe('transcriptAfter (the upsert of rollup_transcripts)', () => {
	it.each([
		['a new transcript', undefined, state(2, 'T3', 'T1', null), state(2, 'T3', 'T1', null)],
		// Adding keeps the earliest transcription and export and the latest event.
		[
			'adding later events',
			state(2, 'T3', 'T1', null),
			state(1, 'T5', 'T4', 'T5'),
			state(3, 'T5', 'T1', 'T5')
		],
		[
			'adding an earlier export',
			state(3, 'T5', 'T1', 'T5'),
			state(1, 'T2', null, 'T2'),
			state(4, 'T5', 'T1', 'T2')
		],
		// Removing forgets the removed event's times, keeps the last one.
		[
			'removing the export',
			state(4, 'T5', 'T1', 'T2'),
			state(-1, 'T2', null, 'T2'),
			state(3, 'T5', 'T1', null)
		],
		[
			'removing another event',
			state(3, 'T5', 'T1', 'T5'),
			state(-1, 'T3', null, null),
			state(2, 'T5', 'T1', 'T5')
		]
	])('%s', (_, before, delta, after) => {
		expect(transcriptAfter(before, delta)).toEqual(after);
	});
});

describe('minutesToExport', () => {
	it.each([
		['2026-11-30T10:00:00.000Z', '2026-11-30T10:00:29.999Z', 0],
		['2026-11-30T10:00:00.000Z', '2026-11-30T10:00:30.000Z', 1],
		['2026-11-30T10:00:00.000Z', '2026-11-30T12:15:10.000Z', 135],
		['2026-11-30T23:50:00.000Z', '2026-12-01T00:20:00.000Z', 30]
	])('%s → %s: %s', (done, exported, minutes) => {
		expect(minutesToExport(done, exported)).toBe(minutes);
	});
});
