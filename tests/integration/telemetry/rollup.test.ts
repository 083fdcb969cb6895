/**
 * Rollups against the event queries they replaced, on SQLite and PostgreSQL: a random data set (two
 * model versions, three arms and version 1 events, sampling rates, several revisions of segments and
 * summaries arriving out of order, replayed batches) goes through the real ingestion (storeBatch); then
 * every dashboard query on the rollups must equal the old event-scanning query (dashboard-oracle.ts)
 * for every window, also after retention, after deleting an installation, and after a backfill.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type OpenDatabase } from '../../../src/lib/server/db/open';
import {
	deleteInstallation,
	eventRow,
	groupCommit,
	insertEventRows,
	storeBatch
} from '../../../src/lib/server/ingest';
import { deleteExpired } from '../../../src/lib/server/retention';
import {
	ROLLUP_COUNT_COLUMNS,
	ROLLUP_TABLES,
	RollupLoader,
	backfillRollups,
	pruneRollups,
	rebuildDerivedRollups,
	type RollupItem
} from '../../../src/lib/server/rollup';
import { mulberry32, randomInt, type Random } from '../../../src/lib/shared/random';
import { RATING_TAGS, type TelemetryEvent } from '../../../src/lib/telemetry/schema';
import { labelFigures, labelPanels, wordsOfBuckets } from '../../../src/lib/server/dashboard/assemble';
import * as next from '../../../src/lib/server/dashboard/queries';
import { fromOf } from '../../../src/lib/server/dashboard/sections';
import { healthSeries } from '../../../src/lib/server/health';
import { productionLabels } from '../../../src/lib/server/rollout/production-threshold';
import * as old from './dashboard-oracle';
import { backends } from './backends';
import { correction, model, segmentReviewed } from './events';

const NOW = new Date('2026-11-30T15:20:00Z');
const DAY = 86_400_000;

function uuid(r: Random): string {
	const h = Array.from({ length: 32 }, () => randomInt(r, 16).toString(16)).join('');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Random events with their receipt times (batches are posted at those times). */
function dataset(seed: number): { at: number; events: TelemetryEvent[] }[] {
	const r = mulberry32(seed);
	const pick = <T>(xs: readonly T[]) => xs[randomInt(r, xs.length)];
	const words = ['the', 'cat', 'sat', 'on', 'mat', 'data', 'date', 'week'];
	const all: TelemetryEvent[] = [];
	for (let i = 0; i < 30; i++) {
		const installationId = uuid(r);
		const m = model(1 + (i % 2));
		const v1 = i % 5 === 4;
		const arm = pick(['default', 'candidate', 'user'] as const);
		const common = () => ({
			id: uuid(r),
			installationId,
			appVersion: '0.1.0',
			model: m,
			backend: pick(['wasm', 'webgpu'] as const),
			decodeSettings: {},
			...(v1
				? { schemaVersion: 1 as const }
				: { schemaVersion: 2 as const, arm, samplingRate: pick([1, 0.5, 0.25]) })
		});
		for (let t = 0; t < 1 + randomInt(r, 4); t++) {
			const transcriptId = uuid(r);
			let when = NOW.getTime() - randomInt(r, 100) * DAY - randomInt(r, 20) * 3600_000 - 3600_000;
			const at = () => new Date((when += randomInt(r, 8) * 3600_000 + 60_000)).toISOString();
			const push = (e: object) => all.push(e as TelemetryEvent);
			const failed = r() < 0.15;
			push({
				...common(),
				schemaVersion: 2,
				arm,
				samplingRate: 1,
				transcriptId,
				occurredAt: at(),
				type: 'transcription',
				status: failed ? 'failed' : pick(['done', 'done', 'cancelled'] as const),
				audioSeconds: 100,
				// RTF k/100 + 0.003: away from the rounding edges, so SQL and JS round alike.
				processingSeconds: randomInt(r, 190) + 0.3,
				segments: 1 + randomInt(r, 9),
				words: 50,
				repetitionSegments: randomInt(r, 2),
				truncatedSegments: 0,
				empty: false,
				errorCode: failed ? 'webgpu-lost' : null,
				device: { cores: pick([1, 2, 4, 8, 16, null]), memoryGb: null }
			});
			if (failed) continue;
			for (let s = 0; s < 1 + randomInt(r, 3); s++)
				for (let rev = 0; rev < 1 + randomInt(r, 3); rev++) {
					const alignment = Array.from({ length: 1 + randomInt(r, 6) }, () => {
						const op = pick(['correct', 'correct', 'substitution', 'insertion', 'deletion'] as const);
						const w = pick(words);
						const confidence = r() < 0.1 ? null : Math.round(r() * 1000) / 1000;
						if (op === 'correct') return { op, original: w, corrected: w, confidence };
						if (op === 'substitution') return { op, original: w, corrected: pick(words) + 's', confidence };
						if (op === 'insertion') return { op, original: w, corrected: null, confidence };
						return { op, original: null, corrected: w, confidence: null };
					});
					push({
						...common(),
						transcriptId,
						occurredAt: at(),
						type: 'correction',
						segmentId: `s${s}`,
						revision: rev,
						originalWords: alignment
							.filter((a) => a.original !== null)
							.map((a, k) => ({
								text: a.original!,
								confidence: a.confidence ?? 0.5,
								start: k,
								end: k + 0.5
							})),
						correctedText:
							alignment.flatMap((a) => (a.corrected === null ? [] : [a.corrected])).join(' ') || 'x',
						alignment
					});
				}
			for (let rev = 0; rev < 1 + randomInt(r, 2); rev++) {
				const reviewed = Array.from({ length: randomInt(r, 4) }, (_, k) => ({
					segmentId: `r${k}`,
					words: randomInt(r, 20),
					how: pick(['edited', 'confirmed', 'played'] as const)
				}));
				push({
					...common(),
					schemaVersion: 2,
					arm,
					samplingRate: pick([1, 0.5]),
					transcriptId,
					occurredAt: at(),
					type: 'session_summary',
					revision: rev,
					reason: 'leave',
					reviewedSegments: reviewed,
					transcribedSegments: 5,
					transcribedWords: 40 + randomInt(r, 100),
					editedSegments: 0,
					activeSeconds: 60,
					playbackCoverage: 0.5
				});
			}
			for (let k = randomInt(r, 3); k > 0; k--)
				push({
					...common(),
					transcriptId,
					occurredAt: at(),
					type: 'rating',
					stars: 1 + randomInt(r, 5),
					tags: RATING_TAGS.filter(() => r() < 0.3)
				});
			if (r() < 0.6)
				push({
					...common(),
					transcriptId,
					occurredAt: at(),
					type: 'outcome',
					outcome: 'exported',
					format: 'txt'
				});
			if (r() < 0.3)
				push({
					id: uuid(r),
					schemaVersion: 1,
					installationId,
					appVersion: '0.1.0',
					occurredAt: at(),
					type: 'client_report',
					dropped: {}
				});
		}
	}
	// Received within a day of occurring, in batches of mixed events; a batch may hold a later revision
	// before an earlier one, and some batches are sent twice (a retry after a lost response).
	const future = all.filter((e) => Date.parse(e.occurredAt) <= NOW.getTime());
	future.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
	const batches: { at: number; events: TelemetryEvent[] }[] = [];
	for (let i = 0; i < future.length;) {
		const n = 1 + randomInt(r, 30);
		const events = future.slice(i, i + n);
		i += n;
		for (let k = events.length - 1; k > 0; k--) {
			const j = randomInt(r, k + 1);
			[events[k], events[j]] = [events[j], events[k]];
		}
		const at = Math.min(NOW.getTime(), Date.parse(events.at(-1)!.occurredAt) + randomInt(r, 20) * 3600_000);
		batches.push({ at, events });
		if (r() < 0.1) batches.push({ at, events });
	}
	return batches;
}

/** Deep equality with numbers equal to 1e-9 relative (sums in another order differ in the last bits). */
function close(a: unknown, b: unknown, path = ''): void {
	if (typeof a === 'number' && typeof b === 'number') {
		if (Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) expect.fail(`${path}: ${a} ≠ ${b}`);
		return;
	}
	if (Array.isArray(a) && Array.isArray(b)) {
		expect(a.length, `${path} length`).toBe(b.length);
		a.forEach((x, i) => close(x, b[i], `${path}[${i}]`));
		return;
	}
	if (a && b && typeof a === 'object' && typeof b === 'object') {
		expect(Object.keys(a).sort(), path).toEqual(Object.keys(b).sort());
		for (const k of Object.keys(a))
			close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
		return;
	}
	expect(a, path).toEqual(b);
}
const sorted = <T>(rows: T[]) =>
	[...rows].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1)) as T[];
// Rows as compared: sorted by their key columns, without the rollups' extra corrections count.
const rowsOf = <T extends object>(rows: T[], drop: string[] = []) =>
	sorted(
		rows.map((r) =>
			Object.fromEntries(
				Object.entries(r)
					.filter(([k]) => !drop.includes(k))
					.map(([k, v]) => [
						k,
						typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) && k !== 'day' ? Number(v) : v
					])
			)
		)
	).sort((x, y) => keyText(x).localeCompare(keyText(y)));
const keyText = (r: Record<string, unknown>) =>
	Object.entries(r)
		.filter(([, v]) => typeof v === 'string')
		.map(([, v]) => v)
		.join('|');

describe.each(backends())('rollups equal the event queries on $name', (backend) => {
	let database: OpenDatabase;
	const dialect = () => database.kind;

	beforeAll(async () => {
		await backend.start();
		database = await openDatabase(await backend.newDatabase());
		for (const b of dataset(7)) await storeBatch(database.db, b.events, [], new Date(b.at));
	}, 120_000);
	afterAll(async () => {
		await database?.close();
		await backend.stop();
	});

	async function compareAll(label: string): Promise<void> {
		const db = database.db;
		for (const days of [7, 30, 90, 365]) {
			const from = fromOf(NOW, days);
			const at = `${label}, ${days} days`;
			const sums = await next.installationSums(db, from);
			close(
				rowsOf(sums.corrections, ['corrections']),
				rowsOf(await old.correctionSums(db, from)),
				`${at} corrections`
			);
			close(rowsOf(sums.summaries), rowsOf(await old.summarySums(db, dialect(), from)), `${at} summaries`);
			close(rowsOf(sums.ratings), rowsOf(await old.ratingSums(db, from)), `${at} ratings`);
			const daily = await next.dailySums(db, from);
			close(rowsOf(daily.wer), rowsOf(await old.dailySums(db, dialect(), from)), `${at} daily WER`);
			close(rowsOf(daily.ratings), rowsOf(await old.dailyRatingSums(db, from)), `${at} daily ratings`);
			const versions = [
				...new Map(
					sums.ratings.map((x) => [JSON.stringify([x.model_id, x.model_version, x.model_sha256, x.arm]), x])
				).values()
			];
			close(
				rowsOf(await next.tagSums(db, RATING_TAGS, from, versions)),
				rowsOf(await old.tagSums(db, RATING_TAGS, from)),
				`${at} tags`
			);
			// Calibration and confusions: every latest correction of the window (no sample).
			const payloads = await old.recentCorrectionPayloads(db, from, 1_000_000);
			const labels = await next.labelSums(db, from);
			const conf = await next.confusionSums(db, from);
			const versionsWithLabels = new Set([...payloads, ...labels].map((x) => `${x.model_version}|${x.arm}`));
			for (const v of versionsWithLabels) {
				const of = <T extends { model_version: string; arm: string }>(xs: T[]) =>
					xs.filter((x) => `${x.model_version}|${x.arm}` === v);
				const buckets = of(labels);
				const segments = of(sums.corrections).reduce((s, x) => s + (x.corrections ?? 0), 0);
				close(
					labelFigures(
						{
							words: wordsOfBuckets(buckets),
							wordCount: buckets.reduce((s, b) => s + b.words, 0),
							segments,
							pairs: new Map(of(conf.pairs).map((p) => [`${p.from}\u0000${p.to}`, p.count])),
							corrected: new Map(of(conf.words).map((w) => [w.word, w.count]))
						},
						0.5,
						false
					),
					labelPanels(of(payloads), 0.5, false),
					`${at} labels ${v}`
				);
			}
			const o1 = await next.outcomeSums(db, from);
			const o0 = await old.outcomeSums(db, dialect(), from);
			close(rowsOf(o1.totals), rowsOf(o0.totals), `${at} outcome totals`);
			close(rowsOf(o1.minutes), rowsOf(o0.minutes), `${at} outcome minutes`);
			close(
				rowsOf(await next.rtfHistogram(db, from)),
				rowsOf(await old.rtfHistogram(db, dialect(), from)),
				`${at} RTF`
			);
			close(
				rowsOf(await next.failureSums(db, from)),
				rowsOf(await old.failureSums(db, dialect(), from)),
				`${at} jobs`
			);
		}
		// The production threshold's labels (all days, every arm of a version) from the rollups.
		const refs = await sql<{ id: string; version: string; sha256: string }>`
			select distinct model_id as id, model_version as version, model_sha256 as sha256 from events
			where model_id is not null`.execute(database.db);
		for (const ref of refs.rows) {
			const labelled = (l: Awaited<ReturnType<typeof productionLabels>>) => ({
				...l,
				labels: [...l.labels].sort(
					(a, b) => a.confidence - b.confidence || Number(a.changed) - Number(b.changed)
				)
			});
			close(
				labelled(await productionLabels(database.db, ref)),
				labelled(await old.productionLabelsFromEvents(database.db, dialect(), ref)),
				`${label} production labels ${ref.version}`
			);
		}
		// The health series: accepted events per hour and type, as counted from the events.
		const series = await healthSeries(database.db, NOW, 24 * 120);
		const counted = await old.hourlyCounts(database.db, fromOf(NOW, 120));
		const fromSeries = series.flatMap((h) =>
			Object.entries(h.accepted)
				.filter(([, n]) => n > 0)
				.map(([type, events]) => ({ hour: h.hour.slice(0, 13), type, events }))
		);
		close(
			rowsOf(fromSeries),
			rowsOf(counted.filter((c) => c.hour >= series[0].hour.slice(0, 13))),
			`${label} hourly`
		);
	}

	it('every dashboard query equals the event query, for every window', async () => {
		const n = await database.db
			.selectFrom('events')
			.select((eb) => eb.fn.countAll().as('n'))
			.executeTakeFirst();
		expect(Number(n!.n)).toBeGreaterThan(300);
		await compareAll('as ingested');
	});

	it('a group commit adds its requests’ events together with the same result as one by one', async () => {
		// Every batch is queued before the first group starts, so groups of up to 32 requests form.
		const grouped = await openDatabase(await backend.newDatabase());
		try {
			const store = groupCommit(grouped.db);
			await Promise.all(dataset(7).map((b) => store(b.events, [], new Date(b.at))));
			for (const table of [...Object.keys(ROLLUP_TABLES), 'rollup_transcripts', 'rollup_latest']) {
				// Rows at zero (a transcript's last day that moved on, a revision on another day) depend on
				// how the events were grouped and hold nothing: compared without them.
				const counts = (ROLLUP_COUNT_COLUMNS as Record<string, string>)[table] ?? '1';
				const rows = async (db: OpenDatabase['db']) =>
					rowsOf(
						(await sql<object>`select * from ${sql.table(table)} where ${sql.raw(counts)} > 0`.execute(db))
							.rows
					);
				const one = await rows(database.db);
				expect(one.length, table).toBeGreaterThan(0);
				close(await rows(grouped.db), one, table);
			}
		} finally {
			await grouped.close();
		}
	});

	it('a bulk load (RollupLoader, the dashboard bench’s) builds the same rollups as ingestion', async () => {
		const loaded = await openDatabase(await backend.newDatabase());
		try {
			// The same rows ingestion stored: each event once, received with its first batch.
			const events = new Map<string, TelemetryEvent>();
			const rows: ReturnType<typeof eventRow>[] = [];
			for (const b of dataset(7))
				for (const e of b.events)
					if (!events.has(e.id)) {
						events.set(e.id, e);
						rows.push(eventRow(e, new Date(b.at).toISOString()));
					}
			const loader = new RollupLoader();
			await loaded.db.transaction().execute(async (tx) => {
				const { inserted } = await insertEventRows(tx, rows);
				expect(inserted.length).toBe(rows.length);
				const byInstallation = new Map<string, RollupItem[]>();
				for (const row of inserted) {
					const items = byInstallation.get(row.installation_id) ?? [];
					items.push({ row, event: events.get(row.id)! });
					byInstallation.set(row.installation_id, items);
				}
				for (const items of byInstallation.values()) loader.add(items);
				// One installation's events again: its segments were counted by the call before (refused
				// before anything of it is added, or the comparison below would fail).
				expect(() => loader.add([...byInstallation.values()][0])).toThrow(/two calls/);
				await loader.write(tx);
			});
			await expect(loaded.db.transaction().execute((tx) => loader.write(tx))).rejects.toThrow(
				/empty rollups/
			);
			for (const table of [...Object.keys(ROLLUP_TABLES), 'rollup_transcripts', 'rollup_latest']) {
				const counts = (ROLLUP_COUNT_COLUMNS as Record<string, string>)[table] ?? '1';
				const dump = async (db: OpenDatabase['db']) =>
					rowsOf(
						(await sql<object>`select * from ${sql.table(table)} where ${sql.raw(counts)} > 0`.execute(db))
							.rows
					);
				const ingested = await dump(database.db);
				expect(ingested.length, table).toBeGreaterThan(0);
				close(await dump(loaded.db), ingested, table);
			}
		} finally {
			await loaded.close();
		}
	});

	it('a backfill from the events rebuilds the same rollups', async () => {
		const tables = [
			'rollup_daily',
			'rollup_tags',
			'rollup_labels',
			'rollup_label_installations',
			'rollup_confusions',
			'rollup_rtf',
			'rollup_jobs',
			'rollup_transcripts',
			'rollup_hourly',
			'rollup_latest',
			'rollup_blocks',
			'rollup_day_stats',
			'rollup_outcomes'
		];
		// Rows left at zero (a revision that moved to another day) are not content: pruned on both sides.
		const dump = async () => {
			await pruneRollups(database.db);
			const out: Record<string, unknown[]> = {};
			for (const t of tables)
				out[t] = rowsOf((await sql<object>`select * from ${sql.table(t)}`.execute(database.db)).rows);
			return out;
		};
		const before = await dump();
		for (const t of tables) await sql`delete from ${sql.table(t)}`.execute(database.db);
		expect((await dump()).rollup_daily).toEqual([]);
		expect(await backfillRollups(database.db, 37)).toBeGreaterThan(300);
		close(await dump(), before, 'backfill');
		// The derived tables rebuilt from rollup_daily and rollup_transcripts (migration 0007's way) are
		// the ones ingestion kept.
		for (const t of ['rollup_blocks', 'rollup_day_stats', 'rollup_outcomes'])
			await sql`delete from ${sql.table(t)}`.execute(database.db);
		await rebuildDerivedRollups(database.db);
		close(await dump(), before, 'rebuilt derived tables');
	});

	it('retention keeps the rollups equal to the remaining events', async () => {
		const deleted = await deleteExpired(database.db, { days: 45, batchSize: 13, pauseMs: 0, now: () => NOW });
		expect(deleted).toBeGreaterThan(50);
		await compareAll('after retention');
		// Rows that hold nothing are gone, and so are rejection hours older than the cutoff.
		const zero = await sql<{
			n: number;
		}>`select count(*) as n from rollup_daily where corrections = 0 and summaries = 0 and stars_1 + stars_2 + stars_3 + stars_4 + stars_5 = 0`.execute(
			database.db
		);
		expect(Number(zero.rows[0].n)).toBe(0);
	});

	it('rejections_hourly follows the same retention', async () => {
		const db = database.db;
		await db
			.insertInto('rejections_hourly')
			.values([
				{ hour: '2026-01-01T00', reason: 'event:unknown-type', count: 3 },
				{ hour: '2026-11-30T10', reason: 'event:unknown-type', count: 2 }
			])
			.execute();
		await deleteExpired(db, { days: 45, now: () => NOW });
		expect((await db.selectFrom('rejections_hourly').select('hour').execute()).map((r) => r.hour)).toEqual([
			'2026-11-30T10'
		]);
	});

	it('deleting an installation removes its contribution and every row that names it', async () => {
		const db = database.db;
		const victim = await db
			.selectFrom('rollup_daily')
			.select('installation_id')
			.where('corrections', '>', 0)
			.executeTakeFirstOrThrow();
		const id = victim.installation_id;
		expect(await deleteInstallation(db, id, NOW)).toBeGreaterThan(0);
		for (const t of ['rollup_daily', 'rollup_blocks', 'rollup_transcripts', 'rollup_latest'] as const) {
			const left = await db
				.selectFrom(t)
				.select('installation_id')
				.where('installation_id', '=', id)
				.execute();
			expect(left, t).toEqual([]);
		}
		await compareAll('after deleting an installation');
	});
});

describe.each(backends())('segment_reviewed in the label rollup on $name', (backend) => {
	let database: OpenDatabase;
	beforeAll(async () => {
		await backend.start();
		database = await openDatabase(await backend.newDatabase());
	});
	afterAll(async () => {
		await database?.close();
		await backend.stop();
	});

	it('counts a reviewed-only segment’s words as kept until a correction of it takes its place', async () => {
		const db = database.db;
		const installationId = '5e7a1c00-0000-4000-8000-000000000001';
		const o = { installationId, transcriptId: 'tr-r', segmentId: 's1', model: model(1) };
		const at = NOW.toISOString();
		const from = fromOf(NOW, 7);
		const buckets = async () =>
			(await next.labelSums(db, from)).map((b) => [b.bucket, b.words, b.weight]).sort((a, b) => a[0] - b[0]);

		const reviewed = {
			...segmentReviewed(
				[
					['the', 0.42],
					['cat', 0.9]
				],
				o
			),
			occurredAt: at
		};
		await storeBatch(db, [reviewed], [], NOW);
		// bucket = hundredth · 2 + changed: both words kept.
		expect(await buckets()).toEqual([
			[84, 1, 1],
			[180, 1, 1]
		]);

		const corrected = {
			...correction(
				[
					['correct', 'the', 'the'],
					['substitution', 'cat', 'hat']
				],
				o
			),
			schemaVersion: 3 as const,
			arm: 'default' as const,
			samplingRate: 1,
			occurredAt: at
		} as TelemetryEvent;
		await storeBatch(db, [corrected], [], NOW);
		// The correction's labels (confidence 0.5 each) replace the reviewed ones; 'cat' was changed.
		await pruneRollups(db);
		expect(await buckets()).toEqual([
			[100, 1, 1],
			[101, 1, 1]
		]);

		// A late replay of the segment_reviewed (revision −1) does not displace the correction.
		await storeBatch(db, [{ ...reviewed, id: '5e7a1c00-0000-4000-8000-0000000000ff' }], [], NOW);
		await pruneRollups(db);
		expect(await buckets()).toEqual([
			[100, 1, 1],
			[101, 1, 1]
		]);
	});
});
