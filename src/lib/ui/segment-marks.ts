/**
 * What the editor marks inside a segment (selection, keyboard focus, the word under the playhead, the
 * in-place editor), held per segment. Every segment used to read these from the editor's shared state,
 * so moving the selection or the playhead one word re-ran 1,200 segments' props on a 3-hour
 * transcript; now a change touches the segments whose marks differ, usually one or two.
 */
import type { EditingRange } from './editor.svelte';

/** The marks of one segment; -1 / null where that mark is in another segment. */
export interface Marks {
	/** Selected word range [selFrom, selTo). */
	selFrom: number;
	selTo: number;
	/** Word that holds keyboard focus (roving tabindex). */
	focusWord: number;
	playingWord: number;
	editing: EditingRange | null;
}

/** A segment with nothing marked. */
export const NO_MARKS: Marks = Object.freeze({
	selFrom: -1,
	selTo: -1,
	focusWord: -1,
	playingWord: -1,
	editing: null
});

/** Where the editor's marks are: each one names its segment by index. */
export interface MarkSources {
	range: { segmentIndex: number; from: number; to: number } | null;
	focus: { si: number; wi: number };
	playing: { segmentIndex: number; wordIndex: number } | null;
	/** The in-place editor and the index of its segment (-1 when that segment is gone). */
	editing: { range: EditingRange; segmentIndex: number } | null;
}

/** The marked segments and their marks (a pure function; segments not in the map have none). */
export function marksFor(src: MarkSources): Map<number, Marks> {
	const out = new Map<number, Marks>();
	const put = (si: number, patch: Partial<Marks>) => {
		if (si < 0) return;
		out.set(si, { ...(out.get(si) ?? NO_MARKS), ...patch });
	};
	if (src.range) put(src.range.segmentIndex, { selFrom: src.range.from, selTo: src.range.to });
	put(src.focus.si, { focusWord: src.focus.wi });
	if (src.playing) put(src.playing.segmentIndex, { playingWord: src.playing.wordIndex });
	if (src.editing) put(src.editing.segmentIndex, { editing: src.editing.range });
	return out;
}

/** True when two marks would render the same. */
export function sameMarks(a: Marks, b: Marks): boolean {
	return (
		a.selFrom === b.selFrom &&
		a.selTo === b.selTo &&
		a.focusWord === b.focusWord &&
		a.playingWord === b.playingWord &&
		a.editing === b.editing
	);
}
