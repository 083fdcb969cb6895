/**
 * The model rollout end to end on SQLite and PostgreSQL: the config endpoint, admin changes (audited),
 * rollback, stored settings winning over the environment at the next start, and the quality report split
 * by model version and arm with sampling weights.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfigSchema } from '../../../src/lib/contracts/config';
import { rolloutStateSchema, type RolloutState } from '../../../src/lib/contracts/rollout';
import { createApi, type Api } from '../../../src/lib/server/api';
import { createServerContext } from '../../../src/lib/server/context';
import { openDatabase, type OpenDatabase } from '../../../src/lib/server/db/open';
import { storeFor } from '../../../src/lib/server/ingest';
import { loadCatalog, type Catalog } from '../../../src/lib/server/rollout/catalog';
import { Rollout } from '../../../src/lib/server/rollout/rollout';
import { backends } from './backends';
import { knownModelsFrom } from '../../../src/lib/server/known-models';
import { correction, rating, review, v2 } from './events';

const ADMIN = 'test-admin-token-0123456789abcdef';
const CLIENT = '127.0.0.1';
const TINY = 'moonshine-tiny-en';
const BASE = 'test-base-en';

/** A models folder with two ASR manifests (tiny's, and a copy under another id and version) and the VAD. */
function modelsDir(): string {
	const dir = mkdtempSync(join(tmpdir(), 'redline-models-'));
	const root = join(import.meta.dirname, '../../../models');
	const tiny = JSON.parse(readFileSync(join(root, TINY, 'manifest.json'), 'utf8'));
	const write = (id: string, manifest: unknown) => {
		mkdirSync(join(dir, id));
		writeFileSync(join(dir, id, 'manifest.json'), JSON.stringify(manifest));
	};
	write(TINY, tiny);
	const { highlightThreshold: _, ...noThreshold } = tiny;
	write(BASE, { ...noThreshold, id: BASE, version: '2.0.0', displayName: 'Test base' });
	write('silero-vad-v5', JSON.parse(readFileSync(join(root, 'silero-vad-v5', 'manifest.json'), 'utf8')));
	return dir;
}

const auth = { authorization: `Bearer ${ADMIN}` };
const get = (path: string, headers: Record<string, string> = {}) =>
	new Request(`http://localhost${path}`, { headers });
const put = (body: unknown, headers: Record<string, string> = auth) =>
	new Request('http://localhost/api/v1/admin/rollout', {
		method: 'PUT',
		headers: { ...headers, 'content-type': 'application/json' },
		body: JSON.stringify(body)
	});
const rollbackRequest = (headers: Record<string, string> = auth) =>
	new Request('http://localhost/api/v1/admin/rollout/rollback', { method: 'POST', headers });
const postEvents = (events: unknown[]) =>
	new Request('http://localhost/api/v1/events', {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ events })
	});

describe.each(backends())('model rollout on $name', (backend) => {
	let dir: string;
	let catalog: Catalog;
	const opened: OpenDatabase[] = [];

	async function fresh(env: Record<string, string> = {}, url?: string) {
		const database = await openDatabase(url ?? (await backend.newDatabase()));
		opened.push(database);
		const rollout = await Rollout.open(database.db, env, catalog);
		const api: Api = createApi({
			db: database.db,
			adminToken: ADMIN,
			limiter: null,
			store: storeFor(database.db),
			knownModels: knownModelsFrom(dir),
			rollout
		});
		return { database, rollout, api };
	}
	const config = async (api: Api, installation: string) => {
		const res = await api.getConfig(get(`/api/v1/config?installation=${installation}`), CLIENT);
		expect(res.status).toBe(200);
		return clientConfigSchema.parse(await res.json());
	};
	const state = async (res: Response): Promise<RolloutState> => {
		expect(res.status).toBe(200);
		return rolloutStateSchema.parse(await res.json());
	};

	beforeAll(async () => {
		await backend.start();
		dir = modelsDir();
		catalog = await loadCatalog(dir);
	});
	afterAll(async () => {
		for (const d of opened) await d.close();
		await backend.stop();
		rmSync(dir, { recursive: true, force: true });
	});

	it('the catalog holds the ASR models only, with their weight hash and threshold', () => {
		expect([...catalog.keys()].sort()).toEqual([TINY, BASE]);
		expect(catalog.get(TINY)).toMatchObject({
			version: JSON.parse(readFileSync(join(dir, TINY, 'manifest.json'), 'utf8')).version,
			highlightThreshold: 0.6
		});
		expect(catalog.get(BASE)?.sha256).toMatch(/^[0-9a-f]{64}$/);
	});

	it('an unknown model in the environment fails the server start with a clear message', async () => {
		const env = { DATABASE_URL: await backend.newDatabase(), MODELS_DIR: dir, ADMIN_TOKEN: ADMIN };
		await expect(createServerContext({ ...env, MODEL_DEFAULT: 'nope' }, () => {})).rejects.toThrow(
			/model rollout: MODEL_DEFAULT: unknown model "nope"/
		);
		await expect(
			createServerContext({ ...env, MODEL_CANDIDATE: BASE, MODEL_CANDIDATE_PERCENT: '200' }, () => {})
		).rejects.toThrow(/MODEL_CANDIDATE_PERCENT must be a whole number 0–100/);
		const ok = await createServerContext(
			{ ...env, MODEL_CANDIDATE: BASE, MODEL_CANDIDATE_PERCENT: '10' },
			() => {}
		);
		opened.push(ok.database);
	});

	it('GET /api/v1/config: the default model for everyone without a candidate, cacheable, every rate', async () => {
		const { api } = await fresh({ TELEMETRY_SAMPLING: 'correction:0.1' });
		const res = await api.getConfig(get(`/api/v1/config?installation=${randomUUID()}`), CLIENT);
		expect(res.status).toBe(200);
		expect(res.headers.get('cache-control')).toBe('public, max-age=60');
		const tiny = catalog.get(TINY)!;
		expect(await res.json()).toEqual({
			model: { id: TINY, version: tiny.version, sha256: tiny.sha256 },
			arm: 'default',
			highlightThreshold: 0.6,
			// No eval.json in this models folder: the manifest's threshold.
			highlightThresholdSource: { source: 'default' },
			telemetry: {
				sampling: {
					correction: 0.1,
					review: 1,
					rating: 1,
					outcome: 1,
					session_summary: 1,
					transcription: 1
				}
			}
		});
		for (const bad of ['', '?installation=', '?installation=not-a-uuid'])
			expect((await api.getConfig(get(`/api/v1/config${bad}`), CLIENT)).status).toBe(400);
	});

	it('admin change (audited), assignment by percent, rollback, and the same installations again', async () => {
		const { api } = await fresh();
		expect((await api.getRollout(get('/api/v1/admin/rollout'), CLIENT)).status).toBe(401);
		expect((await api.putRollout(put({ default: TINY, candidate: null }, {}), CLIENT)).status).toBe(401);
		expect((await api.rollbackRollout(rollbackRequest({}), CLIENT)).status).toBe(401);

		const initial = await state(await api.getRollout(get('/api/v1/admin/rollout', auth), CLIENT));
		expect(initial).toMatchObject({
			source: 'env',
			settings: { default: TINY, candidate: null },
			experimentId: null,
			audit: []
		});
		expect(initial.models.map((m) => m.id).sort()).toEqual([TINY, BASE]);

		// Refused: unknown model, bad percent, candidate = default, not JSON. Nothing is written.
		for (const body of [
			{ default: TINY, candidate: { model: 'nope', percent: 5 } },
			{ default: 'nope', candidate: null },
			{ default: TINY, candidate: { model: BASE, percent: 101 } },
			{ default: TINY, candidate: { model: TINY, percent: 5 } },
			{ default: TINY, candidate: null, sampling: { rating: 0 } }
		]) {
			const res = await api.putRollout(put(body), CLIENT);
			expect(res.status).toBe(400);
			expect((await res.json()).issues.length).toBeGreaterThan(0);
		}
		const notJson = new Request('http://localhost/api/v1/admin/rollout', {
			method: 'PUT',
			headers: { ...auth, 'content-type': 'application/json' },
			body: '{'
		});
		expect((await api.putRollout(notJson, CLIENT)).status).toBe(400);

		const changed = await state(
			await api.putRollout(
				put({ default: TINY, candidate: { model: BASE, percent: 30 }, sampling: { rating: 0.5 } }),
				CLIENT
			)
		);
		expect(changed.source).toBe('database');
		expect(changed.experimentId).toBe(`${TINY}@${catalog.get(TINY)!.version}~${BASE}@2.0.0`);
		expect(changed.audit).toHaveLength(1);
		expect(changed.audit[0]).toMatchObject({
			revision: 1,
			actor: 'admin-token',
			action: 'update',
			before: { default: TINY, candidate: null },
			after: { default: TINY, candidate: { model: BASE, percent: 30 }, sampling: { rating: 0.5 } }
		});

		const ids = Array.from({ length: 400 }, () => randomUUID());
		const arms = async () => {
			const out = new Map<string, string>();
			for (const id of ids) {
				const c = await config(api, id);
				expect(c.model.id).toBe(c.arm === 'candidate' ? BASE : TINY);
				expect(c.telemetry.sampling.rating).toBe(0.5);
				out.set(id, c.arm);
			}
			return out;
		};
		const at30 = await arms();
		const share = [...at30.values()].filter((a) => a === 'candidate').length / ids.length;
		expect(share).toBeGreaterThan(0.2);
		expect(share).toBeLessThan(0.4);
		// The candidate's own threshold: its manifest has none, so the fallback.
		const someCandidate = ids.find((i) => at30.get(i) === 'candidate')!;
		expect((await config(api, someCandidate)).highlightThreshold).toBe(0.6);

		const rolledBack = await state(await api.rollbackRollout(rollbackRequest(), CLIENT));
		expect(rolledBack.settings.candidate).toEqual({ model: BASE, percent: 0 });
		expect(rolledBack.audit[0]).toMatchObject({ revision: 2, action: 'rollback', actor: 'admin-token' });
		expect([...(await arms()).values()].every((a) => a === 'default')).toBe(true);
		// A second rollback changes nothing and records nothing.
		expect((await state(await api.rollbackRollout(rollbackRequest(), CLIENT))).audit).toHaveLength(2);

		// Back to 30 % for the same candidate: exactly the same installations get it again.
		await state(
			await api.putRollout(put({ default: TINY, candidate: { model: BASE, percent: 30 } }), CLIENT)
		);
		expect(await arms()).toEqual(at30);
		// Raising the share only adds installations to the candidate.
		await state(
			await api.putRollout(put({ default: TINY, candidate: { model: BASE, percent: 60 } }), CLIENT)
		);
		const at60 = await arms();
		for (const [id, arm] of at30) if (arm === 'candidate') expect(at60.get(id)).toBe('candidate');
		const final = await state(await api.getRollout(get('/api/v1/admin/rollout', auth), CLIENT));
		expect(final.audit.map((a) => a.revision)).toEqual([4, 3, 2, 1]);
	});

	it('settings changed at run time win over the environment at the next start', async () => {
		const url = await backend.newDatabase();
		const first = await fresh({ MODEL_CANDIDATE: BASE, MODEL_CANDIDATE_PERCENT: '10' }, url);
		expect((await first.rollout.settings()).source).toBe('env');
		await state(
			await first.api.putRollout(put({ default: BASE, candidate: { model: TINY, percent: 50 } }), CLIENT)
		);

		const again = await fresh({ MODEL_DEFAULT: TINY }, url);
		expect(await again.rollout.settings()).toMatchObject({
			source: 'database',
			settings: { default: BASE, candidate: { model: TINY, percent: 50 } }
		});

		// A stored setting naming a model that is gone fails the start with what to do.
		const fewer = new Map([...catalog].filter(([id]) => id !== BASE));
		await expect(Rollout.open(again.database.db, {}, fewer)).rejects.toThrow(
			/stored in the database .* unknown model "test-base-en"/
		);
	});

	it('events of two versions and both arms land, and the report splits them with sampling weights', async () => {
		const { api, database } = await fresh();
		const tiny = catalog.get(TINY)!;
		const base = catalog.get(BASE)!;
		const A = { id: tiny.id, version: tiny.version, sha256: tiny.sha256 };
		const B = { id: base.id, version: base.version, sha256: base.sha256 };
		const [i1, i2, i3] = [randomUUID(), randomUUID(), randomUUID()];
		const oneError = (o: Parameters<typeof correction>[1]) =>
			correction(
				[
					['correct', 'the', 'the'],
					['substitution', 'cat', 'hat'],
					['correct', 'sat', 'sat'],
					['correct', 'down', 'down']
				],
				o
			);
		const clean = (o: Parameters<typeof correction>[1]) =>
			correction(
				[
					['correct', 'a', 'a'],
					['correct', 'b', 'b']
				],
				o
			);
		const res = await api.postEvents(
			postEvents([
				// Tiny, default arm, everything sent (rate 1): 1 error in 4 words, ratings 4 and 2.
				v2(oneError({ installationId: i1, model: A }), 'default'),
				v2(rating(4, { installationId: i1, model: A }), 'default'),
				v2(rating(2, { installationId: i1, model: A, transcriptId: 'tr-2' }), 'default'),
				// Base, candidate arm, corrections kept at rate 0.1 and ratings at 0.5: each stands for 10 and 2.
				v2(oneError({ installationId: i2, model: B }), 'candidate', 0.1),
				v2(clean({ installationId: i2, model: B, segmentId: 's2' }), 'candidate', 0.1),
				v2(clean({ installationId: i2, model: B, segmentId: 's3' }), 'candidate', 1),
				v2(rating(5, { installationId: i2, model: B }), 'candidate', 0.5),
				v2(rating(1, { installationId: i2, model: B }), 'candidate', 1),
				v2(review(3, { installationId: i2, model: B }), 'candidate', 0.5),
				// Tiny in the candidate arm of another experiment, and a version 1 event (arm unknown).
				v2(clean({ installationId: i3, model: A }), 'candidate'),
				rating(3, { installationId: i3, model: A, transcriptId: 'tr-old' })
			]),
			CLIENT
		);
		expect(res.status).toBe(202);

		const stored = await database.db
			.selectFrom('events')
			.select(['arm', 'sampling_rate', 'schema_version'])
			.where('installation_id', '=', i2)
			.where('type', '=', 'rating')
			.orderBy('sampling_rate')
			.execute();
		expect(stored.map((r) => [r.arm, Number(r.sampling_rate), Number(r.schema_version)])).toEqual([
			['candidate', 0.5, 2],
			['candidate', 1, 2]
		]);

		const report = await api.getQuality(get('/api/v1/quality', auth), CLIENT);
		expect(report.status).toBe(200);
		const { models } = (await report.json()) as { models: Record<string, unknown>[] };
		const row = (m: { id: string }, arm: string) => models.find((r) => r.id === m.id && r.arm === arm);
		// Sorted by model id, version, hash, then arm.
		expect(models.map((r) => `${r.id}/${r.arm}`)).toEqual([
			`${TINY}/candidate`,
			`${TINY}/default`,
			`${TINY}/unknown`,
			`${BASE}/candidate`
		]);
		expect(row(A, 'default')).toMatchObject({
			transcripts: 2,
			corrections: 1,
			ratings: 2,
			meanRating: 3,
			wordsReviewed: 4,
			estimatedWer: 0.25,
			sampled: { corrections: 1, ratings: 2, reviews: 0 }
		});
		expect(row(A, 'candidate')).toMatchObject({ corrections: 1, estimatedWer: 0, ratings: 0 });
		expect(row(A, 'unknown')).toMatchObject({ transcripts: 1, ratings: 1, meanRating: 3, corrections: 0 });
		// Base: corrections weigh 10, 10, 1; errors 10·1 over words 10·4 + 10·2 + 1·2 = 62.
		const b = row(B, 'candidate')!;
		expect(b.corrections).toBeCloseTo(21, 9);
		expect(b.estimatedWer as number).toBeCloseTo(10 / 62, 9);
		// Ratings weigh 2 (5 stars) and 1 (1 star): 3 ratings, mean 11 / 3; review words 2·3.
		expect(b.ratings).toBeCloseTo(3, 9);
		expect(b.meanRating as number).toBeCloseTo(11 / 3, 9);
		expect(b.wordsReviewed as number).toBeCloseTo(62 + 6, 9);
		expect(b.sampled).toEqual({ corrections: 3, ratings: 2, reviews: 1, summaries: 0 });
	});
});
