/**
 * Sending one batch to POST /api/v1/events and deciding what the outbox does next. The send function is
 * what the outbox takes as a constructor argument, so tests replace it with a stub.
 *
 * Status contract (the server's, see src/lib/server/api.ts):
 * - 2xx (202, or 207 with `rejected`): done; rejected events are dropped as `invalid`.
 * - network error, 5xx, 408, 429: retry later (429 and 503 honour Retry-After).
 * - 413: split the batch in half and send the halves (one event alone is dropped as `too_large`).
 * - any other 4xx: drop the batch, counted as `http_<status>` and as an error.
 */
import type { TelemetryEvent } from './schema';
import { parseRetryAfter } from './backoff';

/** What the outbox should do with a batch after one attempt. */
export type SendOutcome =
	| { kind: 'done'; accepted: number; duplicates: number; rejectedIds: string[] }
	| { kind: 'retry'; reason: string; retryAfterMs: number | null }
	| { kind: 'split' }
	| { kind: 'drop'; reason: string };

/** Sends one batch; `keepalive` is set for the page-hide flush. Must not throw. */
export type SendBatch = (events: TelemetryEvent[], opts: { keepalive: boolean }) => Promise<SendOutcome>;

/** The endpoint path. */
export const EVENTS_URL = '/api/v1/events';

/** Maps an HTTP answer to an outcome (pure: the body is already parsed, or null if it was not JSON). */
export function classifyResponse(
	status: number,
	retryAfter: string | null,
	body: unknown,
	nowMs: number
): SendOutcome {
	if (status >= 200 && status < 300) {
		const b = (body ?? {}) as { accepted?: unknown; duplicates?: unknown; rejected?: unknown };
		const rejected = Array.isArray(b.rejected) ? (b.rejected as { id?: unknown }[]) : [];
		return {
			kind: 'done',
			accepted: typeof b.accepted === 'number' ? b.accepted : 0,
			duplicates: typeof b.duplicates === 'number' ? b.duplicates : 0,
			rejectedIds: rejected.map((r) => (typeof r.id === 'string' ? r.id : ''))
		};
	}
	if (status === 408 || status === 429 || status >= 500)
		return { kind: 'retry', reason: `http_${status}`, retryAfterMs: parseRetryAfter(retryAfter, nowMs) };
	if (status === 413) return { kind: 'split' };
	return { kind: 'drop', reason: `http_${status}` };
}

/** A SendBatch over fetch; `fetchImpl` and `now` are injectable for tests. */
export function createFetchSender(
	url: string = EVENTS_URL,
	fetchImpl: typeof fetch = (...a) => fetch(...a),
	now: () => number = Date.now
): SendBatch {
	return async (events, { keepalive }) => {
		let res: Response;
		try {
			res = await fetchImpl(url, {
				method: 'POST',
				keepalive,
				// application/json, not text/plain: SvelteKit's CSRF check refuses cross-site-looking
				// text/plain posts when ORIGIN is misconfigured, and keepalive fetch allows JSON anyway.
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ events }),
				credentials: 'omit'
			});
		} catch {
			return { kind: 'retry', reason: 'network', retryAfterMs: null };
		}
		let body: unknown = null;
		try {
			body = await res.json();
		} catch {
			// Bodies are informative only; the status decides.
		}
		return classifyResponse(res.status, res.headers.get('retry-after'), body, now());
	};
}
