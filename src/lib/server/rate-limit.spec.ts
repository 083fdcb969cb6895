import { describe, expect, it } from 'vitest';
import { ClientQueue, TokenBucketLimiter, clientKey, limitsFromEnv } from './rate-limit';

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

describe('TokenBucketLimiter with costs (bytes)', () => {
	it("takes a body's bytes, refuses what does not fit and says when it will", () => {
		const { l, advance } = limiter(1000, 5000);
		expect(l.take('a', 4000).ok).toBe(true);
		// 1000 left; 3000 more refill at 1000/s.
		expect(l.take('a', 4000)).toEqual({ ok: false, retryAfterSec: 3 });
		advance(3000);
		expect(l.take('a', 4000).ok).toBe(true);
		expect(l.take('a', 1).ok).toBe(false);
	});
});

describe('TokenBucketLimiter.charge', () => {
	it('goes into debt, which later takes wait out', () => {
		const { l, advance } = limiter(10, 100);
		expect(l.take('a', 60).ok).toBe(true);
		l.charge('a', 90);
		// 40 - 90 = -50 tokens: one token needs 51 at 10/s.
		expect(l.take('a', 1)).toEqual({ ok: false, retryAfterSec: 6 });
		advance(5100);
		expect(l.take('a', 1).ok).toBe(true);
	});
});

describe('TokenBucketLimiter.refund', () => {
	it('gives tokens back, never beyond the burst', () => {
		const { l } = limiter(10, 100);
		expect(l.take('a', 80).ok).toBe(true);
		l.refund('a', 50);
		expect(l.take('a', 70).ok).toBe(true);
		expect(l.take('a', 1).ok).toBe(false);
		l.refund('a', 500);
		expect(l.take('a', 100).ok).toBe(true);
		expect(l.take('a', 1).ok).toBe(false);
	});
});

describe('ClientQueue', () => {
	it('runs one request per client at a time, in arrival order, and keeps clients apart', async () => {
		const q = new ClientQueue({ perClient: 1, maxWaiting: 2 });
		const order: string[] = [];
		const first = (await q.acquire('a'))!;
		const second = q.acquire('a').then((r) => (order.push('a2'), r!));
		const third = q.acquire('a').then((r) => (order.push('a3'), r!));
		expect(await q.acquire('b')).toBeTypeOf('function');
		await Promise.resolve();
		expect(order).toEqual([]);
		first();
		first(); // a second release of the same slot frees nothing more
		(await second)();
		(await third)();
		expect(order).toEqual(['a2', 'a3']);
	});

	it('refuses at once when too many requests of a client wait, and forgets idle clients', async () => {
		const q = new ClientQueue({ perClient: 1, maxWaiting: 1 });
		const running = (await q.acquire('a'))!;
		const waiting = q.acquire('a');
		expect(await q.acquire('a')).toBeNull();
		running();
		(await waiting)!();
		expect(q.size).toBe(0);
	});
});

describe('limitsFromEnv', () => {
	it('is off at 0 and on by default', () => {
		expect(limitsFromEnv({ RATE_LIMIT_PER_SEC: '0' }, 1000).requests).toBeNull();
		expect(limitsFromEnv({ RATE_LIMIT_BYTES_PER_SEC: '0' }, 1000).limits.bytes).toBeNull();
		const d = limitsFromEnv({}, 1000);
		expect(d.requests).toBeInstanceOf(TokenBucketLimiter);
		const { inFlight, ...buckets } = d.limits;
		for (const l of Object.values(buckets)) expect(l).toBeInstanceOf(TokenBucketLimiter);
		expect(inFlight).toBeInstanceOf(ClientQueue);
		expect(limitsFromEnv({ RATE_LIMIT_IN_FLIGHT: '0' }, 1000).limits.inFlight).toBeNull();
		expect(() => limitsFromEnv({ RATE_LIMIT_IN_FLIGHT: '1.5' }, 1000)).toThrow(/whole numbers/);
		expect(d.limits.bytes!.burst).toBe(2 * 1024 * 1024);
		expect(() => limitsFromEnv({ RATE_LIMIT_PER_SEC: 'fast' }, 1000)).toThrow(/RATE_LIMIT_PER_SEC/);
	});

	it('refuses a byte burst smaller than the largest body', () => {
		expect(() => limitsFromEnv({ RATE_LIMIT_BYTES_BURST: '1000' }, 4096)).toThrow(
			/RATE_LIMIT_BYTES_BURST must be at least 4096/
		);
		expect(() => limitsFromEnv({ GLOBAL_RATE_LIMIT_BYTES_BURST: '10' }, 4096)).toThrow(/GLOBAL/);
	});
});

describe('clientKey', () => {
	it.each([
		['203.0.113.7', '203.0.113.7'],
		['::ffff:203.0.113.7', '203.0.113.7'],
		['::FFFF:cb00:7107', '203.0.113.7'],
		['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
		['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
		['2001:0DB8:0001:0002::1', '2001:db8:1:2::/64'],
		['2001:db8::1', '2001:db8:0:0::/64'],
		['[2001:db8:1:2::9]', '2001:db8:1:2::/64'],
		['fe80::1%eth0', 'fe80:0:0:0::/64'],
		['::1', '0:0:0:0::/64'],
		['unknown', 'unknown']
	])('%s -> %s', (address, key) => expect(clientKey(address)).toBe(key));

	it('puts two addresses of one /64 in one bucket and another /64 in another', () => {
		const { l } = limiter(1, 1);
		expect(l.take(clientKey('2001:db8:1:2::1')).ok).toBe(true);
		expect(l.take(clientKey('2001:db8:1:2::2')).ok).toBe(false);
		expect(l.take(clientKey('2001:db8:1:3::1')).ok).toBe(true);
	});
});
