import { createContext } from 'svelte';
import { decodeToMono16k } from '../engine/browser/decode';
import { isModelCached } from '../engine/browser/assets';
import { RedlineDb, type TranscriptRecord } from '../storage/db';
import { browserStorage, requestPersistence, type StorageManagerLike } from '../storage/persistence';
import { createDoc, createPartialDoc, type TranscriptDoc } from '../transcript/document';
import { transcriptEvents, type JobEnded } from '../transcript/events';
import type { Backend, ModelRef, TranscriptResult } from '../transcript/types';
import { Library } from './library.svelte';
import type { BackendPreference } from '../engine/protocol';
import { TranscriptionQueue, type WorkerLike } from './queue.svelte';
import { Toasts } from './toasts.svelte';
import { nowIso, randomId } from '../shared/ids';
import { ROLLOUT_SETTINGS, RolloutState, type ModelChoice } from './rollout.svelte';

/** Title for a new transcript from its file name: extension and separators dropped. */
export function titleFromFileName(name: string): string {
	const base = name
		.replace(/\.[a-z0-9]{1,5}$/i, '')
		.replace(/[_]+/g, ' ')
		.trim();
	return base || 'Untitled recording';
}

/** Builds the stored row for a freshly transcribed file. */
export function newRecord(
	id: string,
	file: { name: string; type: string },
	result: TranscriptResult,
	now: string
): TranscriptRecord {
	return freshRecord(createDoc({ id, title: titleFromFileName(file.name), result, now }), file);
}

/** Builds the stored row a growing run starts with: no segments yet, marked partial. */
export function newPartialRecord(
	id: string,
	file: { name: string; type: string },
	run: { model: ModelRef; backend: Backend },
	now: string
): TranscriptRecord {
	return freshRecord(createPartialDoc({ id, title: titleFromFileName(file.name), ...run, now }), file);
}

/** The library row of a document the model has just made: not yet edited or rated. */
function freshRecord(doc: TranscriptDoc, file: { name: string; type: string }): TranscriptRecord {
	return {
		id: doc.id,
		doc,
		status: 'transcribed',
		rating: null,
		updatedAt: doc.updatedAt,
		audioType: file.type,
		fileName: file.name
	};
}

/** Everything that lives as long as the tab: storage, the transcription queue, the library, toasts. */
export class RedlineApp {
	readonly db: RedlineDb;
	readonly toasts = new Toasts();
	readonly library: Library;
	readonly queue: TranscriptionQueue;
	/** The backend chosen in settings ('auto' measures on this device); loaded from storage at start. */
	backend = $state<BackendPreference>('auto');
	/** Settles once the stored backend choice has been read (loadBackendSetting). */
	backendLoaded: Promise<void> = Promise.resolve();
	/** Which model runs and under which rollout arm (the server's config or the user's choice). */
	readonly rollout = new RolloutState();
	/** When a growing run last refreshed the library list (ms). */
	private listedAt = 0;

	/** Set once persistent storage has been asked for in this tab, so each save does not ask again. */
	private persistenceAsked: Promise<boolean> | null = null;

	constructor(
		createWorker: () => WorkerLike,
		db = new RedlineDb(),
		private readonly storage: () => StorageManagerLike | null = browserStorage
	) {
		this.db = db;
		this.library = new Library(db, this.toasts);
		this.queue = new TranscriptionQueue({
			createWorker,
			backend: () => this.backend,
			// The first load waits for the rollout config (or its fallback), so the assigned model is the
			// only one downloaded.
			modelId: () => this.rollout.whenReady().then(() => this.rollout.modelId),
			decode: decodeToMono16k,
			streamFiles: true,
			// The home page warms the engine ahead of an upload, but only from cached weights.
			isCached: isModelCached,
			onJobEnd: (e) => void this.withRollout(e).then((ended) => transcriptEvents.emit('jobEnded', ended)),
			store: (job, result) => this.saveTranscript(job, result),
			// The transcript is in the library from its first segment on, and stays there (incomplete)
			// if the run is cancelled, crashes or the tab closes.
			grow: {
				start: (job, run) => {
					const id = randomId();
					const type = job.file.type || 'audio/*';
					return this.addRecord(newPartialRecord(id, { name: job.name, type }, run, nowIso()), job.file);
				},
				append: async (id, segments, state) => {
					if (!(await db.growTranscript(id, segments, state))) throw new Error('it was deleted');
					// The list shows the progress of incomplete transcripts; every few seconds is enough.
					if (state.complete || Date.now() - this.listedAt > 5000) {
						this.listedAt = Date.now();
						await this.library.refresh();
					}
				}
			}
		});
	}

	/**
	 * Gets the engine ready for an upload (TranscriptionQueue.warm), with the stored backend choice:
	 * an engine warmed before it was read would be the wrong one.
	 */
	async warmEngine(): Promise<void> {
		await this.backendLoaded.catch(() => {});
		await this.queue.warm();
	}

	/** Stores a finished transcription with its recording; returns the new transcript's id. */
	saveTranscript(job: { name: string; file: Blob }, result: TranscriptResult): Promise<string> {
		const type = job.file.type || 'audio/*';
		return this.addRecord(newRecord(randomId(), { name: job.name, type }, result, nowIso()), job.file);
	}

	// A job's end with the arm and sampling rates of its transcript (stamped at its first segment), or
	// of the rollout in force now when it stored nothing.
	private async withRollout(e: JobEnded): Promise<JobEnded> {
		// The head only: the end of a long run must not read all its segments for two fields.
		const record = await this.db.getTranscriptHead(e.transcriptId).catch(() => undefined);
		if (record) return { ...e, rollout: { arm: record.doc.arm, sampling: record.doc.sampling } };
		return e.model ? { ...e, rollout: this.rollout.stamp(e.model) } : e;
	}

	// Stores a new transcript (finished, or the start of a growing one) under the rollout in force now.
	private async addRecord(record: TranscriptRecord, file: Blob): Promise<string> {
		// The transcript keeps the arm and sampling rates it was made under, whatever the rollout does
		// later (a resumed run appends to it under the same ones).
		record.doc = { ...record.doc, ...this.rollout.stamp(record.doc.model) };
		await this.db.addTranscript(record, file);
		// Now there is work to lose: ask the browser not to evict it (once per tab; never blocks).
		this.persistenceAsked ??= requestPersistence(this.storage());
		await this.library.refresh();
		return record.id;
	}
}

/** Continues an incomplete transcript from the end of its last finished segment, with its stored recording. */
export async function resumeTranscript(app: RedlineApp, id: string): Promise<void> {
	// The stored row: the editor's save and the queue's appends both land there.
	const record = await app.db.getTranscript(id);
	const partial = record?.doc.partial;
	if (!record || !partial) return;
	const audio = await app.db.getAudio(record.id);
	if (!audio || audio.size === 0) throw new Error('the recording is not stored with this transcript');
	// The model it was started with, whatever the rollout assigns now (downloaded again if dropped).
	app.queue.resume(record.id, audio, record.fileName, partial.decodedUntilSec, record.doc.model.id);
}

/** Where the backend choice is stored in the settings store. */
const BACKEND_SETTING = 'engine.backend';

/** Reads the stored backend choice; call once at start, before the first transcription. */
export function loadBackendSetting(app: RedlineApp): Promise<void> {
	app.backendLoaded = app.db.getSetting<string>(BACKEND_SETTING, 'auto').then((value) => {
		app.backend = value === 'wasm' || value === 'webgpu' ? value : 'auto';
	});
	return app.backendLoaded;
}

/** Stores a new backend choice and makes the next transcription use it. */
export async function saveBackendSetting(app: RedlineApp, value: BackendPreference): Promise<void> {
	app.backend = value;
	await app.db.setSetting(BACKEND_SETTING, value);
	app.queue.reloadEngine();
}

/** Stores the user's model choice ('auto' follows the rollout) and makes the next transcription use it. */
export async function saveModelSetting(app: RedlineApp, value: ModelChoice): Promise<void> {
	app.rollout.choice = value;
	await app.db.setSetting(ROLLOUT_SETTINGS.model, value);
	app.queue.reloadEngine();
}

/** Context accessors for the app instance created in the root layout. */
export const [getApp, setApp] = createContext<RedlineApp>();
