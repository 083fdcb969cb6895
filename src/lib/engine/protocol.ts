import type { Backend, ModelRef, Segment, TranscriptResult } from '../transcript/types';
import type { PipelineTimings } from './engine';

/** The user's backend choice; 'auto' runs the measured check (see backend.ts). */
export type BackendPreference = 'auto' | Backend;

/** Messages the page sends to the transcription worker. */
export type WorkerRequest =
	| {
			type: 'load';
			modelId: string;
			backend: BackendPreference;
			/**
			 * Loading ahead of an upload (the queue's warm): once the sessions exist, transcribe a short
			 * clip, so the first real segment runs on compiled, allocated kernels. 'ready' follows it.
			 */
			prime?: boolean;
	  }
	| {
			type: 'transcribe';
			jobId: string;
			/** Mono PCM at ENGINE_SAMPLE_RATE (models.ts); transferred, not copied. */
			audio: Float32Array;
			/** As in the file form: start here, the audio before is skipped. */
			startSec?: number;
	  }
	| {
			type: 'transcribe';
			jobId: string;
			/**
			 * The uploaded file itself (structured clone of a Blob copies no bytes): the worker reads and
			 * decodes it in pieces as the engine goes. If it cannot decode this file it answers
			 * 'needs-pcm', and the page sends the same job again with `audio`.
			 */
			file: Blob;
			/** The file's name, for messages. */
			name: string;
			/**
			 * Resume a run that stopped: start at this time (the end of the last finished segment). A WAV
			 * is read from that byte on; other formats are decoded and the part before discarded.
			 * Segment times stay relative to the recording's start. Default 0.
			 */
			startSec?: number;
	  }
	| { type: 'cancel'; jobId: string };

/**
 * Messages the worker sends back. Every job ends with exactly one of done, error or cancelled;
 * 'progress' comes after each segment with words, in time order, from a few seconds after the start.
 */
export type WorkerResponse =
	| {
			type: 'load-progress';
			/** What is being loaded: a file name, or 'sessions' while ONNX sessions are created. */
			stage: string;
			loadedBytes: number;
			totalBytes: number;
	  }
	| {
			type: 'ready';
			model: ModelRef;
			backend: Backend;
			/** Why this backend: e.g. 'measured: wasm 1.9x faster', 'no WebGPU adapter', 'user choice'. */
			reason: string;
			loadMs: number;
	  }
	| {
			type: 'progress';
			jobId: string;
			/** 0..1 of the audio's duration decoded so far. */
			fraction: number;
			/** Seconds left at the current speed, or null before the first segment. */
			etaSec: number | null;
			/** The segment just finished; segments arrive in time order. */
			segment: Segment;
	  }
	| {
			/** Not terminal: the worker cannot decode this file; send the job again as PCM. */
			type: 'needs-pcm';
			jobId: string;
			/** Why, for the console: e.g. 'no WebCodecs', 'codec not supported'. */
			reason: string;
	  }
	| {
			type: 'done';
			jobId: string;
			result: TranscriptResult;
			/**
			 * Where the worker's time went (for benchmarks and diagnostics): `wallMs` from the job's start
			 * in the worker (after queueing) to its end, `setupMs` from there to the engine's start (the
			 * loaded engine awaited, the file opened).
			 */
			timings?: PipelineTimings & { wallMs: number; setupMs?: number };
	  }
	| { type: 'cancelled'; jobId: string }
	| { type: 'error'; jobId: string | null; message: string };
