import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminLoginMessage, bearerToken, resolveAdminToken, tokensEqual } from './admin-token';

const dirs: string[] = [];
const tmp = () => {
	const d = mkdtempSync(join(tmpdir(), 'redline-token-'));
	dirs.push(d);
	return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('resolveAdminToken', () => {
	it('prefers the environment', () => {
		const secret = 's'.repeat(32);
		expect(resolveAdminToken(` ${secret} `, tmp())).toEqual({ token: secret, source: 'env', file: null });
	});

	it('refuses an ADMIN_TOKEN shorter than 32 characters, saying why', () => {
		expect(() => resolveAdminToken('test-admin-token', tmp())).toThrow(
			/ADMIN_TOKEN must be at least 32 characters \(it has 16\)/
		);
	});

	it('makes a token file others can read owner-only, and says so', () => {
		const dir = tmp();
		const file = join(dir, 'admin-token');
		writeFileSync(file, 'x'.repeat(43) + '\n', { mode: 0o644 });
		chmodSync(file, 0o644);
		const warnings: string[] = [];
		expect(resolveAdminToken(undefined, dir, (w) => warnings.push(w)).source).toBe('file');
		expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toContain('644');
		expect(warnings[0]).not.toContain('x'.repeat(43));
	});

	it('creates the data directory owner-only', () => {
		const dir = join(tmp(), 'fresh');
		resolveAdminToken(undefined, dir);
		expect(statSync(dir).mode & 0o777).toBe(0o700);
	});

	it('generates a 0600 file once and reuses it', () => {
		const dir = join(tmp(), 'nested');
		const first = resolveAdminToken(undefined, dir);
		expect(first.source).toBe('generated');
		expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(statSync(first.file!).mode & 0o777).toBe(0o600);
		const second = resolveAdminToken('', dir);
		expect(second).toEqual({ token: first.token, source: 'file', file: first.file });
	});

	it('replaces an empty token file', () => {
		const dir = tmp();
		writeFileSync(join(dir, 'admin-token'), '\n');
		expect(resolveAdminToken(undefined, dir).token.length).toBe(43);
	});
});

describe('bearerToken', () => {
	it.each([
		['Bearer abc', 'abc'],
		['bearer  abc ', 'abc'],
		['Basic abc', null],
		['Bearer', null],
		['Bearer a b', null],
		[null, null]
	])('%j -> %j', (header, token) => expect(bearerToken(header)).toBe(token));
});

describe('tokensEqual', () => {
	it.each([
		['abc', 'abc', true],
		['abc', 'abd', false],
		['ab', 'abc', false],
		['', 'abc', false]
	])('%j vs %j', (a, b, eq) => expect(tokensEqual(a, b)).toBe(eq));
});

it('the login line names the URL and the token file, never the token', () => {
	const token = 'secret-token-value-0123456789abcdef';
	const t = { token, source: 'generated' as const, file: '/d/admin-token' };
	const line = adminLoginMessage(t, 'http://localhost:3000');
	expect(line).toContain('http://localhost:3000/login');
	expect(line).toContain('/d/admin-token');
	expect(line).not.toContain(token);
	expect(line).not.toContain('token=');
	expect(adminLoginMessage({ token, source: 'env', file: null }, 'http://x')).not.toContain(token);
});
