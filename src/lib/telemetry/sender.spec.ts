import { describe, expect, it } from 'vitest';
import { classifyResponse, createFetchSender, type SendOutcome } from './sender';

const now = Date.parse('2026-05-01T12:00:00Z');

interface Case {
	status: number;
	retryAfter?: string | null;
	body?: unknown;
	/** Events in the batch sent; an accepting answer must account for all of them. */
	batch?: number;
	want: SendOutcome;
}

const done = (accepted: number, duplicates: number, rejectedIds: string[] = []): SendOutcome => ({
	kind: 'done',
	accepted,
	duplicates,
	rejectedIds
});
const notTheEndpoint = (status: number): SendOutcome => ({
	kind: 'retry',
	reason: `unexpected_${status}`,
	retryAfterMs: null
});
const partial = {
	accepted: 1,
	duplicates: 0,
	rejected: [
		{ index: 1, id: 'b', issues: [] },
		{ index: 2, id: null, issues: [{ path: '', message: 'expected an object' }] }
	]
};

describe('classifyResponse: the status-code matrix', () => {
	it.each<Case>([
		{ status: 202, body: { accepted: 3, duplicates: 1 }, batch: 4, want: done(3, 1) },
		{ status: 207, body: partial, batch: 3, want: done(1, 0, ['b', '']) },
		{ status: 408, want: { kind: 'retry', reason: 'http_408', retryAfterMs: null } },
		{
			status: 429,
			retryAfter: '7',
			body: { error: 'rate limit exceeded' },
			want: { kind: 'retry', reason: 'http_429', retryAfterMs: 7000 }
		},
		{
			status: 429,
			retryAfter: 'Fri, 01 May 2026 12:00:20 GMT',
			want: { kind: 'retry', reason: 'http_429', retryAfterMs: 20_000 }
		},
		{ status: 500, want: { kind: 'retry', reason: 'http_500', retryAfterMs: null } },
		{ status: 502, want: { kind: 'retry', reason: 'http_502', retryAfterMs: null } },
		{ status: 503, retryAfter: '5', want: { kind: 'retry', reason: 'http_503', retryAfterMs: 5000 } },
		{ status: 413, want: { kind: 'split' } },
		{
			status: 400,
			body: { error: 'no valid event in the batch' },
			want: { kind: 'drop', reason: 'http_400' }
		},
		{ status: 401, want: { kind: 'drop', reason: 'http_401' } },
		{ status: 403, want: { kind: 'drop', reason: 'http_403' } },
		{ status: 404, want: { kind: 'drop', reason: 'http_404' } },
		{ status: 415, want: { kind: 'drop', reason: 'http_415' } },
		{ status: 422, want: { kind: 'drop', reason: 'http_422' } }
	])(
		'$status (Retry-After $retryAfter) → $want.kind',
		({ status, retryAfter = null, body = null, batch = 1, want }) => {
			expect(classifyResponse(status, retryAfter, body, now, batch)).toEqual(want);
		}
	);
});

describe("classifyResponse: only the endpoint's own accepting answer counts as delivered", () => {
	it.each<{ name: string } & Case>([
		{ name: 'a 200 without a body (a captive portal, a proxy)', status: 200, want: notTheEndpoint(200) },
		{
			name: 'a 200 with the right counts (not a status the endpoint sends)',
			status: 200,
			body: { accepted: 1, duplicates: 0 },
			want: notTheEndpoint(200)
		},
		{ name: 'a 204', status: 204, want: notTheEndpoint(204) },
		{ name: 'a 202 that is not JSON', status: 202, want: notTheEndpoint(202) },
		{ name: 'a 202 of another shape', status: 202, body: { ok: true }, want: notTheEndpoint(202) },
		{
			name: 'a 202 with negative counts',
			status: 202,
			body: { accepted: -1, duplicates: 2 },
			want: notTheEndpoint(202)
		},
		{
			name: 'a 202 for fewer events than sent',
			status: 202,
			body: { accepted: 3, duplicates: 0 },
			batch: 4,
			want: notTheEndpoint(202)
		},
		{
			name: 'a 202 for more events than sent',
			status: 202,
			body: { accepted: 3, duplicates: 2 },
			batch: 4,
			want: notTheEndpoint(202)
		},
		{
			name: 'a 207 without rejections',
			status: 207,
			body: { accepted: 3, duplicates: 0 },
			batch: 3,
			want: notTheEndpoint(207)
		},
		{
			name: 'a 207 whose counts miss an event',
			status: 207,
			body: partial,
			batch: 4,
			want: notTheEndpoint(207)
		}
	])('$name → retry', ({ status, body = null, batch = 1, want }) => {
		expect(classifyResponse(status, null, body, now, batch)).toEqual(want);
	});
});

describe('createFetchSender', () => {
	it('posts JSON with keepalive as asked and reads the answer', async () => {
		const calls: { url: string; init: RequestInit }[] = [];
		const send = createFetchSender(
			'/x',
			async (url, init) => {
				calls.push({ url: String(url), init: init! });
				return new Response(JSON.stringify({ accepted: 1, duplicates: 0 }), { status: 202 });
			},
			() => now
		);
		const out = await send([{ id: 'e1' } as never], { keepalive: true });
		expect(out).toEqual({ kind: 'done', accepted: 1, duplicates: 0, rejectedIds: [] });
		expect(calls).toHaveLength(1);
		expect(calls[0].url).toBe('/x');
		expect(calls[0].init.method).toBe('POST');
		expect(calls[0].init.keepalive).toBe(true);
		expect(calls[0].init.redirect).toBe('error');
		expect(new Headers(calls[0].init.headers).get('content-type')).toBe('application/json');
		expect(JSON.parse(String(calls[0].init.body))).toEqual({ events: [{ id: 'e1' }] });
	});

	it("does not count a captive portal's 200 login page as delivered", async () => {
		const portal = createFetchSender(
			'/x',
			async () => new Response('<html>Sign in to the Wi-Fi</html>', { status: 200 })
		);
		expect(await portal([{ id: 'e1' } as never], { keepalive: false })).toEqual({
			kind: 'retry',
			reason: 'unexpected_200',
			retryAfterMs: null
		});
	});

	it('turns a network failure into a retry and a non-JSON 503 into a retry with its Retry-After', async () => {
		const failing = createFetchSender('/x', async () => {
			throw new TypeError('Failed to fetch');
		});
		expect(await failing([], { keepalive: false })).toEqual({
			kind: 'retry',
			reason: 'network',
			retryAfterMs: null
		});
		const sick = createFetchSender(
			'/x',
			async () => new Response('<html>', { status: 503, headers: { 'retry-after': '3' } })
		);
		expect(await sick([], { keepalive: false })).toEqual({
			kind: 'retry',
			reason: 'http_503',
			retryAfterMs: 3000
		});
	});
});
