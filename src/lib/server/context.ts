/**
 * The process-wide API instance, configured from the environment and created on first use (the
 * SvelteKit `init` hook calls it at start-up so migrations run and the admin login line is printed
 * before the first request).
 *
 * Environment: DATABASE_URL (default sqlite:./data/redline.db), SQLITE_SYNCHRONOUS (FULL|NORMAL, see
 * db/open.ts), PG_POOL_SIZE, ADMIN_TOKEN, DATA_DIR (where a generated admin token is kept when the
 * database is PostgreSQL; default ./data), RATE_LIMIT_PER_SEC, RATE_LIMIT_BURST, ORIGIN / PORT (only
 * for the printed login URL), MODELS_DIR (default ./models) and the rollout's start values MODEL_DEFAULT,
 * MODEL_CANDIDATE, MODEL_CANDIDATE_PERCENT, TELEMETRY_SAMPLING (rollout/settings.ts; an unknown model id
 * fails the start).
 */
import { resolve } from 'node:path';
import { adminLoginMessage, resolveAdminToken } from './admin-token';
import { createApi, type Api } from './api';
import { DEFAULT_DATABASE_URL, openDatabase, type OpenDatabase } from './db/open';
import { storeFor } from './ingest';
import { rateLimiterFromEnv } from './rate-limit';
import { loadCatalog } from './rollout/catalog';
import { Rollout } from './rollout/rollout';

/** The API plus the database it owns. */
export interface ServerContext {
	api: Api;
	database: OpenDatabase;
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
	const database = await openDatabase(env.DATABASE_URL || DEFAULT_DATABASE_URL, {
		sqliteSynchronous: sync,
		pgPoolSize: env.PG_POOL_SIZE ? Number(env.PG_POOL_SIZE) : undefined
	});
	let rollout: Rollout;
	try {
		rollout = await Rollout.open(database.db, env, await loadCatalog(resolve(env.MODELS_DIR || 'models')));
	} catch (e) {
		await database.close();
		throw new Error(`model rollout: ${(e as Error).message}`, { cause: e });
	}
	const dataDir = database.dataDir ?? resolve(env.DATA_DIR || './data');
	const token = resolveAdminToken(env.ADMIN_TOKEN, dataDir);
	log(adminLoginMessage(token, env.ORIGIN || `http://localhost:${env.PORT || 3000}`));
	const api = createApi({
		db: database.db,
		adminToken: token.token,
		limiter: rateLimiterFromEnv(env),
		store: storeFor(database.db, database.kind),
		rollout
	});
	return { api, database };
}

/** The process's API, created from process.env on first call. */
export function getServerContext(): Promise<ServerContext> {
	context ??= createServerContext(process.env).catch((e) => {
		context = null; // let the next request try again rather than fail forever
		throw e;
	});
	return context;
}
