// Thin route: the contract and the logic live in $lib/server/api.ts.
import { getServerContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

/** The rollout settings and audit log; admin only. */
export const GET: RequestHandler = async ({ request, getClientAddress }) =>
	(await getServerContext()).api.getRollout(request, getClientAddress());

/** Changes the rollout settings; admin only. */
export const PUT: RequestHandler = async ({ request, getClientAddress }) =>
	(await getServerContext()).api.putRollout(request, getClientAddress());
