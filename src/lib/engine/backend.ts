// Chooses WebGPU or WASM by measurement, not by presence: a GPU adapter that exists can still be a
// slow software one, and int8 ops without WebGPU kernels fall back to the CPU. The check decodes a
// short real recording on both, requires identical token ids, and takes WebGPU only when it is
// clearly faster. The verdict is cached per model weights, browser and adapter.
import type { Backend } from '../transcript/types';

/** What the check found; cached. */
export interface BackendVerdict {
	backend: Backend;
	reason: string;
	wasmMs: number | null;
	webgpuMs: number | null;
}

/** Measurements of one backend on the check clip: token ids and warm decode time. */
export interface Trial {
	tokens: number[];
	ms: number;
}

/** WebGPU must beat WASM by this factor to be chosen: a near tie is not worth the GPU's fragility. */
export const WEBGPU_MARGIN = 0.85;

/** Pure decision from the two trials. */
export function decideBackend(
	wasm: Trial,
	webgpu: Trial | null | 'unavailable' | 'failed' | 'too-slow'
): BackendVerdict {
	const base = { wasmMs: Math.round(wasm.ms), webgpuMs: null };
	if (webgpu === null || webgpu === 'unavailable')
		return { ...base, backend: 'wasm', reason: 'no WebGPU adapter' };
	if (webgpu === 'failed') return { ...base, backend: 'wasm', reason: 'WebGPU failed to run the model' };
	if (webgpu === 'too-slow')
		return { ...base, backend: 'wasm', reason: 'measured: WebGPU far slower than WASM' };
	const measured = { wasmMs: Math.round(wasm.ms), webgpuMs: Math.round(webgpu.ms) };
	const same =
		wasm.tokens.length === webgpu.tokens.length && wasm.tokens.every((t, i) => t === webgpu.tokens[i]);
	if (!same) return { ...measured, backend: 'wasm', reason: 'measured: WebGPU output differs from WASM' };
	if (webgpu.ms < wasm.ms * WEBGPU_MARGIN) {
		return {
			...measured,
			backend: 'webgpu',
			reason: `measured: WebGPU ${(wasm.ms / webgpu.ms).toFixed(1)}x faster`
		};
	}
	return {
		...measured,
		backend: 'wasm',
		reason: `measured: WASM ${(webgpu.ms / wasm.ms).toFixed(1)}x faster`
	};
}
