// Long uploads through the real home page in headless Chromium (production build), and the plain
// onnxruntime-web peer on the same clip. Prints figures; asserts nothing.
//
// Per length, a fresh profile: a short file first (model downloaded and cached, engine warm), then a
// reload (what a returning user has: weights in the cache, no engine yet) and the long file through
// the "Choose audio files" input. Measured: the tab renderer's resident memory sampled every 250 ms
// and its VmHWM at the end, upload to the first words on screen, RTF (audio seconds over upload to
// Done), WER against the concatenated references, and main-thread long tasks (> 50 ms).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { decodeAudioFile } from '../src/lib/engine/node/index';
import { wer } from '../src/lib/transcript/align';
import { runPocketsphinx } from './peer-pocketsphinx';
import { openOrtPeer } from './peer-ort';
import {
	CHROMIUM_ARGS,
	READ_SPEECH,
	READ_SPEECH_TEXT,
	RUNS,
	fmt,
	median,
	openDiagnostics,
	rendererMemory,
	row,
	transcribeOnPage,
	withServer
} from './speech';
import { DEFAULT_MODEL_ID } from '../src/lib/engine/models';
import type { PipelineTimings } from '../src/lib/engine/engine';

const root = resolve(import.meta.dirname, '..');
const load = () =>
	loadavg()
		.map((x) => x.toFixed(2))
		.join(' ');
const mb = (x: number) => `${fmt(x / 1e6, 0)} MB`;

/** What the page recorded about one upload (see the init script in measureLong). */
interface PageLog {
	changeAt: number;
	/** When the worker's first answer to the upload arrived on the page, and its first segment. */
	firstMessageAt: number;
	firstSegmentAt: number;
	firstWordsAt: number;
	doneAt: number;
	text: string;
	longTasks: number[];
	/** When each long task started (same order as `longTasks`). */
	longTaskStarts: number[];
	/** The worker's split of its time (its 'done' message), for the long upload. */
	timings: WorkerTimings | null;
}

/** Long recordings of `minutes` each (built by scripts/make-long-audio.sh when missing). */
export async function benchBrowserLong(minutes: number[]) {
	const missing = minutes.filter((m) => !existsSync(join(root, `bench/out/long-${m}min.wav`)));
	if (missing.length) {
		const built = spawnSync('bash', [join(root, 'scripts/make-long-audio.sh'), ...missing.map(String)], {
			stdio: 'inherit'
		});
		if (built.status !== 0) throw new Error('could not build the long recordings');
	}
	console.log(
		`\nHeadless Chromium: long uploads through the home page (${DEFAULT_MODEL_ID}, production build)`
	);
	const peaks: Record<number, number> = {};
	await withServer(async (base) => {
		for (const m of minutes) {
			const before = load();
			const f = await measureLong(base, join(root, `bench/out/long-${m}min.wav`));
			const reference = (
				JSON.parse(readFileSync(join(root, `bench/out/long-${m}min.jsonl`), 'utf8')) as { text: string }
			).text;
			const audioSec = (await decodeAudioFile(join(root, `bench/out/long-${m}min.wav`))).audio.length / 16000;
			const seconds = (f.log.doneAt - f.log.changeAt) / 1000;
			peaks[m] = f.peak;
			row(`${m} min: load average before / after`, `${before} / ${load()}`);
			row(`${m} min: tab renderer peak (VmHWM)`, mb(f.peak));
			row(`${m} min: renderer RSS, max sampled / at Done`, `${mb(f.maxSampled)} / ${mb(f.atDone)}`);
			row(
				`${m} min: upload to first words on screen`,
				`${fmt((f.log.firstWordsAt - f.log.changeAt) / 1000, 2)} s`
			);
			const since = (t: number) => `${fmt((t - f.log.changeAt) / 1000, 2)} s`;
			row(
				`${m} min: upload to the worker's first message / first segment on the page`,
				`${since(f.log.firstMessageAt)} / ${since(f.log.firstSegmentAt)}`
			);
			row(`${m} min: RTF (upload to Done)`, `${fmt(seconds / audioSec)} (${fmt(seconds, 0)} s)`);
			row(`${m} min: WER`, `${fmt(wer(reference, f.log.text).wer * 100, 1)}%`);
			if (f.log.timings) printSplit(`${m} min upload`, f.log.timings, seconds * 1000);
			row(
				`${m} min: main-thread long tasks (> 50 ms)`,
				`${f.log.longTasks.length}, max ${fmt(Math.max(0, ...f.log.longTasks), 0)} ms, ` +
					`total ${fmt(
						f.log.longTasks.reduce((a, b) => a + b, 0),
						0
					)} ms`
			);
			// Where in the run the worst ones fell (seconds after the upload), to tell a growing cost
			// (late in the run) from a fixed one (the start, the end).
			const worst = f.log.longTasks
				.map((d, i) => ({ d, at: (f.log.longTaskStarts[i] - f.log.changeAt) / 1000 }))
				.sort((a, b) => b.d - a.d)
				.slice(0, 8);
			row(
				`${m} min: longest tasks (ms at s after upload)`,
				worst.map((t) => `${fmt(t.d, 0)}@${fmt(t.at, 0)}`).join(' ') || 'none'
			);
		}
	});
	const [first, last] = [minutes[0], minutes.at(-1)!];
	if (minutes.length > 1)
		row(`peak ${last} min over ${first} min`, `${fmt((peaks[last] / peaks[first] - 1) * 100, 1)}% higher`);
}

/** Measures one upload of `file` through the home page in a fresh profile (see the file's comment). */
export async function measureLong(base: string, file: string) {
	const profile = mkdtempSync(join(tmpdir(), 'redline-bench-profile-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		args: CHROMIUM_ARGS
	});
	let timer: ReturnType<typeof setInterval> | undefined;
	try {
		// On every navigation: long tasks from the start, the upload's change event, the first words
		// in a job's partial transcript, its last text (shown until Done) and the Done status.
		// tsx (esbuild, keepNames) wraps named functions in __name(), which the page lacks.
		await context.addInitScript('globalThis.__name = (f) => f');
		await context.addInitScript(() => {
			const log = {
				changeAt: 0,
				firstMessageAt: 0,
				firstSegmentAt: 0,
				firstWordsAt: 0,
				doneAt: 0,
				text: '',
				longTasks: [] as number[],
				longTaskStarts: [] as number[],
				timings: null as unknown
			};
			(globalThis as unknown as { __bench: typeof log }).__bench = log;
			new PerformanceObserver((list) => {
				for (const e of list.getEntries()) {
					log.longTasks.push(e.duration);
					log.longTaskStarts.push(e.startTime);
				}
			}).observe({ type: 'longtask', buffered: true });
			// The engine's side of the first words: when its first messages reach the page.
			const PageWorker = Worker;
			globalThis.Worker = class extends PageWorker {
				constructor(url: string | URL, options?: WorkerOptions) {
					super(url, options);
					this.addEventListener('message', (e: MessageEvent<{ type?: string }>) => {
						if (!log.changeAt) return;
						log.firstMessageAt ||= performance.now();
						if (e.data?.type === 'progress') log.firstSegmentAt ||= performance.now();
						if (e.data?.type === 'done') log.timings = (e.data as { timings?: unknown }).timings ?? null;
					});
				}
			};
			addEventListener('change', () => (log.changeAt = performance.now()), { capture: true });
			const watch = () => {
				if (!log.changeAt || log.doneAt) return;
				const partial = document.querySelector('.job .partial')?.textContent?.trim();
				if (partial) {
					if (!log.firstWordsAt) log.firstWordsAt = performance.now();
					log.text = partial;
				}
				if (document.querySelector('.job[data-status="done"]')) log.doneAt = performance.now();
			};
			addEventListener('DOMContentLoaded', () =>
				new MutationObserver(watch).observe(document.body, {
					childList: true,
					subtree: true,
					characterData: true,
					attributes: true,
					attributeFilter: ['data-status']
				})
			);
		});
		const page = await context.newPage();
		const input = page.getByLabel('Choose audio files');
		// Warm-up: downloads and caches the model, as a first visit would.
		await page.goto(`${base}/`);
		await input.setInputFiles(READ_SPEECH);
		await page.locator('.job[data-status="done"]').waitFor({ timeout: 300_000 });
		await page.reload();
		await input.waitFor();
		await page.waitForTimeout(1000);
		await page.evaluate(() => {
			const log = (globalThis as unknown as { __bench: PageLog }).__bench;
			log.longTasks.length = 0;
			log.longTaskStarts.length = 0;
			log.timings = null;
		});

		let maxSampled = 0;
		timer = setInterval(() => {
			maxSampled = Math.max(maxSampled, rendererMemory(profile)?.now ?? 0);
		}, 250);
		await input.setInputFiles(file);
		// The transcript is in the library from its first segment on (it grows there), so the end is the
		// job's Done status, not the library item.
		await page
			.locator('.job[data-status="done"], .job[data-status="failed"]')
			.waitFor({ timeout: 3 * 3_600_000 });
		if (await page.locator('.job[data-status="failed"]').count())
			throw new Error(`the upload of ${file} failed: ${await page.locator('.job').innerText()}`);
		clearInterval(timer);
		const memory = rendererMemory(profile);
		const log = await page.evaluate(() => (globalThis as unknown as { __bench: PageLog }).__bench);
		return { log, peak: memory?.peak ?? 0, atDone: memory?.now ?? 0, maxSampled };
	} finally {
		clearInterval(timer);
		await context.close();
		rmSync(profile, { recursive: true, force: true });
	}
}

/** What the worker reports about where a job's time went (protocol.ts, 'done'). */
export type WorkerTimings = PipelineTimings & { wallMs: number };

/**
 * Prints a job's time split: the pipeline's parts as shares of the page's wall time `pageMs` (the
 * upload's change event to Done, or the diagnostics page's send to done), the worker's unaccounted
 * rest, and the page side (wall minus the worker's job time: queueing, file hand-over, messages).
 */
export function printSplit(label: string, t: WorkerTimings, pageMs: number) {
	const pct = (ms: number) => `${fmt(ms / 1000, 2)} s (${fmt((100 * ms) / pageMs, 1)}%)`;
	const parts: [string, number][] = [
		['file read/decode/resample', t.readMs],
		['VAD', t.vadMs],
		['encoder', t.encoderMs],
		['decoder session.run', t.decoderRunMs],
		['decoder step JS (outside run)', t.stepJsMs],
		['word times', t.wordsMs],
		['posting segments', t.callbackMs],
		['yields before segments', t.yieldMs]
	];
	const sum = parts.reduce((a, [, ms]) => a + ms, 0);
	row(`${label}: page wall / worker job`, `${fmt(pageMs / 1000, 2)} s / ${fmt(t.wallMs / 1000, 2)} s`);
	for (const [name, ms] of parts) row(`  ${name}`, pct(ms));
	row('  worker, not in the parts above', pct(t.wallMs - sum));
	row('  page side (wall minus worker job)', pct(pageMs - t.wallMs));
	row(
		`  decoder: steps, ms per step, MB in / out per step`,
		`${t.decoderSteps}, ${fmt(t.decoderRunMs / Math.max(1, t.decoderSteps), 2)} ms, ` +
			`${fmt(t.decoderInputBytes / 1e6 / Math.max(1, t.decoderSteps), 2)} / ` +
			`${fmt(t.decoderOutputBytes / 1e6 / Math.max(1, t.decoderSteps), 2)}`
	);
	row(
		`  VAD: frames, ms per frame; segments, speech s`,
		`${t.vadFrames}, ${fmt(t.vadMs / Math.max(1, t.vadFrames), 3)} ms; ${t.segments}, ${fmt(t.speechSec, 0)} s`
	);
}

/**
 * Warm RTF of ours (diagnostics page) and the plain onnxruntime-web peer in the same browser, runs
 * alternating so both see the same load: on the 22 s clip (one utterance, no silence) and on the
 * first BENCH_PEER_MINUTES (default 3) minutes of the 10-minute recording (utterances with the
 * pauses between them, which the peer decodes and our VAD skips). PocketSphinx on the 22 s clip.
 */
export async function benchPeers() {
	const minutes = Number(process.env.BENCH_PEER_MINUTES ?? 3);
	const scratch = mkdtempSync(join(tmpdir(), 'redline-bench-peer-clip-'));
	const longClip = join(scratch, `first-${minutes}min.wav`);
	const cut = spawnSync('sox', [
		join(root, 'bench/out/long-10min.wav'),
		longClip,
		'trim',
		'0',
		String(minutes * 60)
	]);
	if (cut.status !== 0)
		throw new Error('sox could not cut the long clip (npm run bench -- browser-long builds the recording)');
	const clips = [
		{
			label: `${fmt((await decodeAudioFile(READ_SPEECH)).audio.length / 16000, 1)} s read-speech clip`,
			file: READ_SPEECH,
			runs: RUNS
		},
		{ label: `first ${minutes} min of the 10-min recording`, file: longClip, runs: 2 }
	];
	console.log('\nWarm RTF, ours vs a plain onnxruntime-web greedy loop, headless Chromium (runs alternate)');
	await withServer(async (base) => {
		const profile = mkdtempSync(join(tmpdir(), 'redline-bench-profile-'));
		const context = await chromium.launchPersistentContext(profile, {
			executablePath: '/usr/bin/chromium',
			args: CHROMIUM_ARGS
		});
		try {
			const page = await context.newPage();
			await openDiagnostics(page, base, DEFAULT_MODEL_ID);
			const peer = await openOrtPeer(context, base);
			for (const clip of clips) {
				const { audio } = await decodeAudioFile(clip.file);
				const seconds = audio.length / 16000;
				const before = load();
				const ours: number[] = [];
				const theirs: number[] = [];
				let peerText = '';
				for (let i = 0; i <= clip.runs; i++) {
					const run = await transcribeOnPage(page, clip.file, 3_600_000);
					const p = await peer.transcribe(audio);
					peerText = p.text;
					if (i === 0) continue; // warm-up
					ours.push(run.seconds / run.audioSec);
					theirs.push(p.ms / 1000 / seconds);
				}
				const oursText = (await page.getByTestId('text').textContent()) ?? '';
				row(`${clip.label}: load before / after`, `${before} / ${load()}`);
				row(`  Redline (VAD + decoder), median of ${clip.runs}`, fmt(median(ours)));
				row(`  onnxruntime-web loop, 30 s windows (${peer.threads} threads)`, fmt(median(theirs)));
				row('  Redline speed-up over the loop', `${fmt(median(theirs) / median(ours), 2)}x`);
				if (clip.file === READ_SPEECH)
					row(
						'  WER ours / loop',
						`${fmt(wer(READ_SPEECH_TEXT, oursText).wer * 100, 1)}% / ${fmt(wer(READ_SPEECH_TEXT, peerText).wer * 100, 1)}%`
					);
				else row('  word difference, loop against ours', `${fmt(wer(oursText, peerText).wer * 100, 1)}%`);
			}
			row('peer sessions created in', `${fmt(peer.loadMs, 0)} ms`);
			await peer.close();
		} finally {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		}
	});
	rmSync(scratch, { recursive: true, force: true });
	const seconds = (await decodeAudioFile(READ_SPEECH)).audio.length / 16000;
	const sphinx: number[] = [];
	let sphinxText = '';
	const before = load();
	for (let i = 0; i < RUNS; i++) {
		const r = await runPocketsphinx(READ_SPEECH);
		sphinx.push(r.seconds / seconds);
		sphinxText = r.text;
	}
	row(
		'pocketsphinx_continuous, 22 s clip (Node, includes its load)',
		`${fmt(median(sphinx))} (WER ${fmt(wer(READ_SPEECH_TEXT, sphinxText).wer * 100, 1)}%), load ${before}`
	);
}
