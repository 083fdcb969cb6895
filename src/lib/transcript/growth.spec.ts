import { describe, expect, it } from 'vitest';
import {
	appendSegments,
	applyEdit,
	createPartialDoc,
	docText,
	mergeGrowth,
	toDocSegments,
	type GrowthState,
	type TranscriptDoc
} from './document';
import { counterIds, makeSegment } from './golden/sample';
import { commit, createHistory, undo } from './history';

const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-01T00:01:00.000Z';
const model = { id: 'm', version: '1', sha256: 'abc' };

function empty(): TranscriptDoc {
	return createPartialDoc({ id: 'd', title: 't', model, backend: 'wasm', now: NOW });
}

const ids = counterIds('s');
const segs = toDocSegments(
	[
		makeSegment(0, 2, 'one two'),
		makeSegment(2.5, 4, 'three four'),
		makeSegment(5, 7, 'five six'),
		makeSegment(8, 9.5, 'seven')
	],
	ids
);
const running = (fraction: number): GrowthState => ({ fraction, complete: false });

describe('appendSegments', () => {
	const cases: {
		name: string;
		batches: [number, number, GrowthState][];
		text: string;
		partial: TranscriptDoc['partial'];
	}[] = [
		{ name: 'nothing yet', batches: [], text: '', partial: { decodedUntilSec: 0, fraction: 0 } },
		{
			name: 'one batch',
			batches: [[0, 2, running(0.4)]],
			text: 'one two\nthree four',
			partial: { decodedUntilSec: 4, fraction: 0.4 }
		},
		{
			name: 'batches in order',
			batches: [
				[0, 1, running(0.2)],
				[1, 3, running(0.7)]
			],
			text: 'one two\nthree four\nfive six',
			partial: { decodedUntilSec: 7, fraction: 0.7 }
		},
		{
			name: 'the same batch twice appends once',
			batches: [
				[0, 2, running(0.4)],
				[0, 2, running(0.4)]
			],
			text: 'one two\nthree four',
			partial: { decodedUntilSec: 4, fraction: 0.4 }
		},
		{
			name: 'overlapping batches (a resumed run, a stored copy) skip what is there',
			batches: [
				[0, 2, running(0.4)],
				[1, 4, running(0.9)]
			],
			text: 'one two\nthree four\nfive six\nseven',
			partial: { decodedUntilSec: 9.5, fraction: 0.9 }
		},
		{
			name: 'completion drops the partial mark',
			batches: [
				[0, 2, running(0.4)],
				[2, 4, { fraction: 1, complete: true, durationSec: 12 }]
			],
			text: 'one two\nthree four\nfive six\nseven',
			partial: undefined
		},
		{
			name: 'a fraction never goes back',
			batches: [
				[0, 1, running(0.5)],
				[1, 1, running(0.3)]
			],
			text: 'one two',
			partial: { decodedUntilSec: 2, fraction: 0.5 }
		}
	];
	for (const c of cases) {
		it(c.name, () => {
			let doc = empty();
			for (const [from, to, state] of c.batches) doc = appendSegments(doc, segs.slice(from, to), state);
			expect(docText(doc)).toBe(c.text);
			expect(doc.partial).toEqual(c.partial);
			expect(doc.updatedAt).toBe(NOW);
		});
	}

	it('keeps edited segments as they are and shares the appended objects', () => {
		let doc = appendSegments(empty(), segs.slice(0, 1), running(0.2));
		doc = applyEdit(
			doc,
			{ type: 'replaceWords', segmentId: segs[0].id, from: 0, to: 1, text: 'won' },
			{
				newId: counterIds('e'),
				now: LATER
			}
		);
		const edited = doc.segments[0];
		const grown = appendSegments(doc, segs.slice(0, 3), { fraction: 1, complete: true, durationSec: 10 });
		expect(grown.segments[0]).toBe(edited);
		expect(grown.segments[1]).toBe(segs[1]);
		expect(docText(grown)).toBe('won two\nthree four\nfive six');
		expect(grown.updatedAt).toBe(LATER);
		expect(grown.durationSec).toBe(10);
	});

	it('keeps a split last segment and appends after it', () => {
		let doc = appendSegments(empty(), segs.slice(0, 1), running(0.2));
		doc = applyEdit(
			doc,
			{ type: 'splitSegment', segmentId: segs[0].id, atWord: 1 },
			{ newId: counterIds('p') }
		);
		const grown = appendSegments(doc, segs.slice(0, 2), running(0.4));
		expect(docText(grown)).toBe('one\ntwo\nthree four');
	});

	it('returns a complete document unchanged, and the same doc when nothing changes', () => {
		const done = appendSegments(empty(), segs, { fraction: 1, complete: true });
		expect(appendSegments(done, segs, running(0.5))).toBe(done);
		const doc = appendSegments(empty(), segs.slice(0, 1), running(0.2));
		expect(appendSegments(doc, segs.slice(0, 1), running(0.2))).toBe(doc);
	});

	it('grown alike, every undo state keeps the growth', () => {
		let h = createHistory(appendSegments(empty(), segs.slice(0, 1), running(0.2)));
		h = commit(h, { type: 'setSpeaker', segmentId: segs[0].id, speaker: 'A' }, { at: 0 });
		const grow = (d: TranscriptDoc) => appendSegments(d, segs.slice(1, 2), running(0.4));
		h = { ...h, past: h.past.map(grow), present: grow(h.present) };
		const back = undo(h);
		expect(docText(back.present)).toBe('one two\nthree four');
		expect(back.present.segments[0].speaker).toBe('');
		expect(back.present.segments[1]).toBe(h.present.segments[1]);
	});
});

describe('mergeGrowth', () => {
	it('takes the stored segments the local copy lacks, keeping local edits', () => {
		const base = appendSegments(empty(), segs.slice(0, 1), running(0.2));
		const local = applyEdit(
			base,
			{ type: 'setSpeaker', segmentId: segs[0].id, speaker: 'A' },
			{ now: LATER }
		);
		const stored = appendSegments(base, segs.slice(1, 3), running(0.7));
		const merged = mergeGrowth(local, stored);
		expect(docText(merged)).toBe('one two\nthree four\nfive six');
		expect(merged.segments[0].speaker).toBe('A');
		expect(merged.partial).toEqual({ decodedUntilSec: 7, fraction: 0.7 });
	});

	it('takes completion over', () => {
		const local = appendSegments(empty(), segs.slice(0, 1), running(0.2));
		const stored = appendSegments(local, segs.slice(1), { fraction: 1, complete: true, durationSec: 11 });
		const merged = mergeGrowth(local, stored);
		expect(merged.partial).toBeUndefined();
		expect(merged.segments).toHaveLength(4);
		expect(merged.durationSec).toBe(11);
	});

	it('leaves local alone when the stored copy is behind, complete locally or another document', () => {
		const stored = appendSegments(empty(), segs.slice(0, 1), running(0.2));
		const local = appendSegments(stored, segs.slice(1, 2), running(0.4));
		expect(mergeGrowth(local, stored)).toBe(local);
		const done = appendSegments(local, [], { fraction: 1, complete: true });
		expect(mergeGrowth(done, stored)).toBe(done);
		expect(mergeGrowth(local, { ...appendSegments(local, segs, running(1)), id: 'other' })).toBe(local);
	});
});
