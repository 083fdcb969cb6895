import { describe, expect, it } from 'vitest';
import type { ClientConfig } from '../contracts/config';
import { configUrl, loadClientConfig, type CachedConfig, type ConfigCache } from './config-client';

const ID = '7f3e0c1a-5b2d-4c8e-9a10-2b3c4d5e6f70';
const config = (model = 'moonshine-base-en', arm: 'default' | 'candidate' = 'candidate'): ClientConfig => ({
	model: { id: model, version: '1.0.0', sha256: 'a'.repeat(64) },
	arm,
	highlightThreshold: 0.55,
	telemetry: {
		sampling: { correction: 0.5, review: 1, rating: 1, outcome: 1, session_summary: 1, transcription: 1 }
	}
});

class MemoryCache implements ConfigCache {
	constructor(public value: unknown = undefined) {}
	async get() {
		return this.value;
	}
	async set(v: CachedConfig) {
		this.value = v;
	}
}

function fakeFetch(answer: () => Response | Promise<Response>) {
	const calls: { url: string; init?: RequestInit }[] = [];
	const f = (async (url: string, init?: RequestInit) => {
		calls.push({ url, init });
		return answer();
	}) as unknown as typeof fetch;
	return { f, calls };
}
const json = (body: unknown, status = 200) =>
	new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const now = () => '2026-12-01T10:00:00.000Z';

describe('loadClientConfig', () => {
	it('fetches with the installation id, revalidating, and caches what it got', async () => {
		const cache = new MemoryCache();
		const { f, calls } = fakeFetch(() => json(config()));
		const r = await loadClientConfig({ fetch: f, cache, installationId: ID, now });
		expect(r).toMatchObject({ source: 'fetched', config: config(), fetchedAt: now() });
		expect(calls[0].url).toBe(`/api/v1/config?installation=${ID}`);
		expect(calls[0].init?.cache).toBe('no-cache');
		expect(cache.value).toEqual({ config: config(), fetchedAt: now(), installationId: ID });
	});

	it.each([
		['a network failure', () => Promise.reject(new TypeError('Failed to fetch')), /could not be reached/],
		['HTTP 503', () => json({ error: 'down' }, 503), /HTTP 503/],
		['a body that fails the schema', () => json({ ...config(), arm: 'user' }), /config schema/],
		['a body that is not JSON', () => new Response('<html>', { status: 200 }), /JSON|Unexpected/]
	])('after %s keeps the last known configuration and says why', async (_, answer, why) => {
		const cached: CachedConfig = {
			config: config(),
			fetchedAt: '2026-11-30T08:00:00.000Z',
			installationId: ID
		};
		const cache = new MemoryCache(cached);
		const r = await loadClientConfig({ fetch: fakeFetch(answer).f, cache, installationId: ID, now });
		expect(r.source).toBe('cached');
		expect(r.config).toEqual(config());
		expect(r.fetchedAt).toBe('2026-11-30T08:00:00.000Z');
		expect(r.reason).toMatch(why);
		expect(cache.value).toBe(cached);
	});

	it('falls back to the built-in default when nothing was cached', async () => {
		const r = await loadClientConfig({
			fetch: fakeFetch(() => json({}, 500)).f,
			cache: new MemoryCache(),
			installationId: ID
		});
		expect(r).toEqual({
			source: 'default',
			config: null,
			fetchedAt: null,
			reason: 'the server answered HTTP 500; no configuration was fetched before'
		});
	});

	it('ignores a cache entry that is corrupt or belongs to another installation id', async () => {
		const other = { config: config(), fetchedAt: now(), installationId: 'someone-else' };
		const fail = fakeFetch(() => json({}, 500)).f;
		expect(
			(await loadClientConfig({ fetch: fail, cache: new MemoryCache(other), installationId: ID })).reason
		).toMatch(/another installation id/);
		const corrupt = await loadClientConfig({
			fetch: fail,
			cache: new MemoryCache({ config: 1 }),
			installationId: ID
		});
		expect(corrupt.source).toBe('default');
	});

	it('gives up on a server that does not answer', async () => {
		const hang = ((_: string, init?: RequestInit) =>
			new Promise<Response>((_, reject) =>
				init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
			)) as unknown as typeof fetch;
		const r = await loadClientConfig({
			fetch: hang,
			cache: new MemoryCache(),
			installationId: ID,
			timeoutMs: 20
		});
		expect(r.reason).toMatch(/did not answer in time/);
	});

	it('still returns the fetched configuration when the cache cannot be written', async () => {
		const cache: ConfigCache = { get: async () => undefined, set: () => Promise.reject(new Error('quota')) };
		const r = await loadClientConfig({ fetch: fakeFetch(() => json(config())).f, cache, installationId: ID });
		expect(r.source).toBe('fetched');
	});

	it('escapes the id in the URL', () => {
		expect(configUrl('a b&c')).toBe('/api/v1/config?installation=a%20b%26c');
	});
});
