// Thin route: the contract and the logic live in $lib/server/api.ts and $lib/server/dashboard/.
import { getServerContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

/** One section of the dashboard's figures; admin only. */
export const GET: RequestHandler = async ({ request, params, getClientAddress }) =>
	(await getServerContext()).api.getDashboard(request, getClientAddress(), params.section);
