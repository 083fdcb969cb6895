// The old admin page moved to the dashboard; links and bookmarks to /admin keep working.
import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/** Redirects to /dashboard (which sends a visitor without a session to /login). */
export const GET: RequestHandler = () => redirect(308, '/dashboard');
