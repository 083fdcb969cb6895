/**
 * Rate limiting: in-memory token buckets per key (the client's address, see clientKey), counting
 * requests or bytes, per client and for the whole server.
 *
 * In memory on purpose: it protects one process and costs nothing per request; behind several server
 * processes each has its own buckets (a shared limit needs the reverse proxy's own limiter). Configured
 * by the environment, see limitsFromEnv.
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

	/**
	 * Takes `cost` tokens (one request, or a body's bytes) for `key`, or says how many whole seconds
	 * until that many are available. A refused take takes nothing.
	 */
	take(key: string, cost = 1): RateDecision {
		const b = this.#refill(key);
		if (b.tokens >= cost) {
			b.tokens -= cost;
			return { ok: true };
		}
		return { ok: false, retryAfterSec: Math.max(1, Math.ceil((cost - b.tokens) / this.#rate)) };
	}

	/**
	 * Takes `cost` tokens for `key` whatever is left, going into debt if need be: for a cost known only
	 * after the request was let through (the bytes its events take once stored). Later takes wait the
	 * debt out.
	 */
	charge(key: string, cost: number): void {
		this.#refill(key).tokens -= cost;
	}

	/** Gives `cost` tokens back to `key` (a reservation that was not used), never beyond the burst. */
	refund(key: string, cost: number): void {
		const b = this.#refill(key);
		b.tokens = Math.min(this.#burst, b.tokens + cost);
	}

	/** What take(key, cost) would answer, without taking anything. */
	check(key: string, cost = 1): RateDecision {
		const b = this.#refill(key);
		if (b.tokens >= cost) return { ok: true };
		return { ok: false, retryAfterSec: Math.max(1, Math.ceil((cost - b.tokens) / this.#rate)) };
	}

	#refill(key: string): Bucket {
		const now = this.#now();
		let b = this.#buckets.get(key);
		if (!b) {
			if (this.#buckets.size >= this.#max) this.#evict(now);
			b = { tokens: this.#burst, at: now };
			this.#buckets.set(key, b);
		}
		b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) / 1000) * this.#rate);
		b.at = now;
		return b;
	}

	/** The bucket size: the largest cost a take can ever pay. */
	get burst(): number {
		return this.#burst;
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

/**
 * One request at a time per client key: later ones wait their turn (up to `maxWaiting`, then they are
 * refused). A flooder opening many connections then has one batch being parsed, validated and stored
 * at a time, not four at once holding the one Node thread, and an honest client's request gets a turn
 * between them. Waiting requests have not read their bodies, so they cost a socket, not memory.
 */
export class ClientQueue {
	readonly #perClient: number;
	readonly #maxWaiting: number;
	readonly #clients = new Map<string, { running: number; waiting: (() => void)[] }>();

	constructor(o: { perClient: number; maxWaiting: number }) {
		if (!(o.perClient >= 1) || !(o.maxWaiting >= 0))
			throw new Error('a client queue needs perClient >= 1 and maxWaiting >= 0');
		this.#perClient = o.perClient;
		this.#maxWaiting = o.maxWaiting;
	}

	/**
	 * Resolves to a release function once `key` may run, or null at once when too many of its requests
	 * already wait (the caller answers 429). Call release exactly once, when the request is done.
	 */
	acquire(key: string): Promise<(() => void) | null> {
		let c = this.#clients.get(key);
		if (!c) {
			c = { running: 0, waiting: [] };
			this.#clients.set(key, c);
		}
		const client = c;
		let released = false;
		const release = () => {
			if (released) return;
			released = true;
			const next = client.waiting.shift();
			if (next) return next();
			client.running--;
			if (client.running === 0) this.#clients.delete(key);
		};
		if (client.running < this.#perClient) {
			client.running++;
			return Promise.resolve(release);
		}
		if (client.waiting.length >= this.#maxWaiting) return Promise.resolve(null);
		// The slot passes straight from the releasing request to this one (running stays the same).
		return new Promise((ok) => client.waiting.push(() => ok(release)));
	}

	/** How many clients have a request running (for tests). */
	get size(): number {
		return this.#clients.size;
	}
}

/** The limiters the API applies besides the per-client request limit; a null or absent one is off. */
export interface Limits {
	/** Body bytes per client. */
	bytes: TokenBucketLimiter | null;
	/** Requests for the whole server (one bucket). */
	globalRequests: TokenBucketLimiter | null;
	/** Body bytes for the whole server (one bucket). */
	globalBytes: TokenBucketLimiter | null;
	/** Failed admin authentications per client. */
	adminFailures: TokenBucketLimiter | null;
	/** Event batches one client may have in progress at once (the rest wait their turn). */
	inFlight: ClientQueue | null;
}

/**
 * Defaults, sized from what one browser sends: a heavy editing session is well under 1 MB of events an
 * hour (about 300 B/s), and the outbox sends at most 512 KiB a request. 4 KiB/s sustained is more than
 * ten times that; the 2 MiB burst lets a browser coming back online flush a few full batches at once.
 * A client pushing tens of MB is refused after its first 2 MiB, so it adds a few MB at most.
 */
export const LIMIT_DEFAULTS = {
	RATE_LIMIT_PER_SEC: 10,
	RATE_LIMIT_BURST: 60,
	RATE_LIMIT_BYTES_PER_SEC: 4096,
	RATE_LIMIT_BYTES_BURST: 2 * 1024 * 1024,
	GLOBAL_RATE_LIMIT_PER_SEC: 500,
	GLOBAL_RATE_LIMIT_BURST: 2000,
	GLOBAL_RATE_LIMIT_BYTES_PER_SEC: 8 * 1024 * 1024,
	GLOBAL_RATE_LIMIT_BYTES_BURST: 64 * 1024 * 1024,
	ADMIN_FAILURES_PER_MIN: 6,
	ADMIN_FAILURES_BURST: 10,
	RATE_LIMIT_IN_FLIGHT: 1,
	RATE_LIMIT_IN_FLIGHT_WAITING: 16
} as const;

function num(env: Record<string, string | undefined>, name: keyof typeof LIMIT_DEFAULTS): number {
	const raw = env[name];
	const v = raw === undefined || raw === '' ? LIMIT_DEFAULTS[name] : Number(raw);
	if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number >= 0, got ${raw}`);
	return v;
}

function bucket(
	env: Record<string, string | undefined>,
	rateName: keyof typeof LIMIT_DEFAULTS,
	burstName: keyof typeof LIMIT_DEFAULTS,
	minBurst = 1,
	per = 1
): TokenBucketLimiter | null {
	const rate = num(env, rateName);
	if (rate === 0) return null;
	const burst = num(env, burstName);
	if (burst < minBurst) throw new Error(`${burstName} must be at least ${minBurst}`);
	return new TokenBucketLimiter({ ratePerSec: rate / per, burst });
}

function clientQueue(env: Record<string, string | undefined>): ClientQueue | null {
	const perClient = num(env, 'RATE_LIMIT_IN_FLIGHT');
	if (perClient === 0) return null;
	const maxWaiting = num(env, 'RATE_LIMIT_IN_FLIGHT_WAITING');
	if (!Number.isInteger(perClient) || !Number.isInteger(maxWaiting))
		throw new Error('RATE_LIMIT_IN_FLIGHT and RATE_LIMIT_IN_FLIGHT_WAITING must be whole numbers');
	return new ClientQueue({ perClient, maxWaiting });
}

/**
 * The limiters the environment asks for; a rate of 0 turns that one off. Byte bursts must hold the
 * largest body (`maxBodyBytes`), or such a batch could never pass.
 */
export function limitsFromEnv(
	env: Record<string, string | undefined>,
	maxBodyBytes: number
): { requests: TokenBucketLimiter | null; limits: Limits } {
	return {
		requests: bucket(env, 'RATE_LIMIT_PER_SEC', 'RATE_LIMIT_BURST'),
		limits: {
			bytes: bucket(env, 'RATE_LIMIT_BYTES_PER_SEC', 'RATE_LIMIT_BYTES_BURST', maxBodyBytes),
			globalRequests: bucket(env, 'GLOBAL_RATE_LIMIT_PER_SEC', 'GLOBAL_RATE_LIMIT_BURST'),
			globalBytes: bucket(
				env,
				'GLOBAL_RATE_LIMIT_BYTES_PER_SEC',
				'GLOBAL_RATE_LIMIT_BYTES_BURST',
				maxBodyBytes
			),
			adminFailures: bucket(env, 'ADMIN_FAILURES_PER_MIN', 'ADMIN_FAILURES_BURST', 1, 60),
			inFlight: clientQueue(env)
		}
	};
}

/**
 * The key a client is limited by: its IPv4 address, or the /64 of an IPv6 address (one subscriber
 * usually gets a whole /64, so counting single addresses would let it rotate through 2^64 of them).
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports) counts as the IPv4 address.
 */
export function clientKey(address: string): string {
	const a = address
		.trim()
		.toLowerCase()
		.replace(/^\[|\]$/g, '')
		.replace(/%.*$/, '');
	if (!a.includes(':')) return a;
	const groups = expandIpv6(a);
	if (!groups) return a;
	if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
		const [hi, lo] = [parseInt(groups[6], 16), parseInt(groups[7], 16)];
		return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
	}
	return `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(a: string): string[] | null {
	let text = a;
	// A trailing dotted IPv4 part stands for the last two groups.
	const v4 = text.match(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
	if (v4) {
		const [b0, b1, b2, b3] = v4.slice(1).map(Number);
		text = text.slice(0, v4.index) + `${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
	}
	const halves = text.split('::');
	if (halves.length > 2) return null;
	const head = halves[0] ? halves[0].split(':') : [];
	const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
	const missing = 8 - head.length - tail.length;
	if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
	const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
	if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
	return groups.map((g) => g.replace(/^0+(?=.)/, ''));
}
