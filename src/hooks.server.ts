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
	await getServerContext();
};
