import { serveModelFile } from '$lib/server/models/serve';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = ({ params, request }) => serveModelFile(params.id, params.file, request);
