/**
 * The dashboard's sections: parse the query, run queries.ts (which read the rollups only), assemble
 * with assemble.ts. The only I/O beyond the database is models/<id>/eval.json (the static evaluation)
 * and the manifest's highlight threshold, read from `modelsDir`. Windows are whole UTC days: `from` is
 * the start of the day `days` days before now.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { telemetryAlerts, type ServedThreshold } from '../../quality';
import { healthSeries } from '../health';
import {
	DASHBOARD_RANGES,
	type DashboardCompare,
	type DashboardHealth,
	type DashboardSpeed,
	type DashboardVersions,
	type VersionPanel
} from '../../contracts/dashboard';
import { RATING_TAGS } from '../../telemetry/schema';
import { FALLBACK_HIGHLIGHT_THRESHOLD } from '../../engine/manifest';
import { readEvalRecord, recordsVersion } from '../rollout/catalog';
import type { Database } from '../db/tables';
import {
	byVersion,
	compareRatingRows,
	compareWerRows,
	cusumPanel,
	dailyRatio,
	evalMismatch,
	labelFigures,
	outcomePanel,
	predecessor,
	ratingPanel,
	rtfPercentiles,
	versionKey,
	werPanel,
	werRows,
	wordsOfBuckets
} from './assemble';
import {
	confusionSums,
	dailySums,
	failureSums,
	installationSums,
	labelSums,
	outcomeSums,
	rtfHistogram,
	tagSums,
	type Dialect,
	type KeyCols
} from './queries';

/** A bad query parameter (answered 400). */
export class DashboardInputError extends Error {}

/** What a section needs besides the database. */
export interface SectionContext {
	now: Date;
	modelsDir?: string;
	dialect?: Dialect;
	/** The highlight threshold GET /api/v1/config serves for a version (null: not installed). */
	servedThreshold?: (ref: { id: string; version: string; sha256: string }) => Promise<ServedThreshold | null>;
}

function days(params: URLSearchParams): number {
	const raw = params.get('days') ?? '30';
	const d = Number(raw);
	if (!(DASHBOARD_RANGES as readonly number[]).includes(d))
		throw new DashboardInputError(`days must be one of ${DASHBOARD_RANGES.join(', ')}, got ${raw}`);
	return d;
}
/** The window's start: midnight UTC of the day `d` days before `now` (rollups are per day). */
export const fromOf = (now: Date, d: number) =>
	new Date(Math.floor((now.getTime() - d * 86_400_000) / 86_400_000) * 86_400_000).toISOString();

/**
 * What identifies the committed data a query reads (equal text: the same data). PostgreSQL: the
 * current snapshot (xmin:xmax:in-progress list), which moves whenever a transaction that could have
 * written commits or begins, anywhere in the cluster. SQLite: the connection's data_version (moves when
 * another connection commits) and total_changes (every row this connection, the server's only one, has
 * changed). A change in between is only a needless miss; no write leaves both the same.
 */
export async function dataVersion(db: Kysely<Database>, dialect: Dialect): Promise<string> {
	const r =
		dialect === 'postgres'
			? await sql<{ v: string }>`select pg_current_snapshot()::text as v`.execute(db)
			: await sql<{ v: string }>`
					select (select data_version from pragma_data_version) || ':' || total_changes() as v`.execute(db);
	return String(r.rows[0].v);
}

/**
 * installationSums of a window, kept for the data version it was read at (the most expensive read of
 * the versions and compare sections: one row per installation and block). Keyed by the version read
 * before the query, so an answer read while data changed is filed under a version no later request has.
 */
const sumsCaches = new WeakMap<Kysely<Database>, Map<string, ReturnType<typeof installationSums>>>();
const SUMS_CACHE_SIZE = 8;
async function windowSums(db: Kysely<Database>, dialect: Dialect, from: string) {
	// Per database handle: two databases may well be at the same version.
	let sumsCache = sumsCaches.get(db);
	if (!sumsCache) sumsCaches.set(db, (sumsCache = new Map()));
	const key = `${from}\u0000${await dataVersion(db, dialect)}`;
	let sums = sumsCache.get(key);
	if (!sums) {
		sums = installationSums(db, from);
		sumsCache.set(key, sums);
		// A failed read is not kept.
		sums.catch(() => sumsCache!.delete(key));
		if (sumsCache.size > SUMS_CACHE_SIZE) sumsCache.delete(sumsCache.keys().next().value!);
	}
	return sums;
}

/** Answers GET /api/v1/admin/dashboard/<section>. */
export async function dashboardSection(
	db: Kysely<Database>,
	section: string,
	params: URLSearchParams,
	ctx: SectionContext
): Promise<DashboardVersions | DashboardCompare | DashboardSpeed | DashboardHealth> {
	const dialect = ctx.dialect ?? 'sqlite';
	if (section === 'versions') return versionsSection(db, dialect, days(params), ctx);
	if (section === 'compare') return compareSection(db, dialect, days(params), params, ctx.now);
	if (section === 'speed') return speedSection(db, days(params), ctx.now);
	if (section === 'health') return healthSection(db, ctx.now);
	throw new DashboardInputError(`unknown dashboard section '${section}'`);
}

async function readJson(path: string): Promise<unknown> {
	try {
		return JSON.parse(await readFile(path, 'utf8'));
	} catch {
		return null;
	}
}

async function modelFiles(modelsDir: string | undefined, id: string) {
	// Ids come from the database: only names the catalogue could hold are looked up on disk.
	if (!modelsDir || !/^[a-z0-9][a-z0-9._-]*$/i.test(id))
		return { threshold: FALLBACK_HIGHLIGHT_THRESHOLD, evaluation: null };
	const manifest = (await readJson(join(modelsDir, id, 'manifest.json'))) as {
		highlightThreshold?: unknown;
	} | null;
	// An unreadable record shows as no evaluation here; the catalog refuses it at start-up with its path.
	const evaluation = await readEvalRecord(join(modelsDir, id)).catch(() => null);
	const threshold =
		typeof manifest?.highlightThreshold === 'number'
			? manifest.highlightThreshold
			: FALLBACK_HIGHLIGHT_THRESHOLD;
	return { threshold, evaluation };
}

async function versionsSection(
	db: Kysely<Database>,
	dialect: Dialect,
	d: number,
	ctx: SectionContext
): Promise<DashboardVersions> {
	const from = fromOf(ctx.now, d);
	const [sums, daily, labels, confusions, outcomes] = await Promise.all([
		windowSums(db, dialect, from),
		dailySums(db, from),
		labelSums(db, from),
		confusionSums(db, from),
		outcomeSums(db, from)
	]);
	const { corrections: corr, summaries: summ, ratings } = sums;
	const ratedVersions = [...byVersion(ratings).values()].map((rs) => rs[0]);
	const tags = await tagSums(db, RATING_TAGS, from, ratedVersions);
	const groups = {
		corr: byVersion(corr),
		summ: byVersion(summ),
		daily: byVersion(daily.wer),
		ratings: byVersion(ratings),
		dailyRatings: byVersion(daily.ratings),
		tags: byVersion(tags),
		labels: byVersion(labels),
		pairs: byVersion(confusions.pairs),
		words: byVersion(confusions.words),
		totals: byVersion(outcomes.totals),
		minutes: byVersion(outcomes.minutes)
	};
	const keys = new Map<string, KeyCols>();
	for (const rows of [corr, summ, ratings, outcomes.totals] as KeyCols[][])
		for (const r of rows)
			keys.set(versionKey(r), {
				model_id: r.model_id,
				model_version: r.model_version,
				model_sha256: r.model_sha256,
				arm: r.arm
			});
	const files = new Map<string, Awaited<ReturnType<typeof modelFiles>>>();
	for (const k of keys.values())
		if (!files.has(k.model_id)) files.set(k.model_id, await modelFiles(ctx.modelsDir, k.model_id));
	const served = new Map<string, ServedThreshold | null>();
	for (const k of keys.values()) {
		const ref = `${k.model_id}@${k.model_version}#${k.model_sha256}`;
		if (!served.has(ref))
			served.set(
				ref,
				(await ctx.servedThreshold?.({ id: k.model_id, version: k.model_version, sha256: k.model_sha256 })) ??
					null
			);
	}

	const versions: VersionPanel[] = [...keys.entries()].map(([key, k]) => {
		const c = groups.corr.get(key) ?? [];
		const s = groups.summ.get(key) ?? [];
		const wer = werPanel(c, s);
		const f = files.get(k.model_id)!;
		// A record of another version or other weights says nothing about this one.
		const rec =
			f.evaluation &&
			recordsVersion(f.evaluation, { id: k.model_id, version: k.model_version, sha256: k.model_sha256 })
				? f.evaluation
				: null;
		const ev = rec && {
			wer: rec.wer,
			rtf: rec.rtf,
			date: rec.date,
			evalSet: `${rec.evaluationSet.name} (${rec.evaluationSet.files} files)`
		};
		const prev = predecessor(k, [...keys.values()]);
		let regression: VersionPanel['regression'] = null;
		if (prev) {
			const pk = versionKey(prev);
			const cmp = compareWerRows(
				werRows(groups.corr.get(pk) ?? [], groups.summ.get(pk) ?? []).reviewed,
				werRows(c, s).reviewed
			);
			regression = {
				against: pk,
				wer: cmp,
				significant: !!cmp?.sequential?.significant && cmp.difference > 0
			};
		}
		const buckets = groups.labels.get(key) ?? [];
		// The threshold editors get now (the config's), else the manifest's for a version no longer served.
		const now = served.get(`${k.model_id}@${k.model_version}#${k.model_sha256}`) ?? null;
		// Every label of the window counts (rollups), so the figures are never a sample.
		const labels = labelFigures(
			{
				words: wordsOfBuckets(buckets),
				wordCount: buckets.reduce((sum, b) => sum + b.words, 0),
				segments: c.reduce((sum, x) => sum + (x.corrections ?? 0), 0),
				pairs: new Map((groups.pairs.get(key) ?? []).map((p) => [`${p.from}\u0000${p.to}`, p.count])),
				corrected: new Map((groups.words.get(key) ?? []).map((w) => [w.word, w.count]))
			},
			now?.threshold ?? f.threshold,
			false
		);
		return {
			key,
			id: k.model_id,
			version: k.model_version,
			sha256: k.model_sha256,
			arm: k.arm,
			wer,
			daily: dailyRatio(groups.daily.get(key) ?? [], 1).map((x) => ({
				day: x.day,
				wer: x.value,
				low: x.low,
				high: x.high,
				words: x.weight
			})),
			cusum: cusumPanel(groups.daily.get(key) ?? []),
			ratings: {
				...ratingPanel(groups.ratings.get(key) ?? []),
				daily: dailyRatio(groups.dailyRatings.get(key) ?? [], 5).map((x) => ({
					day: x.day,
					mean: x.value,
					low: Math.max(1, x.low),
					high: x.high,
					ratings: x.weight
				})),
				tags: (groups.tags.get(key) ?? []).map((t) => ({ tag: t.tag, count: t.count }))
			},
			...labels,
			calibration: {
				...labels.calibration,
				served: now && {
					source: now.source,
					words: now.source === 'production' ? now.words : null,
					installations: now.source === 'production' ? now.installations : null
				}
			},
			outcome: outcomePanel(groups.totals.get(key)?.[0], groups.minutes.get(key) ?? []),
			evaluation: ev && {
				wer: ev.wer,
				rtf: ev.rtf,
				date: ev.date,
				evalSet: ev.evalSet,
				mismatch: wer.reviewed !== null && evalMismatch(ev.wer, wer.reviewed.estimate)
			},
			regression
		};
	});
	versions.sort((a, b) => a.key.localeCompare(b.key));
	return { days: d, from, versions };
}

async function compareSection(
	db: Kysely<Database>,
	dialect: Dialect,
	d: number,
	params: URLSearchParams,
	now: Date
): Promise<DashboardCompare> {
	const a = params.get('a');
	const b = params.get('b');
	if (!a || !b) throw new DashboardInputError('give two version keys as ?a=…&b=…');
	const from = fromOf(now, d);
	const { corrections: corr, summaries: summ, ratings } = await windowSums(db, dialect, from);
	const c = byVersion(corr);
	const s = byVersion(summ);
	const r = byVersion(ratings);
	const rows = (k: string) => werRows(c.get(k) ?? [], s.get(k) ?? []).reviewed;
	return {
		a,
		b,
		wer: compareWerRows(rows(a), rows(b)),
		rating: compareRatingRows(r.get(a) ?? [], r.get(b) ?? [])
	};
}

async function speedSection(db: Kysely<Database>, d: number, now: Date): Promise<DashboardSpeed> {
	const from = fromOf(now, d);
	const [hist, fails] = await Promise.all([rtfHistogram(db, from), failureSums(db, from)]);
	const groups = new Map<
		string,
		{ key: string; backend: string; cores: string; hist: { value: number; count: number }[] }
	>();
	for (const h of hist) {
		const key = versionKey(h);
		const g = `${key}\u0000${h.backend}\u0000${h.cores}`;
		if (!groups.has(g)) groups.set(g, { key, backend: h.backend, cores: h.cores, hist: [] });
		groups.get(g)!.hist.push({ value: h.rtf, count: h.jobs });
	}
	return {
		rtf: [...groups.values()]
			.map((g) => ({ key: g.key, backend: g.backend, cores: g.cores, ...rtfPercentiles(g.hist)! }))
			.sort(
				(x, y) =>
					x.key.localeCompare(y.key) || x.backend.localeCompare(y.backend) || x.cores.localeCompare(y.cores)
			),
		failures: fails
			.map((f) => ({
				key: versionKey(f),
				backend: f.backend,
				jobs: f.jobs,
				failedShare: f.jobs > 0 ? f.failed / f.jobs : 0,
				repetitionShare: f.segments > 0 ? f.repetitions / f.segments : null
			}))
			.sort((x, y) => x.key.localeCompare(y.key) || x.backend.localeCompare(y.backend))
	};
}

/** Hours of history the health rules look at. */
const HEALTH_HOURS = 7 * 24;

async function healthSection(db: Kysely<Database>, now: Date): Promise<DashboardHealth> {
	// The same hourly series as GET /api/v1/health (accepted and rejected per hour), over a week.
	const [hours, rej] = await Promise.all([
		healthSeries(db, now, HEALTH_HOURS),
		db.selectFrom('rejections').select(['reason', 'count']).execute()
	]);
	return {
		alerts: telemetryAlerts(hours),
		hours: hours.map((h) => ({
			hour: h.hour,
			accepted: Object.values(h.accepted).reduce((s, x) => s + x, 0),
			rejected: h.rejected
		})),
		rejections: Object.fromEntries(rej.map((r) => [r.reason, Number(r.count)]))
	};
}
