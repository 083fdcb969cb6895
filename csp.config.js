// The Content-Security-Policy directives, in SvelteKit's config form, shared by svelte.config.js (pages)
// and scripts/server.js (worker scripts, which adapter-node serves as static files without it).
// Plain data with no imports, so the production server can read it without the build tooling.
// Everything, the model and the ONNX runtime included, comes from our own origin. 'wasm-unsafe-eval'
// lets onnxruntime-web compile its WebAssembly; blob: in worker-src is the worker onnxruntime spawns
// for its thread pool (a blob worker inherits its creator's policy).

/** @type {Record<string, string[]>} */
export const cspDirectives = {
	'default-src': ['self'],
	'script-src': ['self', 'wasm-unsafe-eval'],
	'worker-src': ['self', 'blob:'],
	'connect-src': ['self', 'blob:', 'data:'],
	'media-src': ['self', 'blob:'],
	'img-src': ['self', 'data:', 'blob:'],
	'style-src': ['self', 'unsafe-inline'],
	'object-src': ['none'],
	'base-uri': ['self'],
	'form-action': ['self'],
	'frame-ancestors': ['none']
};

const KEYWORDS = new Set([
	'self',
	'none',
	'unsafe-inline',
	'unsafe-eval',
	'wasm-unsafe-eval',
	'strict-dynamic'
]);

/**
 * The directives as a header value, keywords quoted as SvelteKit quotes them.
 * @param {Record<string, string[]>} directives
 */
export function cspHeader(directives) {
	return Object.entries(directives)
		.map(([name, values]) => [name, ...values.map((v) => (KEYWORDS.has(v) ? `'${v}'` : v))].join(' '))
		.join('; ');
}
