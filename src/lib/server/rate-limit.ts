/**
 * Per-client rate limiting: an in-memory token bucket per key (the client's IP address).
 *
 * In memory on purpose: it protects one process and costs nothing per request; behind several server
 * processes each has its own buckets. Configured by RATE_LIMIT_PER_SEC (sustained requests per second,
 * default 10; 0 disables) and RATE_LIMIT_BURST (bucket size, default 60).
 */

/** The verdict for one request. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSec: number };

/** Settings of a limiter. */
export interface RateLimitOptions {
	ratePerSec: number;
	burst: number;
	/** Buckets kept at most; full (idle) buckets are forgotten first. */
	maxClients?: number;
	/** Milliseconds, monotonic; injectable for tests. */
	now?: () => number;
}

interface Bucket {
	tokens: number;
	at: number;
}

/** A token bucket per client key. */
export class TokenBucketLimiter {
	readonly #rate: number;
	readonly #burst: number;
	readonly #max: number;
	readonly #now: () => number;
	readonly #buckets = new Map<string, Bucket>();

	constructor(o: RateLimitOptions) {
		if (!(o.ratePerSec > 0) || !(o.burst >= 1))
			throw new Error('rate limit needs ratePerSec > 0 and burst >= 1');
		this.#rate = o.ratePerSec;
		this.#burst = o.burst;
		this.#max = o.maxClients ?? 10_000;
		this.#now = o.now ?? (() => performance.now());
	}

	/** Takes one token for `key`, or says how many whole seconds until one is available. */
	take(key: string): RateDecision {
		const now = this.#now();
		let b = this.#buckets.get(key);
		if (!b) {
			if (this.#buckets.size >= this.#max) this.#evict(now);
			b = { tokens: this.#burst, at: now };
			this.#buckets.set(key, b);
		}
		b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) / 1000) * this.#rate);
		b.at = now;
		if (b.tokens >= 1) {
			b.tokens -= 1;
			return { ok: true };
		}
		return { ok: false, retryAfterSec: Math.max(1, Math.ceil((1 - b.tokens) / this.#rate)) };
	}

	/** How many clients are tracked (for tests). */
	get size(): number {
		return this.#buckets.size;
	}

	#evict(now: number): void {
		// A bucket that has refilled is indistinguishable from a new one, so forgetting it is free.
		for (const [k, b] of this.#buckets) {
			if (b.tokens + ((now - b.at) / 1000) * this.#rate >= this.#burst) this.#buckets.delete(k);
		}
		// Still full of active clients: drop the oldest half rather than grow without bound.
		if (this.#buckets.size >= this.#max) {
			let n = Math.ceil(this.#buckets.size / 2);
			for (const k of this.#buckets.keys()) {
				if (n-- <= 0) break;
				this.#buckets.delete(k);
			}
		}
	}
}

/** The limiter the environment asks for, or null when RATE_LIMIT_PER_SEC=0. */
export function rateLimiterFromEnv(env: Record<string, string | undefined>): TokenBucketLimiter | null {
	const rate = Number(env.RATE_LIMIT_PER_SEC ?? 10);
	const burst = Number(env.RATE_LIMIT_BURST ?? 60);
	if (!Number.isFinite(rate) || rate < 0) throw new Error('RATE_LIMIT_PER_SEC must be a number >= 0');
	if (rate === 0) return null;
	return new TokenBucketLimiter({ ratePerSec: rate, burst });
}
