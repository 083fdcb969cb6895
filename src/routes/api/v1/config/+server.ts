// Thin route: the contract and the logic live in $lib/server/api.ts.
import { getServerContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

/** The model, arm and telemetry settings of one installation. */
export const GET: RequestHandler = async ({ request, getClientAddress }) =>
	(await getServerContext()).api.getConfig(request, getClientAddress());
