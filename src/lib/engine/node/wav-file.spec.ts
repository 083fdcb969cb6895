import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wavToMono16k } from '../wav';
import { openWavFile } from './wav-file';
import { wav } from '../wav.fixture';

const dir = mkdtempSync(join(tmpdir(), 'redline-wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A chirp with some noise, so that every sample differs and resampling has work to do. */
function signal(frames: number, channels: number, rate: number): Float32Array[] {
	return Array.from({ length: channels }, (_, c) =>
		Float32Array.from({ length: frames }, (_, i) => {
			const t = i / rate;
			return 0.5 * Math.sin(2 * Math.PI * (200 + 900 * t) * t + c) + 0.05 * Math.sin(i * 12.9898 + c);
		})
	);
}

function encode(channels: Float32Array[], bits: 16 | 32, float: boolean): Uint8Array {
	const frames = channels[0].length;
	const out = new Uint8Array(frames * channels.length * (bits / 8));
	const v = new DataView(out.buffer);
	let at = 0;
	for (let i = 0; i < frames; i++)
		for (const ch of channels) {
			if (float) v.setFloat32(at, ch[i], true);
			else v.setInt16(at, Math.round(ch[i] * 32767), true);
			at += bits / 8;
		}
	return out;
}

const cases: [string, number, number, 16 | 32, boolean][] = [
	['16 kHz mono 16-bit (read directly)', 16000, 1, 16, false],
	['8 kHz mono 16-bit (upsampled)', 8000, 1, 16, false],
	['44.1 kHz stereo float (mixed down and downsampled)', 44100, 2, 32, true]
];

describe('openWavFile', () => {
	it.each(cases)(
		'%s gives exactly the samples of decoding the whole file',
		(_name, rate, channels, bits, float) => {
			const bytes = wav(
				float ? 3 : 1,
				channels,
				rate,
				bits,
				encode(signal(rate * 3, channels, rate), bits, float)
			);
			const path = join(dir, `${rate}-${channels}.wav`);
			writeFileSync(path, bytes);
			const whole = wavToMono16k(bytes).audio;
			const source = openWavFile(path)!;
			try {
				expect(source.length).toBe(whole.length);
				expect(source.read(0, source.length)).toEqual(whole);
				// Pieces of odd sizes, at the edges and in the middle.
				for (const [start, end] of [
					[0, 1],
					[0, 777],
					[777, 20_001],
					[20_001, 20_001],
					[31_999, whole.length],
					[whole.length - 3, whole.length]
				]) {
					expect(source.read(start, end), `read(${start}, ${end})`).toEqual(whole.subarray(start, end));
				}
			} finally {
				source.close();
			}
		}
	);

	it('reads what a truncated file holds and says it is truncated', () => {
		const full = wav(1, 1, 16000, 16, encode(signal(1000, 1, 16000), 16, false));
		const path = join(dir, 'cut.wav');
		writeFileSync(path, full.subarray(0, full.length - 101));
		const source = openWavFile(path)!;
		expect(source.truncated).toBe(true);
		expect(source.length).toBe(1000 - 51);
		expect(source.read(0, source.length)).toEqual(wavToMono16k(full).audio.subarray(0, 949));
		source.close();
		expect(() => source.read(0, 1)).toThrow(/closed/);
	});

	it('refuses reads outside the recording', () => {
		const path = join(dir, 'short.wav');
		writeFileSync(path, wav(1, 1, 16000, 16, new Uint8Array(20)));
		const source = openWavFile(path)!;
		expect(() => source.read(5, 11)).toThrow(RangeError);
		expect(() => source.read(3, 2)).toThrow(RangeError);
		source.close();
	});

	it('names what is wrong with a file that is not WAV', () => {
		const path = join(dir, 'text.wav');
		writeFileSync(path, 'this is not audio at all');
		expect(() => openWavFile(path)).toThrow(/not a WAV file/);
	});
});
