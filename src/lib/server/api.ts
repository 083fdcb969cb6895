/**
 * The telemetry HTTP API as plain `Request -> Response` functions, so SvelteKit routes, the benchmark's
 * node:http server and tests all call the same code.
 *
 * POST /api/v1/events, body `{ "events": [...] }` (application/json, or text/plain;charset=UTF-8 as
 * navigator.sendBeacon sends it):
 * - 202 `{ accepted, duplicates }`: every event valid; stored and committed before the answer.
 * - 207 `{ accepted, duplicates, rejected: [{ index, id, issues }] }`: valid events stored, others not.
 * - 400 `{ error, issues: [{ path, message }] }`: not UTF-8 JSON, no `events` array, or no valid event;
 *   nothing stored.
 * - 413: body over 1 MiB or more than 500 events. 415: another content type.
 * - 429 with Retry-After (seconds): per-client rate limit. 503: the database failed; retry later.
 * Retrying is always safe: event ids are idempotency keys. Rejections are counted by reason in the
 * database (429s are not, to keep a flood from writing).
 *
 * DELETE /api/v1/installations/:installationId: deletes every event stored under the installation id
 * and answers 200 `{ deleted }` (the number of events removed; 0 when there were none). The random
 * installation id is the capability: only the browser that made it knows it.
 *
 * GET /api/v1/quality with `Authorization: Bearer <ADMIN_TOKEN>`: 200 with the report of quality.ts,
 * 401 otherwise.
 *
 * GET /api/v1/config?installation=<uuid> (public): 200 with contracts/config.ts (the installation's model
 * and arm, the highlight threshold, sampling rates), `Cache-Control: public, max-age=60`; 400 without a
 * UUID. It holds nothing about the user: the installation id only picks the arm.
 *
 * Rollout admin, all with the admin bearer token (401 otherwise), bodies of contracts/rollout.ts:
 * - GET /api/v1/admin/rollout: 200 with the settings, their source, the selectable models, the audit log.
 * - PUT /api/v1/admin/rollout, body `{ default, candidate: { model, percent } | null, sampling? }`:
 *   200 with the new state (audited as actor 'admin-token'); 400 `{ error, issues }` for an invalid body
 *   or an unknown model; 409 when another change committed meanwhile.
 * - POST /api/v1/admin/rollout/rollback: sets the candidate's percent to 0; 200 with the new state
 *   (unchanged and not audited when no installation had the candidate).
 *
 * Deployment with adapter-node: set BODY_SIZE_LIMIT=1M, or its default of 512K answers 413 before this
 * code for bodies between 512 KiB and 1 MiB. SvelteKit's CSRF check refuses text/plain POSTs whose
 * Origin is not the app's own (403), and adapter-node takes the app's origin to be https://<host>
 * unless ORIGIN is set, so a plain-http deployment (local runs, e2e tests) needs ORIGIN for beacons;
 * `fetch(…, { keepalive: true })` with application/json is not affected.
 */
import type { Kysely } from 'kysely';
import type {
	ApiError,
	EventsAccepted,
	EventsBadRequest,
	EventsPartial,
	Issue,
	RejectedEventReport
} from '../contracts/events';
import type { QualityReport } from '../contracts/quality';
import { BATCH_LIMITS, batchEnvelopeSchema } from '../telemetry/schema';
import { RolloutConflictError, type ChangeResult, type Rollout } from './rollout/rollout';
import { bearerToken, tokensEqual } from './admin-token';
import type { Database } from './db/tables';
import { BodyTooLargeError, isJsonContentType, json, readBodyLimited } from './http';
import { countRejections, deleteInstallation, storeBatch, validateEvents, type StoreBatch } from './ingest';
import { qualityReport } from './quality';
import type { TokenBucketLimiter } from './rate-limit';

/** What the handlers need; built once per process by context.ts (or by a test). */
export interface ApiDeps {
	db: Kysely<Database>;
	adminToken: string;
	/** Null disables rate limiting. */
	limiter: TokenBucketLimiter | null;
	/** How batches are written; one transaction per request (storeBatch) unless given (see storeFor). */
	store?: StoreBatch;
	now?: () => Date;
	/** Where unexpected errors go; console.error by default. */
	logError?: (message: string, error: unknown) => void;
	/** The model rollout; without it the config and rollout endpoints answer 503. */
	rollout?: Rollout;
}

/** The API's handlers. `client` is the key the rate limit counts by (the client's IP address). */
export interface Api {
	postEvents(request: Request, client: string): Promise<Response>;
	deleteInstallation(request: Request, installationId: string, client: string): Promise<Response>;
	getQuality(request: Request): Promise<Response>;
	getConfig(request: Request, client: string): Promise<Response>;
	getRollout(request: Request): Promise<Response>;
	putRollout(request: Request): Promise<Response>;
	rollbackRollout(request: Request): Promise<Response>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Issues listed in a 400 for an all-invalid batch; enough to debug, bounded in size. */
const MAX_BATCH_ISSUES = 50;
/** Largest rollout PUT body; real ones are a few hundred bytes. */
const MAX_ROLLOUT_BODY = 16 * 1024;
/** Who an admin change is attributed to in the audit log (the bearer token is the only admin login). */
const ADMIN_ACTOR = 'admin-token';

/** Builds the handlers around one database. */
export function createApi(deps: ApiDeps): Api {
	const now = deps.now ?? (() => new Date());
	const logError = deps.logError ?? ((m, e) => console.error(m, e));
	const store: StoreBatch = deps.store ?? ((events, reasons, at) => storeBatch(deps.db, events, reasons, at));

	function limited(client: string): Response | null {
		const d = deps.limiter?.take(client);
		if (!d || d.ok) return null;
		return json({ error: 'rate limit exceeded' } satisfies ApiError, 429, {
			'retry-after': String(d.retryAfterSec)
		});
	}

	// A batch-level refusal: counted (best effort: a failing count must not turn a 4xx into a 5xx).
	async function refuse(
		status: number,
		reason: string,
		error: string,
		issues: Issue[] = []
	): Promise<Response> {
		await countRejections(deps.db, [reason], now()).catch((e) => logError('counting a rejection failed', e));
		return json({ error, issues } satisfies ApiError, status);
	}

	async function postEvents(request: Request, client: string): Promise<Response> {
		const limit = limited(client);
		if (limit) return limit;
		if (!isJsonContentType(request.headers.get('content-type')))
			return refuse(415, 'batch:unsupported-media-type', 'send application/json or text/plain;charset=UTF-8');

		let body: unknown;
		try {
			const bytes = await readBodyLimited(request, BATCH_LIMITS.maxBytes);
			body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
		} catch (e) {
			if (e instanceof BodyTooLargeError)
				return refuse(413, 'batch:too-large', `body larger than ${BATCH_LIMITS.maxBytes} bytes`);
			return refuse(400, 'batch:invalid-json', 'body is not UTF-8 JSON', [{ path: '', message: String(e) }]);
		}

		const envelope = batchEnvelopeSchema.safeParse(body);
		if (!envelope.success)
			return refuse(400, 'batch:no-events-array', 'body must be an object with an events array', [
				{ path: 'events', message: 'expected an array of events' }
			]);
		const raw = envelope.data.events;
		if (raw.length > BATCH_LIMITS.maxEvents)
			return refuse(413, 'batch:too-many-events', `at most ${BATCH_LIMITS.maxEvents} events per batch`);
		if (raw.length === 0)
			return refuse(400, 'batch:empty', 'no events', [
				{ path: 'events', message: 'expected at least one event' }
			]);

		const { valid, rejected } = validateEvents(raw);
		const reasons = rejected.map((r) => r.reason);
		try {
			if (valid.length === 0) {
				await countRejections(deps.db, reasons, now());
				const issues = rejected
					.flatMap((r) =>
						r.issues.map((i) => ({ path: join('events', r.index, i.path), message: i.message }))
					)
					.slice(0, MAX_BATCH_ISSUES);
				return json({ error: 'no valid event in the batch', issues } satisfies EventsBadRequest, 400);
			}
			const { accepted, duplicates } = await store(valid, reasons, now());
			if (rejected.length === 0) return json({ accepted, duplicates } satisfies EventsAccepted, 202);
			const report = rejected.map(({ index, id, issues }): RejectedEventReport => ({ index, id, issues }));
			return json({ accepted, duplicates, rejected: report } satisfies EventsPartial, 207);
		} catch (e) {
			logError('storing telemetry failed', e);
			return json({ error: 'storage unavailable, retry later' } satisfies ApiError, 503, {
				'retry-after': '5'
			});
		}
	}

	async function deleteInstallationHandler(_request: Request, installationId: string, client: string) {
		const limit = limited(client);
		if (limit) return limit;
		if (!UUID.test(installationId))
			return json(
				{
					error: 'invalid installation id',
					issues: [{ path: 'installationId', message: 'expected a UUID' }]
				},
				400
			);
		try {
			return json({ deleted: await deleteInstallation(deps.db, installationId.toLowerCase()) }, 200);
		} catch (e) {
			logError('deleting an installation failed', e);
			return json({ error: 'storage unavailable, retry later' }, 503, { 'retry-after': '5' });
		}
	}

	function unauthorized(request: Request): Response | null {
		const token = bearerToken(request.headers.get('authorization'));
		if (token === null || !tokensEqual(token, deps.adminToken))
			return json({ error: 'admin token required' }, 401, { 'www-authenticate': 'Bearer' });
		return null;
	}

	async function getQuality(request: Request): Promise<Response> {
		const denied = unauthorized(request);
		if (denied) return denied;
		try {
			return json((await qualityReport(deps.db)) satisfies QualityReport, 200);
		} catch (e) {
			logError('quality query failed', e);
			return json({ error: 'storage unavailable, retry later' }, 503);
		}
	}

	const noRollout = () => json({ error: 'the rollout is not configured on this server' }, 503);

	async function getConfig(request: Request, client: string): Promise<Response> {
		const limit = limited(client);
		if (limit) return limit;
		if (!deps.rollout) return noRollout();
		const installation = new URL(request.url).searchParams.get('installation') ?? '';
		if (!UUID.test(installation))
			return json(
				{
					error: 'invalid installation id',
					issues: [{ path: 'installation', message: 'expected a UUID query parameter' }]
				},
				400
			);
		try {
			const config = await deps.rollout.clientConfig(installation);
			// Per URL (so per installation); short, so a rollback reaches browsers within a minute.
			return json(config, 200, { 'cache-control': 'public, max-age=60' });
		} catch (e) {
			logError('building the client config failed', e);
			return json({ error: 'storage unavailable, retry later' }, 503, { 'retry-after': '5' });
		}
	}

	async function rolloutAnswer(run: () => Promise<ChangeResult>): Promise<Response> {
		try {
			const r = await run();
			if (!r.ok) return json({ error: 'invalid rollout settings', issues: r.issues }, 400);
			return json(r.state, 200, { 'cache-control': 'no-store' });
		} catch (e) {
			if (e instanceof RolloutConflictError)
				return json({ error: 'the rollout changed meanwhile; reload and try again' }, 409);
			logError('changing the rollout failed', e);
			return json({ error: 'storage unavailable, retry later' }, 503);
		}
	}

	async function getRollout(request: Request): Promise<Response> {
		const denied = unauthorized(request);
		if (denied) return denied;
		if (!deps.rollout) return noRollout();
		const rollout = deps.rollout;
		return rolloutAnswer(async () => ({ ok: true, state: await rollout.state() }));
	}

	async function putRollout(request: Request): Promise<Response> {
		const denied = unauthorized(request);
		if (denied) return denied;
		if (!deps.rollout) return noRollout();
		if (!isJsonContentType(request.headers.get('content-type')))
			return json({ error: 'send application/json' }, 415);
		let body: unknown;
		try {
			const bytes = await readBodyLimited(request, MAX_ROLLOUT_BODY);
			body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
		} catch (e) {
			if (e instanceof BodyTooLargeError)
				return json({ error: `body larger than ${MAX_ROLLOUT_BODY} bytes` }, 413);
			return json({ error: 'body is not UTF-8 JSON', issues: [{ path: '', message: String(e) }] }, 400);
		}
		const rollout = deps.rollout;
		return rolloutAnswer(() => rollout.update(body, ADMIN_ACTOR));
	}

	async function rollbackRollout(request: Request): Promise<Response> {
		const denied = unauthorized(request);
		if (denied) return denied;
		if (!deps.rollout) return noRollout();
		const rollout = deps.rollout;
		return rolloutAnswer(() => rollout.rollback(ADMIN_ACTOR));
	}

	return {
		postEvents,
		deleteInstallation: deleteInstallationHandler,
		getQuality,
		getConfig,
		getRollout,
		putRollout,
		rollbackRollout
	};
}

function join(...parts: (string | number)[]): string {
	return parts.filter((p) => p !== '').join('.');
}
