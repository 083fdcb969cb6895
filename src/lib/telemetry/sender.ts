/**
 * Sending one batch to POST /api/v1/events and deciding what the outbox does next. The send function is
 * what the outbox takes as a constructor argument, so tests replace it with a stub.
 *
 * Status contract (the server's, see src/lib/server/api.ts and src/lib/contracts/events.ts):
 * - 202 `{ accepted, duplicates }` or 207 with `rejected`, whose counts add up to the batch size: done;
 *   rejected events are dropped as `invalid`. Anything else with a 2xx status (a captive portal's
 *   login page, a proxy's cached answer, a body that does not parse) is not the endpoint speaking:
 *   retry, since event ids make resending safe. Redirects are refused for the same reason.
 * - network error, 5xx, 408, 429: retry later (429 and 503 honour Retry-After).
 * - 413: split the batch in half and send the halves (one event alone is dropped as `too_large`).
 * - any other 4xx: drop the batch, counted as `http_<status>` and as an error.
 */
import {
	accountedFor,
	eventsAcceptedSchema,
	eventsPartialSchema,
	type EventsAccepted,
	type EventsPartial
} from '../contracts/events';
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

/**
 * Maps an HTTP answer to an outcome (pure: the body is already parsed, or null if it was not JSON).
 * `batchSize` is the number of events sent: an accepting answer must account for every one of them.
 */
export function classifyResponse(
	status: number,
	retryAfter: string | null,
	body: unknown,
	nowMs: number,
	batchSize: number
): SendOutcome {
	const answer = acceptingAnswer(status, body);
	if (answer && accountedFor(answer) === batchSize)
		return {
			kind: 'done',
			accepted: answer.accepted,
			duplicates: answer.duplicates,
			rejectedIds: 'rejected' in answer ? answer.rejected.map((r) => r.id ?? '') : []
		};
	if (status >= 200 && status < 300)
		return { kind: 'retry', reason: `unexpected_${status}`, retryAfterMs: null };
	if (status === 408 || status === 429 || status >= 500)
		return { kind: 'retry', reason: `http_${status}`, retryAfterMs: parseRetryAfter(retryAfter, nowMs) };
	if (status === 413) return { kind: 'split' };
	return { kind: 'drop', reason: `http_${status}` };
}

/** The endpoint's 202 or 207 answer, or null when the body is not one. */
function acceptingAnswer(status: number, body: unknown): EventsAccepted | EventsPartial | null {
	const schema = status === 202 ? eventsAcceptedSchema : status === 207 ? eventsPartialSchema : null;
	const parsed = schema?.safeParse(body);
	return parsed?.success ? parsed.data : null;
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
				credentials: 'omit',
				// A redirect is never the endpoint's answer (a captive portal sends one to its login
				// page, whose 200 would otherwise pass for delivery): fail, and retry later.
				redirect: 'error'
			});
		} catch {
			return { kind: 'retry', reason: 'network', retryAfterMs: null };
		}
		let body: unknown = null;
		try {
			body = await res.json();
		} catch {
			// Not JSON: fine for errors (the status decides), not a delivery for 2xx.
		}
		return classifyResponse(res.status, res.headers.get('retry-after'), body, now(), events.length);
	};
}
