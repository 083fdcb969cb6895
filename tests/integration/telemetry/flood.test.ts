/**
 * A flood from one client must not hold up another's small batches (issue 12): full batches are
 * validated and inserted in chunks with turns of the event loop between them, one client has one batch
 * in progress at a time, and the rows stored are the same whichever insert path wrote them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type ApiDeps } from '../../../src/lib/server/api';
import { openDatabase, type OpenDatabase } from '../../../src/lib/server/db/open';
import {
	eventRow,
	insertEventRows,
	storeBatch,
	storeFor,
	storedRowBytes
} from '../../../src/lib/server/ingest';
import { ClientQueue, TokenBucketLimiter } from '../../../src/lib/server/rate-limit';
import { backends } from './backends';
import { clientReport, knownModels, mixedBatch, sessionSummary, transcription, v2 } from './events';

const ADMIN = 'flood-test-admin-token-0123456789abcdef';

function post(events: unknown[]): Request {
	return new Request('http://localhost/api/v1/events', {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ events })
	});
}

/** An API over a fresh SQLite file at `path`; the caller closes the database. */
async function apiAt(path: string, extra: Partial<ApiDeps>, options?: Parameters<typeof openDatabase>[1]) {
	const d = await openDatabase(`sqlite:${path}`, options);
	const a = createApi({
		db: d.db,
		adminToken: ADMIN,
		limiter: null,
		knownModels,
		store: storeFor(d.db),
		...extra
	});
	return { d, a };
}

describe('a flood on SQLite', () => {
	let dir = '';
	const opened: OpenDatabase[] = [];
	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), 'redline-flood-'));
	});
	afterAll(async () => {
		for (const d of opened) await d.close();
		rmSync(dir, { recursive: true, force: true });
	});

	async function api(extra: Partial<ApiDeps>) {
		const { d, a } = await apiAt(join(dir, randomUUID(), 'redline.db'), extra);
		opened.push(d);
		return a;
	}

	it("answers a second client's small batch before a full batch's validation is done", async () => {
		const steps: string[] = [];
		let small: Promise<unknown> | null = null;
		const d = await openDatabase(`sqlite:${join(dir, randomUUID(), 'redline.db')}`);
		opened.push(d);
		const store = storeFor(d.db);
		const a = createApi({
			db: d.db,
			adminToken: ADMIN,
			limiter: null,
			// Called just before validation: the honest client's request starts while the full one is in it.
			knownModels: async () => {
				small ??= a
					.postEvents(post(mixedBatch(5)), '10.0.0.2')
					.then((r) => steps.push(`small answered ${r.status}`));
				return knownModels();
			},
			// Called once validation is over.
			store: (events, reasons, now) => {
				steps.push(`stored ${events.length}`);
				return store(events, reasons, now);
			}
		});
		const full = a
			.postEvents(post(mixedBatch(500)), '10.0.0.1')
			.then((r) => steps.push(`full answered ${r.status}`));
		await full;
		await small;
		expect(steps).toEqual(['stored 5', 'small answered 202', 'stored 500', 'full answered 202']);
	});

	it('validates one batch of a client at a time; the next waits for the answer', async () => {
		const steps: string[] = [];
		const a = await api({
			limits: { inFlight: new ClientQueue({ perClient: 1, maxWaiting: 4 }) },
			knownModels: async () => {
				steps.push('validate');
				return knownModels();
			}
		});
		await Promise.all(
			[1, 2, 3].map(() =>
				a.postEvents(post(mixedBatch(100)), '10.0.0.1').then((r) => steps.push(`answer ${r.status}`))
			)
		);
		expect(steps).toEqual(['validate', 'answer 202', 'validate', 'answer 202', 'validate', 'answer 202']);
	});

	it('charges a waiting batch only after the one before it, stored bytes included', async () => {
		const bytes = new TokenBucketLimiter({ ratePerSec: 1, burst: 300_000, now: () => 0 });
		const a = await api({ limits: { bytes, inFlight: new ClientQueue({ perClient: 1, maxWaiting: 4 }) } });
		const requests = [1, 2, 3].map(() => {
			const body = JSON.stringify({ events: mixedBatch(100) });
			return new Request('http://localhost/api/v1/events', {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
				body
			});
		});
		// About 70 kB a request and 140 kB once stored: two fit in 300 kB, three only counted as requests.
		const statuses = (await Promise.all(requests.map((r) => a.postEvents(r, '10.0.0.1')))).map(
			(r) => r.status
		);
		expect(statuses).toEqual([202, 202, 429]);
	});

	it('refuses with 429 and Retry-After when too many batches of a client wait', async () => {
		const a = await api({ limits: { inFlight: new ClientQueue({ perClient: 1, maxWaiting: 1 }) } });
		const responses = await Promise.all([1, 2, 3].map(() => a.postEvents(post(mixedBatch(10)), '10.0.0.1')));
		expect(responses.map((r) => r.status)).toEqual([202, 202, 429]);
		expect(responses[2].headers.get('retry-after')).toBe('1');
	});
});

describe('the byte budget counts stored bytes (SQLite)', () => {
	let dir = '';
	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), 'redline-budget-'));
	});
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	// The database file's size once every commit is in it.
	function fileBytes(path: string): number {
		const raw = new DatabaseSync(path);
		raw.exec('PRAGMA wal_checkpoint(TRUNCATE)');
		raw.close();
		return statSync(path).size;
	}

	it('storedRowBytes is within 15% of what the file grows by', async () => {
		const path = join(dir, 'estimate', 'redline.db');
		const d = await openDatabase(`sqlite:${path}`, { backgroundCheckpoints: false });
		const before = fileBytes(path);
		let estimate = 0;
		try {
			for (let i = 0; i < 8; i++) {
				const stored = await storeBatch(d.db, mixedBatch(500), [], new Date());
				estimate += stored.storedBytes;
			}
		} finally {
			await d.close();
		}
		const grew = fileBytes(path) - before;
		expect(estimate / grew).toBeGreaterThan(0.85);
		expect(estimate / grew).toBeLessThan(1.15);
	});

	it('a flooding client grows the database by its byte budget and one batch at most', async () => {
		const path = join(dir, 'flood', 'redline.db');
		const budget = 1024 * 1024;
		const { d, a } = await apiAt(
			path,
			{ limits: { bytes: new TokenBucketLimiter({ ratePerSec: 1, burst: budget, now: () => 0 }) } },
			{ backgroundCheckpoints: false }
		);
		const before = fileBytes(path);
		let accepted = 0;
		let largest = 0;
		try {
			for (let i = 0; i < 12; i++) {
				const request = post(mixedBatch(200));
				const size = Number((await request.clone().arrayBuffer()).byteLength);
				const res = await a.postEvents(request, '10.0.0.1');
				if (res.status === 202) accepted++;
				else expect(res.status).toBe(429);
				largest = Math.max(largest, size);
			}
		} finally {
			await d.close();
		}
		const grew = fileBytes(path) - before;
		// Counted in request bytes (about 140 kB a batch) seven batches would pass, growing the file by
		// about twice the budget.
		expect(accepted).toBeLessThanOrEqual(4);
		expect(grew).toBeLessThan(budget + 2 * largest);
	});

	it('a flooding client never grows the database past its byte budget', async () => {
		const path = join(dir, 'budget', 'redline.db');
		const budget = 1024 * 1024;
		const bytes = new TokenBucketLimiter({ ratePerSec: 1, burst: budget, now: () => 0 });
		const { d, a } = await apiAt(path, { limits: { bytes } }, { backgroundCheckpoints: false });
		const before = fileBytes(path);
		const statuses: number[] = [];
		let stored = 0;
		try {
			for (let i = 0; i < 12; i++) {
				const events = mixedBatch(200);
				const res = await a.postEvents(post(events), '10.0.0.1');
				statuses.push(res.status);
				if (res.status === 202) {
					const at = new Date().toISOString();
					stored += events.reduce((s, e) => s + storedRowBytes(eventRow(e, at)), 0);
				}
			}
		} finally {
			await d.close();
		}
		// About 140 kB a request and 280 kB stored: three batches fit in 1 MiB and leave more than a request's
		// bytes. Checked before the insert, the fourth is refused (429), not stored and charged as debt.
		expect(statuses).toEqual([202, 202, 202, ...Array(9).fill(429)]);
		expect(stored).toBeLessThanOrEqual(budget);
		expect(fileBytes(path) - before).toBeLessThanOrEqual(budget);
	});

	it('lets a batch stored larger than a small burst pass once the bucket is full, the excess as debt', async () => {
		const body = JSON.stringify({ events: mixedBatch(200) });
		// The burst holds the body (as limitsFromEnv requires) but not the 295 kB its rows take.
		const bytes = new TokenBucketLimiter({ ratePerSec: 1000, burst: body.length + 1000, now: () => 0 });
		const { d, a } = await apiAt(join(dir, 'small-burst', 'redline.db'), { limits: { bytes } });
		try {
			expect((await a.postEvents(post(mixedBatch(200)), '10.0.0.1')).status).toBe(202);
			// The debt: the body's bytes and the rows' beyond it, minus the 1000 the burst had to spare.
			expect(bytes.check('10.0.0.1', 1).ok).toBe(false);
		} finally {
			await d.close();
		}
	});

	it('gives back the reservation of events not stored: a replay costs its request bytes only', async () => {
		const { d, a } = await apiAt(join(dir, 'replay', 'redline.db'), {
			limits: { bytes: new TokenBucketLimiter({ ratePerSec: 1, burst: 1024 * 1024, now: () => 0 }) }
		});
		const events = mixedBatch(200);
		const statuses: number[] = [];
		try {
			// 295 kB stored, then four replays of 146 kB each (every one reserving its 150 kB of rows first, so
			// the last needs 295 kB left): 1,027 kB of 1,049. Had each replay kept its reservation, the third
			// would have been refused.
			for (let i = 0; i < 5; i++) statuses.push((await a.postEvents(post(events), '10.0.0.1')).status);
		} finally {
			await d.close();
		}
		expect(statuses).toEqual([202, 202, 202, 202, 202]);
	});
});

describe.each(backends())('insertEventRows on $name', (backend) => {
	beforeAll(() => backend.start(), 120_000);
	afterAll(() => backend.stop());

	it('stores the same rows as one multi-row INSERT, and skips ids already stored', async () => {
		const installation = randomUUID();
		const events = [
			...mixedBatch(12, installation),
			...mixedBatch(5, installation).map((e) => v2(e, 'candidate', 0.25)),
			sessionSummary(
				[
					['s1', 4, 'confirmed'],
					['s2', 3, 'edited']
				],
				{ installationId: installation }
			),
			transcription({ installationId: installation }),
			clientReport(installation)
		];
		const rows = events.map((e) => eventRow(e, '2026-12-01T12:00:00.000Z'));
		const [ours, reference] = [
			await openDatabase(await backend.newDatabase()),
			await openDatabase(await backend.newDatabase())
		];
		try {
			expect((await ours.db.transaction().execute((tx) => insertEventRows(tx, rows))).inserted.length).toBe(
				rows.length
			);
			await reference.db.insertInto('events').values(rows).execute();
			const all = (d: OpenDatabase) => d.db.selectFrom('events').selectAll().orderBy('id').execute();
			expect(await all(ours)).toEqual(await all(reference));
			// Replayed with two new rows among them: only those are inserted.
			const more = mixedBatch(2, installation).map((e) => eventRow(e, '2026-12-01T12:00:01.000Z'));
			expect(
				(await ours.db.transaction().execute((tx) => insertEventRows(tx, [...rows, ...more]))).inserted.length
			).toBe(2);
		} finally {
			await ours.close();
			await reference.close();
		}
	});

	it('stores an event with a lone surrogate in its strings (JSON.parse lets one through)', async () => {
		const d = await openDatabase(await backend.newDatabase());
		try {
			const [e] = JSON.parse(JSON.stringify(mixedBatch(1)).replace('"0.1.0"', '"0.1.0\\ud800"'));
			expect(e.appVersion).toBe('0.1.0\ud800');
			const rows = [eventRow(e, '2026-12-01T12:00:00.000Z'), ...mixedBatch(3).map((x) => eventRow(x, 'now'))];
			const { inserted } = await d.db.transaction().execute((tx) => insertEventRows(tx, rows));
			expect(inserted.length).toBe(4);
			expect(await d.db.selectFrom('events').select('id').execute()).toHaveLength(4);
		} finally {
			await d.close();
		}
	});
});
