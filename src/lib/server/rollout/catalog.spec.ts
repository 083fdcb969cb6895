import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from './catalog';

const ROOT = join(import.meta.dirname, '../../../../models');
const TINY = 'moonshine-tiny-en';
const manifest = JSON.parse(readFileSync(join(ROOT, TINY, 'manifest.json'), 'utf8'));
const record = JSON.parse(readFileSync(join(ROOT, TINY, 'eval.json'), 'utf8'));

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function modelsWith(evalJson: unknown | null): string {
	dir = mkdtempSync(join(tmpdir(), 'redline-catalog-'));
	mkdirSync(join(dir, TINY));
	writeFileSync(join(dir, TINY, 'manifest.json'), JSON.stringify({ ...manifest, highlightThreshold: 0.6 }));
	if (evalJson !== null)
		writeFileSync(
			join(dir, TINY, 'eval.json'),
			typeof evalJson === 'string' ? evalJson : JSON.stringify(evalJson)
		);
	return dir;
}

describe('loadCatalog highlight threshold', () => {
	it.each([
		['eval.json of this exact version wins', { ...record, highlightThreshold: 0.42 }, 0.42],
		['no eval.json: the manifest’s', null, 0.6],
		[
			'eval.json of other weights is ignored',
			{ ...record, model: { ...record.model, sha256: '0'.repeat(64) } },
			0.6
		],
		[
			'eval.json of another version is ignored',
			{ ...record, model: { ...record.model, version: '0.9.0' } },
			0.6
		],
		[
			'eval.json without a threshold (no wrong word): the manifest’s',
			{ ...record, highlightThreshold: null },
			0.6
		]
	])('%s', async (_name, evalJson, threshold) => {
		expect((await loadCatalog(modelsWith(evalJson))).get(TINY)?.highlightThreshold).toBe(threshold);
	});

	it('an invalid eval.json fails with its path', async () => {
		await expect(loadCatalog(modelsWith('{"wer": "high"}'))).rejects.toThrow(/eval\.json/);
	});
});
