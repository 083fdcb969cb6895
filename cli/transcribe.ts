// npm run transcribe -- [--format txt|json|srt|vtt] [--model ID] FILE...
// Transcribes each file on this machine (no network) and prints the result on stdout.
// Exit status: 0 when every file was transcribed, 1 when any failed (one line on stderr each).
import { basename } from 'node:path';
import { DEFAULT_MODEL_ID } from '../src/lib/engine/models';
import { createNodeEngine, openAudioFile } from '../src/lib/engine/node/index';
import { formatResult, isOutputFormat, OUTPUT_FORMATS } from '../src/lib/transcript/result-format';
import { parseCli, progressDone, progressLine } from './args';

const usage = `usage: npm run transcribe -- [--format ${OUTPUT_FORMATS.join('|')}] [--model ID] [--threads N] FILE...`;
const { values, positionals } = parseCli(usage, {
	format: { type: 'string', default: 'txt' },
	model: { type: 'string', default: DEFAULT_MODEL_ID },
	threads: { type: 'string', default: '2' }
});
const format = values.format as string;
if (!isOutputFormat(format)) {
	process.stderr.write(`unknown format "${format}"\n${usage}\n`);
	process.exit(2);
}

let engine;
try {
	engine = await createNodeEngine({ modelId: values.model as string, threads: Number(values.threads) || 2 });
} catch (err) {
	process.stderr.write(`redline: ${(err as Error).message}\n`);
	process.exit(1);
}

let failed = 0;
for (const file of positionals) {
	try {
		const audio = await openAudioFile(file);
		if (audio.truncated)
			process.stderr.write(`${file}: warning: the file is truncated; transcribing what is there\n`);
		const result = await engine
			.transcribe(audio.source, {
				onSegment: (_s, fraction, eta) =>
					progressLine(
						`${basename(file)}: ${Math.round(fraction * 100)}%${eta !== null ? `, ~${Math.ceil(eta)} s left` : ''}`
					)
			})
			.finally(() => audio.close());
		progressDone();
		if (positionals.length > 1 && format !== 'json') process.stdout.write(`==> ${file} <==\n`);
		process.stdout.write(formatResult(result, format));
	} catch (err) {
		progressDone();
		failed++;
		process.stderr.write(`${file}: ${(err as Error).message}\n`);
	}
}
await engine.release();
process.exit(failed ? 1 : 0);
