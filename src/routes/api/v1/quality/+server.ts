// Thin route: the contract and the logic live in $lib/server/api.ts.
import { getServerContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

/** Model quality per version; admin only. */
export const GET: RequestHandler = async ({ request, getClientAddress }) =>
	(await getServerContext()).api.getQuality(request, getClientAddress());
