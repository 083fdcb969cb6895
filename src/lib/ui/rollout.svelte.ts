/**
 * Which model this installation runs and under which rollout arm: the server's configuration
 * (telemetry/config-client.ts) unless the user picked a model in Settings, which makes the arm 'user'
 * (user-chosen traffic never enters the randomised comparison). Transcripts record the arm and the
 * sampling rates in force when they are made (`stamp`), so a later rollback does not relabel them.
 */
import type { ClientConfig } from '../contracts/config';
import { DEFAULT_MODEL_ID } from '../engine/models';
import type { RedlineDb } from '../storage/db';
import { loadClientConfig, type ConfigCache, type ConfigResolution } from '../telemetry/config-client';
import type { ModelRef } from '../transcript/types';
import { DEFAULT_THRESHOLD } from './editor.svelte';

/** The models the user can pick in Settings, fastest first; 'auto' follows the rollout. */
export const MODEL_CHOICES = [
	{
		id: 'moonshine-tiny-en',
		label: 'Fast',
		measured: 'the faster model: on our evaluation set it made 2.7 % word errors'
	},
	{
		id: 'moonshine-base-en',
		label: 'Accurate',
		measured: 'measured about 2× slower than Fast; 1.9 % word errors on our evaluation set'
	}
] as const;

/** 'auto' (the server decides) or a model id from MODEL_CHOICES. */
export type ModelChoice = 'auto' | (typeof MODEL_CHOICES)[number]['id'];

/** Settings keys (the app's IndexedDB settings store). */
export const ROLLOUT_SETTINGS = { config: 'rollout.config', model: 'engine.model' } as const;

/** The cache of the last fetched configuration, in the app's settings store. */
export function settingsConfigCache(db: RedlineDb): ConfigCache {
	return {
		get: () => db.getSetting<unknown>(ROLLOUT_SETTINGS.config, undefined),
		set: (value) => db.setSetting(ROLLOUT_SETTINGS.config, value)
	};
}

/** True when `value` is a model choice this app offers. */
export function isModelChoice(value: unknown): value is ModelChoice {
	return value === 'auto' || MODEL_CHOICES.some((c) => c.id === value);
}

/** The rollout state of the tab; one per app. */
export class RolloutState {
	/** Which configuration is in force; null until the first attempt finished. */
	resolution = $state.raw<ConfigResolution | null>(null);
	/** The user's model choice in Settings. */
	choice = $state<ModelChoice>('auto');

	/** The server's configuration in force (fetched or cached), or null for the built-in default. */
	readonly config = $derived<ClientConfig | null>(this.resolution?.config ?? null);
	/** The model the next transcription loads. */
	readonly modelId = $derived(
		this.choice !== 'auto' ? this.choice : (this.config?.model.id ?? DEFAULT_MODEL_ID)
	);
	/** The arm the next transcript is made under. */
	readonly arm = $derived<'default' | 'candidate' | 'user'>(
		this.choice !== 'auto' ? 'user' : (this.config?.arm ?? 'default')
	);

	private readonly started: Promise<void>;
	private resolveStarted!: () => void;

	constructor() {
		this.started = new Promise((r) => (this.resolveStarted = r));
	}

	/** Resolves once the configuration and the stored choice are known (never rejects). */
	whenReady(): Promise<void> {
		return this.started;
	}

	/**
	 * Loads the stored choice and the configuration for `installationId` (see config-client.ts). Call
	 * once at start; `installationId` waits for the telemetry client, which creates the id without consent.
	 */
	async start(db: RedlineDb, installationId: () => Promise<string>, f: typeof fetch = fetch): Promise<void> {
		try {
			const stored = await db.getSetting<unknown>(ROLLOUT_SETTINGS.model, 'auto').catch(() => 'auto');
			this.choice = isModelChoice(stored) ? stored : 'auto';
			const id = await installationId();
			this.resolution = await loadClientConfig({
				fetch: f,
				cache: settingsConfigCache(db),
				installationId: id
			});
		} catch (e) {
			this.resolution = {
				source: 'default',
				config: null,
				fetchedAt: null,
				reason: `the configuration could not be loaded (${(e as Error).message})`
			};
		} finally {
			this.resolveStarted();
		}
	}

	/** The arm a finished transcript made with `model` belongs to, and the sampling rates in force. */
	stamp(model: Pick<ModelRef, 'id'>): {
		arm: 'default' | 'candidate' | 'user';
		sampling: Record<string, number>;
	} {
		const sampling = { ...(this.config?.telemetry.sampling ?? {}) };
		if (this.choice !== 'auto') return { arm: 'user', sampling };
		// The configuration changed under a running job: that model was not this arm's.
		if (this.config && this.config.model.id === model.id) return { arm: this.config.arm, sampling };
		return { arm: 'default', sampling };
	}

	/** The default highlight threshold for a transcript's model: the configuration's, for its model. */
	thresholdFor(model: Pick<ModelRef, 'id' | 'version'>): number {
		const c = this.config;
		return c && c.model.id === model.id && c.model.version === model.version
			? c.highlightThreshold
			: DEFAULT_THRESHOLD;
	}
}
