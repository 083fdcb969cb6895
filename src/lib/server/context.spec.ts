import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { modelRef, parseManifest } from '../engine/manifest';
import { createServerContext } from './context';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
	const d = mkdtempSync(join(tmpdir(), 'redline-ctx-'));
	dirs.push(d);
	return d;
};

describe('createServerContext', () => {
	it('refuses an ADMIN_TOKEN under 32 characters before creating anything', async () => {
		const dir = tmp();
		const env = { DATABASE_URL: `sqlite:${join(dir, 'd', 'r.db')}`, ADMIN_TOKEN: 'test-admin-token' };
		await expect(createServerContext(env, () => {})).rejects.toThrow(/at least 32 characters/);
		expect(existsSync(join(dir, 'd'))).toBe(false);
	});

	it.each([
		['EVENTS_PER_INSTALLATION_PER_DAY'],
		['DISK_FREE_FLOOR_MB'],
		['RETENTION_DAYS'],
		['RATE_LIMIT_BYTES_PER_SEC']
	])('refuses a bad %s', async (name) => {
		const env = { DATABASE_URL: `sqlite:${join(tmp(), 'r.db')}`, [name]: 'lots' };
		await expect(createServerContext(env, () => {})).rejects.toThrow(name);
	});

	it('prints where the generated token is, never the token; accepts only the models in MODELS_DIR', async () => {
		const dir = tmp();
		const lines: string[] = [];
		const ctx = await createServerContext({ DATABASE_URL: `sqlite:${join(dir, 'r.db')}` }, (l) =>
			lines.push(l)
		);
		try {
			const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
			expect(lines.join('\n')).toContain(join(dir, 'admin-token'));
			expect(lines.join('\n')).not.toContain(token);
			const tiny = await modelRef(
				parseManifest(JSON.parse(readFileSync(resolve('models/moonshine-tiny-en/manifest.json'), 'utf8')))
			);
			const event = (model: object) => ({
				id: crypto.randomUUID(),
				schemaVersion: 1,
				occurredAt: new Date().toISOString(),
				installationId: crypto.randomUUID(),
				appVersion: '0.1.0',
				transcriptId: 't',
				model,
				backend: 'wasm',
				decodeSettings: {},
				type: 'outcome',
				outcome: 'exported',
				format: 'txt'
			});
			const res = await ctx.api.postEvents(
				new Request('http://x/api/v1/events', {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ events: [event(tiny), event({ ...tiny, version: '7.0.0' })] })
				}),
				'127.0.0.1'
			);
			expect(res.status).toBe(207);
			expect((await res.json()).rejected.map((r: { index: number }) => r.index)).toEqual([1]);
		} finally {
			await ctx.close();
		}
	});
});
