// The one place that knows which onnxruntime-web bundle runs in the browser: the worker imports
// `onnxruntime-web/wasm` (14 MB runtime) or, only where WebGPU is used, `onnxruntime-web/webgpu`.
// The default/`all` bundle is avoided on purpose: its JSEP WebGPU path decodes garbage on this
// int8 decoder (every probability 0.25), while the native WebGPU provider in the webgpu bundle
// gives the same token ids as WASM.
import type { OrtModule } from '../ort';

/** Loads the runtime for a backend in a browser or worker. */
export async function loadBrowserOrt(backend: 'wasm' | 'webgpu'): Promise<OrtModule> {
	const ort =
		backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
	ort.env.wasm.numThreads = wasmThreads(globalThis.crossOriginIsolated, navigator.hardwareConcurrency);
	return ort as unknown as OrtModule;
}

/**
 * onnxruntime's threads for a device: up to 4. Fewer would save memory (on 2 cores, one thread
 * instead of two saved the tab ~50 MB: a worker isolate with an 18 MB heap and 20 MB of WASM heap)
 * but costs speed wherever the second core is free (180-minute upload, same run: RTF 0.056 with one
 * thread, 0.039 with two; only on a machine busy with other work was one thread faster). Threads need
 * SharedArrayBuffer, which only a cross-origin isolated page has.
 */
export function wasmThreads(crossOriginIsolated: boolean, cores: number | undefined): number {
	return crossOriginIsolated ? Math.min(4, cores || 2) : 1;
}
