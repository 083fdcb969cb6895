import { describe, expect, it } from 'vitest';
import { WEBGPU_MARGIN, decideBackend, type BackendVerdict, type Trial } from './backend';

const TOKENS = [1, 17, 4, 2];
const wasm: Trial = { tokens: TOKENS, ms: 100.4 };

describe('decideBackend', () => {
	it.each<{ name: string; wasm?: Trial; webgpu: Parameters<typeof decideBackend>[1]; want: BackendVerdict }>([
		{
			name: 'no adapter (null)',
			webgpu: null,
			want: { backend: 'wasm', reason: 'no WebGPU adapter', wasmMs: 100, webgpuMs: null }
		},
		{
			name: 'no adapter',
			webgpu: 'unavailable',
			want: { backend: 'wasm', reason: 'no WebGPU adapter', wasmMs: 100, webgpuMs: null }
		},
		{
			name: 'WebGPU failed',
			webgpu: 'failed',
			want: { backend: 'wasm', reason: 'WebGPU failed to run the model', wasmMs: 100, webgpuMs: null }
		},
		{
			name: 'WebGPU gave up as too slow',
			webgpu: 'too-slow',
			want: { backend: 'wasm', reason: 'measured: WebGPU far slower than WASM', wasmMs: 100, webgpuMs: null }
		},
		{
			name: 'WebGPU twice as fast',
			webgpu: { tokens: TOKENS, ms: 50.2 },
			want: { backend: 'webgpu', reason: 'measured: WebGPU 2.0x faster', wasmMs: 100, webgpuMs: 50 }
		},
		{
			name: 'WebGPU faster but different tokens',
			webgpu: { tokens: [1, 17, 5, 2], ms: 10 },
			want: {
				backend: 'wasm',
				reason: 'measured: WebGPU output differs from WASM',
				wasmMs: 100,
				webgpuMs: 10
			}
		},
		{
			name: 'WebGPU faster but a token short',
			webgpu: { tokens: [1, 17, 4], ms: 10 },
			want: {
				backend: 'wasm',
				reason: 'measured: WebGPU output differs from WASM',
				wasmMs: 100,
				webgpuMs: 10
			}
		},
		{
			name: 'WebGPU exactly at the margin is not enough',
			wasm: { tokens: TOKENS, ms: 100 },
			webgpu: { tokens: TOKENS, ms: 100 * WEBGPU_MARGIN },
			want: { backend: 'wasm', reason: 'measured: WASM 0.8x faster', wasmMs: 100, webgpuMs: 85 }
		},
		{
			name: 'WebGPU just under the margin',
			wasm: { tokens: TOKENS, ms: 100 },
			webgpu: { tokens: TOKENS, ms: 84 },
			want: { backend: 'webgpu', reason: 'measured: WebGPU 1.2x faster', wasmMs: 100, webgpuMs: 84 }
		},
		{
			name: 'WASM faster',
			webgpu: { tokens: TOKENS, ms: 301.2 },
			want: { backend: 'wasm', reason: 'measured: WASM 3.0x faster', wasmMs: 100, webgpuMs: 301 }
		},
		{
			name: 'both empty outputs agree',
			wasm: { tokens: [], ms: 100 },
			webgpu: { tokens: [], ms: 40 },
			want: { backend: 'webgpu', reason: 'measured: WebGPU 2.5x faster', wasmMs: 100, webgpuMs: 40 }
		}
	])('$name → $want.backend', ({ wasm: w = wasm, webgpu, want }) => {
		expect(decideBackend(w, webgpu)).toEqual(want);
	});
});
