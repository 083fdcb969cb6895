import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySource, skipStream, sourceStream, type AudioStream } from './audio-source';
import { resample, StreamResampler } from './resample';
import { wavToMono16k } from './wav';
import { wav } from './wav.fixture';
import { openWavBlob, WAV_FIRST_SLICE_BYTES } from './wav-stream';

const fixtures = join(import.meta.dirname, '../../../tests/fixtures/audio');

/** Everything a stream delivers, joined. */
async function drain(stream: AudioStream): Promise<Float32Array> {
	const pieces: Float32Array[] = [];
	for (let p = await stream.next(); p; p = await stream.next()) pieces.push(p.slice());
	const out = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of pieces) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

/** Deterministic noise plus a chirp, as 16-bit PCM bytes: every sample differs. */
function pcm16(frames: number, channels: number): Uint8Array {
	const out = new Uint8Array(frames * channels * 2);
	const v = new DataView(out.buffer);
	for (let i = 0; i < frames * channels; i++) {
		const x = 0.4 * Math.sin(i * 0.01 + (i * i) / 3e7) + 0.1 * Math.sin(i * 12.9898);
		v.setInt16(i * 2, Math.round(x * 32767), true);
	}
	return out;
}

describe('StreamResampler', () => {
	it.each([
		[48000, 16000],
		[44100, 16000],
		[22050, 16000],
		[8000, 16000],
		[16000, 16000]
	])('%i -> %i Hz in odd pieces equals resample of the whole', (from, to) => {
		const input = Float32Array.from({ length: 9001 }, (_, i) => Math.sin(i * 0.37) * Math.cos(i * 0.011));
		const whole = resample(input, from, to);
		for (const pieces of [[1], [7, 300], [4096], [9001]]) {
			const r = new StreamResampler(from, to);
			const out: number[] = [];
			for (let at = 0, k = 0; at < input.length; k++) {
				const n = pieces[k % pieces.length];
				out.push(...r.push(input.subarray(at, at + n)));
				at += n;
			}
			out.push(...r.finish());
			expect(Float32Array.from(out), `pieces ${pieces}`).toEqual(whole);
		}
	});
});

describe('openWavBlob', () => {
	const layouts: [string, number, number][] = [
		['16 kHz mono', 16000, 1],
		['8 kHz mono', 8000, 1],
		['44.1 kHz stereo', 44100, 2],
		['48 kHz 3 channels', 48000, 3]
	];
	for (const [name, rate, channels] of layouts) {
		it(`reads ${name} in slices exactly as the whole file`, async () => {
			const file = wav(1, channels, rate, 16, pcm16(Math.round(rate / 4) + 123, channels));
			const whole = wavToMono16k(file).audio;
			// Odd slice sizes: not a whole number of frames, smaller than the resampler's window.
			for (const slice of [7 * channels, 1001, 65537, 1 << 22]) {
				const stream = await openWavBlob(new Blob([file]), slice);
				expect(stream.expectedLength).toBe(whole.length);
				expect(await drain(stream), `slice ${slice}`).toEqual(whole);
			}
		});
	}

	it.each([
		'sentence-44k1-s24-stereo.wav',
		'sentence-48k-f32-mono.wav',
		'sentence-8k-s16-mono.wav',
		'truncated.wav'
	])('reads the fixture %s as wavToMono16k does', async (name) => {
		const bytes = new Uint8Array(readFileSync(join(fixtures, name)));
		const stream = await openWavBlob(new Blob([bytes]), 12345);
		expect(await drain(stream)).toEqual(wavToMono16k(bytes).audio);
	});

	it('refuses a file that is not WAV', async () => {
		await expect(
			openWavBlob(new Blob([new TextEncoder().encode('hello, not audio at all')]))
		).rejects.toThrow(/not a WAV file/);
	});
});

describe('slice sizes', () => {
	it('starts with a small slice and doubles up to the full one, reading every byte once', async () => {
		const file = wav(1, 1, 16000, 16, pcm16(16000 * 80, 1));
		const blob = new Blob([file]);
		const reads: number[] = [];
		const spy = new Proxy(blob, {
			get(target, key) {
				if (key === 'slice')
					return (a: number, b: number) => {
						reads.push(Math.min(b, target.size) - a);
						return target.slice(a, b);
					};
				const v = Reflect.get(target, key);
				return typeof v === 'function' ? v.bind(target) : v;
			}
		});
		const full = 8 * WAV_FIRST_SLICE_BYTES;
		expect(await drain(await openWavBlob(spy, full))).toEqual(wavToMono16k(file).audio);
		const data = reads.slice(1); // after the header
		expect(data.slice(0, 5)).toEqual([1, 2, 4, 8, 8].map((k) => k * WAV_FIRST_SLICE_BYTES));
		expect(data.reduce((a, b) => a + b, 0)).toBe(16000 * 80 * 2);
	});
});

describe('resuming at an offset', () => {
	it('openWavBlob at startSec reads from that frame on, never the bytes before', async () => {
		const file = wav(1, 1, 16000, 16, pcm16(16000, 1));
		const whole = wavToMono16k(file).audio;
		const blob = new Blob([file]);
		const read: number[] = [];
		const spy = new Proxy(blob, {
			get(target, key) {
				if (key === 'slice')
					return (a: number, b: number) => {
						read.push(a);
						return target.slice(a, b);
					};
				const v = Reflect.get(target, key);
				return typeof v === 'function' ? v.bind(target) : v;
			}
		});
		const stream = await openWavBlob(spy, 4000, 0.25);
		expect(stream.startSample).toBe(4000);
		expect(stream.expectedLength).toBe(whole.length);
		expect(await drain(stream)).toEqual(whole.subarray(4000));
		// The header read, then data from frame 4000 (byte 44 + 8000) on.
		expect(read.slice(1).every((at) => at >= 44 + 8000)).toBe(true);
	});

	it.each([
		[0, 0],
		[1, 5],
		[5, 5],
		[2500, 700],
		[16000, 1000]
	])('skipStream from sample %i (pieces of %i) drops exactly what lies before', async (from, chunk) => {
		const samples = Float32Array.from({ length: 16000 }, (_, i) => i);
		const stream = skipStream(sourceStream(memorySource(samples), Math.max(1, chunk)), from);
		expect(stream.startSample ?? 0).toBe(from);
		expect(await drain(stream)).toEqual(samples.subarray(from));
	});

	it('skipStream counts from a stream opened at an offset', async () => {
		const samples = Float32Array.from({ length: 100 }, (_, i) => i);
		const inner = { ...sourceStream(memorySource(samples), 30), startSample: 1000 };
		const stream = skipStream(inner, 1040);
		expect(await drain(stream)).toEqual(samples.subarray(40));
		expect(skipStream(inner, 900)).toBe(inner);
	});
});
