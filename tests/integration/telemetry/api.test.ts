/** Endpoint tests: every status of the telemetry API, on SQLite and on a real PostgreSQL. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	eventsAcceptedSchema,
	eventsBadRequestSchema,
	eventsPartialSchema
} from '../../../src/lib/contracts/events';
import { qualityReportSchema } from '../../../src/lib/contracts/quality';
import { createApi, type Api } from '../../../src/lib/server/api';
import { openDatabase, type OpenDatabase } from '../../../src/lib/server/db/open';
import { storeFor } from '../../../src/lib/server/ingest';
import { TokenBucketLimiter } from '../../../src/lib/server/rate-limit';
import { backends } from './backends';
import { clientReport, correction, knownModels, mixedBatch, model, outcome, rating, review } from './events';

const ADMIN = 'test-admin-token-0123456789abcdef';
const CLIENT = '127.0.0.1';

function post(body: unknown, contentType: string | null = 'application/json'): Request {
	const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
	return new Request('http://localhost/api/v1/events', {
		method: 'POST',
		headers,
		// A string body would get text/plain;charset=UTF-8 from fetch's Request; bytes get no type at all.
		body: new Uint8Array(
			body instanceof Uint8Array
				? body
				: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body))
		)
	});
}

function quality(token?: string): Request {
	const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
	return new Request('http://localhost/api/v1/quality', { headers });
}

describe.each(backends())('telemetry API on $name', (backend) => {
	let database: OpenDatabase;
	let api: Api;
	const opened: OpenDatabase[] = [];

	async function fresh(): Promise<{ database: OpenDatabase; api: Api }> {
		const d = await openDatabase(await backend.newDatabase());
		opened.push(d);
		return {
			database: d,
			api: createApi({
				db: d.db,
				adminToken: ADMIN,
				limiter: null,
				knownModels,
				store: storeFor(d.db)
			})
		};
	}
	const countEvents = async (d = database) =>
		Number(
			(
				await d.db
					.selectFrom('events')
					.select((eb) => eb.fn.countAll().as('n'))
					.executeTakeFirstOrThrow()
			).n
		);
	const rejections = async (d = database) =>
		Object.fromEntries(
			(await d.db.selectFrom('rejections').select(['reason', 'count']).execute()).map((r) => [
				r.reason,
				Number(r.count)
			])
		);

	beforeAll(async () => {
		await backend.start();
		({ database, api } = await fresh());
	});
	afterAll(async () => {
		for (const d of opened) await d.close();
		await backend.stop();
	});

	describe('POST /api/v1/events', () => {
		it('202: stores a valid batch of every event type', async () => {
			const before = await countEvents();
			const events = [...mixedBatch(20), clientReport()];
			const res = await api.postEvents(post({ events }), CLIENT);
			expect(res.status).toBe(202);
			const body = await res.json();
			expect(body).toEqual({ accepted: 21, duplicates: 0 });
			expect(eventsAcceptedSchema.strict().safeParse(body).error).toBeUndefined();
			expect((await countEvents()) - before).toBe(21);
		});

		it('202: a replayed batch stores nothing new and counts duplicates', async () => {
			const events = mixedBatch(10);
			expect(await (await api.postEvents(post({ events }), CLIENT)).json()).toEqual({
				accepted: 10,
				duplicates: 0
			});
			const before = await countEvents();
			const again = await api.postEvents(post({ events: [...events, events[0]] }), CLIENT);
			expect(again.status).toBe(202);
			expect(await again.json()).toEqual({ accepted: 0, duplicates: 11 });
			expect(await countEvents()).toBe(before);
		});

		it('202: concurrent batches (one group commit on SQLite) each get their own counts', async () => {
			const before = await countEvents();
			const [a, b] = [mixedBatch(10), mixedBatch(10)];
			const responses = await Promise.all(
				[a, b, [...a, ...b]].map((events) => api.postEvents(post({ events }), CLIENT))
			);
			expect(responses.map((r) => r.status)).toEqual([202, 202, 202]);
			const bodies = await Promise.all(responses.map((r) => r.json()));
			expect(bodies.reduce((s, x) => s + x.accepted, 0)).toBe(20);
			expect(bodies.reduce((s, x) => s + x.duplicates, 0)).toBe(20);
			expect((await countEvents()) - before).toBe(20);
		});

		it('202: accepts text/plain;charset=UTF-8 as navigator.sendBeacon sends it', async () => {
			const res = await api.postEvents(post({ events: [outcome()] }, 'text/plain;charset=UTF-8'), CLIENT);
			expect(res.status).toBe(202);
		});

		it('207: stores the valid events and reports the invalid ones by index', async () => {
			const before = await countEvents();
			const good = mixedBatch(3);
			const badRating = { ...rating(3), stars: 9 };
			const res = await api.postEvents(
				post({ events: [good[0], badRating, good[1], 'nonsense', good[2]] }),
				CLIENT
			);
			expect(res.status).toBe(207);
			const body = await res.json();
			expect(eventsPartialSchema.strict().safeParse(body).error).toBeUndefined();
			expect(body).toMatchObject({ accepted: 3, duplicates: 0 });
			expect(body.rejected).toHaveLength(2);
			expect(body.rejected[0]).toMatchObject({ index: 1, id: badRating.id });
			expect(body.rejected[0].issues[0].path).toBe('stars');
			expect(body.rejected[1]).toMatchObject({ index: 3, id: null });
			expect((await countEvents()) - before).toBe(3);
			const r = await rejections();
			expect(r['event:rating:stars']).toBeGreaterThanOrEqual(1);
			expect(r['event:not-an-object']).toBeGreaterThanOrEqual(1);
		});

		it.each([
			['not JSON', '{"events": [', 'batch:invalid-json'],
			['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'batch:invalid-json'],
			['no events array', { items: [] }, 'batch:no-events-array'],
			['events not an array', { events: {} }, 'batch:no-events-array'],
			['a JSON array', [], 'batch:no-events-array'],
			['an empty batch', { events: [] }, 'batch:empty']
		])('400: %s, nothing stored', async (_name, body, reason) => {
			const { database: d, api: a } = await fresh();
			const res = await a.postEvents(post(body), CLIENT);
			expect(res.status).toBe(400);
			const json = await res.json();
			expect(eventsBadRequestSchema.safeParse(json).error).toBeUndefined();
			expect(typeof json.error).toBe('string');
			expect(Array.isArray(json.issues)).toBe(true);
			expect(await countEvents(d)).toBe(0);
			expect(await rejections(d)).toEqual({ [reason]: 1 });
		});

		it('400: a batch with no valid event stores nothing and lists issues with paths', async () => {
			const { database: d, api: a } = await fresh();
			const res = await a.postEvents(
				post({ events: [{ ...rating(2), stars: 0 }, { type: 'click' }] }),
				CLIENT
			);
			expect(res.status).toBe(400);
			const json = await res.json();
			expect(eventsBadRequestSchema.safeParse(json).error).toBeUndefined();
			expect(json.issues.map((i: { path: string }) => i.path)).toContain('events.0.stars');
			expect(await countEvents(d)).toBe(0);
			expect(await rejections(d)).toEqual({ 'event:rating:stars': 1, 'event:unknown-type': 1 });
		});

		it('413: more than 500 events', async () => {
			const events = Array.from({ length: 501 }, () => outcome());
			const res = await api.postEvents(post({ events }), CLIENT);
			expect(res.status).toBe(413);
		});

		it('413: a body over 512 KiB, declared or streamed without Content-Length', async () => {
			const big = JSON.stringify({ events: [outcome()], pad: 'x'.repeat(512 * 1024) });
			expect((await api.postEvents(post(big), CLIENT)).status).toBe(413);
			const bytes = new TextEncoder().encode(big);
			const stream = new ReadableStream<Uint8Array>({
				start(c) {
					for (let i = 0; i < bytes.length; i += 65536) c.enqueue(bytes.subarray(i, i + 65536));
					c.close();
				}
			});
			const req = new Request('http://localhost/api/v1/events', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: stream,
				duplex: 'half'
			} as RequestInit);
			expect(req.headers.get('content-length')).toBeNull();
			expect((await api.postEvents(req, CLIENT)).status).toBe(413);
		});

		it('a body of exactly 512 KiB is read (not 413)', async () => {
			const body = JSON.stringify({ events: [outcome()] });
			const padded = body.slice(0, -1) + ' '.repeat(512 * 1024 - body.length) + '}';
			expect(padded.length).toBe(512 * 1024);
			expect((await api.postEvents(post(padded), CLIENT)).status).toBe(202);
		});

		it.each([['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x'], [null]])(
			'415: content type %s',
			async (type) => {
				const res = await api.postEvents(post({ events: [outcome()] }, type), CLIENT);
				expect(res.status).toBe(415);
			}
		);

		it('429 with Retry-After once a client used up its bucket; other clients unaffected', async () => {
			const limiter = new TokenBucketLimiter({ ratePerSec: 0.5, burst: 2 });
			const limitedApi = createApi({ db: database.db, adminToken: ADMIN, limiter, knownModels });
			const send = (client: string) => limitedApi.postEvents(post({ events: [outcome()] }), client);
			expect((await send('10.0.0.1')).status).toBe(202);
			expect((await send('10.0.0.1')).status).toBe(202);
			const res = await send('10.0.0.1');
			expect(res.status).toBe(429);
			expect(res.headers.get('retry-after')).toBe('2');
			expect((await send('10.0.0.2')).status).toBe(202);
		});

		it('503 when the database is gone, so the client retries', async () => {
			const d = await openDatabase(await backend.newDatabase());
			const a = createApi({ db: d.db, adminToken: ADMIN, limiter: null, knownModels, logError: () => {} });
			await d.close();
			const res = await a.postEvents(post({ events: [outcome()] }), CLIENT);
			expect(res.status).toBe(503);
		});
	});

	describe('DELETE /api/v1/installations/:id', () => {
		it('deletes everything of one installation and nothing else', async () => {
			const mine = randomUUID();
			const other = randomUUID();
			await api.postEvents(
				post({ events: [...mixedBatch(7, mine), clientReport(mine), ...mixedBatch(2, other)] }),
				CLIENT
			);
			const before = await countEvents();
			const del = (id: string) =>
				api.deleteInstallation(
					new Request(`http://localhost/api/v1/installations/${id}`, { method: 'DELETE' }),
					id,
					CLIENT
				);
			const res = await del(mine.toUpperCase());
			expect(res.status).toBe(200);
			expect(await res.json()).toEqual({ deleted: 8 });
			expect(await countEvents()).toBe(before - 8);
			expect(await (await del(mine)).json()).toEqual({ deleted: 0 });
			expect((await del('not-a-uuid')).status).toBe(400);
		});
	});

	describe('GET /api/v1/quality', () => {
		it.each([[undefined], ['wrong-token'], [ADMIN + 'x']])('401 with token %s', async (token) => {
			const res = await api.getQuality(quality(token), CLIENT);
			expect(res.status).toBe(401);
			expect(res.headers.get('www-authenticate')).toBe('Bearer');
		});

		it('200: exact numbers per model version from known labels', async () => {
			const { api: a } = await fresh();
			const [i1, i2] = [randomUUID(), randomUUID()];
			const A = model(1);
			const B = model(2);
			const send = async (events: unknown[]) => (await a.postEvents(post({ events }), CLIENT)).status;

			// Revision 1 arrives before revision 0: the highest revision wins, not the last received.
			expect(
				await send([
					correction(
						[
							['correct', 'the', 'the'],
							['substitution', 'cat', 'hat'],
							['correct', 'sat', 'sat'],
							['deletion', null, 'down']
						],
						{ installationId: i1, model: A, segmentId: 's1', revision: 1 }
					),
					correction(
						[
							['insertion', 'uh', null],
							['correct', 'hello', 'hello'],
							['correct', 'world', 'world']
						],
						{ installationId: i1, model: A, segmentId: 's2' }
					),
					rating(4, { installationId: i1, model: A }),
					rating(2, { installationId: i1, model: A }),
					review(3, { installationId: i1, model: A }),
					// Same transcript id from another installation: a different transcript and segment.
					correction(
						[
							['correct', 'a', 'a'],
							['correct', 'b', 'b']
						],
						{ installationId: i2, model: A, segmentId: 's1' }
					),
					outcome({ installationId: i2, model: A }),
					correction(
						[
							['correct', 'one', 'one'],
							['substitution', 'two', 'too'],
							['correct', 'three', 'three'],
							['correct', 'four', 'four']
						],
						{ installationId: i1, model: B, transcriptId: 'tr-2' }
					),
					clientReport(i1)
				])
			).toBe(202);
			expect(
				await send([
					correction(
						[
							['substitution', 'the', 'a'],
							['substitution', 'cat', 'hat'],
							['substitution', 'sat', 'mat']
						],
						{ installationId: i1, model: A, segmentId: 's1', revision: 0 }
					),
					{ ...rating(5, { model: A }), stars: 7 }
				])
			).toBe(207);

			const res = await a.getQuality(quality(ADMIN), CLIENT);
			expect(res.status).toBe(200);
			const report = await res.json();
			expect(qualityReportSchema.strict().safeParse(report).error).toBeUndefined();
			// Model A: latest s1 (S1 D1, 4 reference words), s2 (I1, 2), i2's s1 (0 errors, 2): 3 / 8.
			expect(report).toEqual({
				models: [
					{
						...A,
						// Version 1 events predate rollouts.
						arm: 'unknown',
						transcripts: 2,
						corrections: 3,
						ratings: 2,
						meanRating: 3,
						wordsReviewed: 8 + 3,
						estimatedWer: 3 / 8,
						// No session summaries: the reviewed words are the edited segments' alone.
						reviewedWords: 8,
						reviewedWer: 3 / 8,
						sampled: { corrections: 3, ratings: 2, reviews: 1, summaries: 0 }
					},
					{
						...B,
						arm: 'unknown',
						transcripts: 1,
						corrections: 1,
						ratings: 0,
						meanRating: null,
						wordsReviewed: 4,
						estimatedWer: 1 / 4,
						reviewedWords: 4,
						reviewedWer: 1 / 4,
						sampled: { corrections: 1, ratings: 0, reviews: 0, summaries: 0 }
					}
				],
				rejections: { 'event:rating:stars': 1 }
			});
		});
	});
});
