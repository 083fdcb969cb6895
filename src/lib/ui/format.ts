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
