import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

// Cross-origin isolation gives the page SharedArrayBuffer, which multi-threaded WASM needs.
const isolation = {
	'Cross-Origin-Opener-Policy': 'same-origin',
	'Cross-Origin-Embedder-Policy': 'require-corp'
};

export default defineConfig({
	plugins: [sveltekit()],
	server: { headers: isolation },
	preview: { headers: isolation },
	worker: { format: 'es' },
	optimizeDeps: { exclude: ['onnxruntime-web'] },
	test: {
		include: ['src/**/*.spec.ts', 'scripts/**/*.spec.ts', 'tests/integration/**/*.test.ts'],
		environment: 'node',
		testTimeout: 120_000,
		hookTimeout: 120_000,
		pool: 'forks'
	}
});
