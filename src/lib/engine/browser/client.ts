// The page's side of the transcription worker: spawns it and types both directions by the protocol,
// so the app's queue and the diagnostics page send and receive the same messages.
import type { WorkerRequest, WorkerResponse } from '../protocol';

/** A transcription worker as its callers see it: typed messages both ways. Tests pass a fake. */
export interface EngineWorker {
	postMessage(message: WorkerRequest, transfer?: Transferable[]): void;
	onmessage: ((event: MessageEvent<WorkerResponse>) => void) | null;
	onerror: ((event: ErrorEvent) => void) | null;
	terminate(): void;
}

/** Spawns a transcription worker (Vite bundles worker.ts as an ES module worker). */
export function createEngineWorker(): EngineWorker {
	return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }) as unknown as EngineWorker;
}
