import type { Backend, ModelRef, Segment, TranscriptResult } from '../transcript/types';

/** The user's backend choice; 'auto' runs the measured check (see backend.ts). */
export type BackendPreference = 'auto' | Backend;

/** Messages the page sends to the transcription worker. */
export type WorkerRequest =
	| { type: 'load'; modelId: string; backend: BackendPreference }
	| {
			type: 'transcribe';
			jobId: string;
			/** Mono PCM at ENGINE_SAMPLE_RATE (models.ts); transferred, not copied. */
			audio: Float32Array;
	  }
	| { type: 'cancel'; jobId: string };

/** Messages the worker sends back. Every job ends with exactly one of done, error or cancelled. */
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
	| { type: 'done'; jobId: string; result: TranscriptResult }
	| { type: 'cancelled'; jobId: string }
	| { type: 'error'; jobId: string | null; message: string };
