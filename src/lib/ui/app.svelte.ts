import { createContext } from 'svelte';
import { decodeToMono16k } from '../engine/browser/decode';
import { RedlineDb, type TranscriptRecord } from '../storage/db';
import { browserStorage, requestPersistence, type StorageManagerLike } from '../storage/persistence';
import { createDoc } from '../transcript/document';
import { transcriptEvents } from '../transcript/events';
import type { TranscriptResult } from '../transcript/types';
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
	const doc = createDoc({ id, title: titleFromFileName(file.name), result, now });
	return {
		id,
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
	/** Which model runs and under which rollout arm (the server's config or the user's choice). */
	readonly rollout = new RolloutState();

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
			onJobEnd: (e) => transcriptEvents.emit('jobEnded', e),
			store: (job, result) => this.saveTranscript(job, result)
		});
	}

	/** Stores a finished transcription with its recording; returns the new transcript's id. */
	async saveTranscript(job: { name: string; file: Blob }, result: TranscriptResult): Promise<string> {
		const id = randomId();
		const type = job.file.type || 'audio/*';
		const record = newRecord(id, { name: job.name, type }, result, nowIso());
		// The transcript keeps the arm and sampling rates it was made under, whatever the rollout does later.
		record.doc = { ...record.doc, ...this.rollout.stamp(result.model) };
		await this.db.addTranscript(record, job.file);
		// Now there is work to lose: ask the browser not to evict it (once per tab; never blocks).
		this.persistenceAsked ??= requestPersistence(this.storage());
		await this.library.refresh();
		return id;
	}
}

/** Where the backend choice is stored in the settings store. */
const BACKEND_SETTING = 'engine.backend';

/** Reads the stored backend choice; call once at start, before the first transcription. */
export async function loadBackendSetting(app: RedlineApp): Promise<void> {
	const value = await app.db.getSetting<string>(BACKEND_SETTING, 'auto');
	app.backend = value === 'wasm' || value === 'webgpu' ? value : 'auto';
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
