// Production server: SvelteKit's adapter-node handler behind a thin http server that adds the
// cross-origin isolation headers to EVERY response, static assets and worker scripts included.
// (Hooks only see SvelteKit's own responses; the static files adapter-node serves bypass them, and
// the transcription worker needs SharedArrayBuffer for multi-threaded WASM.)
import { createServer } from 'node:http';
import { cspDirectives, cspHeader } from '../csp.config.js';
import { gracefulShutdown } from './lib/graceful-shutdown.mjs';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';
// adapter-node reads these when its handler is imported, so set defaults first.
// Telemetry batches are at most 512 KiB (BATCH_LIMITS.maxBytes), adapter-node's own default.
process.env.BODY_SIZE_LIMIT ??= '512K';
// Without ORIGIN, adapter-node assumes https and SvelteKit's CSRF check rejects the app's own
// posts over plain http. Default to the address `npm start` prints; set ORIGIN when deploying.
process.env.ORIGIN ??= `http://localhost:${port}`;
const { handler } = await import('../build/handler.js');

// Pages get their policy (with nonces or hashes) from SvelteKit. A worker is governed by its own
// script's response headers, which SvelteKit never sees, so the static files under /_app/ get the same
// directives here (on scripts that are not workers, and on other files, a CSP header does nothing).
const staticCsp = cspHeader(cspDirectives);

const server = createServer((req, res) => {
	res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
	res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
	res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
	res.setHeader('X-Content-Type-Options', 'nosniff');
	res.setHeader('Referrer-Policy', 'no-referrer');
	if (req.url?.startsWith('/_app/')) res.setHeader('Content-Security-Policy', staticCsp);
	handler(req, res, () => {
		res.statusCode = 404;
		res.end('Not found');
	});
});

server.listen(port, host, () => {
	const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
	console.log(`Redline is running at http://${shown}:${port}`);
});

// Requests in flight are answered, then hooks.server.ts closes the database on `sveltekit:shutdown`
// (the event adapter-node's own entry point emits; this server replaces that entry point) and the
// process exits by itself once nothing is left to do.
const shutdown = gracefulShutdown(server, {
	onClosed: () => {
		process.emit('sveltekit:shutdown', 'SIGTERM');
		// Should a handle outlive the database, still exit (unref: this timer alone keeps nothing alive).
		setTimeout(() => process.exit(0), 5000).unref();
	},
	timeoutMs: Number(process.env.SHUTDOWN_TIMEOUT ?? 30) * 1000
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, shutdown);
