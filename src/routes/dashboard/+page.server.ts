// Nothing of the dashboard is served without a session (or bearer token): others go to /login.
import { redirect } from '@sveltejs/kit';
import { getServerContext } from '$lib/server/context';
import type { PageServerLoad } from './$types';

/** Redirects to /login unless the request is an admin's. */
export const load: PageServerLoad = async ({ request }) => {
	if (!(await (await getServerContext()).api.isAdmin(request))) redirect(303, '/login');
	return {};
};
