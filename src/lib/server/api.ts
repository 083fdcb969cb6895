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
 * - 413: body over 512 KiB or more than 500 events. 415: another content type.
 * - 429 with Retry-After (seconds): a rate limit, per client (requests; bytes, counted as what the
 *   events take once stored and reserved before they are written, so a batch that would pass the
 *   budget is refused whole; too many batches waiting behind the one in progress; IPv6 clients by
 *   their /64) or for the whole server.
 * - 503 with Retry-After: the database failed, or free disk space is under the floor; retry later.
 * Per event, besides schema errors: `occurredAt` outside [received − 1 year, received + 1 day], a model
 * ref the server does not know (known-models.ts), an installation over its daily cap (quota.ts) or
 * deleted in the last 30 days are rejected (207, or 400 when none is left).
 * Retrying is always safe: event ids are idempotency keys. Rejections are counted by reason in the
 * database (429s and 503s are not, to keep a flood, or a full disk, from writing).
 *
 * DELETE /api/v1/installations/:installationId: deletes every event stored under the installation id
 * and answers 200 `{ deleted }` (the number of events removed; 0 when there were none); for 30 days
 * afterwards that installation's events are refused. The random installation id is the capability:
 * only the browser that made it knows it.
 *
 * GET /api/v1/quality with `Authorization: Bearer <ADMIN_TOKEN>`: 200 with the report of quality.ts,
 * 401 otherwise; 429 once a client failed too often (guessing the token).
 *
 * GET /api/v1/health (public): 200 with contracts/health.ts (`status` 'ok' or 'alert', the alerts of
 * quality/health.ts over hourly counts, totals), `Cache-Control: no-store`. Counts only, no user text.
 *
 * GET /api/v1/export?model=ID@VERSION&since=ISO&until=ISO with the admin bearer token (401 otherwise):
 * 200 application/x-ndjson, one line per reviewed segment (contracts/export.ts, server/export.ts),
 * streamed from the database page by page; 400 for an invalid model or time.
 *
 * GET /api/v1/config?installation=<uuid> (public): 200 with contracts/config.ts (the installation's model
 * and arm, the highlight threshold, sampling rates), `Cache-Control: public, max-age=60`; 400 without a
 * UUID. It holds nothing about the user: the installation id only picks the arm.
 *
 * Rollout admin, all with the admin bearer token (401 otherwise, 429 after repeated failures), bodies of contracts/rollout.ts:
 * - GET /api/v1/admin/rollout: 200 with the settings, their source, the selectable models, the audit log.
 * - PUT /api/v1/admin/rollout, body `{ default, candidate: { model, percent } | null, sampling? }`:
 *   200 with the new state (audited as actor 'admin-token'); 400 `{ error, issues }` for an invalid body
 *   or an unknown model; 409 when another change committed meanwhile.
 * - POST /api/v1/admin/rollout/rollback: sets the candidate's percent to 0; 200 with the new state
 *   (unchanged and not audited when no installation had the candidate).
 *
 * Admin login (the dashboard), both refused with 429 after repeated failures like the bearer token:
 * - POST /api/v1/admin/session, body `{ token }`: 204 with an HttpOnly SameSite=Strict session cookie
 *   (sessions.ts) when the token is right, 401 otherwise.
 * - DELETE /api/v1/admin/session: ends the cookie's session (logout), 204.
 * Every admin endpoint accepts either that cookie or `Authorization: Bearer <ADMIN_TOKEN>`.
 *
 * Dashboard (admin), GET /api/v1/admin/dashboard/<section>?days=7|30|90, bodies of contracts/dashboard.ts
 * built by server/dashboard/: `versions`, `speed`, `health`, and `compare?a=<key>&b=<key>`.
 *
 * Deployment with adapter-node: its BODY_SIZE_LIMIT default of 512K matches BATCH_LIMITS.maxBytes
 * (either refuses a larger body with 413). SvelteKit's CSRF check refuses text/plain POSTs whose
 * Origin is not the app's own (403), and adapter-node takes the app's origin to be https://<host>
 * unless ORIGIN is set, so a plain-http deployment (local runs, e2e tests) needs ORIGIN for beacons;
 * `fetch(…, { keepalive: true })` with application/json is not affected.
 */
import type { Kysely } from 'kysely';
import type { ApiError, EventsAccepted, EventsBadRequest, EventsPartial, Issue } from '../contracts/events';
import type { QualityReport } from '../contracts/quality';
import { BATCH_LIMITS } from '../telemetry/schema';
import { inThreadParser, type BatchParser } from './batch-parser';
import { RolloutConflictError, type ChangeResult, type Rollout } from './rollout/rollout';
import { bearerToken, tokensEqual } from './admin-token';
import {
	createSession,
	deleteSession,
	sessionClearCookie,
	sessionCookie,
	sessionSetCookie,
	sessionValid
} from './sessions';
import { dashboardSection, DashboardInputError } from './dashboard/sections';
import type { Database } from './db/tables';
import { BodyTooLargeError, discardBody, isJsonContentType, json, readBodyLimited } from './http';
import {
	DELETED_INSTALLATION_REASON,
	countRejections,
	deleteInstallation,
	storeBatch,
	storedRowBytes,
	type RejectedEvent,
	type StoreBatch,
	type StoreResult
} from './ingest';
import { DAILY_CAP_REASON, type DailyCap } from './quota';
import { qualityReport } from './quality';
import { telemetryHealth } from './health';
import { exportLines, exportStream, parseModelArg, type ExportFilter } from './export';
import { clientKey, type Limits, type TokenBucketLimiter } from './rate-limit';
import type { TelemetryEvent } from '../telemetry/schema';

/** What the handlers need; built once per process by context.ts (or by a test). */
export interface ApiDeps {
	db: Kysely<Database>;
	adminToken: string;
	/** Requests per client; null disables it. */
	limiter: TokenBucketLimiter | null;
	/** The other limits (bytes, whole server, admin failures); an absent one is off. */
	limits?: Partial<Limits>;
	/** The model refs events may name (modelRefKey strings; see known-models.ts). */
	knownModels: () => Promise<ReadonlySet<string>>;
	/** Events per installation per day; absent: no cap. */
	dailyCap?: DailyCap;
	/** True when free disk space is under the floor (disk.ts); absent: never. */
	lowDisk?: () => Promise<boolean>;
	/** Where bodies are decoded and validated (batch-parser.ts); this thread unless given. */
	parser?: BatchParser;
	/** How batches are written; one transaction per request (storeBatch) unless given (see storeFor). */
	store?: StoreBatch;
	now?: () => Date;
	/** Where unexpected errors go; console.error by default. */
	logError?: (message: string, error: unknown) => void;
	/** The model rollout; without it the config and rollout endpoints answer 503. */
	rollout?: Rollout;
	/** Secret of the export's installation pseudonyms; the admin token by default. */
	exportSecret?: string;
	/** The database's SQL dialect (the dashboard reads JSON fields); default 'sqlite'. */
	dbKind?: 'sqlite' | 'postgres';
	/** Where models/<id>/eval.json files are read from (the dashboard's static evaluation); absent: none. */
	modelsDir?: string;
}

/** The API's handlers. `client` is the key the rate limit counts by (the client's IP address). */
export interface Api {
	postEvents(request: Request, client: string): Promise<Response>;
	deleteInstallation(request: Request, installationId: string, client: string): Promise<Response>;
	getQuality(request: Request, client: string): Promise<Response>;
	getConfig(request: Request, client: string): Promise<Response>;
	getHealth(request: Request, client: string): Promise<Response>;
	getExport(request: Request, client: string): Promise<Response>;
	getRollout(request: Request, client: string): Promise<Response>;
	putRollout(request: Request, client: string): Promise<Response>;
	rollbackRollout(request: Request, client: string): Promise<Response>;
	login(request: Request, client: string): Promise<Response>;
	logout(request: Request): Promise<Response>;
	/** True when the request carries a valid session cookie or bearer token (no rate limit charged). */
	isAdmin(request: Request): Promise<boolean>;
	getDashboard(request: Request, client: string, section: string): Promise<Response>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Issues listed in a 400 for an all-invalid batch; enough to debug, bounded in size. */
const MAX_BATCH_ISSUES = 50;
/** Largest rollout PUT body; real ones are a few hundred bytes. */
const MAX_ROLLOUT_BODY = 16 * 1024;
/** Who an admin change is attributed to in the audit log (the bearer token is the only admin login). */
const ADMIN_ACTOR = 'admin-token';

/** Bytes taken from one byte budget for a batch before its insert. */
interface Reservation {
	limiter: TokenBucketLimiter;
	key: string;
	taken: number;
}

/** How many of `events` each installation (its lower-case id) sent. */
function eventsPerInstallation(events: readonly TelemetryEvent[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const e of events) {
		const id = e.installationId.toLowerCase();
		counts.set(id, (counts.get(id) ?? 0) + 1);
	}
	return counts;
}

/** Builds the handlers around one database. */
export function createApi(deps: ApiDeps): Api {
	const now = deps.now ?? (() => new Date());
	const logError = deps.logError ?? ((m, e) => console.error(m, e));
	const store: StoreBatch =
		deps.store ?? ((events, reasons, at, rows) => storeBatch(deps.db, events, reasons, at, rows));

	const limits = deps.limits ?? {};
	const parser = deps.parser ?? inThreadParser;

	// The client's own bucket first, so a flood refused there does not drain the server-wide one.
	function limited(
		own: TokenBucketLimiter | null | undefined,
		global: TokenBucketLimiter | null | undefined,
		client: string,
		cost = 1
	): Response | null {
		for (const [limiter, key] of [
			[own, clientKey(client)],
			[global, '*']
		] as const) {
			const d = limiter?.take(key, cost);
			if (d && !d.ok)
				return json({ error: 'rate limit exceeded' } satisfies ApiError, 429, {
					'retry-after': String(d.retryAfterSec)
				});
		}
		return null;
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
		const limit = limited(deps.limiter, limits.globalRequests, client);
		if (limit) return limit;
		if (!isJsonContentType(request.headers.get('content-type')))
			return refuse(415, 'batch:unsupported-media-type', 'send application/json or text/plain;charset=UTF-8');
		if (await deps.lowDisk?.()) {
			await discardBody(request, BATCH_LIMITS.maxBytes);
			return json({ error: 'the server is low on disk space, retry later' }, 503, { 'retry-after': '600' });
		}

		// Before the byte charge: a batch waiting its turn is charged only once the one before it was, its
		// stored bytes included, so a client's parallel batches cannot all pass on one full bucket.
		const release = limits.inFlight ? await limits.inFlight.acquire(clientKey(client)) : () => {};
		if (!release) {
			await discardBody(request, BATCH_LIMITS.maxBytes);
			return json({ error: 'too many requests in progress from this client' } satisfies ApiError, 429, {
				'retry-after': '1'
			});
		}
		try {
			// Bytes are charged before the body is read when it declares its length (a flood costs no
			// parsing), otherwise once read; a lying Content-Length is caught by readBodyLimited.
			const declared = Number(request.headers.get('content-length'));
			const charged = Number.isFinite(declared) && declared > 0 && declared <= BATCH_LIMITS.maxBytes;
			if (charged) {
				const byBytes = limited(limits.bytes, limits.globalBytes, client, declared);
				if (byBytes) {
					await discardBody(request, BATCH_LIMITS.maxBytes);
					return byBytes;
				}
			}
			return await readAndStore(request, client, charged);
		} finally {
			release();
		}
	}

	// The part of postEvents that costs: reading, parsing, validating and storing the body.
	async function readAndStore(request: Request, client: string, charged: boolean): Promise<Response> {
		let bytes: Uint8Array;
		try {
			bytes = await readBodyLimited(request, BATCH_LIMITS.maxBytes);
		} catch (e) {
			if (e instanceof BodyTooLargeError)
				return refuse(413, 'batch:too-large', `body larger than ${BATCH_LIMITS.maxBytes} bytes`);
			return refuse(400, 'batch:invalid-json', 'body is not UTF-8 JSON', [{ path: '', message: String(e) }]);
		}
		if (!charged) {
			const byBytes = limited(limits.bytes, limits.globalBytes, client, Math.max(1, bytes.byteLength));
			if (byBytes) return byBytes;
		}
		const requestBytes = bytes.byteLength;

		const receivedAt = now();
		try {
			// Decoding, parsing, validation and the rows, on the parser's worker thread (batch-parser.ts).
			const parsed = await parser.parse(bytes, { receivedAt, knownModels: await deps.knownModels() });
			if (!parsed.ok) return refuse(parsed.status, parsed.reason, parsed.error, parsed.issues);
			const indexOf = new Map(parsed.valid.map((e, i) => [e, parsed.indices[i]]));
			const rowOf = new Map(parsed.valid.map((e, i) => [e, parsed.rows[i]]));
			const { valid, rejected } = await applyDailyCap(parsed.valid, parsed.rejected, indexOf, receivedAt);
			const reasons = rejected.map((r) => r.reason);
			if (valid.length === 0) return await noneValid(rejected, reasons, receivedAt);
			// The byte budget is what the database grows by, about twice the request's bytes (storedRowBytes).
			// The rows' bytes beyond the request's, already taken, are reserved before anything is written, so
			// a client's stored bytes never pass its budget; what the commit did not store is given back.
			const rows = valid.map((e) => rowOf.get(e)!);
			let estimate = 0;
			for (const row of rows) estimate += storedRowBytes(row);
			const reservation = reserveBytes(client, Math.max(0, estimate - requestBytes), requestBytes);
			if (reservation instanceof Response) {
				await releaseAll(valid, receivedAt);
				return reservation;
			}
			let stored: StoreResult;
			try {
				stored = await store(valid, reasons, receivedAt, rows);
			} catch (e) {
				settleBytes(reservation, 0);
				throw e;
			}
			settleBytes(reservation, Math.max(0, stored.storedBytes - requestBytes));
			const refused = new Set(stored.deletedInstallations);
			for (const e of valid)
				if (refused.has(e.installationId.toLowerCase()))
					rejected.push({
						index: indexOf.get(e)!,
						id: e.id,
						issues: [{ path: 'installationId', message: 'this installation was deleted' }],
						reason: DELETED_INSTALLATION_REASON
					});
			await releaseUnstored(valid, stored.duplicates, refused, receivedAt);
			const { accepted, duplicates } = stored;
			if (rejected.length === 0) return json({ accepted, duplicates } satisfies EventsAccepted, 202);
			if (accepted + duplicates === 0)
				return json(
					{ error: 'no valid event in the batch', issues: batchIssues(rejected) } satisfies EventsBadRequest,
					400
				);
			const report = rejected
				.sort((a, b) => a.index - b.index)
				.map(({ index, id, issues }) => ({ index, id, issues }));
			return json({ accepted, duplicates, rejected: report } satisfies EventsPartial, 207);
		} catch (e) {
			logError('storing telemetry failed', e);
			return json({ error: 'storage unavailable, retry later' }, 503, { 'retry-after': '5' });
		}
	}

	function batchIssues(rejected: RejectedEvent[]): Issue[] {
		return rejected
			.sort((a, b) => a.index - b.index)
			.flatMap((r) => r.issues.map((i) => ({ path: join('events', r.index, i.path), message: i.message })))
			.slice(0, MAX_BATCH_ISSUES);
	}

	async function noneValid(rejected: RejectedEvent[], reasons: string[], at: Date): Promise<Response> {
		await countRejections(deps.db, reasons, at);
		return json(
			{ error: 'no valid event in the batch', issues: batchIssues(rejected) } satisfies EventsBadRequest,
			400
		);
	}

	// Events past their installation's daily cap become rejections (in batch order, the first ones kept).
	async function applyDailyCap(
		valid: TelemetryEvent[],
		rejected: RejectedEvent[],
		indexOf: Map<TelemetryEvent, number>,
		at: Date
	): Promise<{ valid: TelemetryEvent[]; rejected: RejectedEvent[] }> {
		const cap = deps.dailyCap;
		if (!cap || valid.length === 0) return { valid, rejected };
		const granted = new Map<string, number>();
		for (const [id, n] of eventsPerInstallation(valid)) granted.set(id, await cap.reserve(id, n, at));
		const kept: TelemetryEvent[] = [];
		const out = [...rejected];
		for (const e of valid) {
			const id = e.installationId.toLowerCase();
			const left = granted.get(id)!;
			if (left > 0) {
				granted.set(id, left - 1);
				kept.push(e);
				continue;
			}
			out.push({
				index: indexOf.get(e)!,
				id: e.id,
				issues: [
					{ path: '', message: `this installation reached its limit of ${cap.perDay} events today (UTC)` }
				],
				reason: DAILY_CAP_REASON
			});
		}
		return { valid: kept, rejected: out };
	}

	// Takes `bytes` from the client's and the server's byte budgets, or neither: a 429 when either is short.
	// Never more than a bucket can hold beside the request's bytes: with a burst configured below a large
	// batch's stored size that batch passes once the bucket is full, its excess charged as debt after the
	// commit (settleBytes), instead of being refused for ever.
	function reserveBytes(client: string, bytes: number, requestBytes: number): Reservation[] | Response {
		const taken: Reservation[] = [];
		for (const [limiter, key] of [
			[limits.bytes, clientKey(client)],
			[limits.globalBytes, '*']
		] as const) {
			if (!limiter) continue;
			const cost = Math.min(bytes, Math.max(0, limiter.burst - requestBytes));
			const d = cost > 0 ? limiter.take(key, cost) : ({ ok: true } as const);
			if (!d.ok) {
				for (const t of taken) t.limiter.refund(t.key, t.taken);
				return json({ error: 'rate limit exceeded' } satisfies ApiError, 429, {
					'retry-after': String(d.retryAfterSec)
				});
			}
			taken.push({ limiter, key, taken: cost });
		}
		return taken;
	}

	// Settles reservations once the commit says how many bytes beyond the request's it stored: the unused
	// part goes back (duplicates, deleted installations), what was stored beyond the reservation is debt.
	function settleBytes(reservations: Reservation[], used: number) {
		for (const r of reservations) {
			if (used < r.taken) r.limiter.refund(r.key, r.taken - used);
			else if (used > r.taken) r.limiter.charge(r.key, used - r.taken);
		}
	}

	// A batch refused whole after the daily cap granted its events gives every grant back.
	async function releaseAll(valid: TelemetryEvent[], at: Date) {
		const cap = deps.dailyCap;
		if (!cap) return;
		for (const [id, n] of eventsPerInstallation(valid)) await cap.release(id, n, at);
	}

	// Duplicates and refused events were not stored: they give their share of the cap back. Duplicates are
	// attributed only when the batch has one installation (as every browser batch has).
	async function releaseUnstored(
		valid: TelemetryEvent[],
		duplicates: number,
		refused: Set<string>,
		at: Date
	) {
		const cap = deps.dailyCap;
		if (!cap) return;
		const counts = eventsPerInstallation(valid);
		for (const id of refused) await cap.release(id, counts.get(id) ?? 0, at);
		if (counts.size === 1 && duplicates > 0) await cap.release([...counts.keys()][0], duplicates, at);
	}

	async function deleteInstallationHandler(_request: Request, installationId: string, client: string) {
		const limit = limited(deps.limiter, limits.globalRequests, client);
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
			return json({ deleted: await deleteInstallation(deps.db, installationId.toLowerCase(), now()) }, 200);
		} catch (e) {
			logError('deleting an installation failed', e);
			return json({ error: 'storage unavailable, retry later' }, 503, { 'retry-after': '5' });
		}
	}

	// The admin check of every admin endpoint: a session cookie or the bearer token. Each failure costs
	// a token; once they are gone every attempt, the right token included, is refused unchecked until
	// one refills, so guessing is slowed to the refill rate.
	async function unauthorized(request: Request, client: string): Promise<Response | null> {
		const failures = limits.adminFailures;
		const key = clientKey(client);
		const locked = failures?.check(key);
		if (locked && !locked.ok)
			return json({ error: 'too many failed attempts' } satisfies ApiError, 429, {
				'retry-after': String(locked.retryAfterSec)
			});
		if (await isAdmin(request)) return null;
		failures?.take(key);
		return json({ error: 'admin token required' } satisfies ApiError, 401, { 'www-authenticate': 'Bearer' });
	}

	async function isAdmin(request: Request): Promise<boolean> {
		const token = bearerToken(request.headers.get('authorization'));
		if (token !== null) return tokensEqual(token, deps.adminToken);
		const session = sessionCookie(request.headers.get('cookie'));
		return session !== null && (await sessionValid(deps.db, session, now()));
	}

	async function login(request: Request, client: string): Promise<Response> {
		const failures = limits.adminFailures;
		const key = clientKey(client);
		const locked = failures?.check(key);
		if (locked && !locked.ok)
			return json({ error: 'too many failed attempts, wait and try again' } satisfies ApiError, 429, {
				'retry-after': String(locked.retryAfterSec)
			});
		let token: unknown;
		try {
			const bytes = await readBodyLimited(request, 4096);
			token = (JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as { token?: unknown })
				?.token;
		} catch {
			return json({ error: 'send { "token": "…" } as JSON' } satisfies ApiError, 400);
		}
		if (typeof token !== 'string' || !tokensEqual(token, deps.adminToken)) {
			failures?.take(key);
			return json({ error: 'That admin token is not valid.' } satisfies ApiError, 401);
		}
		const { id } = await createSession(deps.db, now());
		const secure = new URL(request.url).protocol === 'https:';
		return new Response(null, {
			status: 204,
			headers: { 'set-cookie': sessionSetCookie(id, secure), 'cache-control': 'no-store' }
		});
	}

	async function logout(request: Request): Promise<Response> {
		const session = sessionCookie(request.headers.get('cookie'));
		if (session !== null) await deleteSession(deps.db, session);
		const secure = new URL(request.url).protocol === 'https:';
		return new Response(null, { status: 204, headers: { 'set-cookie': sessionClearCookie(secure) } });
	}

	async function getDashboard(request: Request, client: string, section: string): Promise<Response> {
		const denied = await unauthorized(request, client);
		if (denied) return denied;
		try {
			const body = await dashboardSection(deps.db, section, new URL(request.url).searchParams, {
				now: now(),
				modelsDir: deps.modelsDir,
				dialect: deps.dbKind,
				servedThreshold: deps.rollout ? (ref) => deps.rollout!.servedThreshold(ref) : undefined
			});
			return json(body, 200, { 'cache-control': 'no-store' });
		} catch (e) {
			if (e instanceof DashboardInputError) return json({ error: e.message } satisfies ApiError, 400);
			logError('dashboard query failed', e);
			return json({ error: 'storage unavailable, retry later' }, 503);
		}
	}

	async function getQuality(request: Request, client: string): Promise<Response> {
		const denied = await unauthorized(request, client);
		if (denied) return denied;
		try {
			return json((await qualityReport(deps.db)) satisfies QualityReport, 200);
		} catch (e) {
			logError('quality query failed', e);
			return json({ error: 'storage unavailable, retry later' }, 503);
		}
	}

	async function getHealth(_request: Request, client: string): Promise<Response> {
		const limit = limited(deps.limiter, limits.globalRequests, client);
		if (limit) return limit;
		try {
			return json(await telemetryHealth(deps.db, now()), 200, { 'cache-control': 'no-store' });
		} catch (e) {
			logError('health query failed', e);
			return json({ error: 'storage unavailable, retry later' }, 503, { 'retry-after': '5' });
		}
	}

	async function getExport(request: Request, client: string): Promise<Response> {
		const denied = await unauthorized(request, client);
		if (denied) return denied;
		const params = new URL(request.url).searchParams;
		const filter: ExportFilter = {};
		const issues: Issue[] = [];
		const model = params.get('model');
		if (model !== null) {
			try {
				filter.model = parseModelArg(model);
			} catch (e) {
				issues.push({ path: 'model', message: (e as Error).message });
			}
		}
		for (const key of ['since', 'until'] as const) {
			const v = params.get(key);
			if (v === null) continue;
			const t = new Date(v);
			if (Number.isNaN(t.getTime()))
				issues.push({ path: key, message: `expected an ISO date or time, got "${v}"` });
			else filter[key] = t.toISOString();
		}
		if (issues.length > 0) return json({ error: 'invalid export query', issues } satisfies ApiError, 400);
		const lines = exportLines(deps.db, deps.exportSecret ?? deps.adminToken, filter);
		return new Response(exportStream(lines), {
			status: 200,
			headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' }
		});
	}

	const noRollout = () => json({ error: 'the rollout is not configured on this server' }, 503);

	async function getConfig(request: Request, client: string): Promise<Response> {
		const limit = limited(deps.limiter, limits.globalRequests, client);
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

	async function getRollout(request: Request, client: string): Promise<Response> {
		const denied = await unauthorized(request, client);
		if (denied) return denied;
		if (!deps.rollout) return noRollout();
		const rollout = deps.rollout;
		return rolloutAnswer(async () => ({ ok: true, state: await rollout.state() }));
	}

	async function putRollout(request: Request, client: string): Promise<Response> {
		const denied = await unauthorized(request, client);
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

	async function rollbackRollout(request: Request, client: string): Promise<Response> {
		const denied = await unauthorized(request, client);
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
		getHealth,
		getExport,
		getRollout,
		putRollout,
		rollbackRollout,
		login,
		logout,
		isAdmin,
		getDashboard
	};
}

function join(...parts: (string | number)[]): string {
	return parts.filter((p) => p !== '').join('.');
}
