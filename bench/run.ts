// npm run bench -- [node] [browser] [long] [long60] [browser-long] [browser-peers] [models] [models-node]
// [editor] [ingest] [ingest-phases] [timing] [dashboard] (default: node browser long). `browser-long` uploads 60- and 180-minute
// recordings through the home page in Chromium (BENCH_LONG_MINUTES="60 120" for other lengths);
// `step-copy` splits one decoder step (run, loop, copies in and out of the WASM heap);
// `vad-overlap` times the VAD on a second thread against today's turns (Node worker threads);
// `batch-decode` measures decoding several VAD segments as one batch (step and encoder cost by batch,
// real segments batched vs today, projected RTF; 2 then 1 WASM threads);
// `browser-split` splits the time of a 10-minute recording on the diagnostics page and the upload path;
// `browser-peers` the warm RTF of ours and a plain onnxruntime-web loop (22 s clip and minutes of the long
// recording, BENCH_PEER_MINUTES), and PocketSphinx on the 22 s clip.
// `models` puts every speech model in models/ side by side (Node, and Chromium when a production build
// exists); `models-node` the Node half only.
// Prints figures; asserts nothing. Run on an otherwise idle machine: 2 cores are easily disturbed.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { MODELS_DIR, readManifest } from '../src/lib/engine/node/index';
import { DEFAULT_MODEL_ID } from '../src/lib/engine/models';
import { benchBrowser, benchLong, benchModels, benchNode } from './speech';
import { benchBrowserLong, benchPeers } from './browser-long';
import { benchSplit } from './rtf-split';

// Everything from the first `--option` on is passed to the timing bench (`timing --model <id> --heads`).
const firstOption = process.argv.findIndex((a, i) => i >= 2 && a.startsWith('--'));
const timingOptions = firstOption < 0 ? [] : process.argv.slice(firstOption);
const wanted = new Set(process.argv.slice(2, firstOption < 0 ? undefined : firstOption));
if (wanted.size === 0) ['node', 'browser', 'long'].forEach((s) => wanted.add(s));

console.log(
	`Redline benchmark · ${new Date().toISOString()} · ${cpus().length} cores · node ${process.version} · ` +
		`load average ${loadavg()
			.map((x) => x.toFixed(2))
			.join(' ')}`
);
if (wanted.has('node')) await benchNode();
if (wanted.has('browser')) await benchBrowser();
if (wanted.has('long') || wanted.has('long60')) await benchLong(wanted.has('long60') ? [10, 60] : [10]);
if (wanted.has('browser-peers')) await benchPeers();
if (wanted.has('browser-split')) await benchSplit(Number(process.env.BENCH_SPLIT_MINUTES ?? 10));
if (wanted.has('browser-long'))
	await benchBrowserLong(
		(process.env.BENCH_LONG_MINUTES ?? '60 180').split(/\s+/).filter(Boolean).map(Number)
	);
if (wanted.has('models') || wanted.has('models-node')) {
	const ids = [];
	for (const d of readdirSync(MODELS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()))
		if ((await readManifest(d.name).catch(() => null))?.kind === 'asr') ids.push(d.name);
	// The default (fast) model first, then the others by id.
	ids.sort((a, b) => (a === DEFAULT_MODEL_ID ? -1 : b === DEFAULT_MODEL_ID ? 1 : a < b ? -1 : 1));
	await benchModels(ids, { browser: wanted.has('models') });
}
if (wanted.has('editor')) {
	// The 10,000-word editor benchmark runs in Chromium against the production build (npm run build first).
	spawnSync(
		join(import.meta.dirname, '../node_modules/.bin/playwright'),
		['test', '--config', join(import.meta.dirname, 'playwright.config.ts')],
		{
			stdio: 'inherit'
		}
	);
}
if (wanted.has('timing')) {
	// Word-time accuracy against tests/fixtures/timing, old and new method (bench/timing.ts).
	spawnSync(
		process.execPath,
		[
			join(import.meta.dirname, '../node_modules/.bin/tsx'),
			join(import.meta.dirname, 'timing.ts'),
			// Its options (--heads, --step-cost, --model <id>, --noise <amplitude>) and their values.
			...timingOptions
		],
		{
			stdio: 'inherit'
		}
	);
}
if (wanted.has('dashboard')) {
	// Dashboard endpoints on generated data, SQLite and PostgreSQL (bench/dashboard.ts).
	spawnSync(
		process.execPath,
		[join(import.meta.dirname, '../node_modules/.bin/tsx'), join(import.meta.dirname, 'dashboard.ts')],
		{
			stdio: 'inherit'
		}
	);
}
if (wanted.has('vad-overlap')) {
	// The VAD ahead of the decoder on a second thread, against today's turns (bench/vad-overlap.ts).
	spawnSync(
		process.execPath,
		[join(import.meta.dirname, '../node_modules/.bin/tsx'), join(import.meta.dirname, 'vad-overlap.ts')],
		{
			stdio: 'inherit'
		}
	);
}
if (wanted.has('batch-decode')) {
	// Batched greedy decoding of several segments at once, at 2 and 1 WASM threads (bench/batch-decode.ts).
	for (const threads of ['2', '1'])
		spawnSync(
			process.execPath,
			[join(import.meta.dirname, '../node_modules/.bin/tsx'), join(import.meta.dirname, 'batch-decode.ts')],
			{ stdio: 'inherit', env: { ...process.env, BENCH_THREADS: threads } }
		);
}
if (wanted.has('step-copy')) {
	// One decoder step: session.run, the loop around it, and the copies in and out (bench/step-copy.ts).
	spawnSync(
		process.execPath,
		[join(import.meta.dirname, '../node_modules/.bin/tsx'), join(import.meta.dirname, 'step-copy.ts')],
		{
			stdio: 'inherit'
		}
	);
}
if (wanted.has('ingest')) {
	spawnSync(
		process.execPath,
		[join(import.meta.dirname, '../node_modules/.bin/tsx'), join(import.meta.dirname, 'ingest.ts')],
		{
			stdio: 'inherit'
		}
	);
}
if (wanted.has('ingest-phases')) {
	// Ingestion's CPU per event split by phase (parse, validate, insert, rollups, commit…), bench/ingest-phases.ts.
	spawnSync(
		process.execPath,
		[join(import.meta.dirname, '../node_modules/.bin/tsx'), join(import.meta.dirname, 'ingest-phases.ts')],
		{
			stdio: 'inherit'
		}
	);
}
