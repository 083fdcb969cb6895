import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedlineDb, type TranscriptRecord } from '../storage/db';
import { createDoc, docText } from '../transcript/document';
import type { TranscriptResult } from '../transcript/types';
import { EditorState, SAVE_DEBOUNCE_MS, isLow, statusFor, type Journal } from './editor.svelte';
import { TranscriptEventHub } from '../transcript/events';

function result(): TranscriptResult {
	const words = (texts: string[], start: number, confs: number[]) =>
		texts.map((text, i) => ({
			text,
			start: start + i * 0.5,
			end: start + i * 0.5 + 0.4,
			confidence: confs[i]
		}));
	return {
		text: 'the cat sat on the mat it was happy',
		model: { id: 'moonshine-tiny-en', version: '1', sha256: 'x' },
		backend: 'wasm',
		durationSec: 6,
		wordTiming: 'interpolated-by-characters',
		segments: [
			{
				start: 0,
				end: 3,
				text: 'the cat sat on the mat',
				words: words(['the', 'cat', 'sat', 'on', 'the', 'mat'], 0, [0.9, 0.3, 0.95, 0.9, 0.9, 0.5])
			},
			{
				start: 3.5,
				end: 5.5,
				text: 'it was happy',
				words: words(['it', 'was', 'happy'], 3.5, [0.9, 0.9, 0.2])
			}
		]
	};
}

let n = 0;
const dbs: RedlineDb[] = [];
async function setup(journal: Journal | null = null) {
	const db = new RedlineDb(`editor-test-${++n}`);
	dbs.push(db);
	const now = '2026-01-01T00:00:00.000Z';
	const doc = createDoc({ id: 't1', title: 'Test', result: result(), now });
	const record: TranscriptRecord = {
		id: 't1',
		doc,
		status: 'transcribed',
		rating: null,
		updatedAt: now,
		audioType: 'audio/wav',
		fileName: 'test.wav'
	};
	await db.putTranscript(record);
	const hub = new TranscriptEventHub();
	const events: string[] = [];
	hub.subscribe({
		segmentEdited: (e) => events.push(`edit:${e.edit.type}`),
		wordConfirmed: (e) => events.push(`confirm:${e.wordIndex}:${e.confirmed}`),
		rated: (e) => events.push(`rated:${e.rating.stars}`)
	});
	let t = 1_000_000;
	const ed = new EditorState(db, record, hub, () => (t += 2000), journal);
	return { db, ed, events, record, hub };
}

afterEach(async () => {
	vi.useRealTimers();
	await Promise.all(dbs.splice(0).map((d) => d.close()));
});

describe('isLow and statusFor', () => {
	it.each([
		[{ confidence: 0.5, edited: false, confirmed: false }, 0.6, true],
		[{ confidence: 0.6, edited: false, confirmed: false }, 0.6, false],
		[{ confidence: 0.1, edited: true, confirmed: false }, 0.6, false],
		[{ confidence: 0.1, edited: false, confirmed: true }, 0.6, false]
	])('%o at %d -> %s', (w, t, out) => expect(isLow(w, t)).toBe(out));

	it('status follows edits and ratings', async () => {
		const { ed } = await setup();
		expect(statusFor(ed.doc, null)).toBe('transcribed');
		ed.select(0, 1);
		ed.beginEdit();
		ed.commitEdit('hat');
		expect(statusFor(ed.doc, null)).toBe('edited');
		expect(statusFor(ed.doc, { stars: 4, tags: [], comment: '', ratedAt: '' })).toBe('rated');
	});
});

describe('EditorState', () => {
	it('replaces a word by double-click + typing, inserts several, deletes with empty text, and undoes', async () => {
		const { ed, events } = await setup();
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
		const { ed } = await setup();
		ed.editWord(0, 0);
		ed.cancelEdit();
		ed.editWord(0, 0);
		ed.commitEdit('the');
		expect(ed.canUndo).toBe(false);
	});

	it('jumps through low-confidence words and marks one correct', async () => {
		const { ed, events } = await setup();
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
		const { ed } = await setup();
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
		const { ed } = await setup();
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

	it('autosaves after the debounce, and a reload restores the exact state and rating', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const { db, ed, events } = await setup();
		ed.editWord(1, 2);
		ed.commitEdit('glad');
		ed.rate({ stars: 4, tags: ['wrong words'], comment: 'ok', ratedAt: '2026-01-01T00:00:01Z' });
		expect(ed.dirty).toBe(true);
		expect((await db.getTranscript('t1'))?.rating).toBeNull();
		await vi.advanceTimersByTimeAsync(SAVE_DEBOUNCE_MS + 10);
		vi.useRealTimers();
		await ed.flush();
		expect(ed.dirty).toBe(false);
		const stored = await db.getTranscript('t1');
		expect(stored?.doc).toEqual(ed.doc);
		expect(stored?.rating?.stars).toBe(4);
		expect(stored?.status).toBe('rated');
		expect(docText(stored!.doc)).toBe('the cat sat on the mat\nit was glad');
		expect(events).toContain('rated:4');
	});

	it('notes typed in a burst are one undo step', async () => {
		const { ed } = await setup();
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
});

describe('unload journal', () => {
	function memoryJournal(): Journal & { data: Map<string, string> } {
		const data = new Map<string, string>();
		return {
			data,
			read: (id) => data.get(id) ?? null,
			write: (id, d) => void data.set(id, d),
			clear: (id) => void data.delete(id)
		};
	}

	it('a change cut off by unload is recovered from the journal on the next open', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const journal = memoryJournal();
		const { db, ed, record, hub } = await setup(journal);
		ed.editWord(0, 1);
		ed.commitEdit('dog');
		// The page goes away before the debounced save: only the synchronous journal write survives.
		ed.dirty = true;
		const put = vi.spyOn(db, 'putTranscript').mockImplementation(() => new Promise(() => {}));
		ed.saveBeforeUnload();
		expect(journal.data.has('t1')).toBe(true);
		put.mockRestore();
		vi.useRealTimers();
		const reopened = new EditorState(db, (await db.getTranscript('t1')) ?? record, hub, Date.now, journal);
		expect(docText(reopened.doc)).toBe('the dog sat on the mat\nit was happy');
		await reopened.flush();
		expect(docText((await db.getTranscript('t1'))!.doc)).toBe('the dog sat on the mat\nit was happy');
		expect(journal.data.has('t1')).toBe(false);
	});

	it('an edit whose save is still in flight at unload goes to the journal too', async () => {
		const journal = memoryJournal();
		const { db, ed } = await setup(journal);
		ed.editWord(0, 1);
		ed.commitEdit('dog');
		const put = vi.spyOn(db, 'putTranscript').mockImplementation(() => new Promise(() => {}));
		void ed.flush(); // the write starts and never commits: dirty is already false
		expect(ed.dirty).toBe(false);
		ed.saveBeforeUnload();
		expect(journal.data.has('t1')).toBe(true);
		put.mockRestore();
	});

	it('a journal older than the stored record, or damaged, is dropped', async () => {
		const journal = memoryJournal();
		journal.write('t1', 'not json');
		const { ed } = await setup(journal);
		expect(docText(ed.doc)).toBe('the cat sat on the mat\nit was happy');
		expect(journal.data.has('t1')).toBe(false);
	});
});
