/** The editor specs' shared setup: a stored transcript, an event log and an EditorState over them. */
import 'fake-indexeddb/auto';
import { RedlineDb, type TranscriptRecord } from '../storage/db';
import { pacedWords, segmentOf, transcriptResult } from '../testing/factories';
import { createDoc } from '../transcript/document';
import { TranscriptEventHub } from '../transcript/events';
import type { TranscriptResult } from '../transcript/types';
import type { Journal } from './editor-persistence.svelte';
import { EditorState } from './editor.svelte';

/** "the cat sat on the mat" / "it was happy", with cat, mat and happy below 0.6 confidence. */
export function editorResult(): TranscriptResult {
	return transcriptResult({
		text: 'the cat sat on the mat it was happy',
		model: { id: 'moonshine-tiny-en', version: '1', sha256: 'x' },
		durationSec: 6,
		segments: [
			segmentOf(
				pacedWords(['the', 'cat', 'sat', 'on', 'the', 'mat'], {
					confidences: [0.9, 0.3, 0.95, 0.9, 0.9, 0.5]
				}),
				{ start: 0, end: 3 }
			),
			segmentOf(pacedWords(['it', 'was', 'happy'], { start: 3.5, confidences: [0.9, 0.9, 0.2] }), {
				start: 3.5,
				end: 5.5
			})
		]
	});
}

let n = 0;
const dbs: RedlineDb[] = [];

/**
 * Stores transcript t1 in a fresh database and opens an editor on it (clock: +2 s per call); with
 * `growing`, t1 is partial and holds its first segment only.
 */
export async function setupEditor(journal: Journal | null = null, opts: { growing?: boolean } = {}) {
	const db = new RedlineDb(`editor-test-${++n}`);
	dbs.push(db);
	const now = '2026-01-01T00:00:00.000Z';
	const whole = createDoc({ id: 't1', title: 'Test', result: editorResult(), now });
	// Growing: only the first segment has arrived; `rest` holds what the run delivers next.
	const rest = opts.growing ? whole.segments.slice(1) : [];
	const doc = opts.growing
		? { ...whole, segments: whole.segments.slice(0, 1), partial: { decodedUntilSec: 3, fraction: 0.5 } }
		: whole;
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
	return { db, ed, events, record, hub, rest };
}

/** Closes every database setupEditor opened (afterEach). */
export async function closeEditorDbs(): Promise<void> {
	await Promise.all(dbs.splice(0).map((d) => d.close()));
}
