// npm run eval -- MANIFEST.jsonl [--model ID] [--json] [--dry-run]
// Each manifest line: { "audio": path (relative to the manifest), "text": reference transcript }.
// Prints per-file and total word error rate (after the normalisation in src/lib/transcript/normalize.ts)
// with substitutions, deletions and insertions, and the real-time factor of each file.
// Unless --dry-run (or a file failed), records the result to models/<id>/eval.json
// (quality/eval-record.ts), with the best-F1 highlight threshold over the model words' labels
// (transcript/eval-labels.ts); the server's rollout catalog serves that threshold.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { recommendThreshold, type LabelledWord } from '../src/lib/quality/calibration';
import { evalLabels } from '../src/lib/transcript/eval-labels';
import { EVAL_RECORD_FILE, evalRecordSchema, type EvalRecord } from '../src/lib/quality/eval-record';
import { DEFAULT_MODEL_ID } from '../src/lib/engine/models';
import { createNodeEngine, MODELS_DIR, openAudioFile } from '../src/lib/engine/node/index';
import { totalWer, wer, type WerResult } from '../src/lib/transcript/align';
import { parseCli } from './args';

const usage = 'usage: npm run eval -- [--model ID] [--json] [--dry-run] MANIFEST.jsonl';
const { values, positionals } = parseCli(usage, {
	model: { type: 'string', default: DEFAULT_MODEL_ID },
	json: { type: 'boolean', default: false },
	'dry-run': { type: 'boolean', default: false }
});
const manifestPath = positionals[0];

interface Item {
	audio: string;
	text: string;
}
let items: Item[];
try {
	items = readFileSync(manifestPath, 'utf8')
		.split('\n')
		.map((line, i) => ({ line: line.trim(), n: i + 1 }))
		.filter(({ line }) => line !== '')
		.map(({ line, n }) => {
			const item = JSON.parse(line) as Partial<Item>;
			if (typeof item.audio !== 'string' || typeof item.text !== 'string') {
				throw new Error(`line ${n}: expected {"audio": string, "text": string}`);
			}
			return { audio: resolve(dirname(manifestPath), item.audio), text: item.text };
		});
} catch (err) {
	process.stderr.write(`${manifestPath}: ${(err as Error).message}\n`);
	process.exit(2);
}

const engine = await createNodeEngine({ modelId: values.model as string });
const results: (WerResult & { file: string; audioSec: number; seconds: number; hypothesis: string })[] = [];
let failed = 0;
const labels: LabelledWord[] = [];
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
for (const item of items) {
	try {
		const audio = await openAudioFile(item.audio);
		const started = performance.now();
		const result = await engine.transcribe(audio.source).finally(() => audio.close());
		const seconds = (performance.now() - started) / 1000;
		const score = wer(item.text, result.text);
		labels.push(
			...evalLabels(
				result.segments.flatMap((seg) => seg.words),
				item.text
			)
		);
		results.push({
			...score,
			file: item.audio,
			audioSec: result.durationSec,
			seconds,
			hypothesis: result.text
		});
		if (!values.json) {
			process.stdout.write(
				`${item.audio}\n  WER ${pct(score.wer)} (S ${score.substitutions}, D ${score.deletions}, I ${score.insertions}, N ${score.referenceWords})` +
					`  RTF ${(seconds / result.durationSec).toFixed(3)}\n  ref: ${item.text}\n  hyp: ${result.text}\n`
			);
		}
	} catch (err) {
		failed++;
		process.stderr.write(`${item.audio}: ${(err as Error).message}\n`);
	}
}
await engine.release();

const total = totalWer(results);
const audioSec = results.reduce((a, r) => a + r.audioSec, 0);
const seconds = results.reduce((a, r) => a + r.seconds, 0);
const summary = {
	model: engine.model,
	files: results.length,
	failed,
	wer: total.wer,
	substitutions: total.substitutions,
	deletions: total.deletions,
	insertions: total.insertions,
	referenceWords: total.referenceWords,
	audioSec,
	rtf: audioSec ? seconds / audioSec : null
};
const best = recommendThreshold(labels);
const record: EvalRecord = evalRecordSchema.parse({
	model: engine.model,
	evaluationSet: {
		name: basename(manifestPath),
		sha256: createHash('sha256').update(readFileSync(manifestPath)).digest('hex'),
		files: results.length
	},
	date: new Date().toISOString(),
	wer: total.wer,
	rtf: summary.rtf,
	words: total.referenceWords,
	labelledWords: labels.length,
	highlightThreshold: best?.threshold ?? null,
	highlightScore: best
		? { precision: best.precision, recall: best.recall, f1: best.f1, highlightedShare: best.highlightedShare }
		: null
} satisfies EvalRecord);
const recordPath = join(MODELS_DIR, engine.model.id, EVAL_RECORD_FILE);
if (!values['dry-run'] && failed === 0 && results.length > 0)
	writeFileSync(recordPath, JSON.stringify(record, null, '\t') + '\n');
if (values.json) process.stdout.write(JSON.stringify({ summary, record, results }, null, 2) + '\n');
else
	process.stdout.write(
		`\nTOTAL WER ${pct(total.wer)} over ${total.referenceWords} words in ${results.length} files ` +
			`(S ${total.substitutions}, D ${total.deletions}, I ${total.insertions}); RTF ${summary.rtf?.toFixed(3)}; ` +
			`model ${engine.model.id}@${engine.model.version}` +
			(failed ? `; ${failed} file(s) failed` : '') +
			`\nhighlight threshold ${record.highlightThreshold ?? 'none'} (best F1 ${best?.f1?.toFixed(3) ?? '–'} over ${labels.length} labelled words)` +
			(values['dry-run'] || failed ? '' : `; recorded to ${recordPath}`) +
			'\n'
	);
process.exit(failed ? 1 : 0);
