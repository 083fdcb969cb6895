/**
 * Abuse protections of the telemetry API (issue 12), on SQLite and on a real PostgreSQL: byte and
 * server-wide limits, the daily cap, the disk floor, unknown models, deletion tombstones, admin
 * failures, retention; and on SQLite alone: secure_delete and owner-only files.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api, type ApiDeps } from '../../../src/lib/server/api';
import { openDatabase, parseDatabaseUrl, type OpenDatabase } from '../../../src/lib/server/db/open';
import { CompiledQuery } from 'kysely';
import { installationHash, installationLockKey, storeBatch, storeFor } from '../../../src/lib/server/ingest';
import { DailyCap } from '../../../src/lib/server/quota';
import { TokenBucketLimiter } from '../../../src/lib/server/rate-limit';
import { deleteExpired } from '../../../src/lib/server/retention';
import { backends } from './backends';
import { knownModels, mixedBatch, model, outcome, rating } from './events';

const ADMIN = 'abuse-test-admin-token-0123456789abcdef';

function post(body: unknown, headers: Record<string, string> = {}): Request {
	return new Request('http://localhost/api/v1/events', {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify(body)
	});
}

function del(id: string): Request {
	return new Request(`http://localhost/api/v1/installations/${id}`, { method: 'DELETE' });
}

describe.each(backends())('abuse protections on $name', (backend) => {
	const opened: OpenDatabase[] = [];
	// The real time: the events' occurredAt is (events.ts), and the server refuses events dated more than
	// a day after their receipt, so a fixed date here made every test fail a day after it.
	let clock = new Date();

	async function fresh(
		extra: Partial<ApiDeps> = {}
	): Promise<{ database: OpenDatabase; api: Api; url: string }> {
		const url = await backend.newDatabase();
		const d = await openDatabase(url);
		opened.push(d);
		const api = createApi({
			db: d.db,
			adminToken: ADMIN,
			limiter: null,
			knownModels,
			store: storeFor(d.db),
			now: () => clock,
			...extra
		});
		return { database: d, api, url };
	}
	const count = async (d: OpenDatabase) =>
		Number(
			(
				await d.db
					.selectFrom('events')
					.select((eb) => eb.fn.countAll().as('n'))
					.executeTakeFirstOrThrow()
			).n
		);
	const rejections = async (d: OpenDatabase) =>
		Object.fromEntries(
			(await d.db.selectFrom('rejections').select(['reason', 'count']).execute()).map((r) => [
				r.reason,
				Number(r.count)
			])
		);

	beforeAll(() => backend.start());
	afterAll(async () => {
		for (const d of opened) await d.close();
		await backend.stop();
	});

	it('limits bytes per client: a flood is refused with 429 after its burst, other clients unaffected', async () => {
		const bytes = new TokenBucketLimiter({ ratePerSec: 1000, burst: 100_000, now: () => 0 });
		const { database, api } = await fresh({ limits: { bytes } });
		let accepted = 0;
		let refused = 0;
		for (let i = 0; i < 20; i++) {
			const res = await api.postEvents(post({ events: mixedBatch(20) }), '192.0.2.1');
			if (res.status === 202) accepted++;
			else {
				expect(res.status).toBe(429);
				expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
				refused++;
			}
		}
		// About 20 KB a batch: four or five fit in 100 kB.
		expect(accepted).toBeGreaterThanOrEqual(3);
		expect(accepted).toBeLessThanOrEqual(6);
		expect(refused).toBe(20 - accepted);
		expect(await count(database)).toBe(accepted * 20);
		expect((await api.postEvents(post({ events: [outcome()] }), '192.0.2.2')).status).toBe(202);
	});

	it('charges bodies without Content-Length once read', async () => {
		const size = new TextEncoder().encode(JSON.stringify({ events: mixedBatch(3) })).length;
		// Room for one body and a half.
		const bytes = new TokenBucketLimiter({ ratePerSec: 1, burst: Math.round(size * 1.5), now: () => 0 });
		const { api } = await fresh({ limits: { bytes } });
		const chunked = () => {
			const data = new TextEncoder().encode(JSON.stringify({ events: mixedBatch(3) }));
			return new Request('http://localhost/api/v1/events', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: new ReadableStream({
					start(c) {
						c.enqueue(data);
						c.close();
					}
				}),
				duplex: 'half'
			} as RequestInit);
		};
		expect(chunked().headers.get('content-length')).toBeNull();
		expect((await api.postEvents(chunked(), '192.0.2.9')).status).toBe(202);
		expect((await api.postEvents(chunked(), '192.0.2.9')).status).toBe(429);
	});

	it('a server-wide request limit refuses everyone once spent, and a client refused by its own limit does not spend it', async () => {
		const own = new TokenBucketLimiter({ ratePerSec: 0.001, burst: 1, now: () => 0 });
		const globalRequests = new TokenBucketLimiter({ ratePerSec: 0.001, burst: 3, now: () => 0 });
		const { api } = await fresh({ limiter: own, limits: { globalRequests } });
		const send = (c: string) => api.postEvents(post({ events: [outcome()] }), c);
		expect((await send('198.51.100.1')).status).toBe(202);
		for (let i = 0; i < 5; i++) expect((await send('198.51.100.1')).status).toBe(429);
		expect((await send('198.51.100.2')).status).toBe(202);
		expect((await send('198.51.100.3')).status).toBe(202);
		expect((await send('198.51.100.4')).status).toBe(429);
	});

	it('keys IPv6 clients by their /64', async () => {
		const own = new TokenBucketLimiter({ ratePerSec: 0.001, burst: 1, now: () => 0 });
		const { api } = await fresh({ limiter: own });
		const send = (c: string) => api.postEvents(post({ events: [outcome()] }), c);
		expect((await send('2001:db8:aa:bb::1')).status).toBe(202);
		expect((await send('2001:db8:aa:bb:ffff::2')).status).toBe(429);
		expect((await send('2001:db8:aa:bc::1')).status).toBe(202);
	});

	it('caps events per installation per UTC day, counted and reported, and the cap survives a restart', async () => {
		const { database, url } = await fresh();
		const withCap = (d: OpenDatabase) =>
			createApi({
				db: d.db,
				adminToken: ADMIN,
				limiter: null,
				knownModels,
				dailyCap: new DailyCap(d.db, 25),
				now: () => clock
			});
		const installation = randomUUID();
		const a = withCap(database);
		expect((await a.postEvents(post({ events: mixedBatch(20, installation) }), 'c')).status).toBe(202);
		const res = await a.postEvents(post({ events: mixedBatch(10, installation) }), 'c');
		expect(res.status).toBe(207);
		const body = await res.json();
		expect(body.accepted).toBe(5);
		expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([5, 6, 7, 8, 9]);
		expect((await rejections(database))['event:installation-daily-limit']).toBe(5);
		// A new process (a fresh cap) seeds its count from the database.
		const again = await openDatabase(url);
		opened.push(again);
		expect(
			(await withCap(again).postEvents(post({ events: [outcome({ installationId: installation })] }), 'c'))
				.status
		).toBe(400);
		// Another installation, and the same one the next day, are not capped.
		expect((await a.postEvents(post({ events: mixedBatch(3) }), 'c')).status).toBe(202);
		const saved = clock;
		clock = new Date(clock.getTime() + 24 * 3600 * 1000);
		try {
			expect((await a.postEvents(post({ events: mixedBatch(3, installation) }), 'c')).status).toBe(202);
		} finally {
			clock = saved;
		}
		// Duplicates (a retried batch) give their share back.
		const retried = mixedBatch(4, randomUUID());
		const b = withCap(database);
		for (let i = 0; i < 10; i++)
			expect((await b.postEvents(post({ events: retried }), 'c')).status).toBe(202);
	});

	it('refuses new events with 503 and Retry-After while disk space is under the floor, counting nothing', async () => {
		let low = true;
		const { database, api } = await fresh({ lowDisk: async () => low });
		const res = await api.postEvents(post({ events: [outcome()] }), 'c');
		expect(res.status).toBe(503);
		expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(await count(database)).toBe(0);
		expect(await rejections(database)).toEqual({});
		low = false;
		expect((await api.postEvents(post({ events: [outcome()] }), 'c')).status).toBe(202);
	});

	it('rejects events about models the server does not know, alone and counted', async () => {
		const { database, api } = await fresh();
		const unknown = { ...outcome(), model: { ...model(1), version: '99.0' } };
		const res = await api.postEvents(post({ events: [outcome(), unknown] }), 'c');
		expect(res.status).toBe(207);
		expect((await res.json()).rejected).toEqual([
			{ index: 1, id: unknown.id, issues: [expect.objectContaining({ path: 'model' })] }
		]);
		expect(await rejections(database)).toEqual({ 'event:unknown-model': 1 });
	});

	it.runIf(backend.name === 'postgres')(
		'a batch racing a deletion waits for it and is refused, never stored after the deletion',
		async () => {
			const { database, api, url } = await fresh();
			const mine = randomUUID();
			const hash = installationHash(mine);
			// A second connection plays deleteInstallation: it takes the installation's lock, then (when
			// released) writes the tombstone and commits.
			const other = await openDatabase(url);
			opened.push(other);
			let release!: () => void;
			const go = new Promise<void>((r) => (release = r));
			let locked!: () => void;
			const holding = new Promise<void>((r) => (locked = r));
			const deletion = other.db.transaction().execute(async (tx) => {
				await tx.executeQuery(
					CompiledQuery.raw('select pg_advisory_xact_lock($1::bigint)', [installationLockKey(hash)])
				);
				locked();
				await go;
				await tx
					.insertInto('deleted_installations')
					.values({ installation_hash: hash, deleted_at: clock.toISOString() })
					.execute();
			});
			await holding;
			const sent = api.postEvents(post({ events: mixedBatch(5, mine) }), 'c');
			const first = await Promise.race([
				sent.then(() => 'answered'),
				new Promise((r) => setTimeout(() => r('waiting'), 500))
			]);
			expect(first).toBe('waiting');
			release();
			await deletion;
			expect((await sent).status).toBe(400);
			expect(await count(database)).toBe(0);
		}
	);

	it('after a deletion, a late retry of the deleted data is refused for 30 days and counted', async () => {
		const { database, api } = await fresh();
		const mine = randomUUID();
		const batch = mixedBatch(5, mine);
		expect((await api.postEvents(post({ events: batch }), 'c')).status).toBe(202);
		expect(await (await api.deleteInstallation(del(mine), mine, 'c')).json()).toEqual({ deleted: 5 });
		// The browser's retry of the same batch (its response was lost), in upper case for good measure.
		const upper = batch.map((e) => ({ ...e, installationId: mine.toUpperCase() }));
		const late = await api.postEvents(post({ events: upper }), 'c');
		expect(late.status).toBe(400);
		expect(await count(database)).toBe(0);
		expect((await rejections(database))['event:installation-deleted']).toBe(5);
		// Mixed with another installation's events: those are stored, the deleted one's reported.
		const other = outcome();
		const mixed = await api.postEvents(post({ events: [other, outcome({ installationId: mine })] }), 'c');
		expect(mixed.status).toBe(207);
		expect((await mixed.json()).rejected).toEqual([
			{ index: 1, id: expect.any(String), issues: [{ path: 'installationId', message: expect.any(String) }] }
		]);
		// The tombstone keeps a hash, not the id.
		const stones = await database.db.selectFrom('deleted_installations').selectAll().execute();
		expect(stones).toHaveLength(1);
		expect(JSON.stringify(stones)).not.toContain(mine);
		// 31 days later the installation may send again.
		const saved = clock;
		clock = new Date(clock.getTime() + 31 * 24 * 3600 * 1000);
		try {
			expect((await api.postEvents(post({ events: [outcome({ installationId: mine })] }), 'c')).status).toBe(
				202
			);
		} finally {
			clock = saved;
		}
	});

	it('rate-limits failed admin logins with 429, even for the right token, per client', async () => {
		const adminFailures = new TokenBucketLimiter({ ratePerSec: 0.001, burst: 3, now: () => 0 });
		const { api } = await fresh({ limits: { adminFailures } });
		const get = (token: string, client = '203.0.113.5') =>
			api.getQuality(
				new Request('http://localhost/api/v1/quality', { headers: { authorization: `Bearer ${token}` } }),
				client
			);
		expect((await get(ADMIN)).status).toBe(200);
		for (let i = 0; i < 3; i++) expect((await get('guess' + i)).status).toBe(401);
		const locked = await get('guess-again');
		expect(locked.status).toBe(429);
		expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
		expect((await get(ADMIN)).status).toBe(429);
		expect((await get(ADMIN, '203.0.113.6')).status).toBe(200);
	});

	it('retention deletes old events in small batches without holding up ingestion', async () => {
		const { database, api } = await fresh();
		const old = new Date('2025-01-01T00:00:00Z');
		await storeBatch(database.db, mixedBatch(23), [], old);
		await storeBatch(database.db, mixedBatch(4), [], new Date('2026-11-01T00:00:00Z'));
		// Ingestion while the job runs: batches of 5 with a pause between them leave it room.
		let ingestedDuringRun = false;
		const run = deleteExpired(database.db, { days: 400, batchSize: 5, pauseMs: 30, now: () => clock });
		const ingest = api.postEvents(post({ events: [outcome()] }), 'c').then((r) => {
			ingestedDuringRun = true;
			return r.status;
		});
		let runFinishedFirst = false;
		const deleted = await run.then((n) => {
			runFinishedFirst = !ingestedDuringRun;
			return n;
		});
		expect(await ingest).toBe(202);
		expect(runFinishedFirst).toBe(false);
		expect(deleted).toBe(23);
		expect(await count(database)).toBe(5);
	});

	if (backend.name === 'sqlite') {
		it('secure_delete: deleted text is not left in the database file', async () => {
			const { database, api, url } = await fresh();
			const marker = 'SECRET-' + randomUUID();
			const mine = randomUUID();
			const events = Array.from({ length: 20 }, () => ({
				...rating(3, { installationId: mine }),
				comment: `${marker} `.repeat(20)
			}));
			expect((await api.postEvents(post({ events }), 'c')).status).toBe(202);
			await database.close();
			opened.splice(opened.indexOf(database), 1);
			const file = parseDatabaseUrl(url);
			if (file.kind !== 'sqlite') throw new Error('expected sqlite');
			expect(readFileSync(file.path).includes(marker)).toBe(true);
			const reopened = await openDatabase(url);
			const a = createApi({ db: reopened.db, adminToken: ADMIN, limiter: null, knownModels });
			expect(await (await a.deleteInstallation(del(mine), mine, 'c')).json()).toEqual({ deleted: 20 });
			await reopened.close();
			for (const name of readdirSync(dirname(file.path)))
				expect(readFileSync(`${dirname(file.path)}/${name}`).includes(marker)).toBe(false);
		});

		it('creates the data directory 0700 and the database, WAL and SHM files 0600', async () => {
			const { api, url } = await fresh();
			expect((await api.postEvents(post({ events: [outcome()] }), 'c')).status).toBe(202);
			const file = parseDatabaseUrl(url);
			if (file.kind !== 'sqlite') throw new Error('expected sqlite');
			expect(statSync(dirname(file.path)).mode & 0o777).toBe(0o700);
			for (const suffix of ['', '-wal', '-shm'])
				expect(statSync(file.path + suffix).mode & 0o777).toBe(0o600);
		});
	}
});
