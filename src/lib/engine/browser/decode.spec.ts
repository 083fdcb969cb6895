import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
	AudioDecodeError,
	MAX_DURATION_SEC,
	MAX_FILE_BYTES,
	MAX_STREAM_SECONDS,
	checkDecoded,
	decodeTimeoutMs,
	decodeToMono16k,
	declaredDuration,
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

const fixtures = join(import.meta.dirname, '../../../../tests/fixtures/audio');
const flac = () => new Uint8Array(readFileSync(join(fixtures, 'sentence-22k05-mono.flac')));

/**
 * The committed FLAC with its STREAMINFO claiming `seconds` of audio: a file of a few kilobytes that
 * declares hours. Total samples are the low 36 bits of the 8 bytes at offset 18 (after `fLaC`, the
 * block header and 10 bytes of block and frame sizes), below the sample rate, channels and depth.
 */
function flacClaiming(seconds: number): Blob {
	const bytes = flac();
	const view = new DataView(bytes.buffer);
	const packed = view.getBigUint64(18);
	const rate = Number(packed >> 44n);
	const total = BigInt(Math.round(seconds * rate));
	view.setBigUint64(18, (packed & ~0xfffffffffn) | total);
	return new Blob([bytes], { type: 'audio/flac' });
}

describe('declaredDuration', () => {
	it('reads the container header without decoding', async () => {
		expect(await declaredDuration(new Blob([flac()]))).toBeCloseTo(3.2048, 3);
		expect(await declaredDuration(flacClaiming(5 * 3600))).toBeCloseTo(5 * 3600, 3);
	});

	it('is null for what it cannot read', async () => {
		expect(await declaredDuration(new Blob(['This is a text file, not audio.']))).toBeNull();
	});
});

describe('decodeToMono16k (the main-thread fallback)', () => {
	afterEach(() => vi.unstubAllGlobals());

	it('refuses a small file whose header declares hours before decodeAudioData expands it', async () => {
		const decodeAudioData = vi.fn(async () => {
			throw new Error('decodeAudioData must not be reached');
		});
		vi.stubGlobal(
			'OfflineAudioContext',
			class {
				decodeAudioData = decodeAudioData;
			}
		);
		const file = flacClaiming(5 * 3600);
		expect(file.size).toBeLessThan(100_000);
		const err = await decodeToMono16k(file, 'five-hours.flac').catch((e: unknown) => e);
		expect(err).toBeInstanceOf(AudioDecodeError);
		expect(err).toMatchObject({
			code: 'too-long',
			message: '“five-hours.flac” is 5.0 hours long; the limit is 2 hours.'
		});
		expect(decodeAudioData).not.toHaveBeenCalled();
	});
});
