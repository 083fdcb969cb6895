// npm run export-dataset -- [--model ID@VERSION] [--since DATE] [--until DATE] [--out FILE]
//                           [--url URL --token TOKEN]
// Writes the labelled-data export (contracts/export.ts: one JSON line per reviewed segment) to FILE
// or stdout. Two sources:
// - with --url (or REDLINE_URL): GET <url>/api/v1/export with the admin bearer token (--token or
//   ADMIN_TOKEN), streamed to the output as it arrives;
// - otherwise the database of DATABASE_URL directly (read-only queries, same code as the endpoint);
//   installation pseudonyms use ADMIN_TOKEN as their secret, so they match the server's.
// Resuming: pass --since the receivedAt of the last line written (lines at that time repeat; keep the
// highest revision per installation, transcriptId, segmentId).
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/lib/server/db/open';
import { exportLines, exportStream, parseModelArg, type ExportFilter } from '../src/lib/server/export';

const usage =
	'usage: npm run export-dataset -- [--model ID@VERSION] [--since DATE] [--until DATE] [--out FILE] [--url URL --token TOKEN]';

function fail(message: string): never {
	process.stderr.write(`${message}\n${usage}\n`);
	process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
	({ values } = parseArgs({
		options: {
			model: { type: 'string' },
			since: { type: 'string' },
			until: { type: 'string' },
			out: { type: 'string' },
			url: { type: 'string' },
			token: { type: 'string' },
			help: { type: 'boolean' }
		}
	}));
} catch (e) {
	fail((e as Error).message);
}
if (values.help) {
	process.stdout.write(usage + '\n');
	process.exit(0);
}

const filter: ExportFilter = {};
try {
	if (typeof values.model === 'string') filter.model = parseModelArg(values.model);
} catch (e) {
	fail(`--model: ${(e as Error).message}`);
}
for (const key of ['since', 'until'] as const) {
	const v = values[key];
	if (typeof v !== 'string') continue;
	const t = new Date(v);
	if (Number.isNaN(t.getTime())) fail(`--${key}: expected an ISO date or time, got "${v}"`);
	filter[key] = t.toISOString();
}

const out = typeof values.out === 'string' ? createWriteStream(values.out) : process.stdout;
const url = (values.url as string | undefined) ?? process.env.REDLINE_URL;
const token = (values.token as string | undefined) ?? process.env.ADMIN_TOKEN;

let body: ReadableStream<Uint8Array>;
let close = async () => {};
if (url) {
	if (!token) fail('--token (or ADMIN_TOKEN) is required with --url');
	const q = new URLSearchParams();
	if (typeof values.model === 'string') q.set('model', values.model);
	if (filter.since) q.set('since', filter.since);
	if (filter.until) q.set('until', filter.until);
	const res = await fetch(new URL(`/api/v1/export?${q}`, url), {
		headers: { authorization: `Bearer ${token}` }
	});
	if (!res.ok || !res.body) {
		process.stderr.write(`the server answered ${res.status}: ${await res.text()}\n`);
		process.exit(1);
	}
	body = res.body;
} else {
	const dbUrl = process.env.DATABASE_URL;
	if (!dbUrl) fail('give --url, or set DATABASE_URL to read the database directly');
	if (!token) fail('set ADMIN_TOKEN: it is the secret of the installation pseudonyms');
	// No background checkpointer: a short read needs none, and it would keep the process alive.
	const db = await openDatabase(dbUrl, { backgroundCheckpoints: false });
	close = () => db.close();
	body = exportStream(exportLines(db.db, token, filter));
}
await body.pipeTo(Writable.toWeb(out) as WritableStream<Uint8Array>);
await close();
