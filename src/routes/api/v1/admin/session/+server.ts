// Thin route: the contract and the logic live in $lib/server/api.ts.
import { getServerContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

/** Logs in with the admin token and sets the session cookie. */
export const POST: RequestHandler = async ({ request, getClientAddress }) =>
	(await getServerContext()).api.login(request, getClientAddress());

/** Logs out: ends the session and clears the cookie. */
export const DELETE: RequestHandler = async ({ request }) => (await getServerContext()).api.logout(request);
