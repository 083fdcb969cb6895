// Thin route: the contract and the logic live in $lib/server/api.ts.
import { getServerContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

/** Telemetry health: hourly counts and alerts; public. */
export const GET: RequestHandler = async ({ request, getClientAddress }) =>
	(await getServerContext()).api.getHealth(request, getClientAddress());
