// Production server: SvelteKit's adapter-node handler behind a thin http server that adds the
// cross-origin isolation headers to EVERY response, static assets and worker scripts included.
// (Hooks only see SvelteKit's own responses; the static files adapter-node serves bypass them, and
// the transcription worker needs SharedArrayBuffer for multi-threaded WASM.)
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';
// adapter-node reads these when its handler is imported, so set defaults first.
// The telemetry endpoint accepts batches up to 1 MiB (adapter-node's own default is 512 KiB).
process.env.BODY_SIZE_LIMIT ??= '1M';
// Without ORIGIN, adapter-node assumes https and SvelteKit's CSRF check rejects the app's own
// posts over plain http. Default to the address `npm start` prints; set ORIGIN when deploying.
process.env.ORIGIN ??= `http://localhost:${port}`;
const { handler } = await import('../build/handler.js');

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
