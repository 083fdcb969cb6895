import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ precompress: true }),
		csp: {
			// Everything, the model and the ONNX runtime included, comes from our own origin.
			// 'wasm-unsafe-eval' lets onnxruntime-web compile its WebAssembly; blob: is the worker
			// script onnxruntime spawns for its thread pool.
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self', 'wasm-unsafe-eval', 'blob:'],
				'worker-src': ['self', 'blob:'],
				'connect-src': ['self', 'blob:', 'data:'],
				'media-src': ['self', 'blob:'],
				'img-src': ['self', 'data:', 'blob:'],
				'style-src': ['self', 'unsafe-inline'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
