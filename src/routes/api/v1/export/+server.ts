// Thin route: the contract and the logic live in $lib/server/api.ts.
import { getServerContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

/** Labelled data as NDJSON; admin only. */
export const GET: RequestHandler = async ({ request, getClientAddress }) =>
	(await getServerContext()).api.getExport(request, getClientAddress());
