// Fetches model files from our own origin, verifies their sha256 and keeps them in Cache Storage,
// so a second visit downloads nothing and a corrupted download is never used.
import { parseManifest, sha256Hex, type ModelManifest } from '../manifest';
import type { EngineAssets } from '../engine';
import { VAD_MODEL_ID } from '../models';

/** Changing this name drops every cached model (users download them again). */
const CACHE_NAME = 'redline-models-v1';

/** Reports bytes received for one file. */
export type FileProgress = (file: string, loaded: number, total: number) => void;

/** Reads a model manifest from the server. */
export async function fetchManifest(modelId: string): Promise<ModelManifest> {
	const res = await fetch(`/models/${encodeURIComponent(modelId)}/manifest.json`);
	if (!res.ok) throw new Error(`model "${modelId}" is not available on this server (HTTP ${res.status})`);
	return parseManifest(await res.json());
}

async function openCache(): Promise<Cache | null> {
	try {
		return await caches.open(CACHE_NAME);
	} catch {
		return null; // private windows and insecure origins have no Cache Storage; fetch every time
	}
}

/** One verified model file, from the cache or the network. */
/** The cache URL of one model file: the sha256 in the query names the exact weights. */
function fileUrl(modelId: string, spec: { name: string; sha256: string }): string {
	return `/models/${modelId}/${spec.name}?sha256=${spec.sha256}`;
}

/**
 * The cached model files to delete once `keep` (cache URLs of the files in use) is loaded: every other
 * file under /models/, i.e. older weights of the same model and every file of another model or version
 * (after a switch between models or a rollback), so switching never leaves ~100 MB behind for ever.
 */
export function staleModelFiles(cachedUrls: readonly string[], keep: ReadonlySet<string>): string[] {
	return cachedUrls.filter((raw) => {
		const u = new URL(raw, 'http://x');
		return u.pathname.startsWith('/models/') && !keep.has(u.pathname + u.search);
	});
}

async function pruneCache(keep: ReadonlySet<string>): Promise<void> {
	try {
		const cache = await openCache();
		if (!cache) return;
		const stale = staleModelFiles(
			(await cache.keys()).map((r) => r.url),
			keep
		);
		for (const url of stale) await cache.delete(url);
	} catch {
		// Storage unavailable: nothing was cached either.
	}
}

async function fetchFile(
	manifest: ModelManifest,
	spec: { name: string; bytes: number; sha256: string },
	onProgress: FileProgress
): Promise<Uint8Array> {
	const url = fileUrl(manifest.id, spec);
	const cache = await openCache();
	const cached = await cache?.match(url);
	if (cached) {
		const bytes = new Uint8Array(await cached.arrayBuffer());
		if (bytes.length === spec.bytes && (await sha256Hex(bytes)) === spec.sha256) {
			onProgress(spec.name, spec.bytes, spec.bytes);
			return bytes;
		}
		await cache?.delete(url);
	}
	const res = await fetch(url);
	if (!res.ok || !res.body) throw new Error(`could not download ${spec.name} (HTTP ${res.status})`);
	const bytes = new Uint8Array(spec.bytes);
	let loaded = 0;
	const reader = res.body.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		if (loaded + value.length > bytes.length)
			throw new Error(`${spec.name} is larger than its manifest says`);
		bytes.set(value, loaded);
		loaded += value.length;
		onProgress(spec.name, loaded, spec.bytes);
	}
	if (loaded !== spec.bytes || (await sha256Hex(bytes)) !== spec.sha256) {
		throw new Error(`${spec.name} failed verification (sha256 mismatch); reload to download it again`);
	}
	try {
		await cache?.put(url, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }));
	} catch {
		// Storage full or denied: the model still runs, it is just downloaded again next time.
	}
	return bytes;
}

/**
 * Whether every file an Engine for `modelId` needs (its encoder and decoder, and the VAD) is in the
 * cache, so loading it downloads nothing but the two small manifests. Reads no weights: `fetchAssets`
 * still verifies them when it loads. False where there is no Cache Storage or the server is unreachable.
 */
export async function isModelCached(modelId: string): Promise<boolean> {
	try {
		const cache = await openCache();
		if (!cache) return false;
		const [manifest, vadManifest] = await Promise.all([fetchManifest(modelId), fetchManifest(VAD_MODEL_ID)]);
		const { encoder, decoder } = manifest.files;
		if (!encoder || !decoder) return false;
		const urls = [
			fileUrl(manifest.id, encoder),
			fileUrl(manifest.id, decoder),
			fileUrl(vadManifest.id, vadManifest.files.vad)
		];
		const hits = await Promise.all(urls.map((url) => cache.match(url)));
		return hits.every((r) => r !== undefined);
	} catch {
		return false;
	}
}

/** Everything an Engine needs, downloaded (or read from cache) and verified. */
export async function fetchAssets(modelId: string, onProgress: FileProgress): Promise<EngineAssets> {
	const [manifest, vadManifest] = await Promise.all([fetchManifest(modelId), fetchManifest(VAD_MODEL_ID)]);
	const { encoder, decoder } = manifest.files;
	if (!encoder || !decoder) throw new Error(`model ${modelId} must list "encoder" and "decoder" files`);
	const [enc, dec, vad] = await Promise.all([
		fetchFile(manifest, encoder, onProgress),
		fetchFile(manifest, decoder, onProgress),
		fetchFile(vadManifest, vadManifest.files.vad, onProgress)
	]);
	await pruneCache(
		new Set([
			fileUrl(manifest.id, encoder),
			fileUrl(manifest.id, decoder),
			fileUrl(vadManifest.id, vadManifest.files.vad)
		])
	);
	return { manifest, encoder: enc, decoder: dec, vad };
}
