import type { BackendPreference, WorkerResponse } from '../engine/protocol';
import type { Backend, ModelRef, Segment, TranscriptResult } from '../transcript/types';
import { toDocSegments, type DocSegment, type GrowthState } from '../transcript/document';
import type { JobEnded } from '../transcript/events';
import type { EngineWorker } from '../engine/browser/client';
import type { DecodedAudio } from '../engine/browser/decode';
import { DEFAULT_MODEL_ID } from '../engine/models';
import { randomId } from '../shared/ids';
import { liveTail } from './format';

/** The worker the queue drives (the engine's typed client), so tests can pass a fake. */
export type WorkerLike = EngineWorker;

/** Where a job is. */
export type JobStatus =
	| 'waiting'
	| 'decoding'
	| 'loading-model'
	| 'transcribing'
	| 'cancelling'
	| 'saving'
	| 'done'
	| 'error'
	| 'cancelled';

/**
 * Where a transcript is kept while it grows: created at the run's first segment, appended to after
 * each one (and once more, complete, at the end). A cancelled or failed run leaves it partial.
 */
export interface GrowingStore {
	/** Creates the (empty, partial) transcript and stores the recording with it; returns its id. */
	start(
		job: { id: string; name: string; file: Blob },
		run: { model: ModelRef; backend: Backend }
	): Promise<string>;
	/**
	 * Appends segments (already-stored ones are skipped) and records progress or completion. The queue
	 * passes only the segments that arrived since its last append, so an append costs the same however
	 * long the transcript has grown.
	 */
	append(transcriptId: string, segments: readonly DocSegment[], state: GrowthState): Promise<void>;
}

/** What the queue needs from the outside world. */
export interface QueueDeps {
	createWorker: () => WorkerLike;
	/** Main-thread decoding: every file when `streamFiles` is off, else those the worker cannot decode. */
	decode: (file: Blob, name: string) => Promise<DecodedAudio>;
	/**
	 * Hand the file itself to the worker, which decodes it in pieces while it transcribes (memory flat
	 * in the recording's length, first words within seconds). Default off.
	 */
	streamFiles?: boolean;
	/** Persists a finished transcript and its recording; returns the transcript id. Unused with `grow`. */
	store: (job: { id: string; name: string; file: Blob }, result: TranscriptResult) => Promise<string>;
	/** Keep the transcript while it grows instead of storing it at the end (see GrowingStore). */
	grow?: GrowingStore;
	/**
	 * The model for a new transcript, read before each job (a resumed one runs its transcript's own);
	 * may wait (for the rollout config at start). The engine reloads when it differs from the loaded
	 * one. Default DEFAULT_MODEL_ID.
	 */
	modelId?: () => string | Promise<string>;
	/** The backend the user chose in settings; read each time the engine (re)loads. Default 'auto'. */
	backend?: () => BackendPreference;
	/** After this long without an answer to `cancel`, the worker is killed (ms). */
	cancelGraceMs?: number;
	/** Told when a job that reached the engine ends (telemetry's transcription event). */
	onJobEnd?: (e: JobEnded) => void;
	/**
	 * Whether a model's files are all in the browser's cache, so that `warm` can get the engine ready
	 * without downloading anything the user did not ask for. Without it `warm` does nothing.
	 */
	isCached?: (modelId: string) => Promise<boolean>;
	/** A warmed engine no job has used for this long is released (ms). Default WARM_IDLE_RELEASE_MS. */
	warmIdleMs?: number;
}

/** How long an engine warmed ahead of an upload is kept without a job: it holds ~100 MB of the tab. */
export const WARM_IDLE_RELEASE_MS = 10 * 60_000;

/** One file on its way to a transcript. */
export class Job {
	status = $state<JobStatus>('waiting');
	fraction = $state(0);
	etaSec = $state<number | null>(null);
	segments = $state.raw<Segment[]>([]);
	/** The same segments as document segments, ids given once: the editor and storage append these. */
	docSegments = $state.raw<DocSegment[]>([]);
	error = $state<string | null>(null);
	/** Set when the transcript exists: at the first segment of a growing run, or when it was saved. */
	transcriptId = $state<string | null>(null);
	/** The newest words of the segments finished so far, shown live (the whole text is in the editor). */
	partialText = $derived(liveTail(this.segments));
	/** How many of `docSegments` the growing store has taken (not state: only `persist` reads it). */
	storedSegments = 0;
	/** Active = the user can still cancel it. */
	active = $derived(['waiting', 'decoding', 'loading-model', 'transcribing'].includes(this.status));

	constructor(
		readonly id: string,
		readonly name: string,
		readonly file: Blob,
		/** A resumed run: the transcript it appends to, where it starts (seconds) and its model. */
		readonly resume: { transcriptId: string; startSec: number; modelId: string } | null = null
	) {
		if (resume) this.transcriptId = resume.transcriptId;
	}
}

/** Model loading state, for the progress line above the queue. */
export interface ModelState {
	status: 'idle' | 'loading' | 'ready' | 'error';
	stage: string;
	fraction: number;
	backend: Backend | null;
	reason: string;
	error: string | null;
}

type Terminal = Extract<WorkerResponse, { type: 'done' | 'error' | 'cancelled' | 'needs-pcm' }>;

/**
 * The transcription queue: one worker for the whole app, jobs run one at a time in order. Lives in
 * the root layout so it keeps running while the user moves between pages.
 */
export class TranscriptionQueue {
	jobs = $state<Job[]>([]);
	model = $state<ModelState>({
		status: 'idle',
		stage: '',
		fraction: 0,
		backend: null,
		reason: '',
		error: null
	});

	private worker: WorkerLike | null = null;
	private ready: Promise<void> | null = null;
	private readyResolve: (() => void) | null = null;
	private readyReject: ((e: Error) => void) | null = null;
	private running = false;
	private current: { job: Job; finish: (msg: Terminal) => void } | null = null;
	private cancelTimer: ReturnType<typeof setTimeout> | undefined;
	/** The model and backend of the loaded engine (its 'ready' message), for new transcripts and reports. */
	private loaded: { model: ModelRef; backend: Backend } | null = null;
	/** The model id the worker was last asked to load; a job wanting another one reloads the engine. */
	private engineModelId: string | null = null;
	/** Storage writes of the running job, in order; awaited before the job ends. */
	private writes: Promise<void> = Promise.resolve();
	/** Set while the loaded (or loading) engine was started by `warm` and no job has used it yet. */
	private warmOnly = false;
	private warmTimer: ReturnType<typeof setTimeout> | undefined;
	/** The `warm` call in progress (it awaits the model id and the cache check), so two calls make one. */
	private warming: Promise<void> | null = null;

	constructor(private readonly deps: QueueDeps) {}

	/** Queues a file; returns its job. */
	add(file: Blob, name: string): Job {
		const job = new Job(randomId(), name, file);
		this.jobs.push(job);
		void this.pump();
		return job;
	}

	/**
	 * Queues the rest of an incomplete transcript: the run starts at `startSec` (the end of its last
	 * finished segment) and appends to it, with `modelId`, the model the transcript was started with
	 * (one transcript, one model; the engine switches to it and back). Needs `grow`. Returns the job,
	 * or the one already running for this transcript.
	 */
	resume(transcriptId: string, file: Blob, name: string, startSec: number, modelId: string): Job {
		if (!this.deps.grow) throw new Error('resuming needs a growing store');
		const running = this.jobFor(transcriptId);
		if (running) return running;
		const job = new Job(randomId(), name, file, { transcriptId, startSec, modelId });
		this.jobs.push(job);
		void this.pump();
		return job;
	}

	/** The active job that writes to this transcript, if any (the editor follows it). */
	jobFor(transcriptId: string): Job | undefined {
		return this.jobs.find(
			(j) =>
				j.transcriptId === transcriptId && (j.active || j.status === 'saving' || j.status === 'cancelling')
		);
	}

	/** Cancels a job: at once if it has not reached the worker, else asks the worker and waits a bit. */
	cancel(id: string): void {
		const job = this.jobs.find((j) => j.id === id);
		if (!job || !job.active) return;
		if (this.current?.job === job && job.status === 'transcribing') {
			job.status = 'cancelling';
			this.worker?.postMessage({ type: 'cancel', jobId: id });
			this.cancelTimer = setTimeout(() => {
				// The worker did not answer (stuck in a long inference): kill it; the next job gets a fresh one.
				this.resetWorker('stuck');
				this.current?.finish({ type: 'cancelled', jobId: id });
			}, this.deps.cancelGraceMs ?? 5000);
			return;
		}
		job.status = 'cancelled';
	}

	/** Removes a finished, failed or cancelled job from the list. */
	dismiss(id: string): void {
		const i = this.jobs.findIndex((j) => j.id === id);
		if (i >= 0 && !this.jobs[i].active && this.jobs[i].status !== 'cancelling') this.jobs.splice(i, 1);
	}

	/**
	 * Gets the engine ready before the first upload (call it when the page that takes uploads shows,
	 * in idle time): loads the model the next new file would run, but only when its files are already
	 * cached, so nothing is downloaded unasked. Does nothing when an engine is loaded or loading, or
	 * jobs are waiting. The warm engine is released after `warmIdleMs` without a job.
	 */
	warm(): Promise<void> {
		this.warming ??= this.warmNow().finally(() => (this.warming = null));
		return this.warming;
	}

	private async warmNow(): Promise<void> {
		const isCached = this.deps.isCached;
		if (!isCached || !canWarm(this.state())) return;
		const modelId = await this.modelFor(null);
		const cached = await isCached(modelId).catch(() => false);
		// The queue may have moved on while the id and the cache were looked up.
		if (!cached || !canWarm(this.state())) return;
		this.warmOnly = true;
		void this.loadModel(modelId, true).then(
			() => this.armWarmRelease(),
			() => {}
		);
	}

	/** What `warm` decides on. */
	private state(): WarmState {
		return {
			engine: this.ready ? 'loaded-or-loading' : 'none',
			pendingJobs: this.running || this.jobs.some((j) => j.active)
		};
	}

	private armWarmRelease(): void {
		clearTimeout(this.warmTimer);
		if (!this.warmOnly) return;
		this.warmTimer = setTimeout(() => {
			if (this.warmOnly && !this.running) this.resetWorker('idle');
		}, this.deps.warmIdleMs ?? WARM_IDLE_RELEASE_MS);
	}

	/**
	 * Makes the next transcription load the engine afresh (after a backend change in settings). A job
	 * in progress keeps its engine; the reload happens once it is done.
	 */
	reloadEngine(): void {
		// An engine only warmed ahead of an upload has no job waiting for it: replace it now (the next
		// `warm` or job loads the new choice).
		if (this.warmOnly && !this.running) this.resetWorker('reload');
		// Tearing the worker down mid-load would fail the job that is waiting for it.
		else if (this.current || this.model.status === 'loading') this.reloadPending = true;
		else this.resetWorker('reload');
	}
	private reloadPending = false;

	/** Stops the worker (tests, page teardown). */
	dispose(): void {
		this.resetWorker('disposed');
	}

	private ensureWorker(): WorkerLike {
		if (this.worker) return this.worker;
		const w = this.deps.createWorker();
		w.onmessage = (e) => this.onMessage(e.data);
		w.onerror = (e) => {
			e.preventDefault?.();
			const message = `The transcription engine crashed: ${e.message || 'unknown error'}`;
			this.resetWorker(message);
			this.current?.finish({ type: 'error', jobId: this.current.job.id, message });
		};
		this.worker = w;
		return w;
	}

	private resetWorker(reason: string): void {
		this.warmOnly = false;
		clearTimeout(this.warmTimer);
		this.worker?.terminate();
		this.worker = null;
		this.readyReject?.(new Error(reason));
		this.ready = null;
		this.readyResolve = this.readyReject = null;
		if (this.model.status !== 'error') this.model.status = 'idle';
	}

	/**
	 * The model a job runs: a resumed transcript's own, else (and for `warm`, job null) the one
	 * assigned now (default on failure).
	 */
	private async modelFor(job: Job | null): Promise<string> {
		if (job?.resume) return job.resume.modelId;
		try {
			return await (this.deps.modelId?.() ?? DEFAULT_MODEL_ID);
		} catch {
			return DEFAULT_MODEL_ID;
		}
	}

	/** Loads `modelId` into the worker, or reuses the engine when it already holds (or loads) that model. */
	private loadModel(modelId: string, prime = false): Promise<void> {
		if (this.ready && this.engineModelId === modelId) return this.ready;
		// Another model is loaded: a resumed transcript's own, or the assigned one after such a run.
		// Jobs run one at a time, so no job uses the engine being replaced.
		if (this.ready) this.resetWorker('model change');
		const w = this.ensureWorker();
		this.model = { status: 'loading', stage: '', fraction: 0, backend: null, reason: '', error: null };
		this.ready = new Promise<void>((resolve, reject) => {
			this.readyResolve = resolve;
			this.readyReject = reject;
		});
		// Avoid an unhandled rejection when nobody awaits a failed load.
		this.ready.catch(() => {});
		this.engineModelId = modelId;
		this.loaded = null;
		w.postMessage({
			type: 'load',
			modelId,
			backend: this.deps.backend?.() ?? 'auto',
			...(prime && { prime })
		});
		return this.ready;
	}

	private onMessage(msg: WorkerResponse): void {
		switch (msg.type) {
			case 'load-progress':
				this.model.stage = msg.stage;
				this.model.fraction = msg.totalBytes > 0 ? msg.loadedBytes / msg.totalBytes : 0;
				return;
			case 'ready':
				this.loaded = { model: msg.model, backend: msg.backend };
				this.model = {
					status: 'ready',
					stage: '',
					fraction: 1,
					backend: msg.backend,
					reason: msg.reason,
					error: null
				};
				this.readyResolve?.();
				return;
			case 'progress': {
				const job = this.current?.job;
				if (!job || job.id !== msg.jobId) return;
				job.fraction = msg.fraction;
				job.etaSec = msg.etaSec;
				job.segments = [...job.segments, msg.segment];
				job.docSegments = [...job.docSegments, ...toDocSegments([msg.segment])];
				this.persist(job, { fraction: msg.fraction, complete: false });
				return;
			}
			case 'error':
				if (msg.jobId === null) {
					// A load failure (or a failure outside any job): no job can run on this worker.
					this.model.status = 'error';
					this.model.error = msg.message;
					this.resetWorker(msg.message);
					this.current?.finish({ ...msg, jobId: this.current.job.id });
					return;
				}
				if (this.current?.job.id === msg.jobId) this.current.finish(msg);
				return;
			case 'done':
			case 'cancelled':
			case 'needs-pcm':
				if (this.current?.job.id === msg.jobId) this.current.finish(msg);
				return;
		}
	}

	private async pump(): Promise<void> {
		if (this.running) return;
		this.running = true;
		try {
			for (;;) {
				const job = this.jobs.find((j) => j.status === 'waiting');
				if (!job) break;
				await this.run(job);
			}
		} finally {
			this.running = false;
		}
	}

	private async run(job: Job): Promise<void> {
		let audio: DecodedAudio | null = null;
		if (!this.deps.streamFiles) {
			audio = await this.decode(job);
			if (!audio) return;
		}
		job.status = 'loading-model';
		const modelId = await this.modelFor(job);
		if (job.status !== 'loading-model') return;
		try {
			await this.loadModel(modelId);
		} catch (e) {
			if (job.status === 'loading-model') this.fail(job, e, 'The speech model could not be loaded: ');
			return;
		}
		if (job.status !== 'loading-model') return;
		// From here on the engine serves jobs: no idle release, and a settings change waits for the job.
		this.warmOnly = false;
		clearTimeout(this.warmTimer);
		const startedAt = Date.now();
		let outcome = await this.send(job, audio);
		if (outcome.type === 'needs-pcm') {
			// The worker cannot decode this file (no WebCodecs, or a codec it lacks): Web Audio can.
			console.info(`Decoding “${job.name}” on the page: ${outcome.reason}`);
			audio = await this.decode(job);
			if (!audio) return;
			outcome = await this.send(job, audio);
		}
		if (outcome.type === 'needs-pcm') outcome = { type: 'error', jobId: job.id, message: outcome.reason };

		if (this.reloadPending) {
			this.reloadPending = false;
			this.resetWorker('reload');
		}
		const processingSeconds = (Date.now() - startedAt) / 1000;
		if (this.deps.grow) {
			// What arrived is stored (or failed to be) before the job ends, whatever its outcome.
			if (outcome.type === 'done') {
				job.status = 'saving';
				job.fraction = 1;
				const { durationSec, wordTiming } = outcome.result;
				this.persist(job, { fraction: 1, complete: true, durationSec, wordTiming });
			}
			const saveError = await this.writes.then(
				() => null,
				(e: unknown) => e
			);
			this.writes = Promise.resolve();
			if (outcome.type === 'cancelled') job.status = 'cancelled';
			else if (outcome.type === 'error') this.fail(job, new Error(outcome.message));
			else if (saveError) this.fail(job, saveError, 'The transcript could not be saved: ');
			else job.status = 'done';
		} else if (outcome.type === 'cancelled') {
			job.status = 'cancelled';
		} else if (outcome.type === 'error') {
			this.fail(job, new Error(outcome.message));
		} else {
			job.status = 'saving';
			job.fraction = 1;
			try {
				job.transcriptId = await this.deps.store(job, outcome.result);
				job.status = 'done';
			} catch (e) {
				this.fail(job, e, 'The transcript could not be saved: ');
			}
		}
		this.reportEnd(job, processingSeconds, outcome.type === 'done' ? outcome.result : null);
	}

	// Hands the job's end to the hook; a failing hook must not break the queue.
	private reportEnd(job: Job, processingSeconds: number, result: TranscriptResult | null): void {
		const status = job.status === 'done' ? 'done' : job.status === 'cancelled' ? 'cancelled' : 'failed';
		try {
			this.deps.onJobEnd?.({
				transcriptId: job.transcriptId ?? job.id,
				status,
				model: result?.model ?? this.loaded?.model ?? null,
				backend: result?.backend ?? this.model.backend,
				processingSeconds,
				result: status === 'done' ? result : null,
				error: status === 'failed' ? job.error : null,
				startSec: job.resume?.startSec ?? 0,
				delivered: status === 'done' ? [] : job.segments
			});
		} catch (e) {
			console.error('onJobEnd failed', e);
		}
	}

	/**
	 * Queues a storage write of the job's segments not yet stored (writes run one at a time, so a
	 * slow disk batches several segments into one). The first write creates the transcript.
	 */
	private persist(job: Job, state: GrowthState): void {
		const grow = this.deps.grow;
		if (!grow) return;
		this.writes = this.writes.then(async () => {
			if (!job.transcriptId) {
				if (!this.loaded) throw new Error('no engine is loaded');
				job.transcriptId = await grow.start(job, this.loaded);
			}
			const batch = job.docSegments.slice(job.storedSegments);
			await grow.append(job.transcriptId, batch, state);
			job.storedSegments += batch.length;
		});
	}

	/** Decodes on the page; null when that failed (the job says why) or the job was cancelled meanwhile. */
	private async decode(job: Job): Promise<DecodedAudio | null> {
		job.status = 'decoding';
		try {
			const audio = await this.deps.decode(job.file, job.name);
			return job.status === 'decoding' ? audio : null;
		} catch (e) {
			if (job.status === 'decoding') this.fail(job, e);
			return null;
		}
	}

	/** Sends the job to the worker, as PCM or as the file itself, and waits for its answer. */
	private async send(job: Job, audio: DecodedAudio | null): Promise<Terminal> {
		job.status = 'transcribing';
		const outcome = await new Promise<Terminal>((resolve) => {
			this.current = { job, finish: resolve };
			if (audio) {
				this.ensureWorker().postMessage(
					{ type: 'transcribe', jobId: job.id, audio: audio.samples, ...startOf(job) },
					[audio.samples.buffer as ArrayBuffer]
				);
			} else {
				this.ensureWorker().postMessage({
					type: 'transcribe',
					jobId: job.id,
					file: job.file,
					name: job.name,
					...startOf(job)
				});
			}
		});
		clearTimeout(this.cancelTimer);
		this.current = null;
		return outcome;
	}

	private fail(job: Job, e: unknown, prefix = ''): void {
		job.status = 'error';
		job.error = prefix + (e instanceof Error ? e.message : String(e));
	}
}

/** What decides whether the engine may be warmed now. */
export interface WarmState {
	/** Whether an engine is loaded, or being loaded, in the worker. */
	engine: 'none' | 'loaded-or-loading';
	/** Whether a job is running or waiting (it loads the engine it needs itself). */
	pendingJobs: boolean;
}

/** Whether `warm` may start loading: only into an idle queue without an engine. */
export function canWarm(s: WarmState): boolean {
	return s.engine === 'none' && !s.pendingJobs;
}

/** The start field of a job's transcribe request: only resumed runs carry one. */
function startOf(job: Job): { startSec?: number } {
	return job.resume ? { startSec: job.resume.startSec } : {};
}
