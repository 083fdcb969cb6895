// Thin route: the contract and the logic live in $lib/server/api.ts.
import { getServerContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

/** Deletes everything stored under one installation id. */
export const DELETE: RequestHandler = async ({ request, params, getClientAddress }) =>
	(await getServerContext()).api.deleteInstallation(request, params.installationId, getClientAddress());
