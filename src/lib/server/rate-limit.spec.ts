import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter, rateLimiterFromEnv } from './rate-limit';

function limiter(ratePerSec: number, burst: number, maxClients?: number) {
	let t = 0;
	const l = new TokenBucketLimiter({ ratePerSec, burst, maxClients, now: () => t });
	return { l, advance: (ms: number) => (t += ms) };
}

describe('TokenBucketLimiter', () => {
	it('allows a burst, then refuses with Retry-After until a token refills', () => {
		const { l, advance } = limiter(2, 3);
		expect([1, 2, 3].map(() => l.take('a').ok)).toEqual([true, true, true]);
		expect(l.take('a')).toEqual({ ok: false, retryAfterSec: 1 });
		advance(499);
		expect(l.take('a').ok).toBe(false);
		advance(1);
		expect(l.take('a').ok).toBe(true);
	});

	it('keeps clients apart', () => {
		const { l } = limiter(1, 1);
		expect(l.take('a').ok).toBe(true);
		expect(l.take('a').ok).toBe(false);
		expect(l.take('b').ok).toBe(true);
	});

	it.each([
		[0.1, 10],
		[0.5, 2],
		[1, 1]
	])('at %f/s an empty bucket says retry after %i s', (rate, seconds) => {
		const { l } = limiter(rate, 1);
		l.take('a');
		expect(l.take('a')).toEqual({ ok: false, retryAfterSec: seconds });
	});

	it('never refills beyond the burst', () => {
		const { l, advance } = limiter(10, 2);
		advance(60_000);
		expect([1, 2, 3].map(() => l.take('a').ok)).toEqual([true, true, false]);
	});

	it('forgets idle clients first and stays bounded', () => {
		const { l, advance } = limiter(1, 1, 4);
		for (const k of ['a', 'b', 'c', 'd']) l.take(k);
		advance(5000);
		l.take('e');
		expect(l.size).toBe(1);
		for (const k of ['f', 'g', 'h', 'i', 'j', 'k']) l.take(k);
		expect(l.size).toBeLessThanOrEqual(4);
	});
});

describe('rateLimiterFromEnv', () => {
	it('is off at 0 and on by default', () => {
		expect(rateLimiterFromEnv({ RATE_LIMIT_PER_SEC: '0' })).toBeNull();
		expect(rateLimiterFromEnv({})).toBeInstanceOf(TokenBucketLimiter);
		expect(() => rateLimiterFromEnv({ RATE_LIMIT_PER_SEC: 'fast' })).toThrow();
	});
});
