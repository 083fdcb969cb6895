/**
 * Serves the API over node:http without SvelteKit, for the benchmark and the kill -9 durability test
 * (same handlers as the app's +server.ts routes, with no build needed).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Api } from './api';

/** A running server and how to stop it. */
export interface RunningServer {
	server: Server;
	url: string;
	close(): Promise<void>;
}

/** Routes the API's endpoints (events, quality, health, export, deletion); everything else is 404. */
export async function routeApi(api: Api, request: Request, client: string): Promise<Response> {
	const { pathname } = new URL(request.url);
	if (pathname === '/api/v1/events' && request.method === 'POST') return api.postEvents(request, client);
	if (pathname === '/api/v1/quality' && request.method === 'GET') return api.getQuality(request, client);
	if (pathname === '/api/v1/health' && request.method === 'GET') return api.getHealth(request, client);
	if (pathname === '/api/v1/export' && request.method === 'GET') return api.getExport(request, client);
	const m = pathname.match(/^\/api\/v1\/installations\/([^/]+)$/);
	if (m && request.method === 'DELETE')
		return api.deleteInstallation(request, decodeURIComponent(m[1]), client);
	return new Response('not found', { status: 404 });
}

/**
 * The client's address the way adapter-node's getClientAddress finds it: the socket's peer, or, with
 * ADDRESS_HEADER set (behind a reverse proxy), that header; for X-Forwarded-For the entry XFF_DEPTH
 * from the right (1 = the address the nearest proxy saw), since entries further left are whatever the
 * client wrote. A missing header is an error, as in adapter-node: trusting a guess would let every
 * client share one bucket.
 */
export function clientAddress(
	headers: Record<string, string | string[] | undefined>,
	socketAddress: string | undefined,
	env: Record<string, string | undefined>
): string {
	const header = (env.ADDRESS_HEADER ?? '').toLowerCase();
	if (!header) return socketAddress ?? 'unknown';
	const raw = headers[header];
	if (raw === undefined) throw new Error(`ADDRESS_HEADER=${header} but the request has no such header`);
	const value = Array.isArray(raw) ? raw.join(',') : raw;
	if (header !== 'x-forwarded-for') return value.trim();
	const depth = parseInt(env.XFF_DEPTH ?? '1', 10);
	if (!(depth >= 1)) throw new Error('XFF_DEPTH must be a positive integer');
	const addresses = value.split(',');
	if (depth > addresses.length)
		throw new Error(`XFF_DEPTH is ${depth}, but only found ${addresses.length} addresses`);
	return addresses[addresses.length - depth].trim();
}

function toRequest(req: IncomingMessage, origin: string): Request {
	const headers = new Headers();
	for (const [k, v] of Object.entries(req.headers)) {
		if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
		else if (v !== undefined) headers.set(k, v);
	}
	const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
	return new Request(new URL(req.url ?? '/', origin), {
		method: req.method,
		headers,
		body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
		duplex: 'half'
	} as RequestInit);
}

async function send(res: ServerResponse, response: Response): Promise<void> {
	res.statusCode = response.status;
	response.headers.forEach((v, k) => res.setHeader(k, v));
	res.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * Starts an http server for `api` on host:port (port 0 picks a free one); `env` gives ADDRESS_HEADER
 * and XFF_DEPTH as adapter-node reads them.
 */
export async function serveApi(
	api: Api,
	host = '127.0.0.1',
	port = 0,
	env: Record<string, string | undefined> = {}
): Promise<RunningServer> {
	const server = createServer((req, res) => {
		const origin = `http://${req.headers.host ?? host}`;
		Promise.resolve()
			.then(() =>
				routeApi(api, toRequest(req, origin), clientAddress(req.headers, req.socket.remoteAddress, env))
			)
			.then((response) => send(res, response))
			.catch((e) => {
				console.error(e);
				if (!res.headersSent) res.statusCode = 500;
				res.end();
			});
	});
	server.keepAliveTimeout = 30_000;
	await new Promise<void>((ok) => server.listen(port, host, ok));
	const address = server.address();
	if (!address || typeof address === 'string') throw new Error('server has no TCP address');
	return {
		server,
		url: `http://${host}:${address.port}`,
		close: () =>
			new Promise<void>((ok, fail) => {
				server.closeAllConnections();
				server.close((e) => (e ? fail(e) : ok()));
			})
	};
}
