import { describe, expect, it } from 'vitest';
import { parseWav, WavError } from './wav';
import { wav } from './wav.fixture';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('parseWav', () => {
	const cases: [string, Uint8Array, number[][]][] = [
		['16-bit mono', wav(1, 1, 16000, 16, bytes(0x00, 0x40, 0x00, 0xc0)), [[0.5, -0.5]]],
		['8-bit unsigned', wav(1, 1, 8000, 8, bytes(128, 192, 64)), [[0, 0.5, -0.5]]],
		['24-bit', wav(1, 1, 44100, 24, bytes(0, 0, 0x40, 0, 0, 0xc0)), [[0.5, -0.5]]],
		['32-bit int', wav(1, 1, 48000, 32, bytes(0, 0, 0, 0x40)), [[0.5]]],
		[
			'float32 stereo',
			wav(3, 2, 48000, 32, new Uint8Array(new Float32Array([0.25, -1]).buffer)),
			[[0.25], [-1]]
		]
	];
	it.each(cases)('%s', (_n, file, expected) => {
		const pcm = parseWav(file);
		expect(pcm.channels.map((c) => Array.from(c))).toEqual(expected);
		expect(pcm.truncated).toBe(false);
	});

	it('reads a truncated data chunk up to the last whole frame and says so', () => {
		const pcm = parseWav(wav(1, 1, 16000, 16, bytes(0, 0x40, 0, 0xc0, 7), 1000));
		expect(Array.from(pcm.channels[0])).toEqual([0.5, -0.5]);
		expect(pcm.truncated).toBe(true);
	});

	const bad: [string, Uint8Array, RegExp][] = [
		['not a wav', new TextEncoder().encode('hello world, not audio'), /not a WAV/],
		['header only', wav(1, 1, 16000, 16, bytes()).subarray(0, 20), /format chunk/],
		['ADPCM', wav(2, 1, 16000, 4, bytes(1, 2)), /unsupported WAV encoding/],
		['12-bit', wav(1, 1, 16000, 12, bytes(1, 2)), /sample size/],
		['no channels', wav(1, 0, 16000, 16, bytes(1, 2)), /no channels/],
		['absurd rate', wav(1, 1, 12, 16, bytes(1, 2)), /sample rate/]
	];
	it.each(bad)('rejects %s', (_n, file, message) => {
		expect(() => parseWav(file)).toThrow(WavError);
		expect(() => parseWav(file)).toThrow(message);
	});
});
