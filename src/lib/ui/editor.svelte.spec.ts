import { afterEach, describe, expect, it, vi } from 'vitest';
import { docText } from '../transcript/document';
import { closeEditorDbs, setupEditor } from './editor.fixture';
import { isLow } from './editor.svelte';

afterEach(async () => {
	vi.useRealTimers();
	await closeEditorDbs();
});

describe('isLow', () => {
	it.each([
		[{ confidence: 0.5, edited: false, confirmed: false }, 0.6, true],
		[{ confidence: 0.6, edited: false, confirmed: false }, 0.6, false],
		[{ confidence: 0.1, edited: true, confirmed: false }, 0.6, false],
		[{ confidence: 0.1, edited: false, confirmed: true }, 0.6, false]
	])('%o at %d -> %s', (w, t, out) => expect(isLow(w, t)).toBe(out));
});

describe('EditorState', () => {
	it('replaces a word by double-click + typing, inserts several, deletes with empty text, and undoes', async () => {
		const { ed, events } = await setupEditor();
		expect(ed.lowCount).toBe(3);
		ed.editWord(0, 1);
		expect(ed.editing).toMatchObject({ from: 1, to: 2, initial: 'cat', selectAll: true });
		ed.commitEdit('dog');
		expect(docText(ed.doc)).toBe('the dog sat on the mat\nit was happy');
		expect(ed.lowCount).toBe(2);
		ed.beginEdit({ insertAfter: true });
		ed.commitEdit('really truly');
		expect(docText(ed.doc)).toBe('the dog really truly sat on the mat\nit was happy');
		expect(ed.selection).toEqual({ segmentIndex: 0, anchor: 3, focus: 3 });
		ed.select(0, 2);
		ed.select(0, 3, true);
		ed.deleteSelection();
		expect(docText(ed.doc)).toBe('the dog sat on the mat\nit was happy');
		ed.undo();
		expect(docText(ed.doc)).toBe('the dog really truly sat on the mat\nit was happy');
		ed.redo();
		expect(docText(ed.doc)).toBe('the dog sat on the mat\nit was happy');
		expect(events).toEqual(['edit:replaceWords', 'edit:replaceWords', 'edit:replaceWords']);
	});

	it('Escape-style cancel and retyping the same text change nothing', async () => {
		const { ed } = await setupEditor();
		ed.editWord(0, 0);
		ed.cancelEdit();
		ed.editWord(0, 0);
		ed.commitEdit('the');
		expect(ed.canUndo).toBe(false);
	});

	it('jumps through low-confidence words and marks one correct', async () => {
		const { ed, events } = await setupEditor();
		expect(ed.nextLow()).toEqual({ segmentIndex: 0, wordIndex: 1 });
		expect(ed.nextLow()).toEqual({ segmentIndex: 0, wordIndex: 5 });
		ed.toggleConfirm();
		expect(ed.doc.segments[0].words[5].confirmed).toBe(true);
		expect(ed.nextLow()).toEqual({ segmentIndex: 1, wordIndex: 2 });
		expect(ed.nextLow()).toEqual({ segmentIndex: 0, wordIndex: 1 });
		expect(events).toEqual(['confirm:5:true']);
		ed.threshold = 0.1;
		expect(ed.nextLow()).toBeNull();
	});

	it('moves the selection across segments with arrows', async () => {
		const { ed } = await setupEditor();
		ed.move(1);
		expect(ed.selection).toEqual({ segmentIndex: 0, anchor: 0, focus: 0 });
		ed.select(0, 5);
		ed.move(1);
		expect(ed.selection).toEqual({ segmentIndex: 1, anchor: 0, focus: 0 });
		ed.move(-1);
		expect(ed.selection).toEqual({ segmentIndex: 0, anchor: 5, focus: 5 });
		ed.move(-1, true);
		expect(ed.range).toEqual({ segmentIndex: 0, from: 4, to: 6 });
	});

	it('splits and merges segments keeping the selection on the same word', async () => {
		const { ed } = await setupEditor();
		ed.select(0, 3);
		ed.splitAtSelection();
		expect(ed.doc.segments.map((s) => s.words.map((w) => w.text).join(' '))).toEqual([
			'the cat sat',
			'on the mat',
			'it was happy'
		]);
		expect(ed.selection).toEqual({ segmentIndex: 1, anchor: 0, focus: 0 });
		ed.mergeWithNext(0);
		expect(ed.doc.segments).toHaveLength(2);
		expect(ed.selection).toEqual({ segmentIndex: 0, anchor: 3, focus: 3 });
	});

	it('notes typed in a burst are one undo step', async () => {
		const { ed } = await setupEditor();
		const clockless = ed as unknown as { clock: () => number };
		let t = 5_000_000;
		clockless.clock = () => (t += 100);
		ed.setNotes('a');
		ed.setNotes('ab');
		ed.setNotes('abc');
		expect(ed.doc.notes).toBe('abc');
		ed.undo();
		expect(ed.doc.notes).toBe('');
	});

	it('a growing transcript: appended segments leave edits, undo and the saved record intact', async () => {
		const { ed, db, rest } = await setupEditor(null, { growing: true });
		ed.editWord(0, 1);
		ed.commitEdit('dog');
		// The queue stores the next segment while the editor's save is pending.
		await db.growTranscript('t1', rest, { fraction: 0.9, complete: false });
		ed.grow(rest, { fraction: 0.9, complete: false });
		expect(docText(ed.doc)).toBe('the dog sat on the mat\nit was happy');
		expect(ed.doc.partial).toEqual({ decodedUntilSec: 5.5, fraction: 0.9 });
		ed.undo();
		expect(docText(ed.doc)).toBe('the cat sat on the mat\nit was happy');
		ed.redo();
		await ed.flush();
		const saved = (await db.getTranscript('t1'))!;
		expect(docText(saved.doc)).toBe('the dog sat on the mat\nit was happy');
		// The run ends: the editor takes the stored completion over.
		await db.growTranscript('t1', rest, { fraction: 1, complete: true, durationSec: 6 });
		ed.takeGrowth((await db.getTranscript('t1'))!.doc);
		expect(ed.doc.partial).toBeUndefined();
		expect(ed.doc.durationSec).toBe(6);
		expect(docText(ed.doc)).toBe('the dog sat on the mat\nit was happy');
		ed.undo();
		expect(ed.doc.partial).toBeUndefined();
	});

	it('an editor save that lags behind the stored growth keeps the stored segments', async () => {
		const { ed, db, rest } = await setupEditor(null, { growing: true });
		await db.growTranscript('t1', rest, { fraction: 0.9, complete: false });
		ed.setTitle('Renamed');
		await ed.flush();
		const saved = (await db.getTranscript('t1'))!;
		expect(saved.doc.title).toBe('Renamed');
		expect(docText(saved.doc)).toBe('the cat sat on the mat\nit was happy');
	});
});
