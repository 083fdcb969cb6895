/** A fixed transcript for tests and golden files: built from a fake engine result plus a few edits. */
import { applyEdit, createDoc, type TranscriptDoc } from '../document';
import type { Segment, TranscriptResult, Word } from '../types';

/** Deterministic id source for tests: `prefix-1`, `prefix-2`, … */
export function counterIds(prefix = 'id'): () => string {
	let n = 0;
	return () => `${prefix}-${++n}`;
}

/** Spreads words over [start, end] by characters, with given confidences (default 0.95). */
export function makeSegment(start: number, end: number, text: string, confidences: number[] = []): Segment {
	const tokens = text.split(' ').filter((t) => t !== '');
	const total = tokens.reduce((a, t) => a + t.length, 0);
	let acc = 0;
	const words: Word[] = tokens.map((t, i) => {
		const s = start + ((end - start) * acc) / total;
		acc += t.length;
		const e = start + ((end - start) * acc) / total;
		return {
			text: t,
			start: Math.round(s * 1000) / 1000,
			end: Math.round(e * 1000) / 1000,
			confidence: confidences[i] ?? 0.95
		};
	});
	return { start, end, text: tokens.join(' '), words };
}

/** The engine result behind the sample document. */
export function sampleResult(): TranscriptResult {
	const segments = [
		makeSegment(
			0.5,
			4.2,
			'Hello mister Smith, welcome to red line.',
			[0.99, 0.4, 0.97, 0.9, 0.98, 0.3, 0.35]
		),
		makeSegment(
			5,
			21,
			'This second segment is deliberately long so that the subtitle exporters have to split it into several cues at word boundaries using the word times that the engine estimated for each word.'
		),
		makeSegment(22.25, 25.5, 'Café <b>naïve</b> & 東京 --> done', [0.9, 0.2, 0.9, 0.9, 0.9, 0.9]),
		makeSegment(3599.5, 3601.25, 'Past the hour.')
	];
	return {
		text: segments.map((s) => s.text).join(' '),
		model: { id: 'moonshine-tiny-en', version: '0.1.29', sha256: 'f'.repeat(64) },
		backend: 'wasm',
		durationSec: 3602,
		segments,
		wordTiming: 'interpolated-by-characters'
	};
}

/** The sample document: created, then corrected the way a user would. */
export function sampleDoc(): TranscriptDoc {
	const newId = counterIds('w');
	const now = '2026-01-02T03:04:05.000Z';
	let doc = createDoc({ id: 'doc-1', title: 'Interview: Smith / Jones', result: sampleResult(), now, newId });
	const seg = (i: number) => doc.segments[i].id;
	const edit = (e: Parameters<typeof applyEdit>[1]) => {
		doc = applyEdit(doc, e, { newId, now: '2026-01-02T03:05:00.000Z' });
	};
	edit({ type: 'replaceWords', segmentId: seg(0), from: 5, to: 7, text: 'Redline.' });
	edit({ type: 'confirmWord', segmentId: seg(0), wordIndex: 1, confirmed: true });
	edit({ type: 'setSpeaker', segmentId: seg(0), speaker: 'Interviewer' });
	edit({ type: 'setSpeaker', segmentId: seg(1), speaker: 'Ms Jones' });
	edit({ type: 'replaceWords', segmentId: seg(1), from: 4, to: 4, text: 'quite' });
	edit({ type: 'replaceWords', segmentId: seg(2), from: 1, to: 2, text: '<i>naïve</i>' });
	edit({ type: 'setNotes', notes: 'Checked against the recording.' });
	return doc;
}
