import { describe, expect, it } from 'vitest';
import { ContentMemo } from './memo';

describe('ContentMemo', () => {
	it('computes once per kind and inputs, and again for other inputs', () => {
		const memo = new ContentMemo(4);
		let calls = 0;
		const f = (xs: number[]) => memo.get('sum', xs, () => (calls++, xs.reduce((s, x) => s + x, 0)));
		expect(f([1, 2])).toBe(3);
		expect(f([1, 2])).toBe(3);
		expect(calls).toBe(1);
		expect(f([1, 2, 0])).toBe(3);
		expect(calls).toBe(2);
		// Same inputs, another function: its own entry.
		expect(memo.get('max', [1, 2], () => 2)).toBe(2);
		expect([memo.hits, memo.misses]).toEqual([1, 3]);
	});

	it('drops the least recently used entry beyond its size', () => {
		const memo = new ContentMemo(2);
		let calls = 0;
		const f = (x: number) => memo.get('id', x, () => (calls++, x));
		f(1);
		f(2);
		f(1); // 1 is now the most recent
		f(3); // drops 2
		expect(calls).toBe(3);
		f(1);
		expect(calls).toBe(3);
		f(2);
		expect(calls).toBe(4);
	});

	it('refuses a size that is not a whole number ≥ 1', () => {
		expect(() => new ContentMemo(0)).toThrow(/size/);
		expect(() => new ContentMemo(1.5)).toThrow(/size/);
	});
});
