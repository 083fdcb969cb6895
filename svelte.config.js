import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { cspDirectives } from './csp.config.js';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ precompress: true }),
		// The directives live in csp.config.js so the production server gives worker scripts the same policy.
		csp: { mode: 'auto', directives: cspDirectives }
	}
};

export default config;
