import { describe, expect, it } from 'vitest';
import { mulberry32, randomInt, randomNormal } from './random';

describe('mulberry32', () => {
	it('gives the same sequence for the same seed and another for another seed', () => {
		const a = mulberry32(42);
		const b = mulberry32(42);
		const c = mulberry32(43);
		const sa = Array.from({ length: 5 }, a);
		expect(Array.from({ length: 5 }, b)).toEqual(sa);
		expect(Array.from({ length: 5 }, c)).not.toEqual(sa);
	});

	it('stays in [0, 1) with mean ≈ 1/2 and variance ≈ 1/12 over 100,000 draws', () => {
		const r = mulberry32(7);
		let sum = 0;
		let sq = 0;
		let outside = 0;
		for (let i = 0; i < 100_000; i++) {
			const u = r();
			if (!(u >= 0 && u < 1)) outside++;
			sum += u;
			sq += u * u;
		}
		expect(outside).toBe(0);
		// Standard error of the mean: √(1/12 / 100000) ≈ 0.0009; allow 5 of them.
		expect(sum / 100_000).toBeCloseTo(0.5, 2);
		expect(sq / 100_000 - (sum / 100_000) ** 2).toBeCloseTo(1 / 12, 2);
	});

	it('rejects a non-integer seed', () => {
		expect(() => mulberry32(1.5)).toThrow(RangeError);
	});
});

describe('randomInt / randomNormal', () => {
	it('randomInt hits every value of [0, n) and nothing else', () => {
		const r = mulberry32(1);
		const seen = new Set<number>();
		for (let i = 0; i < 1000; i++) seen.add(randomInt(r, 5));
		expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
		expect(() => randomInt(r, 0)).toThrow(RangeError);
	});

	it('randomNormal has mean ≈ 0 and variance ≈ 1', () => {
		const r = mulberry32(3);
		const xs = Array.from({ length: 50_000 }, () => randomNormal(r));
		const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
		const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
		expect(Math.abs(mean)).toBeLessThan(0.03);
		expect(Math.abs(variance - 1)).toBeLessThan(0.03);
	});
});
