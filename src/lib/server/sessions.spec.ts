import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from './api';
import { openDatabase, type OpenDatabase } from './db/open';
import { TokenBucketLimiter } from './rate-limit';
import { createSession, sessionCookie, sessionValid, SESSION_HOURS } from './sessions';

const ADMIN = 'test-admin-token-0123456789abcdef';
let database: OpenDatabase | null = null;
afterEach(async () => {
	await database?.close();
	database = null;
});

async function setup(now = () => new Date('2026-12-01T12:00:00Z')) {
	database = await openDatabase('sqlite::memory:');
	const adminFailures = new TokenBucketLimiter({ ratePerSec: 0.001, burst: 3 });
	return createApi({
		db: database.db,
		adminToken: ADMIN,
		limiter: null,
		limits: { adminFailures },
		knownModels: async () => new Set(),
		now
	});
}
const login = (token: unknown, url = 'http://localhost/api/v1/admin/session') =>
	new Request(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ token })
	});
const versions = (headers: Record<string, string> = {}) =>
	new Request('http://localhost/api/v1/admin/dashboard/versions?days=7', { headers });

describe('admin sessions', () => {
	it('logs in with the token, sets a strict HttpOnly cookie, and the cookie opens the dashboard API', async () => {
		const api = await setup();
		const res = await api.login(login(ADMIN), '10.0.0.1');
		expect(res.status).toBe(204);
		const cookie = res.headers.get('set-cookie')!;
		expect(cookie).toMatch(
			/^redline_admin=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/
		);
		const id = sessionCookie(cookie.split(';')[0])!;
		expect(
			(await api.getDashboard(versions({ cookie: `redline_admin=${id}` }), '10.0.0.1', 'versions')).status
		).toBe(200);
		// Only the hash is stored.
		const rows = await database!.db.selectFrom('admin_sessions').selectAll().execute();
		expect(rows).toHaveLength(1);
		expect(rows[0].id_hash).not.toContain(id);
		// Logout ends it.
		await api.logout(
			new Request('http://localhost/api/v1/admin/session', {
				method: 'DELETE',
				headers: { cookie: `redline_admin=${id}` }
			})
		);
		expect(
			(await api.getDashboard(versions({ cookie: `redline_admin=${id}` }), '10.0.0.1', 'versions')).status
		).toBe(401);
	});

	it('marks the cookie Secure over https', async () => {
		const api = await setup();
		const res = await api.login(login(ADMIN, 'https://example.org/api/v1/admin/session'), '10.0.0.1');
		expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
	});

	it('refuses without credentials, with a wrong token, and rate-limits failed logins', async () => {
		const api = await setup();
		expect((await api.getDashboard(versions(), '10.0.0.2', 'versions')).status).toBe(401);
		expect(
			(await api.getDashboard(versions({ cookie: 'redline_admin=forged' }), '10.0.0.2', 'versions')).status
		).toBe(401);
		expect((await api.login(login('wrong'), '10.0.0.3')).status).toBe(401);
		expect((await api.login(login('wrong'), '10.0.0.3')).status).toBe(401);
		expect((await api.login(login(42), '10.0.0.3')).status).toBe(401);
		// The bucket is empty: even the right token waits.
		expect((await api.login(login(ADMIN), '10.0.0.3')).status).toBe(429);
		expect((await api.login(login(ADMIN), '10.0.0.4')).status).toBe(204);
	});

	it('still accepts the bearer token', async () => {
		const api = await setup();
		expect(
			(await api.getDashboard(versions({ authorization: `Bearer ${ADMIN}` }), '10.0.0.1', 'versions')).status
		).toBe(200);
		expect(
			(
				await api.getDashboard(
					new Request('http://localhost/x?days=5', { headers: { authorization: `Bearer ${ADMIN}` } }),
					'10.0.0.1',
					'versions'
				)
			).status
		).toBe(400);
	});

	it('expires sessions after SESSION_HOURS', async () => {
		database = await openDatabase('sqlite::memory:');
		const t0 = new Date('2026-12-01T00:00:00Z');
		const { id } = await createSession(database.db, t0);
		expect(
			await sessionValid(database.db, id, new Date(t0.getTime() + (SESSION_HOURS * 3600 - 1) * 1000))
		).toBe(true);
		expect(await sessionValid(database.db, id, new Date(t0.getTime() + SESSION_HOURS * 3600 * 1000))).toBe(
			false
		);
	});
});
