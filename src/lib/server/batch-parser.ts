/**
 * Reading a request body into stored rows: UTF-8 decoding, JSON.parse, the envelope and count checks,
 * per-event validation and the events rows (`parseBatch`, pure), on a worker thread or in this one.
 *
 * That work is about a third of the server's CPU per event (bench/ingest-phases.ts: parse 7, validate
 * 21, rows 6 of about 90 µs). Done on the one event-loop thread, every request's validation queues
 * behind the others' and in front of the database's answers, which is what the latency percentiles
 * showed; on a worker it runs beside the event loop, on the machine's other core. This module is its
 * own worker script: a thread started from it (`new Worker(import.meta.url)`) answers parse requests
 * instead of being the server, so the production bundle needs no separate file.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Issue } from '../contracts/events';
import { BATCH_LIMITS, batchEnvelopeSchema, type TelemetryEvent } from '../telemetry/schema';
import type { EventsTable } from './db/tables';
import {
	eventRow,
	jsonMayContainNul,
	validateEvents,
	validateEventsYielding,
	type RejectedEvent
} from './ingest';

/** A body refused as a whole: the status, counter reason, message and issues of the answer. */
export interface BatchRefusal {
	ok: false;
	status: 400 | 413;
	reason: string;
	error: string;
	issues: Issue[];
}

/** A body read: its valid events with their indices and rows (eventRow at the receipt time), and the rejections. */
export interface ParsedBatch {
	ok: true;
	valid: TelemetryEvent[];
	indices: number[];
	rows: EventsTable[];
	rejected: RejectedEvent[];
}

/** What one body is checked against: the receipt time and the model refs the server knows. */
export interface ParseContext {
	receivedAt: Date;
	knownModels: ReadonlySet<string>;
}

type Validate = typeof validateEventsYielding;

/**
 * Decodes, parses and validates one body and builds the rows of its valid events. `validate` is
 * validateEvents or, on the event-loop thread, validateEventsYielding (which lets other requests run
 * between slices of a large batch).
 */
export async function parseBatch(
	bytes: Uint8Array,
	context: ParseContext,
	validate: Validate = validateEventsYielding
): Promise<BatchRefusal | ParsedBatch> {
	let text: string;
	let body: unknown;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
		body = JSON.parse(text);
	} catch (e) {
		return refusal(400, 'batch:invalid-json', 'body is not UTF-8 JSON', [{ path: '', message: String(e) }]);
	}
	const envelope = batchEnvelopeSchema.safeParse(body);
	if (!envelope.success)
		return refusal(400, 'batch:no-events-array', 'body must be an object with an events array', [
			{ path: 'events', message: 'expected an array of events' }
		]);
	const raw = envelope.data.events;
	if (raw.length > BATCH_LIMITS.maxEvents)
		return refusal(413, 'batch:too-many-events', `at most ${BATCH_LIMITS.maxEvents} events per batch`);
	if (raw.length === 0)
		return refusal(400, 'batch:empty', 'no events', [
			{ path: 'events', message: 'expected at least one event' }
		]);
	const { valid, indices, rejected } = await validate(raw, {
		receivedAt: context.receivedAt,
		knownModels: context.knownModels,
		mayContainNul: jsonMayContainNul(text)
	});
	const receivedIso = context.receivedAt.toISOString();
	return { ok: true, valid, indices, rejected, rows: valid.map((e) => eventRow(e, receivedIso)) };
}

function refusal(status: 400 | 413, reason: string, error: string, issues: Issue[] = []): BatchRefusal {
	return { ok: false, status, reason, error, issues };
}

/** Parses bodies (parseBatch), on worker threads or in this thread. */
export interface BatchParser {
	parse(bytes: Uint8Array, context: ParseContext): Promise<BatchRefusal | ParsedBatch>;
	/** Settles once the parser can take bodies (its workers loaded); rejects if one failed to start. */
	ready: Promise<void>;
	close(): Promise<void>;
}

/** parseBatch on the event-loop thread (validation in slices with turns between them). */
export const inThreadParser: BatchParser = {
	parse: (bytes, context) => parseBatch(bytes, context),
	ready: Promise.resolve(),
	close: async () => {}
};

interface Job {
	id: number;
	bytes: Uint8Array;
	receivedAt: number;
	knownModels: string[];
}
/** A ParsedBatch as the worker sends it: without the events, which are each row's payload. */
type Sent = BatchRefusal | Omit<ParsedBatch, 'valid'>;
type Answer = { id: number; result: Sent } | { id: number; error: string } | { ready: true };

/**
 * The events back from their rows: the payload is JSON.stringify of the validated event. Measured
 * through a MessageChannel on the bench's batches, posting the rows and parsing the payloads here
 * costs 11 µs an event, posting the events as well 20 (structured clone is slower than JSON.parse on
 * these nested objects).
 */
function received(sent: Sent): BatchRefusal | ParsedBatch {
	if (!sent.ok) return sent;
	return { ...sent, valid: sent.rows.map((r) => JSON.parse(r.payload) as TelemetryEvent) };
}

const ROLE = 'redline-batch-parser';

/**
 * A parser with `threads` worker threads (at least 1), each taking the next body in turn. A worker that
 * dies fails the bodies it held (503: the client retries) and is replaced.
 */
export function workerParser(threads: number): BatchParser {
	if (!(threads >= 1)) throw new Error('workerParser needs at least one thread');
	const url = new URL(import.meta.url);
	// Under the dev server and the tests this module is TypeScript, which the worker loads through tsx
	// like the benchmark's server does; the production build runs it as the bundled chunk it is in.
	const execArgv = url.pathname.endsWith('.ts') ? ['--import', 'tsx'] : undefined;
	let next = 0;
	let closing = false;
	const pending = new Map<
		number,
		{ resolve: (r: BatchRefusal | ParsedBatch) => void; reject: (e: Error) => void; worker: Worker }
	>();
	const readies: Promise<void>[] = [];
	const start = (): Worker => {
		const w = new Worker(url, { workerData: { role: ROLE }, execArgv });
		w.unref();
		const ready = new Promise<void>((ok, fail) => {
			w.once('message', () => ok());
			w.once('error', fail);
			w.once('exit', () => fail(new Error('the batch parser worker exited while starting')));
		});
		// Only the first workers' start is awaited (ready); a replacement that fails is logged by 'error'.
		if (readies.length < threads) readies.push(ready);
		else ready.catch(() => {});
		w.on('message', (a: Answer) => {
			if ('ready' in a) return;
			const p = pending.get(a.id);
			if (!p) return;
			pending.delete(a.id);
			if ('error' in a) p.reject(new Error(a.error));
			else p.resolve(received(a.result));
		});
		w.on('error', (e) => console.error('batch parser worker failed:', e));
		w.on('exit', () => {
			for (const [id, p] of pending)
				if (p.worker === w) {
					pending.delete(id);
					p.reject(new Error('the batch parser worker exited'));
				}
			const i = workers.indexOf(w);
			if (i >= 0 && !closing) workers[i] = start();
		});
		return w;
	};
	const workers = Array.from({ length: threads }, start);
	let turn = 0;
	return {
		ready: Promise.all(readies).then(() => {}),
		parse(bytes, context) {
			const worker = workers[turn++ % workers.length];
			const id = next++;
			return new Promise((resolve, reject) => {
				pending.set(id, { resolve, reject, worker });
				// Held while a body is being parsed, so a script awaiting it does not end under it.
				worker.ref();
				const job: Job = {
					id,
					bytes,
					receivedAt: context.receivedAt.getTime(),
					knownModels: [...context.knownModels]
				};
				worker.postMessage(job);
			}).finally(() => {
				if (![...pending.values()].some((p) => p.worker === worker)) worker.unref();
			}) as Promise<BatchRefusal | ParsedBatch>;
		},
		async close() {
			closing = true;
			await Promise.all(workers.map((w) => w.terminate()));
		}
	};
}

// The worker side: answer jobs with parseBatch, validating each batch in one go (nothing else waits
// on this thread).
if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE && parentPort) {
	const port = parentPort;
	let known: { list: string[]; set: ReadonlySet<string> } = { list: [], set: new Set() };
	port.on('message', (job: Job) => {
		if (job.knownModels.join('\n') !== known.list.join('\n'))
			known = { list: job.knownModels, set: new Set(job.knownModels) };
		parseBatch(
			job.bytes,
			{ receivedAt: new Date(job.receivedAt), knownModels: known.set },
			async (raw, context) => validateEvents(raw, context)
		).then(
			(result: BatchRefusal | ParsedBatch) => {
				const sent: Sent = result.ok
					? { ok: true, indices: result.indices, rows: result.rows, rejected: result.rejected }
					: result;
				port.postMessage({ id: job.id, result: sent } satisfies Answer);
			},
			(e: unknown) => port.postMessage({ id: job.id, error: String(e) } satisfies Answer)
		);
	});
	port.postMessage({ ready: true } satisfies Answer);
}
