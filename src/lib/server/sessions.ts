/**
 * Dashboard login sessions, kept in the database (table admin_sessions) so they survive a restart and
 * work with several server processes behind one PostgreSQL. The browser holds a random 256-bit id in
 * an HttpOnly, SameSite=Strict cookie (Secure on https); the database holds only its sha256, so a
 * leaked backup cannot be used to log in. Sessions expire SESSION_HOURS after login, whatever the use.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './db/tables';

/** The cookie that carries the session id. */
export const SESSION_COOKIE = 'redline_admin';
/** How long a login lasts. */
export const SESSION_HOURS = 12;

const hash = (id: string) => createHash('sha256').update(id).digest('hex');

/** Starts a session and returns its id (for the cookie only; never stored). Removes expired sessions. */
export async function createSession(db: Kysely<Database>, now: Date): Promise<{ id: string; expires: Date }> {
	const id = randomBytes(32).toString('base64url');
	const expires = new Date(now.getTime() + SESSION_HOURS * 3600_000);
	await db.deleteFrom('admin_sessions').where('expires_at', '<=', now.toISOString()).execute();
	await db
		.insertInto('admin_sessions')
		.values({ id_hash: hash(id), created_at: now.toISOString(), expires_at: expires.toISOString() })
		.execute();
	return { id, expires };
}

/** True when `id` names a session that has not expired. The lookup is by hash, so timing says nothing about ids. */
export async function sessionValid(db: Kysely<Database>, id: string, now: Date): Promise<boolean> {
	if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return false;
	const row = await db
		.selectFrom('admin_sessions')
		.select('expires_at')
		.where('id_hash', '=', hash(id))
		.executeTakeFirst();
	return row !== undefined && row.expires_at > now.toISOString();
}

/** Ends a session (logout); unknown ids are ignored. */
export async function deleteSession(db: Kysely<Database>, id: string): Promise<void> {
	await db.deleteFrom('admin_sessions').where('id_hash', '=', hash(id)).execute();
}

/** The session id in a Cookie header, or null. */
export function sessionCookie(header: string | null): string | null {
	for (const part of (header ?? '').split(';')) {
		const [name, ...rest] = part.trim().split('=');
		if (name === SESSION_COOKIE) return rest.join('=') || null;
	}
	return null;
}

/** The Set-Cookie value for a new session (Secure when the request came over https). */
export function sessionSetCookie(id: string, secure: boolean): string {
	return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_HOURS * 3600}${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that removes the session cookie. */
export function sessionClearCookie(secure: boolean): string {
	return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
