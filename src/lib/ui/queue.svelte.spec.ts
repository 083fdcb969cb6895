import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkerRequest, WorkerResponse } from '../engine/protocol';
import type { Segment, TranscriptResult } from '../transcript/types';
import { canWarm, TranscriptionQueue, type WorkerLike } from './queue.svelte';
import { AudioDecodeError } from '../engine/browser/decode';
import { transcriptResult } from '../testing/factories';
import { appendSegments, createPartialDoc, docText, type TranscriptDoc } from '../transcript/document';
import type { GrowingStore } from './queue.svelte';
import type { JobEnded } from '../transcript/events';

/** A growing store in memory, on the real appendSegments. */
function memoryGrow() {
	const docs = new Map<string, TranscriptDoc>();
	const calls: string[] = [];
	const store: GrowingStore = {
		start: async (job, run) => {
			calls.push(`start ${job.name}`);
			const id = `t-${docs.size + 1}`;
			docs.set(id, createPartialDoc({ id, title: job.name, ...run, now: 'now' }));
			return id;
		},
		append: async (id, segments, state) => {
			calls.push(`append ${segments.length}${state.complete ? ' complete' : ''}`);
			docs.set(id, appendSegments(docs.get(id)!, segments, state));
		}
	};
	return { docs, calls, store };
}

/** A worker that follows the protocol; `script` decides what each transcribe request produces. */
class FakeWorker implements WorkerLike {
	onmessage: ((event: MessageEvent<WorkerResponse>) => void) | null = null;
	onerror: ((event: ErrorEvent) => void) | null = null;
	received: WorkerRequest[] = [];
	terminated = false;
	constructor(
		private readonly behaviour: 'ok' | 'load-fails' | 'hangs' | 'job-error' | 'needs-pcm' | 'one-then-hang'
	) {}
	emit(msg: WorkerResponse) {
		queueMicrotask(() => this.onmessage?.({ data: msg } as MessageEvent<WorkerResponse>));
	}
	postMessage(msg: WorkerRequest): void {
		this.received.push(msg);
		if (msg.type === 'load') {
			if (this.behaviour === 'load-fails')
				return this.emit({ type: 'error', jobId: null, message: 'no model files' });
			this.emit({ type: 'load-progress', stage: 'encoder.onnx', loadedBytes: 5, totalBytes: 10 });
			const model = { ...result('').model, id: msg.modelId };
			this.emit({ type: 'ready', model, backend: 'wasm', reason: 'test', loadMs: 1 });
		} else if (msg.type === 'transcribe') {
			if (this.behaviour === 'hangs') return;
			if (this.behaviour === 'one-then-hang')
				return this.emit({
					type: 'progress',
					jobId: msg.jobId,
					fraction: 0.5,
					etaSec: 1,
					segment: seg('hello there', (msg.startSec ?? 0) + 0, (msg.startSec ?? 0) + 1)
				});
			if (this.behaviour === 'job-error')
				return this.emit({ type: 'error', jobId: msg.jobId, message: 'boom' });
			if (!('audio' in msg)) {
				if (this.behaviour === 'needs-pcm')
					return this.emit({ type: 'needs-pcm', jobId: msg.jobId, reason: 'no WebCodecs' });
				return this.emit({
					type: 'done',
					jobId: msg.jobId,
					result: result(`file ${msg.name} ${msg.file.size}`)
				});
			}
			const n = msg.audio.length;
			const segs = [seg('hello there', 0, 1), seg('general kenobi', 1, 2)];
			segs.forEach((s, i) =>
				this.emit({ type: 'progress', jobId: msg.jobId, fraction: (i + 1) / 2, etaSec: 1 - i, segment: s })
			);
			this.emit({ type: 'done', jobId: msg.jobId, result: { ...result(`len ${n}`), segments: segs } });
		} else if (msg.type === 'cancel') {
			this.emit({ type: 'cancelled', jobId: msg.jobId });
		}
	}
	terminate() {
		this.terminated = true;
	}
}

function seg(text: string, start: number, end: number): Segment {
	return { start, end, text, words: [] };
}
function result(text: string): TranscriptResult {
	return transcriptResult({
		text,
		model: { id: 'moonshine-tiny-en', version: '1', sha256: 'abc' },
		durationSec: 2
	});
}

const okDecode = async (file: Blob) => ({ samples: new Float32Array(file.size), durationSec: 1 });

async function settle(q: TranscriptionQueue) {
	await vi.waitFor(() => expect(q.jobs.every((j) => !j.active && j.status !== 'saving')).toBe(true));
}

let queue: TranscriptionQueue | null = null;
afterEach(() => queue?.dispose());

describe('TranscriptionQueue', () => {
	it('loads the model once, runs jobs in order, shows partial text and stores results', async () => {
		const workers: FakeWorker[] = [];
		const stored: { name: string; text: string; segments: number }[] = [];
		queue = new TranscriptionQueue({
			createWorker: () => (workers.push(new FakeWorker('ok')), workers.at(-1)!),
			decode: okDecode,
			store: async (job, r) => (
				stored.push({ name: job.name, text: r.text, segments: r.segments.length }),
				't-' + job.name
			)
		});
		const a = queue.add(new Blob(['abc']), 'a.wav');
		const b = queue.add(new Blob(['abcdef']), 'b.wav');
		await settle(queue);
		expect(workers).toHaveLength(1);
		expect(workers[0].received.filter((m) => m.type === 'load')).toHaveLength(1);
		expect(stored).toEqual([
			{ name: 'a.wav', text: 'len 3', segments: 2 },
			{ name: 'b.wav', text: 'len 6', segments: 2 }
		]);
		expect([a.status, b.status]).toEqual(['done', 'done']);
		expect(a.partialText).toBe('hello there general kenobi');
		expect(a.transcriptId).toBe('t-a.wav');
		expect(queue.model.status).toBe('ready');
	});

	it('loads with the backend chosen in settings, and a change reloads the engine for the next job', async () => {
		const workers: FakeWorker[] = [];
		let backend: 'auto' | 'wasm' | 'webgpu' = 'wasm';
		queue = new TranscriptionQueue({
			createWorker: () => (workers.push(new FakeWorker('ok')), workers.at(-1)!),
			decode: okDecode,
			store: async () => 't',
			backend: () => backend
		});
		queue.add(new Blob(['a']), 'a.wav');
		await settle(queue);
		backend = 'webgpu';
		queue.reloadEngine();
		expect(workers[0].terminated).toBe(true);
		queue.add(new Blob(['b']), 'b.wav');
		await settle(queue);
		expect(workers).toHaveLength(2);
		const loads = workers.flatMap((w) => w.received.filter((m) => m.type === 'load'));
		expect(loads.map((m) => m.type === 'load' && m.backend)).toEqual(['wasm', 'webgpu']);
	});

	it('a bad file fails alone with its message; the next one still runs', async () => {
		queue = new TranscriptionQueue({
			createWorker: () => new FakeWorker('ok'),
			decode: async (file, name) => {
				if (name === 'bad.txt') throw new AudioDecodeError('not-audio', '“bad.txt” is not an audio file');
				return okDecode(file);
			},
			store: async (job) => job.id
		});
		const bad = queue.add(new Blob(['x']), 'bad.txt');
		const good = queue.add(new Blob(['xy']), 'good.wav');
		await settle(queue);
		expect(bad.status).toBe('error');
		expect(bad.error).toContain('not an audio file');
		expect(good.status).toBe('done');
	});

	it('a model load failure errors the job with a clear prefix, and the next add retries the load', async () => {
		let n = 0;
		queue = new TranscriptionQueue({
			createWorker: () => new FakeWorker(n++ === 0 ? 'load-fails' : 'ok'),
			decode: okDecode,
			store: async (job) => job.id
		});
		const first = queue.add(new Blob(['x']), 'a.wav');
		await settle(queue);
		expect(first.status).toBe('error');
		expect(first.error).toBe('The speech model could not be loaded: no model files');
		expect(queue.model.status).toBe('error');
		const second = queue.add(new Blob(['x']), 'b.wav');
		await settle(queue);
		expect(second.status).toBe('done');
		expect(n).toBe(2);
	});

	it('a job error from the worker fails only that job', async () => {
		queue = new TranscriptionQueue({
			createWorker: () => new FakeWorker('job-error'),
			decode: okDecode,
			store: async (job) => job.id
		});
		const j = queue.add(new Blob(['x']), 'a.wav');
		await settle(queue);
		expect(j.status).toBe('error');
		expect(j.error).toBe('boom');
	});

	it('cancel before the worker sees the job is immediate; cancel during a job asks the worker', async () => {
		const workers: FakeWorker[] = [];
		queue = new TranscriptionQueue({
			createWorker: () => (workers.push(new FakeWorker('hangs')), workers.at(-1)!),
			decode: okDecode,
			store: async (job) => job.id,
			cancelGraceMs: 50
		});
		const running = queue.add(new Blob(['x']), 'a.wav');
		const waiting = queue.add(new Blob(['x']), 'b.wav');
		queue.cancel(waiting.id);
		expect(waiting.status).toBe('cancelled');
		await vi.waitFor(() => expect(running.status).toBe('transcribing'));
		queue.cancel(running.id);
		expect(running.status).toBe('cancelling');
		// The 'hangs' worker never answers transcribe, but does answer cancel.
		await vi.waitFor(() => expect(running.status).toBe('cancelled'));
		expect(workers[0].received.map((m) => m.type)).toEqual(['load', 'transcribe', 'cancel']);
		expect(workers[0].terminated).toBe(false);
	});

	it('a worker that ignores cancel is terminated after the grace period', async () => {
		const workers: FakeWorker[] = [];
		queue = new TranscriptionQueue({
			createWorker: () => {
				const w = new FakeWorker('hangs');
				w.postMessage = (msg) => {
					w.received.push(msg);
					if (msg.type === 'load')
						w.emit({ type: 'ready', model: result('').model, backend: 'wasm', reason: '', loadMs: 0 });
				};
				workers.push(w);
				return w;
			},
			decode: okDecode,
			store: async (job) => job.id,
			cancelGraceMs: 30
		});
		const j = queue.add(new Blob(['x']), 'a.wav');
		await vi.waitFor(() => expect(j.status).toBe('transcribing'));
		queue.cancel(j.id);
		await vi.waitFor(() => expect(j.status).toBe('cancelled'));
		expect(workers[0].terminated).toBe(true);
	});

	it('a crashed worker fails the running job and is replaced for the next', async () => {
		const workers: FakeWorker[] = [];
		queue = new TranscriptionQueue({
			createWorker: () => (
				workers.push(new FakeWorker(workers.length === 0 ? 'hangs' : 'ok')),
				workers.at(-1)!
			),
			decode: okDecode,
			store: async (job) => job.id
		});
		const j = queue.add(new Blob(['x']), 'a.wav');
		await vi.waitFor(() => expect(j.status).toBe('transcribing'));
		workers[0].onerror?.({ message: 'out of memory', preventDefault() {} } as ErrorEvent);
		await vi.waitFor(() => expect(j.status).toBe('error'));
		expect(j.error).toContain('out of memory');
		const k = queue.add(new Blob(['x']), 'b.wav');
		await settle(queue);
		expect(k.status).toBe('done');
		expect(workers).toHaveLength(2);
	});

	it('hands the file itself to a streaming worker, without decoding on the page', async () => {
		const worker = new FakeWorker('ok');
		const decode = vi.fn(okDecode);
		const stored: string[] = [];
		queue = new TranscriptionQueue({
			createWorker: () => worker,
			decode,
			streamFiles: true,
			store: async (_job, r) => (stored.push(r.text), 't1')
		});
		const job = queue.add(new Blob([new Uint8Array(7)]), 'a.mp3');
		await settle(queue);
		expect(job.status).toBe('done');
		expect(decode).not.toHaveBeenCalled();
		expect(stored).toEqual(['file a.mp3 7']);
	});

	it('decodes on the page when the worker answers needs-pcm, then sends the PCM', async () => {
		const worker = new FakeWorker('needs-pcm');
		const decode = vi.fn(okDecode);
		queue = new TranscriptionQueue({
			createWorker: () => worker,
			decode,
			streamFiles: true,
			store: async () => 't1'
		});
		const job = queue.add(new Blob([new Uint8Array(5)]), 'a.opus');
		await settle(queue);
		expect(job.status).toBe('done');
		expect(decode).toHaveBeenCalledTimes(1);
		const sent = worker.received.filter((m) => m.type === 'transcribe');
		expect(sent.map((m) => ('audio' in m ? 'pcm' : 'file'))).toEqual(['file', 'pcm']);
	});

	it('with a growing store: the transcript exists from the first segment and is completed at the end', async () => {
		const grow = memoryGrow();
		queue = new TranscriptionQueue({
			createWorker: () => new FakeWorker('ok'),
			decode: okDecode,
			store: async () => {
				throw new Error('not used with grow');
			},
			grow: grow.store
		});
		const job = queue.add(new Blob(['abc']), 'a.wav');
		await settle(queue);
		expect(job.status).toBe('done');
		expect(job.transcriptId).toBe('t-1');
		expect(grow.calls[0]).toBe('start a.wav');
		// Each segment is handed over once (an append gets only what arrived since the last one).
		expect(grow.calls.at(-1)).toMatch(/^append \d+ complete$/);
		const handed = grow.calls.slice(1).map((c) => Number(c.split(' ')[1]));
		expect(handed.reduce((a, b) => a + b, 0)).toBe(2);
		const doc = grow.docs.get('t-1')!;
		expect(docText(doc)).toBe('');
		expect(doc.segments.map((s) => s.original.text)).toEqual(['hello there', 'general kenobi']);
		expect(doc.partial).toBeUndefined();
		expect(doc.durationSec).toBe(2);
	});

	it('a cancelled growing run keeps its segments, partial; resume sends startSec and appends to it', async () => {
		const grow = memoryGrow();
		const workers: FakeWorker[] = [];
		queue = new TranscriptionQueue({
			createWorker: () => (workers.push(new FakeWorker('one-then-hang')), workers.at(-1)!),
			decode: okDecode,
			store: async () => 'unused',
			grow: grow.store,
			streamFiles: true,
			cancelGraceMs: 50
		});
		const job = queue.add(new Blob(['abc']), 'a.wav');
		await vi.waitFor(() => expect(job.transcriptId).toBe('t-1'));
		expect(queue.jobFor('t-1')).toBe(job);
		queue.cancel(job.id);
		await vi.waitFor(() => expect(job.status).toBe('cancelled'));
		expect(grow.docs.get('t-1')!.partial).toEqual({ decodedUntilSec: 1, fraction: 0.5 });
		expect(grow.docs.get('t-1')!.segments).toHaveLength(1);

		const again = queue.resume('t-1', new Blob(['abc']), 'a.wav', 1, 'moonshine-tiny-en');
		await vi.waitFor(() => expect(again.segments).toHaveLength(1));
		const sent = workers.flatMap((w) => w.received).filter((m) => m.type === 'transcribe');
		expect(sent.at(-1)).toMatchObject({ type: 'transcribe', startSec: 1, name: 'a.wav' });
		await vi.waitFor(() => expect(grow.docs.get('t-1')!.segments).toHaveLength(2));
		expect(grow.calls.filter((c) => c.startsWith('start'))).toHaveLength(1);
		expect(grow.docs.get('t-1')!.segments[1].start).toBe(1);
		queue.cancel(again.id);
		await vi.waitFor(() => expect(again.status).toBe('cancelled'));
	});

	it('resume without a growing store is refused', () => {
		queue = new TranscriptionQueue({
			createWorker: () => new FakeWorker('ok'),
			decode: okDecode,
			store: async () => 't'
		});
		expect(() => queue!.resume('t', new Blob(['a']), 'a.wav', 1, 'moonshine-tiny-en')).toThrow(
			/growing store/
		);
	});

	it("a resumed run loads its transcript's own model, and the next new file the assigned one again", async () => {
		const grow = memoryGrow();
		const workers: FakeWorker[] = [];
		queue = new TranscriptionQueue({
			createWorker: () => (workers.push(new FakeWorker('ok')), workers.at(-1)!),
			decode: okDecode,
			store: async () => 'unused',
			grow: grow.store,
			modelId: async () => 'moonshine-base-en'
		});
		const first = queue.add(new Blob(['abc']), 'a.wav');
		await settle(queue);
		const tiny = { ...result('').model, id: 'moonshine-tiny-en' };
		grow.docs.set(
			't-old',
			createPartialDoc({ id: 't-old', title: 'old', model: tiny, backend: 'wasm', now: 'now' })
		);
		const resumed = queue.resume('t-old', new Blob(['abc']), 'old.wav', 1, 'moonshine-tiny-en');
		await settle(queue);
		const next = queue.add(new Blob(['abc']), 'b.wav');
		const same = queue.add(new Blob(['abc']), 'c.wav');
		await settle(queue);
		expect([first.status, resumed.status, next.status, same.status]).toEqual([
			'done',
			'done',
			'done',
			'done'
		]);
		const loads = workers.flatMap((w) => w.received).filter((m) => m.type === 'load');
		expect(loads.map((m) => m.modelId)).toEqual([
			'moonshine-base-en',
			'moonshine-tiny-en',
			'moonshine-base-en'
		]);
		// Each switch replaced the worker (its engine held one model); the old ones were stopped.
		expect(workers.map((w) => w.terminated)).toEqual([true, true, false]);
		expect(grow.docs.get('t-1')!.model.id).toBe('moonshine-base-en');
	});

	it('reports each job end: the growing transcript, its start and what a cancelled run delivered', async () => {
		const grow = memoryGrow();
		const ends: JobEnded[] = [];
		queue = new TranscriptionQueue({
			createWorker: () => new FakeWorker('one-then-hang'),
			decode: okDecode,
			store: async () => 'unused',
			grow: grow.store,
			streamFiles: true,
			cancelGraceMs: 50,
			onJobEnd: (e) => ends.push(e)
		});
		const job = queue.add(new Blob(['abc']), 'a.wav');
		await vi.waitFor(() => expect(job.transcriptId).toBe('t-1'));
		queue.cancel(job.id);
		await vi.waitFor(() => expect(ends).toHaveLength(1));
		const again = queue.resume('t-1', new Blob(['abc']), 'a.wav', 1, 'moonshine-tiny-en');
		await vi.waitFor(() => expect(again.segments).toHaveLength(1));
		queue.cancel(again.id);
		await vi.waitFor(() => expect(ends).toHaveLength(2));
		expect(ends.map((e) => [e.transcriptId, e.status, e.startSec, e.delivered?.map((s) => s.end)])).toEqual([
			['t-1', 'cancelled', 0, [1]],
			['t-1', 'cancelled', 1, [2]]
		]);
		expect(ends[1]).toMatchObject({ model: { id: 'moonshine-tiny-en' }, backend: 'wasm', result: null });
	});

	describe('warm: the engine ready before the first upload', () => {
		function warmQueue(cached: (id: string) => boolean, opts: { warmIdleMs?: number } = {}) {
			const workers: FakeWorker[] = [];
			const asked: string[] = [];
			let backend: 'auto' | 'wasm' | 'webgpu' = 'auto';
			const q = new TranscriptionQueue({
				createWorker: () => (workers.push(new FakeWorker('ok')), workers.at(-1)!),
				decode: okDecode,
				streamFiles: true,
				store: async (job) => job.id,
				modelId: () => 'moonshine-base-en',
				backend: () => backend,
				isCached: async (id) => (asked.push(id), cached(id)),
				...opts
			});
			return { q, workers, asked, setBackend: (b: typeof backend) => (backend = b) };
		}
		const loads = (workers: FakeWorker[]) =>
			workers.flatMap((w) => w.received.filter((m) => m.type === 'load').map((m) => m.type === 'load' && m));

		it('loads the assigned model when its files are cached; the next upload uses that engine', async () => {
			const { q, workers, asked } = warmQueue(() => true);
			queue = q;
			await q.warm();
			await vi.waitFor(() => expect(q.model.status).toBe('ready'));
			expect(asked).toEqual(['moonshine-base-en']);
			expect(loads(workers)).toEqual([
				{ type: 'load', modelId: 'moonshine-base-en', backend: 'auto', prime: true }
			]);
			const job = q.add(new Blob(['abc']), 'a.wav');
			await settle(q);
			expect(job.status).toBe('done');
			expect(workers).toHaveLength(1);
			expect(loads(workers)).toHaveLength(1);
		});

		it('downloads nothing unasked: with the model not cached no worker is started', async () => {
			const { q, workers } = warmQueue(() => false);
			queue = q;
			await q.warm();
			expect(workers).toHaveLength(0);
			expect(q.model.status).toBe('idle');
		});

		it('does nothing when an engine is loaded or a job is on its way, and two calls make one load', async () => {
			const { q, workers } = warmQueue(() => true);
			queue = q;
			await Promise.all([q.warm(), q.warm()]);
			await q.warm();
			expect(loads(workers)).toHaveLength(1);
			q.add(new Blob(['abc']), 'a.wav');
			await q.warm();
			await settle(q);
			expect(loads(workers)).toHaveLength(1);
		});

		it('a backend change drops the warm engine at once; the next warm loads the new choice', async () => {
			const { q, workers, setBackend } = warmQueue(() => true);
			queue = q;
			await q.warm();
			await vi.waitFor(() => expect(q.model.status).toBe('ready'));
			setBackend('wasm');
			q.reloadEngine();
			expect(workers[0].terminated).toBe(true);
			expect(q.model.status).toBe('idle');
			await q.warm();
			expect(loads(workers).map((m) => m && m.backend)).toEqual(['auto', 'wasm']);
		});

		it('releases a warm engine no job used within warmIdleMs, but not one that ran a job', async () => {
			vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
			// vi.waitFor would advance the fake clock: wait on microtasks (the fake worker answers in them).
			const ready = async (q: TranscriptionQueue) => {
				for (let i = 0; i < 100 && q.model.status !== 'ready'; i++) await Promise.resolve();
				expect(q.model.status).toBe('ready');
				await Promise.resolve();
			};
			try {
				const { q, workers } = warmQueue(() => true, { warmIdleMs: 1000 });
				queue = q;
				await q.warm();
				await ready(q);
				vi.advanceTimersByTime(999);
				expect(workers[0].terminated).toBe(false);
				vi.advanceTimersByTime(1);
				expect(workers[0].terminated).toBe(true);
				expect(q.model.status).toBe('idle');

				await q.warm();
				await ready(q);
				const job = q.add(new Blob(['abc']), 'a.wav');
				for (let i = 0; i < 100 && job.status !== 'done'; i++) await Promise.resolve();
				expect(job.status).toBe('done');
				vi.advanceTimersByTime(5000);
				expect(workers[1].terminated).toBe(false);
			} finally {
				vi.useRealTimers();
			}
		});

		it('canWarm: only an idle queue without an engine', () => {
			expect(canWarm({ engine: 'none', pendingJobs: false })).toBe(true);
			expect(canWarm({ engine: 'none', pendingJobs: true })).toBe(false);
			expect(canWarm({ engine: 'loaded-or-loading', pendingJobs: false })).toBe(false);
			expect(canWarm({ engine: 'loaded-or-loading', pendingJobs: true })).toBe(false);
		});
	});
});
