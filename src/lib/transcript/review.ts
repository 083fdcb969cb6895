/**
 * When a segment counts as reviewed: the one definition behind "WER over reviewed speech".
 *
 * A segment is reviewed when the user
 * - edited it (any change to its text, even one undone later: they read it closely), or
 * - confirmed at least one of its words, or
 * - played its audio through while the segment was on screen: distinct seconds of the segment's audio
 *   played while visible ≥ PLAYED_THROUGH_SHARE (90 %) of its duration. Replaying one second ten times
 *   counts once; playing with the segment scrolled away counts not at all (nobody was reading it).
 * A segment the user neither touched nor listened to tells us nothing about its errors, so the
 * quality estimators leave it out rather than count it as correct.
 */

/** Share of a segment's duration that must be played, on screen, for it to count as listened to. */
export const PLAYED_THROUGH_SHARE = 0.9;

/** What the editor knows about one segment's review. */
export interface SegmentReviewState {
	/** The user changed the segment's text at least once. */
	edited: boolean;
	/** Words of the segment the user confirmed. */
	confirmedWords: number;
	/** The segment's audio duration in seconds. */
	durationSec: number;
	/** Distinct seconds of the segment's audio played while it was on screen (see `playedSeconds`). */
	playedOnScreenSec: number;
}

function checkSeconds(v: number, what: string): void {
	if (!Number.isFinite(v) || v < 0) throw new RangeError(`${what} must be a finite number ≥ 0, got ${v}`);
}

/** True when the user edited the segment, confirmed a word in it, or played it through on screen. */
export function isReviewed(s: SegmentReviewState): boolean {
	checkSeconds(s.durationSec, 'durationSec');
	checkSeconds(s.playedOnScreenSec, 'playedOnScreenSec');
	if (!Number.isInteger(s.confirmedWords) || s.confirmedWords < 0)
		throw new RangeError(`confirmedWords must be an integer ≥ 0, got ${s.confirmedWords}`);
	if (s.edited || s.confirmedWords > 0) return true;
	// A segment without duration cannot be listened to; only an edit or a confirmation reviews it.
	return s.durationSec > 0 && s.playedOnScreenSec >= PLAYED_THROUGH_SHARE * s.durationSec;
}

/**
 * Distinct seconds of [start, end) covered by the played intervals (each [from, to) in audio time,
 * recorded only while the segment was on screen); overlaps and repeats count once.
 */
export function playedSeconds(
	intervals: readonly { from: number; to: number }[],
	start: number,
	end: number
): number {
	if (!(Number.isFinite(start) && Number.isFinite(end) && end >= start))
		throw new RangeError(`segment must satisfy start ≤ end, got [${start}, ${end})`);
	const clipped = intervals
		.map((i) => {
			if (!(Number.isFinite(i.from) && Number.isFinite(i.to) && i.to >= i.from))
				throw new RangeError(`interval must satisfy from ≤ to, got [${i.from}, ${i.to})`);
			return { from: Math.max(i.from, start), to: Math.min(i.to, end) };
		})
		.filter((i) => i.to > i.from)
		.sort((a, b) => a.from - b.from);
	let covered = 0;
	let reach = start;
	for (const i of clipped) {
		if (i.to <= reach) continue;
		covered += i.to - Math.max(i.from, reach);
		reach = i.to;
	}
	return covered;
}
