/// <reference lib="webworker" />
// The transcription worker: one Engine per worker, created on 'load' and released when the model or
// backend changes. Jobs run one at a time; 'cancel' is checked between decoder steps.
import type { Backend } from '../../transcript/types';
import { decideBackend, type BackendVerdict, type Trial } from '../backend';
import { fetchAssets } from './assets';
import { loadBrowserOrt } from './ort';
import {
	AudioInputError,
	CancelledError,
	Engine,
	pipelineTimings,
	resumeOffset,
	type EngineAssets
} from '../engine';
import { ENGINE_SAMPLE_RATE } from '../models';
import type { BackendPreference, WorkerRequest, WorkerResponse } from '../protocol';
import { wavToMono16k } from '../wav';
import type { AudioStream } from '../audio-source';
import { FileInputError, openFileStream } from './file-stream';

declare const self: DedicatedWorkerGlobalScope;

/** Cache Storage name of the backend verdicts; changing it makes every device measure again. */
const BACKEND_CHECK_CACHE = 'redline-backend-check-v1';

let engine: Engine | null = null;
let loading: Promise<Engine> | null = null;
const cancelled = new Set<string>();
let queue: Promise<void> = Promise.resolve();

function post(message: WorkerResponse, transfer: Transferable[] = []): void {
	self.postMessage(message, transfer);
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
	const msg = event.data;
	if (msg.type === 'cancel') {
		cancelled.add(msg.jobId);
		return;
	}
	if (msg.type === 'load') {
		// A second load waits for the first and for the jobs already queued, so it never releases an
		// engine under a running decode or builds two at once.
		const previous = loading?.catch(() => null) ?? Promise.resolve(null);
		const jobsBefore = queue;
		loading = previous.then(() => jobsBefore).then(() => load(msg.modelId, msg.backend, msg.prime ?? false));
		loading.catch((err) => post({ type: 'error', jobId: null, message: describe(err) }));
		return;
	}
	// Jobs are serialised: one model instance, one decode at a time.
	queue = queue.then(() => transcribe(msg));
};

async function load(modelId: string, preference: BackendPreference, prime: boolean): Promise<Engine> {
	const started = performance.now();
	if (engine) {
		await engine.release();
		engine = null;
	}
	const assets = await fetchAssets(modelId, (file, loadedBytes, totalBytes) =>
		post({ type: 'load-progress', stage: file, loadedBytes, totalBytes })
	);
	post({ type: 'load-progress', stage: 'sessions', loadedBytes: 0, totalBytes: 0 });
	const { engine: chosen, verdict } = await chooseEngine(assets, preference);
	engine = chosen;
	releaseWeights(assets);
	// The first run of each session pays for compiling the hot WASM code and allocating its buffers
	// (seconds on a busy machine): pay it now, in the idle time before an upload. Best effort.
	if (prime) await chosen.transcribe(await checkClip()).catch(() => {});
	post({
		type: 'ready',
		model: chosen.model,
		backend: chosen.backend,
		reason: verdict.reason,
		loadMs: Math.round(performance.now() - started)
	});
	return chosen;
}

/**
 * Frees the weights' bytes once every session has been created: onnxruntime copies them into its
 * WASM heap, and otherwise some 30 MB of ArrayBuffers wait in the worker for a garbage collection
 * (an idle worker runs none). Detaching (ArrayBuffer.transfer) frees them at once.
 */
function releaseWeights(assets: EngineAssets): void {
	for (const bytes of [assets.encoder, assets.decoder, assets.vad]) {
		const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
		buffer.transfer?.(0);
	}
}

async function createEngine(assets: EngineAssets, backend: Backend): Promise<Engine> {
	const wasmOrt = await loadBrowserOrt('wasm');
	return Engine.create(
		backend === 'webgpu' ? await loadBrowserOrt('webgpu') : wasmOrt,
		assets,
		backend,
		wasmOrt
	);
}

async function hasWebGpuAdapter(): Promise<GPUAdapter | null> {
	const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
	if (!gpu) return null;
	try {
		return await gpu.requestAdapter();
	} catch {
		return null;
	}
}

async function chooseEngine(
	assets: EngineAssets,
	preference: BackendPreference
): Promise<{ engine: Engine; verdict: BackendVerdict }> {
	if (preference !== 'auto') {
		const verdict = (backend: Backend, reason: string): BackendVerdict => ({
			backend,
			reason,
			wasmMs: null,
			webgpuMs: null
		});
		try {
			return {
				engine: await createEngine(assets, preference),
				verdict: verdict(preference, 'chosen in settings')
			};
		} catch (err) {
			if (preference !== 'webgpu') throw err;
			// A choice the browser cannot honour must not leave the user without transcription.
			console.warn('WebGPU was chosen in settings but failed:', err);
			return {
				engine: await createEngine(assets, 'wasm'),
				verdict: verdict('wasm', 'WebGPU was chosen in settings but is not available here')
			};
		}
	}
	const wasm = await createEngine(assets, 'wasm');
	const adapter = await hasWebGpuAdapter();
	if (!adapter) return { engine: wasm, verdict: decideBackend({ tokens: [], ms: 0 }, 'unavailable') };

	const info = adapter.info ?? ({} as GPUAdapterInfo);
	const key = `/__redline/backend-check?${new URLSearchParams({
		model: `${wasm.model.id}@${wasm.model.version}:${wasm.model.sha256}`,
		browser: navigator.userAgent,
		adapter: `${info.vendor}|${info.architecture}|${info.device}|${info.description}`
	})}`;
	// No Cache Storage outside secure contexts: then the check simply runs on every load.
	const cache =
		typeof caches === 'undefined' ? null : await caches.open(BACKEND_CHECK_CACHE).catch(() => null);
	const cached = (await (await cache?.match(key))?.json().catch(() => null)) as BackendVerdict | null;
	if (cached?.backend === 'wasm')
		return { engine: wasm, verdict: { ...cached, reason: `${cached.reason} (cached)` } };
	if (cached?.backend === 'webgpu') {
		try {
			const gpu = await createEngine(assets, 'webgpu');
			await wasm.release();
			return { engine: gpu, verdict: { ...cached, reason: `${cached.reason} (cached)` } };
		} catch (err) {
			console.warn('WebGPU failed although it passed the check before:', err);
			return { engine: wasm, verdict: decideBackend({ tokens: [], ms: 0 }, 'failed') };
		}
	}

	const clip = await checkClip();
	const wasmTrial = await trial(wasm, clip, () => false);
	let gpuEngine: Engine | null = null;
	let gpuResult: Trial | 'failed' | 'too-slow';
	try {
		gpuEngine = await createEngine(assets, 'webgpu');
		// A software adapter can be 20x slower: stop the trial once it is clearly lost.
		const limit = performance.now() + Math.max(2000, wasmTrial.ms * 6);
		gpuResult = await trial(gpuEngine, clip, () => performance.now() > limit);
	} catch (err) {
		if (!(err instanceof CancelledError)) console.warn('WebGPU backend check failed:', err);
		gpuResult = err instanceof CancelledError ? 'too-slow' : 'failed';
	}
	const verdict = decideBackend(wasmTrial, gpuResult);
	await cache?.put(key, new Response(JSON.stringify(verdict))).catch(() => {});
	if (verdict.backend === 'webgpu' && gpuEngine) {
		await wasm.release();
		return { engine: gpuEngine, verdict };
	}
	await gpuEngine?.release();
	return { engine: wasm, verdict };
}

/** A short real recording served with the app, decoded here (workers have no Web Audio). */
async function checkClip(): Promise<Float32Array> {
	const res = await fetch('/backend-check.wav');
	return wavToMono16k(new Uint8Array(await res.arrayBuffer())).audio;
}

/** Warm timing: the first run pays for kernel compilation and allocation, the second is measured. */
async function trial(e: Engine, clip: Float32Array, shouldStop: () => boolean): Promise<Trial> {
	await e.decodeTokens(clip, shouldStop);
	const t = performance.now();
	const decoded = await e.decodeTokens(clip, shouldStop);
	return { tokens: decoded.tokens, ms: performance.now() - t };
}

async function transcribe(msg: Extract<WorkerRequest, { type: 'transcribe' }>): Promise<void> {
	const { jobId } = msg;
	const started = performance.now();
	const timings = pipelineTimings();
	try {
		if (!loading) throw new Error('no model loaded');
		const e = await loading;
		let audio: Float32Array | AudioStream;
		if ('audio' in msg) audio = msg.audio;
		else {
			// Opened where the engine starts (the frame grid), never after it: skipStream drops the rest.
			const from = resumeOffset(msg.startSec ?? 0, ENGINE_SAMPLE_RATE) / ENGINE_SAMPLE_RATE;
			const stream = await openFileStream(msg.file, msg.name, from);
			if (!stream) {
				post({
					type: 'needs-pcm',
					jobId,
					reason: typeof AudioDecoder === 'undefined' ? 'no WebCodecs' : 'format or codec not decodable here'
				});
				return;
			}
			audio = stream;
		}
		const setupMs = performance.now() - started;
		const result = await e.transcribe(audio, {
			shouldStop: () => cancelled.has(jobId),
			startSec: msg.startSec ?? 0,
			timings,
			onSegment: (segment, fraction, etaSec) => post({ type: 'progress', jobId, fraction, etaSec, segment })
		});
		post({
			type: 'done',
			jobId,
			result,
			timings: { ...timings, wallMs: performance.now() - started, setupMs }
		});
	} catch (err) {
		if (err instanceof CancelledError) post({ type: 'cancelled', jobId });
		else {
			// WebGPU passed the check once but fails now (driver update, lost device): forget the
			// verdict so the next load measures again instead of trusting it for ever.
			if (engine?.backend === 'webgpu' && !(err instanceof AudioInputError || err instanceof FileInputError))
				await forgetBackendVerdicts();
			post({ type: 'error', jobId, message: describe(err) });
		}
	} finally {
		cancelled.delete(jobId);
	}
}

async function forgetBackendVerdicts(): Promise<void> {
	if (typeof caches !== 'undefined') await caches.delete(BACKEND_CHECK_CACHE).catch(() => false);
}

function describe(err: unknown): string {
	if (err instanceof AudioInputError || err instanceof FileInputError) return err.message;
	return err instanceof Error ? err.message : String(err);
}
