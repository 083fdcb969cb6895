// Writes tests/fixtures/speech/reference-tokens/<model id>.json: the greedy token ids of every
// evaluation clip, decoded whole. A speed change to the engine must reproduce these exactly
// (engine.test.ts checks). Regenerate only after a deliberate change of model or decoding:
//   npx tsx tests/integration/engine/make-reference.ts [MODEL_ID]   (default: the default model)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeEngine, decodeAudioFile } from '../../../src/lib/engine/node/index';
import { DEFAULT_MODEL_ID } from '../../../src/lib/engine/models';

const modelId = process.argv[2] ?? DEFAULT_MODEL_ID;
const dir = join(import.meta.dirname, '../../fixtures/speech');
const items = readFileSync(join(dir, 'eval.jsonl'), 'utf8')
	.split('\n')
	.filter(Boolean)
	.map((l) => JSON.parse(l) as { audio: string });
const engine = await createNodeEngine({ modelId });
const out: Record<string, number[]> = {};
for (const { audio } of items) {
	const { audio: pcm } = await decodeAudioFile(join(dir, audio));
	out[audio] = (await engine.decodeTokens(pcm)).tokens;
}
// One line per clip keeps diffs readable.
const lines = Object.entries(out).map(([k, v]) => `\t\t${JSON.stringify(k)}: ${JSON.stringify(v)}`);
writeFileSync(
	join(dir, 'reference-tokens', `${modelId}.json`),
	`{\n\t"model": ${JSON.stringify(engine.model)},\n\t"tokens": {\n${lines.join(',\n')}\n\t}\n}\n`
);
await engine.release();
