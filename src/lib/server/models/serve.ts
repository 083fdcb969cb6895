// Serves model manifests and weights from the top-level models/ folder, on our own origin.
// Weights are immutable per sha256 (the client asks for them with ?sha256=…), so they are cached
// for a year; the gzip copy written at install time is sent to clients that accept it.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { parseManifest, type ModelManifest } from '$lib/engine/manifest';

/** Where models live; MODELS_DIR overrides it (tests, deployments that mount weights elsewhere). */
export function modelsDir(): string {
	return resolve(process.env.MODELS_DIR ?? 'models');
}

const manifests = new Map<string, { mtimeMs: number; manifest: ModelManifest }>();

/**
 * A model's parsed manifest, or null when there is no such model. Cached while the file is unchanged;
 * a missing model is not cached, so weights installed after the server started are found.
 */
export async function getManifest(id: string): Promise<ModelManifest | null> {
	if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) return null;
	const path = join(modelsDir(), id, 'manifest.json');
	const info = await stat(path).catch(() => null);
	if (!info) return null;
	const hit = manifests.get(id);
	if (hit && hit.mtimeMs === info.mtimeMs) return hit.manifest;
	try {
		const manifest = parseManifest(JSON.parse(await readFile(path, 'utf8')));
		manifests.set(id, { mtimeMs: info.mtimeMs, manifest });
		return manifest;
	} catch {
		return null;
	}
}

/** The response for GET /models/:id/:file. */
export async function serveModelFile(id: string, file: string, request: Request): Promise<Response> {
	const manifest = await getManifest(id);
	if (!manifest) return new Response('unknown model', { status: 404 });
	if (file === 'manifest.json') {
		return new Response(JSON.stringify(manifest), {
			headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' }
		});
	}
	const spec = Object.values(manifest.files).find((f) => f.name === file);
	if (!spec) return new Response('unknown model file', { status: 404 });

	const etag = `"${spec.sha256}"`;
	const headers: Record<string, string> = {
		'content-type': 'application/octet-stream',
		'cache-control': 'public, max-age=31536000, immutable',
		etag,
		vary: 'accept-encoding',
		// Our pages are cross-origin isolated; say explicitly that this is ours to embed.
		'cross-origin-resource-policy': 'same-origin'
	};
	if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });

	const path = join(modelsDir(), id, spec.name);
	const gz = `${path}.gz`;
	const acceptsGzip = /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
	const useGz = acceptsGzip && (await stat(gz).catch(() => null)) !== null;
	const chosen = useGz ? gz : path;
	const info = await stat(chosen).catch(() => null);
	if (!info) return new Response('model weights are not installed; run `npm install`', { status: 503 });
	if (useGz) headers['content-encoding'] = 'gzip';
	headers['content-length'] = String(info.size);
	// The uncompressed size lets the client show download progress of the decoded bytes.
	headers['x-decoded-length'] = String(spec.bytes);
	const body = Readable.toWeb(createReadStream(chosen)) as ReadableStream<Uint8Array>;
	return new Response(body, { headers });
}
