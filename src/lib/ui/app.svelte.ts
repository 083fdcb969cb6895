import { createContext } from 'svelte';
import { decodeToMono16k } from '../engine/browser/decode';
import { RedlineDb, type TranscriptRecord } from '../storage/db';
import { createDoc } from '../transcript/document';
import { transcriptEvents } from '../transcript/events';
import type { TranscriptResult } from '../transcript/types';
import { Library } from './library.svelte';
import type { BackendPreference } from '../engine/protocol';
import { TranscriptionQueue, type WorkerLike } from './queue.svelte';
import { Toasts } from './toasts.svelte';
import { nowIso, randomId } from '../shared/ids';

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

	constructor(createWorker: () => WorkerLike, db = new RedlineDb()) {
		this.db = db;
		this.library = new Library(db, this.toasts);
		this.queue = new TranscriptionQueue({
			createWorker,
			backend: () => this.backend,
			decode: decodeToMono16k,
			streamFiles: true,
			onJobEnd: (e) => transcriptEvents.emit('jobEnded', e),
			store: async (job, result) => {
				const id = randomId();
				const type = job.file.type || 'audio/*';
				await db.addTranscript(newRecord(id, { name: job.name, type }, result, nowIso()), job.file);
				await this.library.refresh();
				return id;
			}
		});
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

/** Context accessors for the app instance created in the root layout. */
export const [getApp, setApp] = createContext<RedlineApp>();
