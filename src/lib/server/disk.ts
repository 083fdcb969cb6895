/**
 * The free-space guard: below DISK_FREE_FLOOR_MB free on the data directory's file system, new events
 * are refused with 503 (clients keep them and retry later) instead of filling the disk to the last byte,
 * where SQLite and everything else on the machine start failing.
 */
import { statfs } from 'node:fs/promises';

/** Free bytes available to this process on the file system holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
	const s = await statfs(dir);
	return Number(s.bavail) * Number(s.bsize);
}

/**
 * A check that says whether free space is under `floorBytes`, asking the file system at most once per
 * `cacheMs` (statfs is cheap, but not free at thousands of requests a second). A failing statfs counts
 * as enough space: the guard must never be the reason the service stops.
 */
export function lowDiskCheck(
	floorBytes: number,
	free: () => Promise<number>,
	o: { cacheMs?: number; now?: () => number } = {}
): () => Promise<boolean> {
	const cacheMs = o.cacheMs ?? 2000;
	const now = o.now ?? (() => performance.now());
	let at = -Infinity;
	let low: Promise<boolean> = Promise.resolve(false);
	return () => {
		if (now() - at >= cacheMs) {
			at = now();
			low = free().then(
				(b) => b < floorBytes,
				() => false
			);
		}
		return low;
	};
}
