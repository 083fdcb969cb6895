import { describe, expect, it } from 'vitest';
import {
	MAX_DURATION_SEC,
	MAX_FILE_BYTES,
	MAX_STREAM_SECONDS,
	checkDecoded,
	decodeTimeoutMs,
	mixToMono,
	precheckFile,
	rms
} from './decode';
import { MAX_AUDIO_SECONDS } from '../engine';

describe('precheckFile', () => {
	it.each([
		[{ name: 'a.wav', size: 0, type: 'audio/wav' }, 'empty'],
		[{ name: 'a.wav', size: MAX_FILE_BYTES + 1, type: 'audio/wav' }, 'too-large'],
		[{ name: 'notes.txt', size: 10, type: 'text/plain' }, 'not-audio'],
		[{ name: 'p.png', size: 10, type: 'image/png' }, 'not-audio'],
		[{ name: 'a.wav', size: MAX_FILE_BYTES, type: 'audio/wav' }, null],
		[{ name: 'a.m4a', size: 10, type: '' }, null],
		[{ name: 'v.webm', size: 10, type: 'video/webm' }, null]
	])('%o -> %s', (file, code) => {
		expect(precheckFile(file)?.code ?? null).toBe(code);
	});

	it('names the file and the limit in the message', () => {
		const err = precheckFile({ name: 'big.wav', size: MAX_FILE_BYTES * 2, type: 'audio/wav' });
		expect(err?.message).toContain('big.wav');
		expect(err?.message).toContain('300 MB');
	});
});

describe('mixToMono', () => {
	it.each([
		[[], []],
		[[[1, -1, 0.5]], [1, -1, 0.5]],
		[
			[
				[1, 0, -1],
				[0, 0, 1]
			],
			[0.5, 0, 0]
		]
	])('%j -> %j', (chans, expected) => {
		expect([...mixToMono(chans.map((c) => Float32Array.from(c)))]).toEqual(expected);
	});

	it('never returns the input array', () => {
		const ch = Float32Array.from([0.1, 0.2]);
		expect(mixToMono([ch])).not.toBe(ch);
	});
});

describe('rms and checkDecoded', () => {
	it('rms of a full-scale square wave is 1, of nothing 0', () => {
		expect(rms(Float32Array.from([1, -1, 1, -1]))).toBe(1);
		expect(rms(new Float32Array(0))).toBe(0);
	});

	it.each([
		['empty', new Float32Array(0), 'empty'],
		['silent', new Float32Array(16000), 'silent'],
		['near silent', new Float32Array(16000).fill(1e-6), 'silent'],
		['speech-like', Float32Array.from({ length: 16000 }, (_, i) => 0.1 * Math.sin(i / 5)), null],
		['too long', new Float32Array((MAX_DURATION_SEC + 1) * 10).fill(0.1), 'too-long']
	])('%s', (_name, samples, code) => {
		// 'too long' uses a 10 Hz rate so the test does not allocate hours of audio.
		const rate = code === 'too-long' ? 10 : 16000;
		expect(checkDecoded('x.wav', samples, rate)?.code ?? null).toBe(code);
	});
});

describe('decodeTimeoutMs', () => {
	it('grows with size and has a floor', () => {
		expect(decodeTimeoutMs(0)).toBe(20_000);
		expect(decodeTimeoutMs(100 * 1024 * 1024)).toBe(70_000);
	});
});

describe('MAX_STREAM_SECONDS', () => {
	it("is the engine's limit, so the upload check and the engine agree", () => {
		expect(MAX_STREAM_SECONDS).toBe(MAX_AUDIO_SECONDS);
	});
});
