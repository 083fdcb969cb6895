/**
 * The model refs the server accepts telemetry about, so a client cannot invent model versions and fake
 * their quality numbers: every speech model manifest in MODELS_DIR (id, version and the weight hash of
 * engine/manifest.ts `modelRef`, exactly what the browser sends), plus retired versions the server still
 * reports, listed in `<MODELS_DIR>/retired.json`:
 *
 *     [{ "id": "moonshine-tiny-en", "version": "1.0.0", "sha256": "<modelRef sha256>" }]
 *
 * When a model is updated, move its old ref into retired.json so browsers still on it keep reporting.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { modelRef, parseManifest } from '../engine/manifest';
import { modelRefSchema } from '../telemetry/schema';
import { modelRefKey } from './ingest';

/** The retired.json file name inside MODELS_DIR. */
export const RETIRED_MODELS_FILE = 'retired.json';

const retiredSchema = z.array(modelRefSchema.strict());

/** Reads every known model ref under `dir` as modelRefKey strings. Throws on a malformed retired.json. */
export async function readKnownModels(
	dir: string,
	warn: (message: string) => void = console.warn
): Promise<Set<string>> {
	const known = new Set<string>();
	const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
	for (const entry of entries) {
		// A symlinked model folder counts (deployments and test fixtures link models in).
		if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
		const file = join(dir, entry.name, 'manifest.json');
		let text: string;
		try {
			text = await readFile(file, 'utf8');
		} catch {
			continue; // a folder without a manifest is not a model
		}
		try {
			const manifest = parseManifest(JSON.parse(text));
			if (manifest.kind === 'asr') known.add(modelRefKey(await modelRef(manifest)));
		} catch (e) {
			warn(`ignoring ${file}: ${(e as Error).message}`);
		}
	}
	let retired: string | null = null;
	try {
		retired = await readFile(join(dir, RETIRED_MODELS_FILE), 'utf8');
	} catch {
		// no retired versions
	}
	if (retired !== null) {
		const parsed = retiredSchema.safeParse(JSON.parse(retired));
		if (!parsed.success) {
			const i = parsed.error.issues[0];
			throw new Error(`${join(dir, RETIRED_MODELS_FILE)}: ${i.path.join('.') || '(root)'}: ${i.message}`);
		}
		for (const ref of parsed.data) known.add(modelRefKey(ref));
	}
	return known;
}

/**
 * The known refs of `dir`, read at most once per `maxAgeMs` so models installed while the server runs
 * are found without a restart. A failed re-read keeps the last good set.
 */
export function knownModelsFrom(
	dir: string,
	o: { maxAgeMs?: number; now?: () => number; warn?: (m: string) => void } = {}
): () => Promise<ReadonlySet<string>> {
	const maxAgeMs = o.maxAgeMs ?? 60_000;
	const now = o.now ?? (() => performance.now());
	let at = -Infinity;
	let current: Promise<ReadonlySet<string>> | null = null;
	return () => {
		if (!current || now() - at >= maxAgeMs) {
			at = now();
			const previous = current;
			current = readKnownModels(dir, o.warn).catch((e) => {
				(o.warn ?? console.warn)(`reading known models failed: ${(e as Error).message}`);
				return previous ?? new Set<string>();
			});
		}
		return current;
	};
}
