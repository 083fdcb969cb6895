import { describe, expect, it } from 'vitest';
import { classifyResponse, createFetchSender, type SendOutcome } from './sender';

const now = Date.parse('2026-05-01T12:00:00Z');

describe('classifyResponse: the status-code matrix', () => {
	it.each<[number, string | null, unknown, SendOutcome]>([
		[
			202,
			null,
			{ accepted: 3, duplicates: 1 },
			{ kind: 'done', accepted: 3, duplicates: 1, rejectedIds: [] }
		],
		[200, null, null, { kind: 'done', accepted: 0, duplicates: 0, rejectedIds: [] }],
		[
			207,
			null,
			{
				accepted: 1,
				duplicates: 0,
				rejected: [
					{ index: 1, id: 'b', issues: [] },
					{ index: 2, id: null }
				]
			},
			{ kind: 'done', accepted: 1, duplicates: 0, rejectedIds: ['b', ''] }
		],
		[408, null, null, { kind: 'retry', reason: 'http_408', retryAfterMs: null }],
		[429, '7', { error: 'rate limit exceeded' }, { kind: 'retry', reason: 'http_429', retryAfterMs: 7000 }],
		[429, 'Fri, 01 May 2026 12:00:20 GMT', null, { kind: 'retry', reason: 'http_429', retryAfterMs: 20_000 }],
		[500, null, null, { kind: 'retry', reason: 'http_500', retryAfterMs: null }],
		[502, null, null, { kind: 'retry', reason: 'http_502', retryAfterMs: null }],
		[503, '5', null, { kind: 'retry', reason: 'http_503', retryAfterMs: 5000 }],
		[413, null, null, { kind: 'split' }],
		[400, null, { error: 'no valid event in the batch' }, { kind: 'drop', reason: 'http_400' }],
		[401, null, null, { kind: 'drop', reason: 'http_401' }],
		[403, null, null, { kind: 'drop', reason: 'http_403' }],
		[404, null, null, { kind: 'drop', reason: 'http_404' }],
		[415, null, null, { kind: 'drop', reason: 'http_415' }],
		[422, null, null, { kind: 'drop', reason: 'http_422' }]
	])('%i (Retry-After %j) → %j', (status, retryAfter, body, want) => {
		expect(classifyResponse(status, retryAfter, body, now)).toEqual(want);
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
		expect(new Headers(calls[0].init.headers).get('content-type')).toBe('application/json');
		expect(JSON.parse(String(calls[0].init.body))).toEqual({ events: [{ id: 'e1' }] });
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
