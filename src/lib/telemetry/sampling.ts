/**
 * Event sampling: whether the browser sends an event, decided by a hash rather than a coin, so the
 * decision is the same for every revision of one segment (a later correction of a kept segment is kept,
 * one of a dropped segment is dropped) and after a reload. The server weights each kept event by 1/rate.
 *
 * Key: (installation, transcript, segment or '-', event type). The type is in the key so that a
 * segment's corrections and reviews are sampled independently at their own rates.
 */

/** FNV-1a over the string's UTF-16 code units, then a murmur3 finaliser so nearby keys spread out. */
export function hash32(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) {
		h ^= s.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}

/** What identifies an event for sampling: everything that stays the same across its revisions. */
export interface SamplingKey {
	installationId: string;
	transcriptId: string;
	segmentId?: string | null;
	type: string;
}

/** The key's point in [0, 1): the event is kept when it is below the rate. */
export function samplingPoint(k: SamplingKey): number {
	return (
		hash32(`${k.installationId}\u0000${k.transcriptId}\u0000${k.segmentId ?? '-'}\u0000${k.type}`) / 2 ** 32
	);
}

/** True when an event with this key is sent at `rate` (1 keeps all; a rate outside (0, 1] is an error). */
export function keepEvent(k: SamplingKey, rate: number): boolean {
	if (!(rate > 0 && rate <= 1)) throw new RangeError(`a sampling rate must be in (0, 1], got ${rate}`);
	return rate === 1 || samplingPoint(k) < rate;
}
