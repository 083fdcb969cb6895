/**
 * The production highlight threshold on SQLite and PostgreSQL: GET /api/v1/config serves eval.json's
 * threshold until a model version has labels of at least 2,000 words from at least 20 installations,
 * then the best-F1 threshold over those labels (edited segments and segments reviewed without edits),
 * with its source and counts; the answer is cached and recomputed only after the refresh interval.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfigSchema, type ClientConfig } from '../../../src/lib/contracts/config';
import { evalRecordSchema } from '../../../src/lib/quality/eval-record';
import { createApi, type Api } from '../../../src/lib/server/api';
import { openDatabase, type OpenDatabase } from '../../../src/lib/server/db/open';
import { storeFor } from '../../../src/lib/server/ingest';
import { knownModelsFrom } from '../../../src/lib/server/known-models';
import { loadCatalog, type CatalogModel } from '../../../src/lib/server/rollout/catalog';
import { ProductionThresholds, productionLabels } from '../../../src/lib/server/rollout/production-threshold';
import { Rollout } from '../../../src/lib/server/rollout/rollout';
import type { TelemetryEvent } from '../../../src/lib/telemetry/schema';
import { backends } from './backends';
import { productionLabelsFromEvents } from './dashboard-oracle';
import { correction, segmentReviewed, v2, type Step } from './events';

const ADMIN = 'test-admin-token-0123456789abcdef';
const CLIENT = '127.0.0.1';
const TINY = 'moonshine-tiny-en';
const REFRESH_MS = 60_000;

/**
 * A models folder with tiny's manifest, its eval.json (threshold 0.45 for exactly this version) and
 * retired.json (older versions the server still reports).
 */
function modelsDir(): string {
	const dir = mkdtempSync(join(tmpdir(), 'redline-models-'));
	const root = join(import.meta.dirname, '../../../models');
	mkdirSync(join(dir, TINY));
	for (const f of ['manifest.json', 'eval.json']) copyFileSync(join(root, TINY, f), join(dir, TINY, f));
	copyFileSync(join(root, 'retired.json'), join(dir, 'retired.json'));
	return dir;
}

/**
 * One installation's labels on `m`: a correction of 20 model words (4 replaced at confidence 0.25, 16
 * kept at 0.9) and `reviewed` segments played through without edits, 16 words each (8 at 0.3, 8 at
 * 0.9). Best F1 is t = 0.26: it highlights exactly the four replaced words (precision = recall = 1).
 */
function labels(m: CatalogModel, installationId: string, reviewed: number): TelemetryEvent[] {
	const model = { id: m.id, version: m.version, sha256: m.sha256 };
	const steps = Array.from({ length: 20 }, (_, i): Step =>
		i < 4 ? ['substitution', `w${i}`, `u${i}`] : ['correct', `w${i}`, `w${i}`]
	);
	const c = v2(
		correction(steps, { installationId, transcriptId: 't', segmentId: 'c', model }),
		'default'
	) as Extract<TelemetryEvent, { type: 'correction' }>;
	const conf = (i: number) => (i < 4 ? 0.25 : 0.9);
	const corrected = {
		...c,
		originalWords: c.originalWords.map((w, i) => ({ ...w, confidence: conf(i) })),
		alignment: c.alignment.map((a, i) => ({ ...a, confidence: conf(i) }))
	};
	const rest = Array.from({ length: reviewed }, (_, k) =>
		segmentReviewed(
			Array.from({ length: 16 }, (_, i) => [`r${i}`, i < 8 ? 0.3 : 0.9] as [string, number]),
			{ installationId, transcriptId: 't', segmentId: `r${k}`, model }
		)
	);
	return [corrected, ...rest];
}

describe.each(backends())('production highlight threshold on $name', (backend) => {
	let dir: string;
	let database: OpenDatabase;
	let api: Api;
	let tiny: CatalogModel;
	let clock = 0;

	beforeAll(async () => {
		await backend.start();
		dir = modelsDir();
		const catalog = await loadCatalog(dir);
		tiny = catalog.get(TINY)!;
		database = await openDatabase(await backend.newDatabase());
		const thresholds = new ProductionThresholds(
			database.db,
			{ minWords: 2000, minInstallations: 20, rule: { rule: 'best-f1' }, refreshMs: REFRESH_MS },
			() => clock
		);
		api = createApi({
			db: database.db,
			adminToken: ADMIN,
			limiter: null,
			store: storeFor(database.db),
			knownModels: knownModelsFrom(dir),
			modelsDir: dir,
			dbKind: database.kind,
			rollout: await Rollout.open(database.db, {}, catalog, undefined, thresholds)
		});
	});
	afterAll(async () => {
		await database?.close();
		await backend.stop();
		rmSync(dir, { recursive: true, force: true });
	});

	async function post(events: TelemetryEvent[]) {
		for (let i = 0; i < events.length; i += 400) {
			const res = await api.postEvents(
				new Request('http://localhost/api/v1/events', {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ events: events.slice(i, i + 400) })
				}),
				CLIENT
			);
			expect(res.status).toBe(202);
			expect((await res.json()).accepted).toBe(Math.min(400, events.length - i));
		}
	}
	async function config(): Promise<ClientConfig> {
		const res = await api.getConfig(
			new Request(`http://localhost/api/v1/config?installation=${randomUUID()}`),
			CLIENT
		);
		expect(res.status).toBe(200);
		return clientConfigSchema.parse(await res.json());
	}

	it('serves eval.json below the minimum, production labels from 20 installations on, cached between', async () => {
		// The evaluation's threshold while there are no labels.
		expect(tiny.highlightThresholdSource).toBe('evaluation');
		let c = await config();
		expect(c.highlightThreshold).toBe(tiny.highlightThreshold);
		expect(c.highlightThresholdSource).toEqual({ source: 'evaluation' });

		// 19 installations with 2,452 words (enough words, too few installations): still the evaluation.
		const first = Array.from({ length: 19 }, () => randomUUID());
		await post(first.flatMap((id) => labels(tiny, id, 7)));
		clock += REFRESH_MS;
		c = await config();
		expect(c.highlightThresholdSource).toEqual({ source: 'evaluation' });
		const fromRollups = await productionLabels(database.db, tiny);
		expect(fromRollups).toMatchObject({ words: 19 * (20 + 7 * 16), installations: 19 });
		// The rollups' sums are the event query's (the one they replaced), bucket by bucket.
		const fromEvents = await productionLabelsFromEvents(database.db, database.kind, tiny);
		const byKey = (l: typeof fromRollups) =>
			[...l.labels].sort((a, b) => a.confidence - b.confidence || Number(a.changed) - Number(b.changed));
		expect(fromRollups.words).toBe(fromEvents.words);
		expect(fromRollups.installations).toBe(fromEvents.installations);
		expect(byKey(fromRollups).length).toBe(fromEvents.labels.length);
		byKey(fromRollups).forEach((l, i) => {
			const e = byKey(fromEvents)[i];
			expect(l.changed).toBe(e.changed);
			expect(l.weight).toBeCloseTo(e.weight ?? 1, 9);
			expect(l.confidence).toBeCloseTo(e.confidence, 9);
		});

		// Six more: 25 installations. Within the refresh interval the cached answer stays.
		await post(Array.from({ length: 6 }, () => labels(tiny, randomUUID(), 7)).flat());
		c = await config();
		expect(c.highlightThresholdSource).toEqual({ source: 'evaluation' });
		clock += REFRESH_MS;
		c = await config();
		expect(c.highlightThreshold).toBe(0.26);
		expect(c.highlightThresholdSource).toEqual({
			source: 'production',
			words: 25 * (20 + 7 * 16),
			installations: 25
		});

		// One correction for a retired version of the same model: eval.json is not about it.
		const retired = (JSON.parse(readFileSync(join(dir, 'retired.json'), 'utf8')) as CatalogModel[]).find(
			(r) => r.id === TINY && r.version !== tiny.version
		)!;
		await post([
			v2(
				correction([['substitution', 'a', 'b']], {
					installationId: randomUUID(),
					model: { id: TINY, version: retired.version, sha256: retired.sha256 }
				}),
				'default'
			)
		]);

		// The dashboard's calibration panel says which threshold editors get and from where.
		const res = await api.getDashboard(
			new Request('http://localhost/api/v1/admin/dashboard/versions?days=7', {
				headers: { authorization: `Bearer ${ADMIN}` }
			}),
			CLIENT,
			'versions'
		);
		const body = await res.json();
		const v = body.versions.find(
			(x: { id: string; version: string }) => x.id === TINY && x.version === tiny.version
		);
		expect(v.calibration.threshold).toBe(0.26);
		expect(v.calibration.served).toEqual({ source: 'production', words: 25 * 132, installations: 25 });
		// Reviewed-only words are in the calibration sample beside the corrections' words.
		expect(v.calibration.words).toBe(25 * 132);

		// The static evaluation beside production is eval.json's, for exactly the version it records.
		const record = evalRecordSchema.parse(JSON.parse(readFileSync(join(dir, TINY, 'eval.json'), 'utf8')));
		expect(v.evaluation).toMatchObject({
			wer: record.wer,
			date: record.date,
			evalSet: `${record.evaluationSet.name} (${record.evaluationSet.files} files)`
		});
		const old = body.versions.find(
			(x: { id: string; version: string }) => x.id === TINY && x.version === retired.version
		);
		expect(old).toBeDefined();
		expect(old.evaluation).toBeNull();
	});
});
