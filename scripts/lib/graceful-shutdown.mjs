// Graceful shutdown of an http server, as adapter-node's own index.js does it: stop accepting, close
// the idle keep-alive connections, let every request in flight finish (closing each connection as it
// becomes idle), then call `onClosed` (scripts/server.js emits `sveltekit:shutdown` there, which closes
// the database). After `timeoutMs` the remaining connections are cut, so a stuck client cannot hold
// the process forever.

/**
 * @param {import('node:http').Server} server
 * @param {{ onClosed: () => void, timeoutMs?: number }} options
 * @returns {() => void} call on SIGTERM/SIGINT; later calls do nothing
 */
export function gracefulShutdown(server, { onClosed, timeoutMs = 30_000 }) {
	let stopping = false;
	server.on('request', (req) => {
		req.on('close', () => {
			if (stopping) server.closeIdleConnections();
		});
	});
	return () => {
		if (stopping) return;
		stopping = true;
		// close() alone would wait for idle keep-alive connections to time out; closeAllConnections
		// would cut the requests still being answered.
		server.closeIdleConnections();
		const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
		timer.unref();
		server.close(() => {
			clearTimeout(timer);
			onClosed();
		});
	};
}
