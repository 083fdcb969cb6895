/**
 * The committed models/<id>/eval.json records: each must be the result of `npm run eval` on today's
 * evaluation set (tests/fixtures/speech/eval.jsonl) with the manifest's exact weights. The server shows
 * this record beside production and takes the editor's fallback threshold from it, so a record from a
 * scratch manifest or from older weights would mislead both (one landed once from a CLI test).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelRef, parseManifest } from '../../src/lib/engine/manifest';
import { EVAL_RECORD_FILE, evalRecordSchema } from '../../src/lib/quality/eval-record';

const root = resolve(import.meta.dirname, '../..');
const models = join(root, 'models');
const evalSet = readFileSync(join(root, 'tests/fixtures/speech/eval.jsonl'));
const evalFiles = evalSet
	.toString('utf8')
	.split('\n')
	.filter((l) => l.trim()).length;

const records = readdirSync(models, { withFileTypes: true })
	.filter((d) => d.isDirectory() && existsSync(join(models, d.name, EVAL_RECORD_FILE)))
	.map((d) => d.name);

describe('committed evaluation records', () => {
	it('exist for every speech model', () => {
		const asr = readdirSync(models, { withFileTypes: true })
			.filter((d) => d.isDirectory() && existsSync(join(models, d.name, 'manifest.json')))
			.filter(
				(d) =>
					parseManifest(JSON.parse(readFileSync(join(models, d.name, 'manifest.json'), 'utf8'))).kind ===
					'asr'
			)
			.map((d) => d.name);
		expect(records.sort()).toEqual(asr.sort());
	});

	it.each(records)('%s: made on the evaluation set with the manifest’s weights', async (id) => {
		const record = evalRecordSchema.parse(
			JSON.parse(readFileSync(join(models, id, EVAL_RECORD_FILE), 'utf8'))
		);
		const manifest = parseManifest(JSON.parse(readFileSync(join(models, id, 'manifest.json'), 'utf8')));
		expect(record.model).toEqual(await modelRef(manifest));
		expect(record.evaluationSet).toEqual({
			name: 'eval.jsonl',
			sha256: createHash('sha256').update(evalSet).digest('hex'),
			files: evalFiles
		});
	});
});
