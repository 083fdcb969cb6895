/**
 * The browser's rollout configuration (GET /api/v1/config?installation=<id>): fetched on app open,
 * validated with the contract's schema, cached, and on any failure replaced by the last configuration
 * that was fetched for this installation, or by nothing (the built-in default) when there is none.
 * The config request sends only the random installation id, so it runs without telemetry consent.
 */
import { z } from 'zod';
import { clientConfigSchema, type ClientConfig } from '../contracts/config';

/** What the cache keeps: the configuration, when it was fetched, and for which installation. */
export const cachedConfigSchema = z.object({
	config: clientConfigSchema,
	fetchedAt: z.string(),
	installationId: z.string()
});
/** A cached configuration. */
export type CachedConfig = z.infer<typeof cachedConfigSchema>;

/** Where the last fetched configuration is kept (the app's settings store in the browser). */
export interface ConfigCache {
	get(): Promise<unknown>;
	set(value: CachedConfig): Promise<void>;
}

/** Which configuration is in force and why; /diagnostics shows it. */
export type ConfigResolution =
	| { source: 'fetched'; config: ClientConfig; fetchedAt: string; reason: string }
	| { source: 'cached'; config: ClientConfig; fetchedAt: string; reason: string }
	| { source: 'default'; config: null; fetchedAt: null; reason: string };

/** What `loadClientConfig` needs. */
export interface ConfigClientDeps {
	fetch: typeof fetch;
	cache: ConfigCache;
	installationId: string;
	now?: () => string;
	/** Give up on the server after this long (ms) and use the cached configuration. */
	timeoutMs?: number;
}

/** How long the app waits for the config endpoint before it starts with what it has. */
export const CONFIG_TIMEOUT_MS = 5_000;

/** The config endpoint's URL for an installation. */
export function configUrl(installationId: string): string {
	return `/api/v1/config?installation=${encodeURIComponent(installationId)}`;
}

/** Why a fetch failed, in a sentence for /diagnostics. */
function describeFailure(e: unknown): string {
	if (e instanceof z.ZodError)
		return `the server's answer did not match the config schema (${e.issues[0]?.message})`;
	if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError'))
		return 'the server did not answer in time';
	return e instanceof Error ? e.message : String(e);
}

async function fetchConfig(deps: ConfigClientDeps): Promise<ClientConfig> {
	const signal = AbortSignal.timeout(deps.timeoutMs ?? CONFIG_TIMEOUT_MS);
	let res: Response;
	try {
		// 'no-cache' revalidates: a rollback must reach a reloaded page, not a minute-old copy.
		res = await deps.fetch(configUrl(deps.installationId), { cache: 'no-cache', signal });
	} catch (e) {
		if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) throw e;
		throw new Error(`the server could not be reached (${describeFailure(e)})`, { cause: e });
	}
	if (!res.ok) throw new Error(`the server answered HTTP ${res.status}`);
	return clientConfigSchema.parse(await res.json());
}

/** Fetches, validates and caches the configuration; on failure falls back as the module comment says. */
export async function loadClientConfig(deps: ConfigClientDeps): Promise<ConfigResolution> {
	const now = deps.now ?? (() => new Date().toISOString());
	let failure: string;
	try {
		const config = await fetchConfig(deps);
		const fetchedAt = now();
		try {
			await deps.cache.set({ config, fetchedAt, installationId: deps.installationId });
		} catch {
			// A full or unavailable store only costs the offline fallback; this visit still has the config.
		}
		return { source: 'fetched', config, fetchedAt, reason: 'fetched from the server at start' };
	} catch (e) {
		failure = describeFailure(e);
	}
	const cached = cachedConfigSchema.safeParse(await deps.cache.get().catch(() => undefined));
	if (cached.success && cached.data.installationId === deps.installationId)
		return {
			source: 'cached',
			config: cached.data.config,
			fetchedAt: cached.data.fetchedAt,
			reason: `${failure}; using the last configuration fetched`
		};
	const why = cached.success
		? 'the last configuration fetched was for another installation id'
		: 'no configuration was fetched before';
	return { source: 'default', config: null, fetchedAt: null, reason: `${failure}; ${why}` };
}
