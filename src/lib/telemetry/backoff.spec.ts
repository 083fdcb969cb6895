import { describe, expect, it } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, backoffDelay, parseRetryAfter } from './backoff';

describe('backoffDelay', () => {
	it.each([
		// attempt, random, base, max, expected
		[0, 0, 1000, 60_000, 0],
		[0, 0.5, 1000, 60_000, 500],
		[1, 0.5, 1000, 60_000, 1000],
		[3, 0.999, 1000, 60_000, 7992],
		[6, 0.5, 1000, 60_000, 30_000],
		[7, 0.5, 1000, 60_000, 30_000], // 128 s capped to 60 s, half of it
		[1000, 0.5, 1000, 60_000, 30_000], // no overflow on long outages
		[-3, 0.5, 1000, 60_000, 500] // negative attempts behave as the first
	])('attempt %i with random %f (base %i, max %i) → %i ms', (attempt, r, baseMs, maxMs, want) => {
		expect(backoffDelay(attempt, { baseMs, maxMs, random: () => r })).toBe(want);
	});

	it('grows exponentially in its ceiling and stays below the cap with the real random source', () => {
		const ceilings = [0, 1, 2, 3].map((a) => backoffDelay(a, { random: () => 0.999999 }));
		expect(ceilings[1]).toBeGreaterThan(ceilings[0] * 1.9);
		expect(ceilings[3]).toBeGreaterThan(ceilings[2] * 1.9);
		expect(ceilings[0]).toBeLessThan(BACKOFF_BASE_MS);
		for (let a = 0; a < 40; a++) {
			const d = backoffDelay(a);
			expect(d).toBeGreaterThanOrEqual(0);
			expect(d).toBeLessThan(BACKOFF_MAX_MS);
		}
	});
});

describe('parseRetryAfter', () => {
	const now = Date.parse('2026-05-01T12:00:00Z');
	it.each([
		[null, null],
		['', null],
		['7', 7000],
		[' 120 ', 120_000],
		['0', 0],
		['999999', BACKOFF_MAX_MS],
		['-5', null],
		['1.5', null],
		['soon', null],
		['Fri, 01 May 2026 12:00:30 GMT', 30_000],
		['Fri, 01 May 2026 11:00:00 GMT', 0], // a date in the past means now
		['Sat, 02 May 2026 12:00:00 GMT', BACKOFF_MAX_MS]
	])('%j → %j ms', (header, want) => {
		expect(parseRetryAfter(header, now)).toBe(want);
	});
});
