/**
 * The speech models the rollout can choose from: every `kind: "asr"` manifest in MODELS_DIR, read once
 * at start-up (a model installed later is selectable after a restart). The highlight threshold comes
 * from the model's eval.json (quality/eval-record.ts) when that records this exact version and weights,
 * else from the manifest, else FALLBACK_HIGHLIGHT_THRESHOLD.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FALLBACK_HIGHLIGHT_THRESHOLD, modelRef, parseManifest } from '../../engine/manifest';
import { EVAL_RECORD_FILE, evalRecordSchema, type EvalRecord } from '../../quality/eval-record';

/** A model folder's eval.json, or null when it has none; an invalid record fails with its path. */
export async function readEvalRecord(dir: string): Promise<EvalRecord | null> {
	const path = join(dir, EVAL_RECORD_FILE);
	const text = await readFile(path, 'utf8').catch(() => null);
	if (text === null) return null;
	try {
		return evalRecordSchema.parse(JSON.parse(text));
	} catch (e) {
		throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
	}
}

/** Whether an evaluation record is about exactly this model version and these weights. */
export const recordsVersion = (record: EvalRecord, ref: { id: string; version: string; sha256: string }) =>
	record.model.id === ref.id && record.model.version === ref.version && record.model.sha256 === ref.sha256;

/** The threshold an eval.json records for exactly this model version; null without a usable one. */
async function evaluatedThreshold(
	dir: string,
	ref: { id: string; version: string; sha256: string }
): Promise<number | null> {
	const record = await readEvalRecord(dir);
	return record && recordsVersion(record, ref) ? record.highlightThreshold : null;
}

/** One selectable model version. */
export interface CatalogModel {
	id: string;
	version: string;
	/** The weight hash telemetry carries (manifest.ts modelRef). */
	sha256: string;
	displayName: string;
	highlightThreshold: number;
	/** Where highlightThreshold came from: eval.json ('evaluation') or the manifest / built-in ('default'). */
	highlightThresholdSource: 'evaluation' | 'default';
}

/** Selectable models by id. */
export type Catalog = ReadonlyMap<string, CatalogModel>;

/** Reads every ASR manifest under `dir`; an unreadable or invalid manifest fails with its path. */
export async function loadCatalog(dir: string): Promise<Catalog> {
	const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
		throw new Error(`MODELS_DIR ${dir} cannot be read (${e.code ?? e.message})`, { cause: e });
	});
	const models = new Map<string, CatalogModel>();
	for (const d of entries
		.filter((e) => e.isDirectory() || e.isSymbolicLink())
		.sort((a, b) => (a.name < b.name ? -1 : 1))) {
		const path = join(dir, d.name, 'manifest.json');
		const text = await readFile(path, 'utf8').catch(() => null);
		if (text === null) continue; // not a model folder (e.g. models/.cache)
		let manifest;
		try {
			manifest = parseManifest(JSON.parse(text));
		} catch (e) {
			throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
		}
		if (manifest.kind !== 'asr') continue;
		if (manifest.id !== d.name) throw new Error(`${path}: id "${manifest.id}" differs from its folder name`);
		const ref = await modelRef(manifest);
		const evaluated = await evaluatedThreshold(join(dir, d.name), ref);
		models.set(manifest.id, {
			...ref,
			displayName: manifest.displayName,
			highlightThreshold: evaluated ?? manifest.highlightThreshold ?? FALLBACK_HIGHLIGHT_THRESHOLD,
			highlightThresholdSource: evaluated === null ? 'default' : 'evaluation'
		});
	}
	return models;
}
