// Production server: SvelteKit's adapter-node handler behind a thin http server that adds the
// cross-origin isolation headers to EVERY response, static assets and worker scripts included.
// (Hooks only see SvelteKit's own responses; the static files adapter-node serves bypass them, and
// the transcription worker needs SharedArrayBuffer for multi-threaded WASM.)
import { createServer } from 'node:http';
import { handler } from '../build/handler.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';

const server = createServer((req, res) => {
	res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
	res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
	res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
	res.setHeader('X-Content-Type-Options', 'nosniff');
	res.setHeader('Referrer-Policy', 'no-referrer');
	handler(req, res, () => {
		res.statusCode = 404;
		res.end('Not found');
	});
});

server.listen(port, host, () => {
	const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
	console.log(`Redline is running at http://${shown}:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
	process.on(signal, () => {
		server.close(() => process.exit(0));
		// Keep-alive connections would hold close() open; don't wait for them forever.
		setTimeout(() => process.exit(0), 5000).unref();
		server.closeAllConnections?.();
	});
}
