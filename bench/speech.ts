// Speech engine benchmarks, printed as figures (never asserted): warm real-time factor in Node and
// in headless Chromium (WASM), the PocketSphinx peer on the same audio, long recordings (RTF ratio
// and memory across segments), cold start and bytes transferred on a first and second visit.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { createNodeEngine, decodeAudioFile } from '../src/lib/engine/node/index';
import type { Engine, PipelineTimings } from '../src/lib/engine/engine';
import { DEFAULT_MODEL_ID } from '../src/lib/engine/models';
import { wer } from '../src/lib/transcript/align';
import { runPocketsphinx } from './peer-pocketsphinx';

const root = resolve(import.meta.dirname, '..');
const speechDir = join(root, 'tests/fixtures/speech');
/** The read-speech clip every engine figure is measured on: 22 s, one segment. */
export const READ_SPEECH = join(speechDir, 'demo-echotest.wav');
/** The reference transcript of READ_SPEECH. */
export const READ_SPEECH_TEXT = (
	readFileSync(join(speechDir, 'eval.jsonl'), 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((l) => JSON.parse(l) as { audio: string; text: string })
		.find((i) => i.audio === 'demo-echotest.wav') ?? { text: '' }
).text;
/** Warm runs per figure (the median is printed). */
export const RUNS = 5;

/** Median of a non-empty list. */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** A number with fixed digits. */
export const fmt = (x: number, digits = 3) => x.toFixed(digits);
/** One printed figure: label and value in two columns. */
export function row(label: string, value: string) {
	console.log(`  ${label.padEnd(44)} ${value}`);
}

/** Median RTF of warm runs of the whole pipeline (VAD + decoding) on one file. */
async function nodeRtf(engine: Engine, file: string, runs = RUNS) {
	const { audio } = await decodeAudioFile(file);
	const seconds = audio.length / engine.sampleRate;
	await engine.transcribe(audio); // warm-up
	const times: number[] = [];
	let text = '';
	for (let i = 0; i < runs; i++) {
		const t = performance.now();
		text = (await engine.transcribe(audio)).text;
		times.push((performance.now() - t) / 1000);
	}
	return { rtf: median(times) / seconds, seconds, text };
}

/** Node: cold load, warm RTF on read speech, and the PocketSphinx peer on the same audio. */
export async function benchNode() {
	console.log('\nNode (onnxruntime-web WASM, 2 threads)');
	const t = performance.now();
	const engine = await createNodeEngine();
	row('engine ready (read + verify weights, 3 sessions)', `${fmt((performance.now() - t) / 1000, 2)} s`);
	const ours = await nodeRtf(engine, READ_SPEECH);
	row(`warm RTF, ${fmt(ours.seconds, 1)} s read speech (median of ${RUNS})`, fmt(ours.rtf));
	row('WER on that clip', `${fmt(wer(READ_SPEECH_TEXT, ours.text).wer * 100, 1)}%`);

	console.log('\nPeer: pocketsphinx_continuous (Debian), same audio');
	const peerTimes: number[] = [];
	let peerText = '';
	for (let i = 0; i < RUNS; i++) {
		const r = await runPocketsphinx(READ_SPEECH);
		peerTimes.push(r.seconds);
		peerText = r.text;
	}
	const peerRtf = median(peerTimes) / ours.seconds;
	row(`RTF (median of ${RUNS}, includes its model load)`, fmt(peerRtf));
	// Its load, timed on the first second of the same clip, so the warm figure can be compared too.
	const scratch = mkdtempSync(join(tmpdir(), 'redline-bench-peer-'));
	const oneSecond = join(scratch, 'one-second.wav');
	spawnSync('sox', [READ_SPEECH, '-r', '16000', '-c', '1', '-b', '16', oneSecond, 'trim', '0', '1']);
	const loadTimes: number[] = [];
	for (let i = 0; i < RUNS; i++) loadTimes.push((await runPocketsphinx(oneSecond)).seconds);
	rmSync(scratch, { recursive: true, force: true });
	const warmPeerRtf = Math.max(0, median(peerTimes) - median(loadTimes)) / (ours.seconds - 1);
	row('RTF without its load (time on a 1 s clip taken off)', fmt(warmPeerRtf));
	row('WER on that clip', `${fmt(wer(READ_SPEECH_TEXT, peerText).wer * 100, 1)}%`);
	row(
		'Redline speed-up over PocketSphinx',
		`${fmt(peerRtf / ours.rtf, 1)}x (${fmt(warmPeerRtf / ours.rtf, 1)}x against its warm figure)`
	);
	await engine.release();
	return { nodeRtf: ours.rtf, peerRtf };
}

/**
 * Long recordings, each in a fresh process as the CLI runs them (WAV read from disk as needed):
 * RTF relative to the short clip, WER, peak process memory, memory along the segments, and the
 * size of onnxruntime's WASM heap.
 */
export async function benchLong(minutes: number[]) {
	const missing = minutes.filter((m) => !existsSync(join(root, `bench/out/long-${m}min.wav`)));
	if (missing.length) {
		const built = spawnSync('bash', [join(root, 'scripts/make-long-audio.sh'), ...missing.map(String)], {
			stdio: 'inherit'
		});
		if (built.status !== 0) throw new Error('could not build the long recordings');
	}
	const engine = await createNodeEngine();
	const short = await nodeRtf(engine, READ_SPEECH, 3);
	await engine.release();
	console.log(`\nLong recordings, one process each (short-clip RTF ${fmt(short.rtf)})`);
	const mb = (x: number) => `${fmt(x / 1e6, 0)} MB`;
	for (const m of minutes) {
		const file = join(root, `bench/out/long-${m}min.wav`);
		const run = spawnSync(
			process.execPath,
			[join(root, 'node_modules/.bin/tsx'), join(root, 'bench/long-run.ts'), file],
			{
				encoding: 'utf8',
				maxBuffer: 64 * 1024 * 1024
			}
		);
		if (run.status !== 0) throw new Error(`long run failed: ${run.stderr}`);
		const r = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
			rtf: number;
			segments: number;
			text: string;
			peakRssBytes: number;
			firstQuarterRssBytes: number;
			lastQuarterRssBytes: number;
			wasmHeapBytes: number;
		};
		const reference = (
			JSON.parse(readFileSync(join(root, `bench/out/long-${m}min.jsonl`), 'utf8')) as { text: string }
		).text;
		row(`${m} min: RTF`, `${fmt(r.rtf)} (ratio to short ${fmt(r.rtf / short.rtf, 2)})`);
		row(`${m} min: segments, WER`, `${r.segments}, ${fmt(wer(reference, r.text).wer * 100, 1)}%`);
		row(`${m} min: peak process memory (load included)`, mb(r.peakRssBytes));
		row(
			`${m} min: RSS mean, first vs last quarter`,
			`${mb(r.firstQuarterRssBytes)} vs ${mb(r.lastQuarterRssBytes)}`
		);
		row(`${m} min: onnxruntime WASM heap`, mb(r.wasmHeapBytes));
	}
}

/** Flags for headless Debian Chromium in the benchmarks. */
export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

function startServer(port: number, serveRoot = root): ChildProcess {
	if (!existsSync(join(serveRoot, 'build/handler.js'))) {
		throw new Error('no production build: run `npm run build` first');
	}
	const data = mkdtempSync(join(tmpdir(), 'redline-bench-'));
	return spawn(process.execPath, [join(serveRoot, 'scripts/server.js')], {
		cwd: serveRoot,
		env: {
			...process.env,
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: `http://localhost:${port}`,
			DATABASE_URL: `sqlite:${join(data, 'redline.db')}`,
			DATA_DIR: data,
			// The server refuses admin tokens under 32 characters.
			ADMIN_TOKEN: 'bench'.repeat(8)
		},
		stdio: 'ignore'
	});
}

async function waitFor(url: string, ms = 30_000) {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		try {
			if ((await fetch(url)).ok) return;
		} catch {
			/* not up yet */
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`server at ${url} did not start`);
}

/**
 * Peak and current resident memory of the busiest renderer process of a Chromium profile (Linux
 * /proc): the page and its workers live in one renderer.
 */
export function rendererMemory(profile: string): { peak: number; now: number; pid: string } | null {
	let best: { peak: number; now: number; pid: string } | null = null;
	for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
		let cmdline: string;
		let status: string;
		try {
			cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
			if (!cmdline.includes('--type=renderer') || !cmdline.includes(profile)) continue;
			status = readFileSync(`/proc/${pid}/status`, 'utf8');
		} catch {
			continue; // the process ended meanwhile
		}
		const kb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+) kB`))?.[1] ?? 0) * 1024;
		const m = { peak: kb('VmHWM'), now: kb('VmRSS'), pid };
		if (!best || m.peak > best.peak) best = m;
	}
	return best;
}

/**
 * Resets the peak (VmHWM) of a profile's renderers to their present size (Linux clear_refs 5), so a
 * peak measured afterwards is the peak of what follows, not of a warm-up run in the same process.
 */
export function resetRendererPeaks(profile: string): void {
	for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
		try {
			const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
			if (cmdline.includes('--type=renderer') && cmdline.includes(profile))
				writeFileSync(`/proc/${pid}/clear_refs`, '5');
		} catch {
			// the process ended meanwhile, or the kernel has no clear_refs: the peak stays cumulative
		}
	}
}

/** Transcribes a file on the open diagnostics page; returns the time it reports and the audio length. */
export async function transcribeOnPage(page: Page, file: string, timeout: number) {
	// Re-choosing the same file fires no change event: clear the input first.
	await page.getByLabel('Or transcribe a file:').setInputFiles([]);
	await page.getByLabel('Or transcribe a file:').setInputFiles(file);
	const took = page.getByText(/^Took \d+ ms for/);
	await took.waitFor({ timeout });
	const [, ms, sec] = (await took.innerText()).match(/Took (\d+) ms for ([\d.]+) s/) ?? [];
	const timings = page.getByTestId('timings');
	return {
		seconds: Number(ms) / 1000,
		audioSec: Number(sec),
		/** The worker's split of its time (protocol.ts 'done'), when it sent one. */
		timings: (await timings.count())
			? (JSON.parse(await timings.textContent({ timeout: 5000 }).then((t) => t ?? 'null')) as
					(PipelineTimings & { wallMs: number }) | null)
			: null
	};
}

/** Opens the diagnostics page and waits until the engine is ready; returns the worker's load time. */
export async function openDiagnostics(
	page: Page,
	base: string,
	modelId: string
): Promise<{ loadMs: number; backend: string; wallMs: number }> {
	const t = Date.now();
	await page.goto(`${base}/diagnostics?backend=wasm&model=${encodeURIComponent(modelId)}`);
	await page.getByTestId('ready').waitFor({ timeout: 300_000 });
	return {
		loadMs: Number((await page.getByTestId('load-ms').innerText()).replace(/\D/g, '')),
		backend: await page.getByTestId('backend').innerText(),
		wallMs: Date.now() - t
	};
}

/** The port the browser benchmarks serve the production build on; BENCH_PORT lets two checkouts run at once. */
const benchPort = () => Number(process.env.BENCH_PORT) || 4199;

/** What one model costs in headless Chromium, from a fresh profile (so the first visit downloads everything). */
export interface BrowserFigures {
	modelId: string;
	backend: string;
	firstReadyMs: number;
	firstLoadMs: number;
	firstBytes: number;
	secondReadyMs: number;
	secondLoadMs: number;
	secondBytes: number;
	warmRtf: number;
	warmAudioSec: number;
	long?: { rtf: number; rendererPeak: number | null; rendererNow: number | null };
}

/** Measures one model in headless Chromium against the production server at `base`. */
async function measureBrowser(base: string, modelId: string, withLong: boolean): Promise<BrowserFigures> {
	const profile = mkdtempSync(join(tmpdir(), 'redline-bench-profile-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		args: CHROMIUM_ARGS
	});
	try {
		const page = await context.newPage();
		page.on('console', (m) => process.env.BENCH_DEBUG && console.log('console:', m.text()));
		// Bytes on the wire (compressed bodies + headers) of every request of one visit, the worker's
		// included. Each visit counts into its own total: size reports can arrive after 'ready'.
		const visit = async () => {
			let bytes = 0;
			const onFinished = async (req: import('@playwright/test').Request) => {
				const s = await req.sizes().catch(() => null);
				// Cache hits report a negative body size: nothing crossed the wire.
				if (s && s.responseBodySize >= 0) bytes += s.responseBodySize + s.responseHeadersSize;
			};
			page.on('requestfinished', onFinished);
			const result = await openDiagnostics(page, base, modelId);
			await page.waitForTimeout(1000);
			page.off('requestfinished', onFinished);
			return { ...result, bytes };
		};
		const first = await visit();
		const second = await visit();

		const times: number[] = [];
		let warmAudioSec = 0;
		for (let i = 0; i <= RUNS; i++) {
			const run = await transcribeOnPage(page, READ_SPEECH, 300_000);
			warmAudioSec = run.audioSec;
			if (i > 0) times.push(run.seconds);
		}
		const figures: BrowserFigures = {
			modelId,
			backend: second.backend,
			firstReadyMs: first.wallMs,
			firstLoadMs: first.loadMs,
			firstBytes: first.bytes,
			secondReadyMs: second.wallMs,
			secondLoadMs: second.loadMs,
			secondBytes: second.bytes,
			warmRtf: median(times) / warmAudioSec,
			warmAudioSec
		};
		// The tab's renderer process holds the page and the worker: its peak is what the product costs.
		const long = join(root, 'bench/out/long-10min.wav');
		if (withLong && existsSync(long) && existsSync('/proc/self/status')) {
			const run = await transcribeOnPage(page, long, 3_600_000);
			const renderer = rendererMemory(profile);
			figures.long = {
				rtf: run.seconds / run.audioSec,
				rendererPeak: renderer?.peak ?? null,
				rendererNow: renderer?.now ?? null
			};
		}
		return figures;
	} finally {
		await context.close();
		rmSync(profile, { recursive: true, force: true });
	}
}

/**
 * Runs `work` against a production server started for it: this checkout's build, or the build of
 * another checkout (`serveRoot`, with its scripts/ and models/) to compare old and new in one run.
 */
export async function withServer<T>(work: (base: string) => Promise<T>, serveRoot = root): Promise<T> {
	const port = benchPort();
	const base = `http://localhost:${port}`;
	const server = startServer(port, serveRoot);
	try {
		await waitFor(`${base}/`);
		return await work(base);
	} finally {
		// Wait for the exit: the next server (the other build of a comparison) takes the same port.
		const exited = new Promise((r) => server.once('exit', r));
		if (server.kill()) await exited;
	}
}

/** Headless Chromium against the production build: cold start, transfer, warm RTF. */
export async function benchBrowser(modelId = DEFAULT_MODEL_ID) {
	const f = await withServer((base) => measureBrowser(base, modelId, true));
	console.log(`\nHeadless Chromium (production build, WASM backend, ${modelId})`);
	row(
		'first visit: navigation to engine ready',
		`${fmt(f.firstReadyMs / 1000, 2)} s (worker load ${f.firstLoadMs} ms)`
	);
	row('first visit: bytes transferred', `${fmt(f.firstBytes / 1e6, 1)} MB`);
	row(
		'second visit: navigation to engine ready',
		`${fmt(f.secondReadyMs / 1000, 2)} s (worker load ${f.secondLoadMs} ms)`
	);
	row('second visit: bytes transferred', `${fmt(f.secondBytes / 1e6, 2)} MB`);
	row('backend', f.backend);
	row(`warm RTF, ${fmt(f.warmAudioSec, 1)} s read speech (median of ${RUNS})`, fmt(f.warmRtf));
	if (f.long) {
		row('10 min recording: RTF', fmt(f.long.rtf));
		row(
			'10 min: tab renderer peak / now (page + worker)',
			f.long.rendererPeak !== null
				? `${fmt(f.long.rendererPeak / 1e6, 0)} MB / ${fmt((f.long.rendererNow ?? 0) / 1e6, 0)} MB`
				: 'not found'
		);
	}
	return { browserRtf: f.warmRtf };
}

/** What one model costs in Node, measured in a fresh process by bench/model-run.ts. */
interface NodeFigures {
	model: { id: string; version: string };
	readyMs: number;
	clipRtf: number;
	evalWer: number;
	evalWords: number;
	evalRtf: number;
	wasmHeapBytes: number;
	peakRssBytes: number;
}

/**
 * Every speech model side by side on the same audio: Node (warm RTF on the read-speech clip and over
 * the evaluation set, its WER, WASM heap, peak memory), then, when a production build exists,
 * Chromium (first-visit bytes and ready time, warm RTF, and the 10-minute recording's RTF and tab
 * memory). One table, one column per model.
 */
export async function benchModels(modelIds: string[], { browser = true, long = true } = {}) {
	const nodeFigures: NodeFigures[] = [];
	for (const id of modelIds) {
		const run = spawnSync(
			process.execPath,
			[join(root, 'node_modules/.bin/tsx'), join(root, 'bench/model-run.ts'), id],
			{ encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }
		);
		if (run.status !== 0) throw new Error(`model run of ${id} failed: ${run.stderr}`);
		nodeFigures.push(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as NodeFigures);
	}
	const mb = (x: number | null | undefined) => (x == null ? '–' : `${fmt(x / 1e6, 0)} MB`);
	const width = Math.max(...modelIds.map((id) => id.length), 10) + 2;
	/** One row per figure, one column per model. */
	const print = (title: string, rows: [string, (i: number) => string][]) => {
		console.log(`\n${title}`);
		console.log(`  ${''.padEnd(52)}${modelIds.map((id) => id.padStart(width)).join('')}`);
		for (const [label, cell] of rows)
			console.log(`  ${label.padEnd(52)}${modelIds.map((_, i) => cell(i).padStart(width)).join('')}`);
	};
	const n = (i: number) => nodeFigures[i];
	// Printed before the browser half starts, which takes much longer.
	print('Models side by side: Node (onnxruntime-web WASM, 2 threads, one process per model)', [
		['version', (i) => n(i).model.version],
		['engine ready (read + verify weights, 3 sessions)', (i) => `${fmt(n(i).readyMs / 1000, 2)} s`],
		[`warm RTF, 22.0 s read-speech clip (median of ${RUNS})`, (i) => fmt(n(i).clipRtf)],
		['warm RTF, evaluation set (11 clips, 96 s)', (i) => fmt(n(i).evalRtf)],
		[`WER, evaluation set (${n(0).evalWords} words)`, (i) => `${fmt(n(i).evalWer * 100, 1)}%`],
		['onnxruntime WASM heap', (i) => mb(n(i).wasmHeapBytes)],
		['peak process memory', (i) => mb(n(i).peakRssBytes)]
	]);
	if (!browser) return { node: nodeFigures, browser: null };
	if (!existsSync(join(root, 'build/handler.js'))) {
		console.log('\n(no production build: run `npm run build` for the Chromium figures)');
		return { node: nodeFigures, browser: null };
	}
	if (long && !existsSync(join(root, 'bench/out/long-10min.wav'))) {
		const built = spawnSync('bash', [join(root, 'scripts/make-long-audio.sh'), '10'], { stdio: 'inherit' });
		if (built.status !== 0) throw new Error('could not build the 10-minute recording');
	}
	const browserFigures = await withServer(async (base) => {
		const out: BrowserFigures[] = [];
		for (const id of modelIds) {
			out.push(await measureBrowser(base, id, long));
			// One line per model as it finishes: the table waits for all, and a 10-minute run is long.
			console.log(`  (measured ${id} in Chromium: ${JSON.stringify(out.at(-1))})`);
		}
		return out;
	});
	const b = (i: number) => browserFigures[i];
	print('Models side by side: headless Chromium (production build, WASM backend, fresh profile each)', [
		['first visit: bytes transferred', (i) => `${fmt(b(i).firstBytes / 1e6, 1)} MB`],
		['first visit: navigation to engine ready', (i) => `${fmt(b(i).firstReadyMs / 1000, 2)} s`],
		['second visit: navigation to engine ready', (i) => `${fmt(b(i).secondReadyMs / 1000, 2)} s`],
		[`warm RTF, 22.0 s read-speech clip (median of ${RUNS})`, (i) => fmt(b(i).warmRtf)],
		['10 min recording: RTF', (i) => (b(i).long ? fmt(b(i).long!.rtf) : '–')],
		['10 min: tab renderer peak (page + worker)', (i) => mb(b(i).long?.rendererPeak)]
	]);
	return { node: nodeFigures, browser: browserFigures };
}
