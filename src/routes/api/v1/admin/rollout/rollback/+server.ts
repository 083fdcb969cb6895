// Thin route: the contract and the logic live in $lib/server/api.ts.
import { getServerContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

/** Sets the candidate's share to 0; admin only. */
export const POST: RequestHandler = async ({ request, getClientAddress }) =>
	(await getServerContext()).api.rollbackRollout(request, getClientAddress());
