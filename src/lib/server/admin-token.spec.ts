import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
		expect(resolveAdminToken(' secret ', tmp())).toEqual({ token: 'secret', source: 'env', file: null });
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

it('the login line names the URL with the token, or the env variable', () => {
	const t = { token: 'T', source: 'generated' as const, file: '/d/admin-token' };
	expect(adminLoginMessage(t, 'http://localhost:3000')).toContain('http://localhost:3000/admin?token=T');
	expect(adminLoginMessage({ token: 'T', source: 'env', file: null }, 'http://x')).not.toContain('T ');
});
