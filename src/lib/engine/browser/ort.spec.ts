import { describe, expect, it } from 'vitest';
import { wasmThreads } from './ort';

describe('wasmThreads', () => {
	it.each([
		[false, 8, 1],
		[true, undefined, 2],
		[true, 1, 1],
		[true, 2, 2],
		[true, 3, 3],
		[true, 4, 4],
		[true, 16, 4]
	])('cross-origin isolated %s, %s cores: %i thread(s)', (isolated, cores, threads) => {
		expect(wasmThreads(isolated, cores)).toBe(threads);
	});
});
