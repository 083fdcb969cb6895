import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { freeBytes, lowDiskCheck } from './disk';

describe('lowDiskCheck', () => {
	it('is low under the floor, asks at most once per cacheMs, and treats a failing statfs as enough', async () => {
		let free = 500;
		let calls = 0;
		let t = 0;
		const low = lowDiskCheck(1000, async () => (calls++, free), { cacheMs: 100, now: () => t });
		expect(await low()).toBe(true);
		free = 5000;
		t = 50;
		expect(await low()).toBe(true);
		expect(calls).toBe(1);
		t = 100;
		expect(await low()).toBe(false);
		const failing = lowDiskCheck(1000, () => Promise.reject(new Error('EIO')));
		expect(await failing()).toBe(false);
	});

	it('freeBytes reads the file system of a folder', async () => {
		expect(await freeBytes(tmpdir())).toBeGreaterThan(0);
	});
});
