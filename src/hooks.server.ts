// Server hooks. Owned by the telemetry server; others may add hooks here (keep `init` first).
import { building } from '$app/environment';
import { getServerContext } from '$lib/server/context';
import type { ServerInit } from '@sveltejs/kit';

/**
 * Opens and migrates the telemetry database and prints the admin login line at start-up, so a bad
 * DATABASE_URL fails the start instead of the first request.
 */
export const init: ServerInit = async () => {
	if (building) return;
	const context = await getServerContext();
	// scripts/server.js (and adapter-node's own index.js) emit this once the http server has closed and
	// every request in flight has been answered; closing checkpoints SQLite's WAL into the main file
	// (not needed for durability: committed data is safe either way). Once closed, nothing keeps the
	// event loop alive and the process exits by itself.
	(process as NodeJS.EventEmitter).once('sveltekit:shutdown', () => void context.close());
};
