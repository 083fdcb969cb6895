import { describe, expect, it } from 'vitest';
import { NO_MARKS, marksFor, type MarkSources } from './segment-marks';
import { SegmentMarks } from './segment-marks.svelte';
import type { EditingRange } from './editor.svelte';

const none: MarkSources = { range: null, focus: { si: 0, wi: 0 }, playing: null, editing: null };
const ed: EditingRange = { segmentId: 's3', from: 1, to: 2, initial: 'x', selectAll: true };

describe('marksFor', () => {
	it.each<[string, MarkSources, [number, Partial<typeof NO_MARKS>][]]>([
		['nothing selected: focus on the first word', none, [[0, { focusWord: 0 }]]],
		[
			'selection and focus in one segment',
			{ ...none, range: { segmentIndex: 2, from: 1, to: 3 }, focus: { si: 2, wi: 2 } },
			[[2, { selFrom: 1, selTo: 3, focusWord: 2 }]]
		],
		[
			'playhead elsewhere',
			{ ...none, playing: { segmentIndex: 5, wordIndex: 4 } },
			[
				[0, { focusWord: 0 }],
				[5, { playingWord: 4 }]
			]
		],
		[
			'the editor in its segment; a gone segment (-1) gets nothing',
			{ ...none, editing: { range: ed, segmentIndex: 3 } },
			[
				[0, { focusWord: 0 }],
				[3, { editing: ed }]
			]
		],
		[
			'editing a segment that is gone',
			{ ...none, editing: { range: ed, segmentIndex: -1 } },
			[[0, { focusWord: 0 }]]
		]
	])('%s', (_what, src, expected) => {
		expect([...marksFor(src)]).toEqual(expected.map(([i, m]) => [i, { ...NO_MARKS, ...m }]));
	});
});

describe('SegmentMarks', () => {
	// Each cell is its own $state, so a cell left as it was notifies nobody: a written cell holds the new
	// object, an untouched one keeps the very object it had (the Vitest build of Svelte runs no effects).
	it('writes only the cells whose marks changed', () => {
		const marks = new SegmentMarks();
		const sel = (si: number, wi: number) =>
			marksFor({ ...none, range: { segmentIndex: si, from: wi, to: wi + 1 }, focus: { si, wi } });
		const cells = () => [0, 1, 2, 3].map((i) => marks.at(i));
		const start = cells();
		expect(start.every((m) => m === NO_MARKS)).toBe(true);
		marks.update(sel(1, 0));
		const first = cells();
		expect(first.map((m, i) => m === start[i])).toEqual([true, false, true, true]);
		expect(first[1]).toEqual({ ...NO_MARKS, selFrom: 0, selTo: 1, focusWord: 0 });
		// The selection moves on: the segment it left and the one it reached, nothing else.
		marks.update(sel(3, 2));
		const second = cells();
		expect(second.map((m, i) => m === first[i])).toEqual([true, false, true, false]);
		expect(second[1]).toBe(NO_MARKS);
		// The same marks again (new objects, equal content) write nothing.
		marks.update(sel(3, 2));
		expect(cells().map((m, i) => m === second[i])).toEqual([true, true, true, true]);
	});
});
