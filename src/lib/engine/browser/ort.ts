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
 * onnxruntime's threads for a device: none beside the worker's own (1) on two cores or fewer, else up
 * to 4. Each extra thread is a Web Worker with its own JavaScript heap and a stack in the WASM heap:
 * on 2 cores the second thread cost the tab about 50 MB (20 MB of it WASM heap) and no speed, since
 * it only competes with the page, the VAD and the rest of the machine for the second core (upload of
 * 10 minutes, same run: RTF 0.063 with one thread, 0.110 with two). Threads need SharedArrayBuffer,
 * which only a cross-origin isolated page has.
 */
export function wasmThreads(crossOriginIsolated: boolean, cores: number | undefined): number {
	if (!crossOriginIsolated) return 1;
	const n = cores || 2;
	return n <= 2 ? 1 : Math.min(4, n);
}
