import { formatClock } from '../transcript/time';

/** "3 s ago", "2 min ago", "1 h ago" for the autosave status; "just now" under a second. */
export function formatAgo(thenMs: number, nowMs: number): string {
	const s = Math.max(0, Math.floor((nowMs - thenMs) / 1000));
	if (s < 1) return 'just now';
	if (s < 60) return `${s} s ago`;
	if (s < 3600) return `${Math.floor(s / 60)} min ago`;
	return `${Math.floor(s / 3600)} h ago`;
}

/** ETA for the progress bar: "about 12 s left", "about 3 min left"; '' when unknown. */
export function formatEta(etaSec: number | null): string {
	if (etaSec === null || !Number.isFinite(etaSec)) return '';
	if (etaSec < 60) return `about ${Math.max(1, Math.round(etaSec))} s left`;
	return `about ${Math.round(etaSec / 60)} min left`;
}

/** Short local date and time for the library list. */
export function formatDate(iso: string, locale?: string): string {
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return '';
	return d.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Name for a microphone recording, from the time it was made. */
export function recordingName(date: Date, ext: string): string {
	const p = (n: number) => String(n).padStart(2, '0');
	return `Recording ${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}.${p(date.getMinutes())}.${p(date.getSeconds())}.${ext}`;
}

/** formatClock that tolerates NaN/Infinity (an <audio> before its metadata loads) and negatives. */
export function safeClock(seconds: number): string {
	return Number.isFinite(seconds) ? formatClock(Math.max(0, seconds)) : '0:00';
}

/** How much of a growing transcript the upload page shows live (characters): the newest words. */
export const LIVE_TEXT_CHARS = 600;

/**
 * The newest words of a growing transcript for the live line on the upload page: whole segments
 * from the end until `maxChars` is reached (at least the last one), with "…" before when earlier ones
 * were left out. The whole transcript is in the editor ("Read along"); the page keeps only this line
 * in its DOM, so it costs the same after three hours as after three minutes.
 */
export function liveTail(segments: readonly { text: string }[], maxChars = LIVE_TEXT_CHARS): string {
	const kept: string[] = [];
	let length = 0;
	for (let i = segments.length - 1; i >= 0; i--) {
		const t = segments[i].text.trim();
		if (!t) continue;
		if (kept.length > 0 && length + t.length + 1 > maxChars) return `… ${kept.reverse().join(' ')}`;
		kept.push(t);
		length += t.length + 1;
	}
	return kept.reverse().join(' ');
}
