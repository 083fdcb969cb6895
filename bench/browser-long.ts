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
import { runOrtPeer } from './peer-ort';
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

async function measureLong(base: string, file: string) {
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
				longTaskStarts: [] as number[]
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

/** Warm RTF on the 22 s clip: ours (diagnostics page), the plain onnxruntime-web peer, PocketSphinx. */
export async function benchPeers() {
	const { audio } = await decodeAudioFile(READ_SPEECH);
	const seconds = audio.length / 16000;
	console.log(
		`\nWarm RTF on the ${fmt(seconds, 1)} s read-speech clip, headless Chromium (median of ${RUNS})`
	);
	const before = load();
	const { ours, peer } = await withServer(async (base) => {
		const profile = mkdtempSync(join(tmpdir(), 'redline-bench-profile-'));
		const context = await chromium.launchPersistentContext(profile, {
			executablePath: '/usr/bin/chromium',
			args: CHROMIUM_ARGS
		});
		try {
			const page = await context.newPage();
			await openDiagnostics(page, base, DEFAULT_MODEL_ID);
			const times: number[] = [];
			for (let i = 0; i <= RUNS; i++) {
				const run = await transcribeOnPage(page, READ_SPEECH, 300_000);
				if (i > 0) times.push(run.seconds / run.audioSec);
			}
			await page.close();
			return { ours: median(times), peer: await runOrtPeer(context, base, audio, RUNS) };
		} finally {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		}
	});
	const sphinx: number[] = [];
	let sphinxText = '';
	for (let i = 0; i < RUNS; i++) {
		const r = await runPocketsphinx(READ_SPEECH);
		sphinx.push(r.seconds / seconds);
		sphinxText = r.text;
	}
	row('load average before / after', `${before} / ${load()}`);
	row('Redline (diagnostics page: VAD + decoder)', fmt(ours));
	row(
		`onnxruntime-web greedy loop, shipped decoder (${peer.threads} threads)`,
		`${fmt(peer.rtf)} (WER ${fmt(wer(READ_SPEECH_TEXT, peer.text).wer * 100, 1)}%, sessions ${fmt(peer.loadMs, 0)} ms)`
	);
	row(
		'pocketsphinx_continuous (Node, includes its load)',
		`${fmt(median(sphinx))} (WER ${fmt(wer(READ_SPEECH_TEXT, sphinxText).wer * 100, 1)}%)`
	);
	row('Redline speed-up over the onnxruntime-web loop', `${fmt(peer.rtf / ours, 2)}x`);
}
