/**
 * Persistent storage: without it the browser may evict the library's IndexedDB under storage
 * pressure, silently. Asked for once the first transcript is saved (a browser grants it more readily
 * to a site the user has put work into, and asking on first visit would be a prompt out of nowhere).
 */

/** The part of `navigator.storage` used here (injectable for tests). */
export interface StorageManagerLike {
	persist?: () => Promise<boolean>;
	persisted?: () => Promise<boolean>;
	estimate?: () => Promise<{ usage?: number; quota?: number }>;
}

/** What the settings page shows about storage. */
export interface StorageStatus {
	/** 'persisted': the browser will not evict the library; 'not-granted': it may; 'unsupported': no API. */
	state: 'persisted' | 'not-granted' | 'unsupported';
	/** Bytes used and available to this site, when the browser says. */
	usage: number | null;
	quota: number | null;
}

/** The browser's storage manager, or null where there is none (old browsers, Node). */
export function browserStorage(): StorageManagerLike | null {
	return (globalThis.navigator as Navigator | undefined)?.storage ?? null;
}

/**
 * Asks for persistent storage unless it is already granted; returns whether storage is persistent.
 * Never throws: a refusal or a missing API must not fail the save that triggered it.
 */
export async function requestPersistence(
	storage: StorageManagerLike | null = browserStorage()
): Promise<boolean> {
	if (!storage?.persist) return false;
	try {
		if (storage.persisted && (await storage.persisted())) return true;
		return await storage.persist();
	} catch {
		return false;
	}
}

/** Reads whether storage is persistent and how much is used, for the settings page. */
export async function storageStatus(
	storage: StorageManagerLike | null = browserStorage()
): Promise<StorageStatus> {
	if (!storage?.persisted) return { state: 'unsupported', usage: null, quota: null };
	type Estimate = { usage?: number; quota?: number };
	const none: Estimate = {};
	const [persisted, estimate] = await Promise.all([
		storage.persisted().catch(() => false),
		storage.estimate ? storage.estimate().catch(() => none) : Promise.resolve(none)
	]);
	return {
		state: persisted ? 'persisted' : 'not-granted',
		usage: typeof estimate.usage === 'number' ? estimate.usage : null,
		quota: typeof estimate.quota === 'number' ? estimate.quota : null
	};
}
