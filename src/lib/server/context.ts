/**
 * The process-wide API instance, configured from the environment and created on first use (the
 * SvelteKit `init` hook calls it at start-up so migrations run and the admin login line is printed
 * before the first request).
 *
 * Environment: DATABASE_URL (default sqlite:./data/redline.db), SQLITE_SYNCHRONOUS (FULL|NORMAL, see
 * db/open.ts), PG_POOL_SIZE, ADMIN_TOKEN (at least 32 characters), DATA_DIR (where a generated admin
 * token is kept when the database is PostgreSQL; default ./data), MODELS_DIR (the models events may
 * name, see known-models.ts), the rate limits of rate-limit.ts (RATE_LIMIT_*, GLOBAL_RATE_LIMIT_*,
 * ADMIN_FAILURES_*), EVENTS_PER_INSTALLATION_PER_DAY, DISK_FREE_FLOOR_MB, RETENTION_DAYS, VALIDATION_THREADS
 * (worker threads that decode and validate event bodies, batch-parser.ts; 0: the event loop), ORIGIN / PORT
 * (only for the printed login URL), and the rollout's start values MODEL_DEFAULT, MODEL_CANDIDATE,
 * MODEL_CANDIDATE_PERCENT, TELEMETRY_SAMPLING (rollout/settings.ts; an unknown model id fails the start),
 * and the production highlight threshold's HIGHLIGHT_MIN_WORDS, HIGHLIGHT_MIN_INSTALLATIONS,
 * HIGHLIGHT_TARGET_RECALL, HIGHLIGHT_REFRESH_SECONDS (rollout/production-threshold.ts).
 */
import { resolve } from 'node:path';
import { BATCH_LIMITS } from '../telemetry/schema';
import { adminLoginMessage, envAdminToken, resolveAdminToken } from './admin-token';
import { createApi, type Api } from './api';
import { inThreadParser, workerParser, type BatchParser } from './batch-parser';
import { DEFAULT_DATABASE_URL, openDatabase, type OpenDatabase } from './db/open';
import { freeBytes, lowDiskCheck } from './disk';
import { storeFor } from './ingest';
import { knownModelsFrom } from './known-models';
import { DailyCap } from './quota';
import { limitsFromEnv } from './rate-limit';
import { startRetention } from './retention';
import { loadCatalog } from './rollout/catalog';
import { ProductionThresholds, productionThresholdOptionsFromEnv } from './rollout/production-threshold';
import { Rollout } from './rollout/rollout';

/** The API plus the database it owns. */
export interface ServerContext {
	api: Api;
	database: OpenDatabase;
	/** Stops background jobs, then closes the database. */
	close(): Promise<void>;
}

/** Defaults of the knobs read here (the rate limits' are in rate-limit.ts). */
export const CONTEXT_DEFAULTS = {
	EVENTS_PER_INSTALLATION_PER_DAY: 10_000,
	DISK_FREE_FLOOR_MB: 256,
	RETENTION_DAYS: 400,
	VALIDATION_THREADS: 1
} as const;

function knob(env: Record<string, string | undefined>, name: keyof typeof CONTEXT_DEFAULTS): number {
	const raw = env[name];
	const v = raw === undefined || raw === '' ? CONTEXT_DEFAULTS[name] : Number(raw);
	if (!Number.isInteger(v) || v < 0)
		throw new Error(`${name} must be a whole number >= 0 (0 turns it off), got ${raw}`);
	return v;
}

let context: Promise<ServerContext> | null = null;

/** Creates the context from an environment (exported for tests and the benchmark). */
export async function createServerContext(
	env: Record<string, string | undefined>,
	log: (line: string) => void = console.log
): Promise<ServerContext> {
	const sync = env.SQLITE_SYNCHRONOUS?.toUpperCase();
	if (sync !== undefined && sync !== 'FULL' && sync !== 'NORMAL')
		throw new Error('SQLITE_SYNCHRONOUS must be FULL or NORMAL');
	// Every knob is read before the database opens, so a bad value fails the start with nothing created.
	const { requests, limits } = limitsFromEnv(env, BATCH_LIMITS.maxBytes);
	const perDay = knob(env, 'EVENTS_PER_INSTALLATION_PER_DAY');
	const floorMb = knob(env, 'DISK_FREE_FLOOR_MB');
	const retentionDays = knob(env, 'RETENTION_DAYS');
	const validationThreads = knob(env, 'VALIDATION_THREADS');
	const thresholdOptions = productionThresholdOptionsFromEnv(env);
	envAdminToken(env.ADMIN_TOKEN);
	const database = await openDatabase(env.DATABASE_URL || DEFAULT_DATABASE_URL, {
		sqliteSynchronous: sync,
		pgPoolSize: env.PG_POOL_SIZE ? Number(env.PG_POOL_SIZE) : undefined
	});
	let parser: BatchParser | undefined;
	try {
		let rollout: Rollout;
		try {
			rollout = await Rollout.open(
				database.db,
				env,
				await loadCatalog(resolve(env.MODELS_DIR || 'models')),
				undefined,
				new ProductionThresholds(database.db, thresholdOptions)
			);
		} catch (e) {
			throw new Error(`model rollout: ${(e as Error).message}`, { cause: e });
		}
		const dataDir = database.dataDir ?? resolve(env.DATA_DIR || './data');
		const token = resolveAdminToken(env.ADMIN_TOKEN, dataDir, log);
		log(adminLoginMessage(token, env.ORIGIN || `http://localhost:${env.PORT || 3000}`));
		// Only SQLite's disk is ours to watch; PostgreSQL's is on its own server.
		const diskDir = database.dataDir;
		parser = validationThreads > 0 ? workerParser(validationThreads) : inThreadParser;
		await parser.ready;
		const api = createApi({
			db: database.db,
			adminToken: token.token,
			limiter: requests,
			limits,
			knownModels: knownModelsFrom(resolve(env.MODELS_DIR || 'models')),
			dailyCap: perDay > 0 ? new DailyCap(database.db, perDay) : undefined,
			lowDisk:
				floorMb > 0 && diskDir ? lowDiskCheck(floorMb * 1024 * 1024, () => freeBytes(diskDir)) : undefined,
			store: storeFor(database.db),
			parser,
			rollout,
			modelsDir: resolve(env.MODELS_DIR || 'models'),
			dbKind: database.kind
		});
		const retention = retentionDays > 0 ? startRetention(database.db, { days: retentionDays }) : null;
		return {
			api,
			database,
			close: async () => {
				await retention?.stop();
				await parser?.close();
				await database.close();
			}
		};
	} catch (e) {
		await parser?.close();
		await database.close();
		throw e;
	}
}

/** The process's API, created from process.env on first call. */
export function getServerContext(): Promise<ServerContext> {
	context ??= createServerContext(process.env).catch((e) => {
		context = null; // let the next request try again rather than fail forever
		throw e;
	});
	return context;
}
