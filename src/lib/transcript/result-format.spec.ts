import { describe, expect, it } from 'vitest';
import { formatResult, isOutputFormat } from './result-format';
import type { TranscriptResult } from './types';
import { segmentOf, transcriptResult, word } from '../testing/factories';

const result: TranscriptResult = transcriptResult({
	model: { id: 'm', version: '1', sha256: 'a'.repeat(64) },
	durationSec: 5,
	segments: [
		segmentOf([word('Hello', 0.5, 0.9, 0.9), word('there.', 1, 1.5, 0.4)]),
		segmentOf([word('General', 2, 2.5, 1), word('Kenobi.', 2.6, 3.25, 0.7)])
	]
});

describe('formatResult', () => {
	it.each([
		['txt', 'Hello there.\nGeneral Kenobi.\n'],
		[
			'srt',
			'1\n00:00:00,500 --> 00:00:01,500\nHello there.\n\n2\n00:00:02,000 --> 00:00:03,250\nGeneral Kenobi.\n'
		],
		[
			'vtt',
			'WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nHello there.\n\n00:00:02.000 --> 00:00:03.250\nGeneral Kenobi.\n'
		]
	] as const)('%s', (format, expected) => {
		expect(formatResult(result, format)).toBe(expected);
	});

	it('json is the result itself', () => {
		expect(JSON.parse(formatResult(result, 'json'))).toEqual(result);
	});

	it('knows its formats', () => {
		expect(isOutputFormat('srt')).toBe(true);
		expect(isOutputFormat('docx')).toBe(false);
	});
});
