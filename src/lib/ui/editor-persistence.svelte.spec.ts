import { afterEach, describe, expect, it, vi } from 'vitest';
import { docText } from '../transcript/document';
import { SAVE_DEBOUNCE_MS, statusFor, type Journal } from './editor-persistence.svelte';
import { closeEditorDbs, setupEditor } from './editor.fixture';
import { EditorState } from './editor.svelte';

afterEach(async () => {
	vi.useRealTimers();
	await closeEditorDbs();
});

describe('statusFor', () => {
	it('status follows edits and ratings', async () => {
		const { ed } = await setupEditor();
		expect(statusFor(ed.doc, null)).toBe('transcribed');
		ed.select(0, 1);
		ed.beginEdit();
		ed.commitEdit('hat');
		expect(statusFor(ed.doc, null)).toBe('edited');
		expect(statusFor(ed.doc, { stars: 4, tags: [], comment: '', ratedAt: '' })).toBe('rated');
	});
});

describe('autosave', () => {
	it('autosaves after the debounce, and a reload restores the exact state and rating', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const { db, ed, events } = await setupEditor();
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
});

describe('saves based on the last one', () => {
	it('each save names the record the previous one stored, so it writes only what changed', async () => {
		const { db, ed } = await setupEditor();
		const put = vi.spyOn(db, 'putTranscript');
		ed.editWord(0, 1);
		ed.commitEdit('dog');
		await ed.flush();
		ed.editWord(1, 2);
		ed.commitEdit('glad');
		await ed.flush();
		const [[first], [second, base2]] = put.mock.calls;
		expect(base2?.doc).toBe(first.doc);
		expect(base2?.rev).toBe(await put.mock.results[0].value);
		// The second save changed one segment; the other is the very object the first stored.
		expect(second.doc.segments[0]).toBe(first.doc.segments[0]);
		expect(docText((await db.getTranscript('t1'))!.doc)).toBe('the dog sat on the mat\nit was glad');
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
		const { db, ed, record, hub } = await setupEditor(journal);
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
		const { db, ed } = await setupEditor(journal);
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
		const { ed } = await setupEditor(journal);
		expect(docText(ed.doc)).toBe('the cat sat on the mat\nit was happy');
		expect(journal.data.has('t1')).toBe(false);
	});
});
