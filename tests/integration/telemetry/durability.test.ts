/**
 * Durability: every event the server acknowledged with 202 is still in the SQLite database after the
 * server process is killed with SIGKILL, mid-traffic, with no chance to flush or close anything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/lib/server/db/open';
import { FIXTURE_MODELS_DIR, mixedBatch } from './events';

const SERVE = join(import.meta.dirname, 'fixtures', 'serve.ts');

function start(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
	// Node itself with tsx as a loader, not the tsx CLI: the CLI runs the server in a child process,
	// so SIGKILL would hit the wrapper and leave the real server running.
	const child = spawn(process.execPath, ['--import', 'tsx', SERVE], {
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	return new Promise((ok, fail) => {
		let out = '';
		let err = '';
		const timer = setTimeout(() => fail(new Error(`server did not start: ${err}`)), 30_000);
		child.stderr!.on('data', (d) => (err += d));
		child.stdout!.on('data', (d) => {
			out += d;
			const m = out.match(/LISTENING (\S+)/);
			if (m) {
				clearTimeout(timer);
				ok({ child, url: m[1] });
			}
		});
		child.on('exit', (code) => fail(new Error(`server exited with ${code}: ${err}`)));
	});
}

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('kill -9 durability (SQLite)', () => {
	it.each(['FULL', 'NORMAL'])(
		'every 202-acknowledged event survives SIGKILL with synchronous=%s',
		async (sync) => {
			const dir = mkdtempSync(join(tmpdir(), 'redline-kill-'));
			dirs.push(dir);
			const url = `sqlite:${join(dir, 'redline.db')}`;
			const { child, url: base } = await start({
				DATABASE_URL: url,
				SQLITE_SYNCHRONOUS: sync,
				RATE_LIMIT_PER_SEC: '0',
				RATE_LIMIT_BYTES_PER_SEC: '0',
				GLOBAL_RATE_LIMIT_PER_SEC: '0',
				GLOBAL_RATE_LIMIT_BYTES_PER_SEC: '0',
				EVENTS_PER_INSTALLATION_PER_DAY: '0',
				MODELS_DIR: FIXTURE_MODELS_DIR,
				ADMIN_TOKEN: 'durability-test-admin-token-0123456789'
			});

			const acknowledged: string[] = [];
			let stop = false;
			const exited = new Promise((ok) => child.on('exit', ok));
			// Four senders keep requests in flight; the kill lands while some are still being handled.
			const sender = async () => {
				while (!stop) {
					const events = mixedBatch(100);
					try {
						const res = await fetch(`${base}/api/v1/events`, {
							method: 'POST',
							headers: { 'content-type': 'application/json' },
							body: JSON.stringify({ events })
						});
						if (res.status === 202) acknowledged.push(...events.map((e) => e.id));
						else throw new Error(`unexpected ${res.status}`);
					} catch (e) {
						if (!stop) throw e;
					}
				}
			};
			const senders = [sender(), sender(), sender(), sender()];
			while (acknowledged.length < 3000) await new Promise((r) => setTimeout(r, 5));
			child.kill('SIGKILL');
			stop = true;
			await exited;
			await Promise.allSettled(senders);
			// The server process itself is gone: nothing answers on its port any more.
			expect(child.signalCode).toBe('SIGKILL');
			await expect(fetch(`${base}/api/v1/quality`)).rejects.toThrow();

			const database = await openDatabase(url);
			try {
				const stored = new Set(
					(await database.db.selectFrom('events').select('id').execute()).map((r) => r.id)
				);
				const lost = acknowledged.filter((id) => !stored.has(id));
				expect(acknowledged.length).toBeGreaterThanOrEqual(3000);
				expect(lost).toEqual([]);
			} finally {
				await database.close();
			}
		}
	);
});
