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
	// Threads need SharedArrayBuffer, which only a cross-origin isolated page has.
	ort.env.wasm.numThreads = globalThis.crossOriginIsolated
		? Math.min(4, navigator.hardwareConcurrency || 2)
		: 1;
	return ort as unknown as OrtModule;
}
