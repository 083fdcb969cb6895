// Thin route: the contract and the logic live in $lib/server/api.ts.
import { getServerContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

/** Ingests a batch of telemetry events. */
export const POST: RequestHandler = async ({ request, getClientAddress }) =>
	(await getServerContext()).api.postEvents(request, getClientAddress());
