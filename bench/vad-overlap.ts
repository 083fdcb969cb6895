// Does running the VAD ahead of the decoder on a second thread pay on this machine?
// (`npm run bench -- vad-overlap`; BENCH_OVERLAP_SECONDS sets the audio, default the first 120 s of
// the 10-minute recording.) Each part runs in its own worker thread with its own onnxruntime-web WASM
// instance, as a second Web Worker would in the browser (same V8, same WASM kernels): the VAD over
// all the audio, and the decoder over the speech spans the VAD finds (encoder + greedy steps +
// cross-attention, as the engine does). Timed one after the other (today: one instance, VAD and
// decoder take turns) and at the same time (the overlap), for thread counts of both; rounds
// interleave the variants so a change in the machine's load hits them alike. Prints figures with the
// load average; asserts nothing.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import * as ortNode from 'onnxruntime-web';
import { createNodeEngine, decodeAudioFile, loadAssets } from '../src/lib/engine/node/index';
import type { OrtModule } from '../src/lib/engine/ort';
import { SileroVad } from '../src/lib/engine/vad';
import { memorySource } from '../src/lib/engine/audio-source';

const root = resolve(import.meta.dirname, '..');
const load = () =>
	loadavg()
		.map((x) => x.toFixed(2))
		.join(' ');

interface Job {
	part: 'vad' | 'decoder';
	threads: number;
	audio: Float32Array;
	spans: [number, number][];
}

if (!isMainThread) {
	// A worker: build the part's sessions, say ready, run on 'go', answer the time and a result digest.
	const job = workerData as Job;
	const ort = ortNode as unknown as OrtModule;
	ort.env.wasm.numThreads = job.threads;
	let run: () => Promise<string>;
	if (job.part === 'vad') {
		const vad = await SileroVad.create(ort, (await loadAssets()).vad, 16000);
		run = async () => {
			const p = await vad.probabilities(memorySource(job.audio));
			return `${p.length} frames, sum ${p.reduce((a, b) => a + b, 0).toFixed(6)}`;
		};
	} else {
		const engine = await createNodeEngine({ threads: job.threads });
		run = async () => {
			let tokens = 0;
			let digest = 0;
			for (const [s, e] of job.spans) {
				const d = await engine.decodeTokens(job.audio.subarray(s, e));
				tokens += d.tokens.length;
				for (const t of d.tokens) digest = (digest * 31 + t) % 1_000_000_007;
			}
			return `${tokens} tokens, digest ${digest}`;
		};
	}
	await run(); // warm-up
	parentPort!.postMessage({ ready: true });
	parentPort!.once('message', async () => {
		const t = performance.now();
		const result = await run();
		parentPort!.postMessage({ ms: performance.now() - t, result });
	});
} else {
	const seconds = Number(process.env.BENCH_OVERLAP_SECONDS ?? 120);
	const { audio: whole } = await decodeAudioFile(join(root, 'bench/out/long-10min.wav'));
	const audio = whole.slice(0, seconds * 16000);
	// The speech spans, as the engine's segmenter closes them.
	const probe = await createNodeEngine();
	const spans = (await probe.transcribe(audio)).segments.map(
		(s) => [Math.round(s.start * 16000), Math.round(s.end * 16000)] as [number, number]
	);
	await probe.release();

	const start = (part: Job['part'], threads: number) =>
		new Promise<{ go: () => Promise<{ ms: number; result: string }> }>((ready, fail) => {
			const w = new Worker(new URL(import.meta.url), {
				workerData: { part, threads, audio, spans } satisfies Job,
				execArgv: ['--import', 'tsx']
			});
			w.once('error', fail);
			w.once('message', () =>
				ready({
					go: () =>
						new Promise((done) => {
							w.once('message', (m: { ms: number; result: string }) => {
								void w.terminate();
								done(m);
							});
							w.postMessage('go');
						})
				})
			);
		});

	const variants: [string, number, number, boolean][] = [
		['one after the other, 2+2 threads (today)', 2, 2, false],
		['one after the other, 1+1 threads', 1, 1, false],
		['overlapped: decoder 2 threads, VAD 1', 2, 1, true],
		['overlapped: decoder 1 thread, VAD 1', 1, 1, true]
	];
	const rounds = Number(process.env.BENCH_OVERLAP_ROUNDS ?? 2);
	const times = new Map<string, number[]>();
	const results = new Set<string>();
	console.log(
		`\nVAD ahead of the decoder on a second thread (${seconds} s of the 10-min recording, ${spans.length} spans, ` +
			`${cpus().length} cores)`
	);
	for (let r = 0; r < rounds; r++)
		for (const [label, decThreads, vadThreads, overlapped] of variants) {
			const before = load();
			const [dec, vad] = await Promise.all([start('decoder', decThreads), start('vad', vadThreads)]);
			let wall: number;
			const t = performance.now();
			if (overlapped) {
				const [a, b] = await Promise.all([dec.go(), vad.go()]);
				wall = performance.now() - t;
				results.add(`${a.result} | ${b.result}`);
				console.log(
					`  round ${r + 1} ${label.padEnd(42)} ${(wall / 1000).toFixed(2)} s (decoder ${(a.ms / 1000).toFixed(2)}, VAD ${(b.ms / 1000).toFixed(2)}) load ${before}`
				);
			} else {
				const b = await vad.go();
				const a = await dec.go();
				wall = performance.now() - t;
				results.add(`${a.result} | ${b.result}`);
				console.log(
					`  round ${r + 1} ${label.padEnd(42)} ${(wall / 1000).toFixed(2)} s (decoder ${(a.ms / 1000).toFixed(2)}, VAD ${(b.ms / 1000).toFixed(2)}) load ${before}`
				);
			}
			times.set(label, [...(times.get(label) ?? []), wall]);
		}
	const base = times.get(variants[0][0])!;
	const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
	for (const [label] of variants) {
		const xs = times.get(label)!;
		console.log(
			`  ${label.padEnd(50)} RTF ${(sum(xs) / xs.length / 1000 / seconds).toFixed(3)}, ` +
				`time vs today ${(sum(xs) / sum(base)).toFixed(2)}x`
		);
	}
	console.log(`  results (token digest | VAD sum), must be one line: ${[...results].join(' ; ')}`);
	console.log(`  load average at the end ${load()}`);
}
