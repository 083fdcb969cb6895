import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { modelRef, parseManifest } from '../engine/manifest';
import { modelRefKey } from './ingest';
import { knownModelsFrom, readKnownModels } from './known-models';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
	const d = mkdtempSync(join(tmpdir(), 'redline-models-'));
	dirs.push(d);
	return d;
};
const tinyManifest = readFileSync(resolve('models/moonshine-tiny-en/manifest.json'), 'utf8');
const retired = { id: 'moonshine-tiny-en', version: '1.0.0', sha256: 'a'.repeat(64) };

describe('readKnownModels', () => {
	it('knows every speech model manifest of the folder by modelRef, and no VAD', async () => {
		const known = await readKnownModels(resolve('models'));
		const tiny = await modelRef(parseManifest(JSON.parse(tinyManifest)));
		expect(tiny.version).toBe('1.2.0');
		expect(known.has(modelRefKey(tiny))).toBe(true);
		expect([...known].some((k) => k.startsWith('silero'))).toBe(false);
	});

	it('adds retired versions from retired.json, and skips a broken manifest with a warning', async () => {
		const dir = tmp();
		mkdirSync(join(dir, 'a'));
		writeFileSync(join(dir, 'a', 'manifest.json'), tinyManifest);
		mkdirSync(join(dir, 'broken'));
		writeFileSync(join(dir, 'broken', 'manifest.json'), '{"id": 1}');
		writeFileSync(join(dir, 'retired.json'), JSON.stringify([retired]));
		const warnings: string[] = [];
		const known = await readKnownModels(dir, (w) => warnings.push(w));
		expect(known.size).toBe(2);
		expect(known.has(modelRefKey(retired))).toBe(true);
		expect(warnings).toEqual([expect.stringContaining('broken')]);
	});

	it('refuses a malformed retired.json, naming the field', async () => {
		const dir = tmp();
		writeFileSync(join(dir, 'retired.json'), JSON.stringify([{ ...retired, sha256: 'short' }]));
		await expect(readKnownModels(dir)).rejects.toThrow(/retired.json: 0.sha256/);
	});
});

describe('knownModelsFrom', () => {
	it('re-reads the folder after maxAgeMs, so a model installed meanwhile is found', async () => {
		const dir = tmp();
		let t = 0;
		const known = knownModelsFrom(dir, { maxAgeMs: 1000, now: () => t });
		expect((await known()).size).toBe(0);
		writeFileSync(join(dir, 'retired.json'), JSON.stringify([retired]));
		t = 999;
		expect((await known()).size).toBe(0);
		t = 1000;
		expect((await known()).has(modelRefKey(retired))).toBe(true);
	});
});
