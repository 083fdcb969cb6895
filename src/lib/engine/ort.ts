// The engine's view of onnxruntime-web: its types and the session options for each backend. The
// engine receives an OrtModule and stays agnostic of where it came from: node/index.ts passes the
// package's node build (WASM), browser/ort.ts loads the browser bundles.
import type * as OrtTypes from 'onnxruntime-web';

/** The onnxruntime-web module, whichever bundle provided it. */
export type OrtModule = typeof OrtTypes;
export type InferenceSession = OrtTypes.InferenceSession;
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace InferenceSession {
	type SessionOptions = OrtTypes.InferenceSession.SessionOptions;
}
export type Tensor = OrtTypes.Tensor;

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
