// Long uploads through the real home page in headless Chromium (production build), and the plain
// onnxruntime-web peer on the same clip. Prints figures; asserts nothing.
//
// Per length, a fresh profile: a short file first (model downloaded and cached, engine warm), then a
// reload (what a returning user has: weights in the cache, no engine yet; a build that warms the
// engine on the home page gets up to 10 s for it, as a user picking a file would give it) and the
// long file through the "Choose audio files" input. Measured: the tab renderer's resident memory
// sampled every 250 ms (at the reload, before the upload, when the engine was ready, its maximum, at
// Done) and its VmHWM from the reload on, onnxruntime's WASM heap, upload to the first words on
// screen with the engine's timeline in between, RTF (audio seconds over upload to Done), WER of the
// stored transcript against the concatenated references, and main-thread long tasks (> 50 ms).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { decodeAudioFile } from '../src/lib/engine/node/index';
import { wer } from '../src/lib/transcript/align';
import { runPocketsphinx } from './peer-pocketsphinx';
import { openOrtPeer } from './peer-ort';
import { heapReader, smapsSplit, type HeapUsage, type SmapsSplit } from './renderer-breakdown';
import {
	CHROMIUM_ARGS,
	READ_SPEECH,
	READ_SPEECH_TEXT,
	RUNS,
	fmt,
	median,
	openDiagnostics,
	rendererMemory,
	resetRendererPeaks,
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
	longTasks: number[];
	/** When each long task started (same order as `longTasks`). */
	longTaskStarts: number[];
	/** The worker's split of its time (its 'done' message), for the long upload. */
	timings: WorkerTimings | null;
	/** Every worker message but the segments (first only), before and after the upload: the engine's timeline. */
	messages: { type: string; stage?: string; at: number }[];
}

/** The renderer split by kind of memory and the V8 heaps in it, at one moment. */
interface Breakdown {
	split: SmapsSplit;
	heaps: HeapUsage[];
}

/** One build of the app to measure: this checkout's, or another's (BENCH_LONG_BASE) to compare with. */
interface Build {
	label: string;
	root: string;
}

/** What one upload measured. */
type LongFigures = Awaited<ReturnType<typeof measureLong>> & { audioSec: number; reference: string };

/**
 * Long recordings of `minutes` each (built by scripts/make-long-audio.sh when missing). With
 * BENCH_LONG_BASE=<another checkout with a production build>, each length runs on that build ("old")
 * and then on this one ("new"), and the ratios are printed: other benchmarks on the same cores make
 * absolute timings noisy, a comparison in one run less so.
 */
export async function benchBrowserLong(minutes: number[]) {
	const missing = minutes.filter((m) => !existsSync(join(root, `bench/out/long-${m}min.wav`)));
	if (missing.length) {
		const built = spawnSync('bash', [join(root, 'scripts/make-long-audio.sh'), ...missing.map(String)], {
			stdio: 'inherit'
		});
		if (built.status !== 0) throw new Error('could not build the long recordings');
	}
	const builds: Build[] = process.env.BENCH_LONG_BASE
		? [
				{ label: 'old', root: resolve(process.env.BENCH_LONG_BASE) },
				{ label: 'new', root }
			]
		: [{ label: '', root }];
	console.log(
		`\nHeadless Chromium: long uploads through the home page (${DEFAULT_MODEL_ID}, production build)`
	);
	const figures: Record<string, Record<number, LongFigures>> = {};
	for (const m of minutes) {
		const file = join(root, `bench/out/long-${m}min.wav`);
		const reference = (
			JSON.parse(readFileSync(join(root, `bench/out/long-${m}min.jsonl`), 'utf8')) as { text: string }
		).text;
		const audioSec = (await decodeAudioFile(file)).audio.length / 16000;
		for (const b of builds) {
			const before = load();
			const f = { ...(await withServer((base) => measureLong(base, file), b.root)), audioSec, reference };
			(figures[b.label] ??= {})[m] = f;
			printLong(`${b.label ? `${b.label}, ` : ''}${m} min`, f, before);
		}
		if (builds.length === 2) printRatios(`${m} min`, figures.old[m], figures.new[m]);
	}
	const [first, last] = [minutes[0], minutes.at(-1)!];
	if (minutes.length > 1)
		for (const b of builds) {
			const p = figures[b.label];
			row(
				`${b.label ? `${b.label}: ` : ''}peak ${last} min over ${first} min`,
				`${fmt((p[last].peak / p[first].peak - 1) * 100, 1)}% higher (load ${load()})`
			);
		}
}

function printLong(name: string, f: LongFigures, before: string) {
	const { log } = f;
	const seconds = (log.doneAt - log.changeAt) / 1000;
	const since = (t: number) => (t ? `${fmt((t - log.changeAt) / 1000, 2)} s` : '–');
	const message = (type: string, stage?: string) =>
		log.messages.find((x) => x.type === type && (stage === undefined || x.stage === stage))?.at ?? 0;
	row(`${name}: load average before / after`, `${before} / ${load()}`);
	row(`${name}: tab renderer peak (VmHWM, from the reload on)`, mb(f.peak));
	row(
		`${name}: renderer RSS at reload + 1 s / before upload / engine ready / max sampled / at Done`,
		[f.rss.loaded, f.rss.beforeUpload, f.rss.ready, f.maxSampled, f.atDone].map(mb).join(' / ')
	);
	for (const [phase, b] of [
		['before upload', f.splits.before],
		['largest sampled (every 5 s)', f.splits.largest],
		['at Done', f.splits.done]
	] as const) {
		if (!b) continue;
		const x = b.split;
		row(
			`${name}: renderer ${phase}`,
			`RSS ${mb(x.rss)} = WASM memories ${mb(x.wasm)} + other anonymous ${mb(x.otherAnon)} + files ${mb(x.files)}; ${x.threads} threads`
		);
		row(
			`${name}:   V8 heaps used / allocated (ArrayBuffers)`,
			b.heaps.map((h) => `${h.name} ${mb(h.used)} / ${mb(h.total)} (${mb(h.arrayBuffers)})`).join('; ')
		);
	}
	row(`${name}: onnxruntime WASM heap(s) before upload / at Done`, `${f.heapBefore} / ${f.heapDone}`);
	row(`${name}: reload to engine ready (before the upload when warmed)`, f.readyAfterReload);
	row(`${name}: upload to first words on screen`, since(log.firstWordsAt));
	// The engine's timeline after the upload: worker's first message, assets read and verified
	// ('sessions' stage), sessions created ('ready'), first segment. A warm engine has none but the last.
	row(
		`${name}: upload to worker first message / sessions stage / ready / first segment`,
		[log.firstMessageAt, message('load-progress', 'sessions'), message('ready'), log.firstSegmentAt]
			.map((t) => (t > log.changeAt ? since(t) : 'before'))
			.join(' / ')
	);
	const first = log.timings?.first;
	if (first) {
		const s = (ms: number) => fmt(ms / 1000, 2);
		// What the first segment waited for in the worker: its setup (engine awaited, file opened), then
		// the engine's sums up to the first segment, how much audio the VAD had read and the segment's length.
		row(
			`${name}: first segment in the worker: setup / engine at (s)`,
			`${s(log.timings?.setupMs ?? 0)} / ${s(first.atMs)}: read ${s(first.readMs)}, VAD ${s(first.vadMs)} ` +
				`(${fmt(first.vadSec, 1)} s of audio), encoder ${s(first.encoderMs)}, decoder ${s(first.decoderRunMs + first.stepJsMs)}, ` +
				`words ${s(first.wordsMs)}, yields ${s(first.yieldMs)}; segment ${fmt(first.segmentSec, 1)} s`
		);
	}
	row(`${name}: RTF (upload to Done)`, `${fmt(seconds / f.audioSec)} (${fmt(seconds, 0)} s)`);
	row(`${name}: WER (stored transcript)`, `${fmt(wer(f.reference, f.text).wer * 100, 1)}%`);
	if (log.timings) printSplit(`${name} upload`, log.timings, seconds * 1000);
	row(
		`${name}: main-thread long tasks (> 50 ms)`,
		`${log.longTasks.length}, max ${fmt(Math.max(0, ...log.longTasks), 0)} ms, ` +
			`total ${fmt(
				log.longTasks.reduce((a, b) => a + b, 0),
				0
			)} ms`
	);
	// Where in the run the worst ones fell (seconds after the upload), to tell a growing cost
	// (late in the run) from a fixed one (the start, the end).
	const worst = log.longTasks
		.map((d, i) => ({ d, at: (log.longTaskStarts[i] - log.changeAt) / 1000 }))
		.sort((a, b) => b.d - a.d)
		.slice(0, 8);
	row(
		`${name}: longest tasks (ms at s after upload)`,
		worst.map((t) => `${fmt(t.d, 0)}@${fmt(t.at, 0)}`).join(' ') || 'none'
	);
}

function printRatios(name: string, old: LongFigures, now: LongFigures) {
	const ratio = (a: number, b: number) => `${fmt(b / a, 2)}x`;
	const firstWords = (f: LongFigures) => f.log.firstWordsAt - f.log.changeAt;
	const rtf = (f: LongFigures) => f.log.doneAt - f.log.changeAt;
	row(
		`${name}: new over old: peak / first words / RTF`,
		`${ratio(old.peak, now.peak)} / ${ratio(firstWords(old), firstWords(now))} / ${ratio(rtf(old), rtf(now))} (load ${load()})`
	);
	row(
		`${name}: segments identical old and new`,
		old.text === now.text ? 'yes' : `NO (${old.text.length} vs ${now.text.length} chars)`
	);
}

/**
 * The longest stored transcript's text, read straight from IndexedDB (the document with the segment
 * rows a growing run appended joined in, as RedlineDb.getTranscript does): what the user keeps, and
 * independent of how much of it the upload page shows.
 */
function storedText(page: Page): Promise<string> {
	return page.evaluate(
		() =>
			new Promise<string>((resolve, reject) => {
				type Seg = { original: { start: number; text: string } };
				type Doc = { segments: Seg[]; partial?: { decodedUntilSec: number } };
				const open = indexedDB.open('redline');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const tx = open.result.transaction(['transcripts', 'segments']);
					const docs = tx.objectStore('transcripts').getAll();
					const rows = tx.objectStore('segments').getAll();
					tx.oncomplete = () => {
						open.result.close();
						const records = docs.result as { id: string; doc: Doc }[];
						const texts = records.map((r) => {
							const segs = [...r.doc.segments];
							let until = r.doc.partial?.decodedUntilSec ?? Infinity;
							for (const row of rows.result as {
								transcriptId: string;
								segments: (Seg & { original: { end: number } })[];
							}[]) {
								if (row.transcriptId !== r.id || !r.doc.partial) continue;
								for (const seg of row.segments) {
									if (seg.original.start < until - 1e-6) continue;
									segs.push(seg);
									until = Math.max(until, seg.original.end);
								}
							}
							return segs.map((x) => x.original.text.trim()).join(' ');
						});
						resolve(texts.sort((a, b) => b.length - a.length)[0] ?? '');
					};
					tx.onerror = () => reject(tx.error);
				};
			})
	);
}

/** Measures one upload of `file` through the home page in a fresh profile (see the file's comment). */
export async function measureLong(base: string, file: string) {
	const profile = mkdtempSync(join(tmpdir(), 'redline-bench-profile-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		args: CHROMIUM_ARGS
	});
	let timer: ReturnType<typeof setInterval> | undefined;
	let splitTimer: ReturnType<typeof setInterval> | undefined;
	try {
		// On every navigation: long tasks from the start, the upload's change event, the first words
		// in a job's partial transcript and the Done status.
		// tsx (esbuild, keepNames) wraps named functions in __name(), which the page lacks.
		await context.addInitScript('globalThis.__name = (f) => f');
		await context.addInitScript(() => {
			const log = {
				changeAt: 0,
				firstMessageAt: 0,
				firstSegmentAt: 0,
				firstWordsAt: 0,
				doneAt: 0,
				longTasks: [] as number[],
				longTaskStarts: [] as number[],
				timings: null as unknown,
				messages: [] as { type: string; stage?: string; at: number }[]
			};
			(globalThis as unknown as { __bench: typeof log }).__bench = log;
			new PerformanceObserver((list) => {
				for (const e of list.getEntries()) {
					log.longTasks.push(e.duration);
					log.longTaskStarts.push(e.startTime);
				}
			}).observe({ type: 'longtask', buffered: true });
			// The engine's side: when its messages reach the page (a warmed engine answers before the upload).
			const PageWorker = Worker;
			globalThis.Worker = class extends PageWorker {
				constructor(url: string | URL, options?: WorkerOptions) {
					super(url, options);
					this.addEventListener('message', (e: MessageEvent<{ type?: string; stage?: string }>) => {
						const type = e.data?.type ?? '?';
						const at = performance.now();
						if (type !== 'progress' || !log.firstSegmentAt)
							log.messages.push({ type, stage: e.data?.stage, at });
						if (!log.changeAt) return;
						log.firstMessageAt ||= at;
						if (type === 'progress') log.firstSegmentAt ||= at;
						if (type === 'done') log.timings = (e.data as { timings?: unknown }).timings ?? null;
					});
				}
			};
			addEventListener('change', () => (log.changeAt = performance.now()), { capture: true });
			const watch = () => {
				if (!log.changeAt || log.doneAt) return;
				if (!log.firstWordsAt && document.querySelector('.job .partial')?.textContent?.trim())
					log.firstWordsAt = performance.now();
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
		const step = (what: string) => process.env.BENCH_DEBUG && console.error(new Date().toISOString(), what);
		page.on('console', (m) => step(`console: ${m.text()}`));
		// onnxruntime-web's heap: every WebAssembly.Memory a worker creates is recorded (the wrap lands
		// as the worker starts, before the engine imports the runtime; a worker that wins the race is
		// simply not counted). Its size never shrinks, so at Done it is the run's peak.
		page.on('worker', (w) => {
			w.evaluate(() => {
				const g = globalThis as unknown as { __memories?: WebAssembly.Memory[] };
				if (g.__memories) return;
				const memories: WebAssembly.Memory[] = (g.__memories = []);
				const Native = WebAssembly.Memory;
				const Recording = function (descriptor: WebAssembly.MemoryDescriptor) {
					const memory = new Native(descriptor);
					memories.push(memory);
					return memory;
				} as unknown as typeof WebAssembly.Memory;
				Recording.prototype = Native.prototype;
				WebAssembly.Memory = Recording;
			}).catch(() => {});
		});
		const wasmHeaps = async () => {
			// onnxruntime's own threads sleep in Atomics.wait and never answer: give each worker 2 s.
			const sizes = await Promise.all(
				page
					.workers()
					.map((w) =>
						Promise.race([
							w
								.evaluate(() =>
									((globalThis as unknown as { __memories?: WebAssembly.Memory[] }).__memories ?? []).map(
										(m) => m.buffer.byteLength
									)
								)
								.catch(() => [] as number[]),
							new Promise<number[]>((r) => setTimeout(() => r([]), 2000))
						])
					)
			);
			const all = sizes.flat().filter((n) => n > 0);
			return all.length ? all.map(mb).join(' + ') : 'none seen';
		};
		const input = page.getByLabel('Choose audio files');
		// Warm-up: downloads and caches the model, as a first visit would.
		await page.goto(`${base}/`);
		await input.setInputFiles(READ_SPEECH);
		await page.locator('.job[data-status="done"]').waitFor({ timeout: 300_000 });
		step('warm-up done');
		await page.reload();
		await input.waitFor();
		const reloadedAt = Date.now();
		resetRendererPeaks(profile);
		// RSS every 250 ms from the reload on, on the page's clock (performance.now), for the phases.
		const clock = Date.now() - (await page.evaluate(() => performance.now()));
		const samples: { at: number; rss: number }[] = [];
		let maxSampled = 0;
		let uploading = false;
		timer = setInterval(() => {
			const now = rendererMemory(profile)?.now ?? 0;
			samples.push({ at: Date.now() - clock, rss: now });
			if (uploading) maxSampled = Math.max(maxSampled, now);
		}, 250);
		await page.waitForTimeout(1000);
		const loaded = rendererMemory(profile)?.now ?? 0;
		// The renderer split by kind and the V8 heaps: before the upload, at the largest RSS seen in
		// a split taken every 5 s during it, and at Done.
		const heaps = await heapReader(page);
		const breakdown = async (): Promise<Breakdown | null> => {
			const pid = rendererMemory(profile)?.pid;
			const split = pid ? smapsSplit(pid) : null;
			return split && { split, heaps: await heaps().catch(() => []) };
		};
		let largest: Breakdown | null = null;
		let splitting = false;
		splitTimer = setInterval(() => {
			if (!uploading || splitting) return;
			splitting = true;
			void breakdown()
				.then((b) => {
					if (b && b.split.rss > (largest?.split.rss ?? 0)) largest = b;
				})
				.finally(() => (splitting = false));
		}, 5000);
		// A user picks a file some seconds after the page shows: an engine warmed when the page shows is
		// given up to 10 s to be ready (a build that does not warm waits the same for nothing).
		const ready = await page
			.waitForFunction(
				() =>
					(globalThis as unknown as { __bench: PageLog }).__bench.messages.some((m) => m.type === 'ready'),
				null,
				{ timeout: 10_000 }
			)
			.then(
				() => true,
				() => false
			);
		const readyAfterReload = ready
			? `${fmt((Date.now() - reloadedAt) / 1000, 2)} s`
			: 'not before the upload';
		step(`reloaded, engine ready: ${ready}`);
		const heapBefore = await wasmHeaps();
		await page.evaluate(() => {
			const log = (globalThis as unknown as { __bench: PageLog }).__bench;
			log.longTasks.length = 0;
			log.longTaskStarts.length = 0;
			log.timings = null;
		});
		const beforeUpload = rendererMemory(profile)?.now ?? 0;
		const splitBefore = await breakdown();
		step('uploading');
		uploading = true;
		await input.setInputFiles(file);
		// The transcript is in the library from its first segment on (it grows there), so the end is the
		// job's Done status, not the library item.
		await page
			.locator('.job[data-status="done"], .job[data-status="failed"]')
			.waitFor({ timeout: 3 * 3_600_000 });
		if (await page.locator('.job[data-status="failed"]').count())
			throw new Error(`the upload of ${file} failed: ${await page.locator('.job').innerText()}`);
		step('done');
		clearInterval(timer);
		clearInterval(splitTimer);
		const splitDone = await breakdown();
		const memory = rendererMemory(profile);
		const log = await page.evaluate(() => (globalThis as unknown as { __bench: PageLog }).__bench);
		// The saving that follows Done has finished once the status says Done.
		const text = await storedText(page);
		const heapDone = await wasmHeaps();
		step('measured');
		const readyAt = log.messages.findLast((m) => m.type === 'ready')?.at ?? 0;
		const rssAt = (t: number) =>
			samples.reduce((best, s) => (Math.abs(s.at - t) < Math.abs(best.at - t) ? s : best), samples[0])?.rss ??
			0;
		return {
			log,
			text,
			peak: memory?.peak ?? 0,
			atDone: memory?.now ?? 0,
			maxSampled,
			rss: { loaded, beforeUpload, ready: readyAt ? rssAt(readyAt) : 0 },
			heapBefore,
			heapDone,
			readyAfterReload,
			splits: { before: splitBefore, largest: largest as Breakdown | null, done: splitDone }
		};
	} finally {
		clearInterval(timer);
		clearInterval(splitTimer);
		await context.close();
		rmSync(profile, { recursive: true, force: true });
	}
}

/** What the worker reports about where a job's time went (protocol.ts, 'done'). */
export type WorkerTimings = PipelineTimings & { wallMs: number; setupMs?: number };

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
