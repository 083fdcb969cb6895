import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// A server like scripts/server.js: one slow endpoint, the same shutdown, and a log of what happened.
const CHILD = `
import { createServer } from 'node:http';
import { gracefulShutdown } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'graceful-shutdown.mjs')).href)};
const server = createServer((req, res) => {
	if (req.url === '/slow') setTimeout(() => res.end('done'), 600);
	else res.end('fast');
});
server.keepAliveTimeout = 60_000;
const shutdown = gracefulShutdown(server, { onClosed: () => console.log('CLOSED') });
process.on('SIGTERM', () => { console.log('SIGTERM'); shutdown(); });
server.listen(0, '127.0.0.1', () => console.log('LISTENING ' + server.address().port));
`;

function get(port: number, path: string, agent: Agent): Promise<{ status: number; body: string }> {
	return new Promise((ok, fail) => {
		request({ host: '127.0.0.1', port, path, agent }, (res) => {
			let body = '';
			res.on('data', (d) => (body += d));
			res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
		})
			.on('error', fail)
			.end();
	});
}

describe('gracefulShutdown', () => {
	it('lets a request in flight at SIGTERM finish, does not wait for idle keep-alive connections, then closes', async () => {
		const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
			stdio: ['ignore', 'pipe', 'inherit']
		});
		let out = '';
		const port = await new Promise<number>((ok) =>
			child.stdout!.on('data', (d) => {
				out += d;
				const m = out.match(/LISTENING (\d+)/);
				if (m) ok(Number(m[1]));
			})
		);
		const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
		// An idle keep-alive connection, which server.close() alone would wait on for a minute.
		const idle = new Agent({ keepAlive: true });
		expect((await get(port, '/fast', idle)).body).toBe('fast');
		const busy = new Agent({ keepAlive: true });
		const started = performance.now();
		const inFlight = get(port, '/slow', busy);
		await new Promise((r) => setTimeout(r, 150));
		child.kill('SIGTERM');
		const res = await inFlight;
		expect(res).toEqual({ status: 200, body: 'done' });
		expect(await exited).toBe(0);
		expect(performance.now() - started).toBeLessThan(5000);
		// The order: signal, then the answer went out, then the server closed (and the database would).
		expect(out.trim().split('\n').slice(1)).toEqual(['SIGTERM', 'CLOSED']);
		idle.destroy();
		busy.destroy();
	});
});
