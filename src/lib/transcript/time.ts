/**
 * Timestamp formatting for subtitles and display.
 *
 * Seconds are rounded once to whole milliseconds and everything else is integer arithmetic, so 59.9996 s
 * becomes 00:01:00,000 and never 00:00:59,1000. The rounding first trims binary noise at 12 significant
 * digits, so 0.5005 (which times 1000 is 500.49999999999994) rounds half up to 0.501 as written. Hours are at least two
 * digits and grow past 99 as needed. Negative, NaN and infinite times throw a RangeError: a wrong
 * timestamp in a subtitle file is worse than a clear failure.
 */

function toMs(seconds: number): number {
	if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
		throw new RangeError(`Invalid time in seconds: ${String(seconds)}`);
	}
	return Math.round(Number((seconds * 1000).toPrecision(12)));
}

function parts(seconds: number) {
	const ms = toMs(seconds);
	return {
		h: Math.floor(ms / 3_600_000),
		m: Math.floor(ms / 60_000) % 60,
		s: Math.floor(ms / 1000) % 60,
		ms: ms % 1000
	};
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function stamp(seconds: number, sep: ',' | '.'): string {
	const p = parts(seconds);
	return `${pad(p.h, 2)}:${pad(p.m, 2)}:${pad(p.s, 2)}${sep}${pad(p.ms, 3)}`;
}

/** SRT cue time, `HH:MM:SS,mmm`. */
export function formatSrtTime(seconds: number): string {
	return stamp(seconds, ',');
}

/** WebVTT cue time, `HH:MM:SS.mmm` (hours always written, which every player accepts). */
export function formatVttTime(seconds: number): string {
	return stamp(seconds, '.');
}

/** Short clock for people, whole seconds truncated: `m:ss` under an hour, else `h:mm:ss`. */
export function formatClock(seconds: number): string {
	const ms = toMs(seconds);
	const total = Math.floor(ms / 1000);
	const h = Math.floor(total / 3600);
	const m = Math.floor(total / 60) % 60;
	const s = total % 60;
	return h > 0 ? `${h}:${pad(m, 2)}:${pad(s, 2)}` : `${m}:${pad(s, 2)}`;
}

/** Parses an SRT or WebVTT time (`[HH:]MM:SS[,.]mmm`) back to seconds; throws on anything else. */
export function parseTimestamp(text: string): number {
	const match = /^(?:(\d+):)?([0-5]\d):([0-5]\d)[,.](\d{3})$/.exec(text.trim());
	if (!match) throw new RangeError(`Invalid timestamp: ${JSON.stringify(text)}`);
	const [, h, m, s, ms] = match;
	return (Number(h ?? 0) * 3_600_000 + Number(m) * 60_000 + Number(s) * 1000 + Number(ms)) / 1000;
}
