/** The tab's one telemetry client, built on the browser's IndexedDB, fetch, Web Locks and the editor's hub. */
import { transcriptEvents } from '../transcript/events';
import { APP_VERSION } from './app-version';
import { IdbOutboxStore } from './outbox-store';
import type { LockManagerLike } from './outbox';
import { createFetchSender } from './sender';
import { TelemetryClient } from './telemetry.svelte';

let client: TelemetryClient | null = null;

/** The client, created and started on first use (browser only). */
export function getTelemetryClient(): TelemetryClient {
	if (!client) {
		const locks = (globalThis.navigator as Navigator | undefined)?.locks as LockManagerLike | undefined;
		client = new TelemetryClient({
			store: new IdbOutboxStore(),
			send: createFetchSender(),
			hub: transcriptEvents,
			appVersion: APP_VERSION,
			locks: locks ?? null,
			device: () => {
				const nav = globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined;
				return { hardwareConcurrency: nav?.hardwareConcurrency, deviceMemory: nav?.deviceMemory };
			},
			tabVisible: () => globalThis.document?.visibilityState !== 'hidden'
		});
		void client.start();
	}
	return client;
}
