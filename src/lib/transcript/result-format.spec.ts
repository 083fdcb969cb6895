import { describe, expect, it } from 'vitest';
import { formatResult, isOutputFormat } from './result-format';
import type { TranscriptResult } from './types';

const result: TranscriptResult = {
	text: 'Hello there. General Kenobi.',
	model: { id: 'm', version: '1', sha256: 'a'.repeat(64) },
	backend: 'wasm',
	durationSec: 5,
	wordTiming: 'interpolated-by-characters',
	segments: [
		{
			start: 0.5,
			end: 1.5,
			text: 'Hello there.',
			words: [
				{ text: 'Hello', start: 0.5, end: 0.9, confidence: 0.9 },
				{ text: 'there.', start: 1, end: 1.5, confidence: 0.4 }
			]
		},
		{
			start: 2,
			end: 3.25,
			text: 'General Kenobi.',
			words: [
				{ text: 'General', start: 2, end: 2.5, confidence: 1 },
				{ text: 'Kenobi.', start: 2.6, end: 3.25, confidence: 0.7 }
			]
		}
	]
};

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
