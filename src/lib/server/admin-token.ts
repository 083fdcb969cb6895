/**
 * The admin token that guards /api/v1/quality (and the dashboard built on it).
 *
 * ADMIN_TOKEN from the environment wins (at least 32 characters, or the server refuses to start).
 * Without it, the server generates a random token on first start and keeps it in
 * `<data dir>/admin-token` (mode 0600, in a 0700 directory), reusing it on later starts, and prints one
 * line saying where to log in and which file holds the token. The token itself is never printed or put
 * in a URL: logs and browser history are read by more people than the admin.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The token and where it came from. */
export interface AdminToken {
	token: string;
	source: 'env' | 'file' | 'generated';
	/** The token file, when the token lives in one. */
	file: string | null;
}

/** File name of the generated token inside the data directory. */
export const ADMIN_TOKEN_FILE = 'admin-token';

/** The shortest ADMIN_TOKEN accepted: 32 random characters are beyond guessing, even unthrottled. */
export const MIN_ADMIN_TOKEN_CHARS = 32;

/** The ADMIN_TOKEN of the environment, null when unset; throws when it is too short to be safe. */
export function envAdminToken(envToken: string | undefined): AdminToken | null {
	const token = envToken?.trim();
	if (!token) return null;
	if (token.length < MIN_ADMIN_TOKEN_CHARS)
		throw new Error(
			`ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_CHARS} characters (it has ${token.length}); ` +
				'e.g. `openssl rand -base64 32`, or unset it to let the server generate one'
		);
	return { token, source: 'env', file: null };
}

/**
 * Finds, reads or creates the admin token. A token file others can read is made owner-only, with a
 * warning through `warn`.
 */
export function resolveAdminToken(
	envToken: string | undefined,
	dataDir: string,
	warn: (line: string) => void = console.warn
): AdminToken {
	const fromEnv = envAdminToken(envToken);
	if (fromEnv) return fromEnv;
	const file = join(dataDir, ADMIN_TOKEN_FILE);
	try {
		const token = readFileSync(file, 'utf8').trim();
		if (token) {
			const mode = statSync(file).mode & 0o777;
			if (mode & 0o077) {
				chmodSync(file, 0o600);
				warn(`Redline admin: ${file} was readable by others (mode ${mode.toString(8)}); made it 0600`);
			}
			return { token, source: 'file', file };
		}
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
	}
	mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	const token = randomBytes(32).toString('base64url');
	// 'wx' fails if another process created the file meanwhile; then its token is the one to use,
	// unless the file is empty (a crash between create and write), which we overwrite.
	try {
		writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
		const existing = readFileSync(file, 'utf8').trim();
		if (existing) return { token: existing, source: 'file', file };
		writeFileSync(file, token + '\n', { mode: 0o600 });
	}
	chmodSync(file, 0o600);
	return { token, source: 'generated', file };
}

/** The one line printed at start-up that says how to log in as admin. */
export function adminLoginMessage(t: AdminToken, origin: string): string {
	if (t.source === 'env')
		return `Redline admin: log in at ${origin}/login with the ADMIN_TOKEN from the environment`;
	return `Redline admin: log in at ${origin}/login with the token in ${t.file} (set ADMIN_TOKEN to choose your own)`;
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | null): string | null {
	const m = header?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
	return m ? m[1] : null;
}

/**
 * Compares tokens in constant time. Hashing first makes both sides the same length, so neither the
 * content nor the length of the real token leaks through timing.
 */
export function tokensEqual(given: string, expected: string): boolean {
	const a = createHash('sha256').update(given).digest();
	const b = createHash('sha256').update(expected).digest();
	return timingSafeEqual(a, b);
}
