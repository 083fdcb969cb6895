import type { WorkerLike } from './queue.svelte';

/** Spawns the app's one transcription worker (Vite bundles it as an ES module worker). */
export function createEngineWorker(): WorkerLike {
	return new Worker(new URL('../engine/worker.ts', import.meta.url), {
		type: 'module'
	}) as unknown as WorkerLike;
}
