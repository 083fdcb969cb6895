/**
 * Retry timing for the telemetry outbox: exponential backoff with full jitter, capped, and the
 * server's Retry-After header. Pure functions; the random source and clock are arguments.
 */

/** Backoff parameters; the defaults suit a background queue that must never hammer a sick server. */
export interface BackoffOptions {
	/** Delay ceiling of the first retry, in ms. */
	baseMs?: number;
	/** No delay exceeds this, in ms. */
	maxMs?: number;
	/** A number in [0, 1); Math.random unless a test passes its own. */
	random?: () => number;
}

/** Default first-retry ceiling (ms). */
export const BACKOFF_BASE_MS = 2_000;
/** Default cap (ms): five minutes. */
export const BACKOFF_MAX_MS = 5 * 60_000;

/**
 * Delay before retry number `attempt` (0 for the first retry): uniform in [0, min(max, base·2^attempt)),
 * i.e. "full jitter", so many clients that failed together do not retry together.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
	const base = opts.baseMs ?? BACKOFF_BASE_MS;
	const max = opts.maxMs ?? BACKOFF_MAX_MS;
	const random = opts.random ?? Math.random;
	// Clamp the exponent so 2^attempt never overflows to Infinity on a very long outage.
	const ceiling = Math.min(max, base * 2 ** Math.min(Math.max(0, Math.floor(attempt)), 30));
	return Math.floor(random() * ceiling);
}

/**
 * Milliseconds a Retry-After header asks us to wait: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * Null when absent or unreadable; never negative; capped at `maxMs` so a bogus header cannot park the
 * queue for days.
 */
export function parseRetryAfter(value: string | null, nowMs: number, maxMs = BACKOFF_MAX_MS): number | null {
	if (value === null) return null;
	const v = value.trim();
	if (/^\d+$/.test(v)) return Math.min(maxMs, Number(v) * 1000);
	// Only the date forms; Date.parse alone would also accept things like "1 2" as a date.
	if (!/[a-z]{3}/i.test(v)) return null;
	const at = Date.parse(v);
	if (Number.isNaN(at)) return null;
	return Math.min(maxMs, Math.max(0, at - nowMs));
}
