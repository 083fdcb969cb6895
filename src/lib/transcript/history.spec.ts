import { describe, expect, it } from 'vitest';
import { segmentText, type Edit } from './document';
import { sampleDoc } from './golden/sample';
import { canRedo, canUndo, commit, createHistory, HISTORY_LIMIT, redo, undo, type History } from './history';

const text = (h: History) => segmentText(h.present.segments[0]);
const first = sampleDoc();
const segId = first.segments[0].id;
const type = (t: string): Edit => ({ type: 'replaceWords', segmentId: segId, from: 0, to: 1, text: t });

describe('history', () => {
	it('starts empty', () => {
		const h = createHistory(first);
		expect([canUndo(h), canRedo(h)]).toEqual([false, false]);
		expect(undo(h)).toBe(h);
		expect(redo(h)).toBe(h);
	});

	it('undoes and redoes steps in order, and a new commit drops the redo branch', () => {
		let h = createHistory(first);
		h = commit(h, type('Hi'), { at: 0 });
		h = commit(h, type('Hey'), { at: 10 });
		expect(text(h)).toMatch(/^Hey mister/);
		h = undo(h);
		expect(text(h)).toMatch(/^Hi mister/);
		h = undo(h);
		expect(h.present).toBe(first);
		expect([canUndo(h), canRedo(h)]).toEqual([false, true]);
		h = redo(h);
		expect(text(h)).toMatch(/^Hi mister/);
		h = commit(h, type('Yo'), { at: 20 });
		expect(canRedo(h)).toBe(false);
		expect(h.past).toHaveLength(2);
	});

	it.each([
		['same key within 1 s coalesces', ['k', 'k', 'k'], [0, 400, 900], 1],
		['a gap of 1 s or more starts a new step', ['k', 'k'], [0, 1000], 2],
		['different keys do not coalesce', ['k', 'j'], [0, 10], 2],
		['no key never coalesces', [undefined, undefined], [0, 10], 2],
		['time going backwards does not coalesce', ['k', 'k'], [500, 100], 2]
	])('%s', (_name, keys, times, steps) => {
		let h = createHistory(first);
		keys.forEach((key, i) => {
			h = commit(h, type(`w${i}`), { coalesceKey: key, at: times[i] });
		});
		expect(h.past).toHaveLength(steps);
		expect(text(h)).toMatch(new RegExp(`^w${keys.length - 1} `));
	});

	it('does not coalesce across an undo', () => {
		let h = createHistory(first);
		h = commit(h, type('a'), { coalesceKey: 'k', at: 0 });
		h = commit(h, type('b'), { coalesceKey: 'k', at: 10 });
		h = undo(h);
		h = commit(h, type('c'), { coalesceKey: 'k', at: 20 });
		expect(h.past).toHaveLength(1);
		expect(undo(h).present).toBe(first);
	});

	it('ignores edits that change nothing', () => {
		const h = createHistory(first);
		expect(commit(h, { type: 'setTitle', title: first.title })).toBe(h);
	});

	it('is bounded', () => {
		let h = createHistory(first);
		for (let i = 0; i < HISTORY_LIMIT + 20; i++) h = commit(h, type(`w${i}`), { at: i * 10 });
		expect(h.past).toHaveLength(HISTORY_LIMIT);
		let u = h;
		while (canUndo(u)) u = undo(u);
		expect(text(u)).toMatch(/^w19 /);
		const small = commit(
			commit(commit(createHistory(first), type('a'), { limit: 1 }), type('b'), { limit: 1 }),
			type('c'),
			{ limit: 1 }
		);
		expect(small.past).toHaveLength(1);
	});

	it('propagates invalid edits as errors', () => {
		expect(() => commit(createHistory(first), { type: 'mergeWithNext', segmentId: 'missing' })).toThrow(
			/Unknown segment/
		);
	});
});
