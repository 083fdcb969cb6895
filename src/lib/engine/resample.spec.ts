import { describe, expect, it } from 'vitest';
import { resample, toMono } from './resample';

const sine = (freq: number, rate: number, seconds: number) =>
	Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
		Math.sin((2 * Math.PI * freq * i) / rate)
	);
const rms = (x: Float32Array, from = 0, to = x.length) => {
	let s = 0;
	for (let i = from; i < to; i++) s += x[i] * x[i];
	return Math.sqrt(s / (to - from));
};

describe('resample', () => {
	it.each([
		[48000, 16000],
		[44100, 16000],
		[8000, 16000],
		[22050, 16000]
	])('%i Hz -> %i Hz keeps length and a 440 Hz tone', (from, to) => {
		const out = resample(sine(440, from, 1), from, to);
		expect(out.length).toBe(to);
		const expected = sine(440, to, 1);
		let err = 0;
		for (let i = 100; i < to - 100; i++) err = Math.max(err, Math.abs(out[i] - expected[i]));
		expect(err).toBeLessThan(0.01);
	});

	it('removes content above the new Nyquist frequency instead of aliasing it', () => {
		const out = resample(sine(12000, 48000, 0.5), 48000, 16000);
		expect(rms(out, 100, out.length - 100)).toBeLessThan(0.01);
	});

	it('returns the input at the same rate and handles empty input', () => {
		const x = new Float32Array([1, 2]);
		expect(resample(x, 16000, 16000)).toBe(x);
		expect(resample(new Float32Array(0), 44100, 16000).length).toBe(0);
	});

	it('rejects nonsense rates', () => {
		expect(() => resample(new Float32Array(4), 0, 16000)).toThrow(/sample rates/);
	});
});

describe('toMono', () => {
	it('averages channels', () => {
		expect(Array.from(toMono([new Float32Array([1, 0]), new Float32Array([0, -1])]))).toEqual([0.5, -0.5]);
	});
});
