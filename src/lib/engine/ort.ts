// The one place that knows which onnxruntime-web bundle runs where. Everything else receives an
// OrtModule and stays agnostic: Node uses the package's node build (WASM), the browser worker imports
// `onnxruntime-web/wasm` (14 MB runtime) or, only where WebGPU is used, `onnxruntime-web/webgpu`.
// The default/`all` bundle is avoided on purpose: its JSEP WebGPU path decodes garbage on this
// int8 decoder (every probability 0.25), while the native WebGPU provider in the webgpu bundle
// gives the same token ids as WASM.
import type * as OrtTypes from 'onnxruntime-web';

/** The onnxruntime-web module, whichever bundle provided it. */
export type OrtModule = typeof OrtTypes;
export type InferenceSession = OrtTypes.InferenceSession;
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace InferenceSession {
	type SessionOptions = OrtTypes.InferenceSession.SessionOptions;
}
export type Tensor = OrtTypes.Tensor;

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

/** Session options for a backend. */
export function sessionOptions(backend: 'wasm' | 'webgpu'): OrtTypes.InferenceSession.SessionOptions {
	return {
		// Not ['webgpu', 'wasm']: the webgpu bundle's own CPU kernels already take the nodes WebGPU has
		// no kernel for (MatMulInteger, DynamicQuantizeLinear), and naming 'wasm' there initialises its
		// runtime twice ("multiple calls to initWasm()").
		executionProviders: backend === 'webgpu' ? ['webgpu'] : ['wasm'],
		graphOptimizationLevel: 'all',
		// Lets constant folding dequantise the int8 weights once at load instead of on every run:
		// about half of each decoder step was spent dequantising the 288x32768 output projection.
		// Token ids stay identical (tests/integration/engine pins them); costs ~40 MB of memory.
		// disable_prepacking: prepacking kept a second, packed copy of every weight (the folded output
		// projection alone is 38 MB), and the WASM heap keeps its peak for good. Without it the heap
		// after loading fell from 217 to 141 MB and the process by 158 MB, at the same decoding speed
		// and with identical token ids (tests/integration/engine).
		extra: { session: { disable_quant_qdq: '1', disable_prepacking: '1' } },
		// WebAssembly memory never shrinks, so every allocation peak stays for the life of the page.
		// Without the arena and memory patterns, RSS after a 60 s recording fell from 750 to 625 MB
		// in Node at no measurable cost in speed (2.07 s vs 2.12 s).
		enableCpuMemArena: false,
		enableMemPattern: false
	};
}
