import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendSegments, applyEdit, createDoc, type Edit, type TranscriptDoc } from '../transcript/document';
import type { TranscriptResult } from '../transcript/types';
import type { Rating } from '../transcript/rating';
import {
	DEBOUNCE_MS,
	decodeSettings,
	MemoryRevisions,
	TelemetryCollector,
	outcomeEvent,
	ratingEvent,
	segmentAlignment,
	type EventContext
} from './events-from-editor';
import { telemetryEventSchema, type AlignmentOp, type TelemetryEvent } from './schema';
import { segmentOf, transcriptResult, word } from '../testing/factories';

const SHA = 'ab'.repeat(32);
const INSTALL = '11111111-1111-4111-8111-111111111111';

function result(): TranscriptResult {
	const w = (text: string, start: number, confidence: number) => word(text, start, start + 0.4, confidence);
	return transcriptResult({
		model: { id: 'moonshine-tiny', version: '1.0', sha256: SHA },
		durationSec: 4,
		wordTiming: 'cross-attention-dtw+speech-edges',
		segments: [
			segmentOf([w('the', 0, 0.9), w('quick', 0.5, 0.4), w('brown', 1, 0.8), w('fox', 1.5, 0.95)], {
				start: 0,
				end: 2
			}),
			segmentOf([w('jumps', 2, 0.7), w('over', 3, 0.3)], { start: 2, end: 4 })
		]
	});
}

let ids = 0;
const newId = () => `seg-${++ids}`;
let doc: TranscriptDoc;
let events: TelemetryEvent[];
let invalid: unknown[];
let collector: TelemetryCollector;
let consent: boolean;
let eventCounter: number;

const ctx = (): EventContext => ({
	installationId: INSTALL,
	appVersion: '0.1.0',
	newId: () => `00000000-0000-4000-8000-${String(++eventCounter).padStart(12, '0')}`,
	now: () => new Date().toISOString()
});

beforeEach(() => {
	vi.useFakeTimers({ now: Date.parse('2026-05-01T12:00:00Z') });
	ids = 0;
	eventCounter = 0;
	consent = true;
	doc = createDoc({ id: 'tr-1', title: 't', result: result(), now: '2026-05-01T11:00:00.000Z', newId });
	events = [];
	invalid = [];
	collector = new TelemetryCollector({
		context: () => (consent ? ctx() : null),
		sink: (e) => events.push(e),
		onInvalid: (_r, e) => invalid.push(e),
		revisions: new MemoryRevisions()
	});
});
afterEach(() => vi.useRealTimers());

/** Applies an edit the way the editor does and reports it to the collector. */
function edit(e: Edit) {
	const before = doc;
	doc = applyEdit(doc, e, { newId, now: new Date().toISOString() });
	if (doc === before) return;
	if (e.type === 'confirmWord') {
		collector.handlers.wordConfirmed!({
			doc,
			segmentId: e.segmentId,
			wordIndex: e.wordIndex,
			confirmed: e.confirmed
		});
		return;
	}
	if ('segmentId' in e) {
		const find = (d: TranscriptDoc) => d.segments.find((s) => s.id === e.segmentId) ?? null;
		collector.handlers.segmentEdited!({
			doc,
			previous: before,
			edit: e,
			before: find(before),
			after: find(doc)
		});
	}
}

const S0 = 'seg-1'; // ids: seg-1 (segment 0), seg-2..5 its words, seg-6 (segment 1), seg-7..8 its words
const S1 = 'seg-6';
const c = (o: string, conf: number): AlignmentOp => ({
	op: 'correct',
	original: o,
	corrected: o,
	confidence: conf
});
const sub = (o: string, r: string, conf: number): AlignmentOp => ({
	op: 'substitution',
	original: o,
	corrected: r,
	confidence: conf
});
const ins = (o: string, conf: number): AlignmentOp => ({
	op: 'insertion',
	original: o,
	corrected: null,
	confidence: conf
});
const del = (r: string): AlignmentOp => ({ op: 'deletion', original: null, corrected: r, confidence: null });
const THE = c('the', 0.9);
const BROWN = c('brown', 0.8);
const FOX = c('fox', 0.95);

type Step = Edit | { wait: number };
interface Expected {
	segmentId: string;
	revision: number;
	correctedText: string;
	alignment: AlignmentOp[];
	originalWords: string[];
}

const cases: [string, Step[], Expected[]][] = [
	[
		'replace one word',
		[{ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quack' }],
		[
			{
				segmentId: S0,
				revision: 0,
				correctedText: 'the quack brown fox',
				alignment: [THE, sub('quick', 'quack', 0.4), BROWN, FOX],
				originalWords: ['the', 'quick', 'brown', 'fox']
			}
		]
	],
	[
		'delete a word (a model word the user deleted is an insertion)',
		[{ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: '' }],
		[
			{
				segmentId: S0,
				revision: 0,
				correctedText: 'the brown fox',
				alignment: [THE, ins('quick', 0.4), BROWN, FOX],
				originalWords: ['the', 'quick', 'brown', 'fox']
			}
		]
	],
	[
		'insert a word (a word the user added is a deletion)',
		[{ type: 'replaceWords', segmentId: S0, from: 2, to: 2, text: 'very' }],
		[
			{
				segmentId: S0,
				revision: 0,
				correctedText: 'the quick very brown fox',
				alignment: [THE, c('quick', 0.4), del('very'), BROWN, FOX],
				originalWords: ['the', 'quick', 'brown', 'fox']
			}
		]
	],
	[
		'retype the same word: no change, no event',
		[{ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quick' }],
		[]
	],
	[
		'edit then restore within one pause: the segment is model output again, never sent, no event',
		[
			{ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quack' },
			{ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quick' }
		],
		[]
	],
	[
		'edit, pause, restore: the restore supersedes with all-correct ops',
		[
			{ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quack' },
			{ wait: DEBOUNCE_MS },
			{ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quick' }
		],
		[
			{
				segmentId: S0,
				revision: 0,
				correctedText: 'the quack brown fox',
				alignment: [THE, sub('quick', 'quack', 0.4), BROWN, FOX],
				originalWords: ['the', 'quick', 'brown', 'fox']
			},
			{
				segmentId: S0,
				revision: 1,
				correctedText: 'the quick brown fox',
				alignment: [THE, c('quick', 0.4), BROWN, FOX],
				originalWords: ['the', 'quick', 'brown', 'fox']
			}
		]
	],
	[
		'multi-word phrase',
		[{ type: 'replaceWords', segmentId: S0, from: 1, to: 3, text: 'slow red' }],
		[
			{
				segmentId: S0,
				revision: 0,
				correctedText: 'the slow red fox',
				alignment: [THE, sub('quick', 'slow', 0.4), sub('brown', 'red', 0.8), FOX],
				originalWords: ['the', 'quick', 'brown', 'fox']
			}
		]
	],
	[
		'a burst of typing in two segments: one event per segment, latest state',
		[
			{ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'q' },
			{ wait: 500 },
			{ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'qui' },
			{ type: 'replaceWords', segmentId: S1, from: 1, to: 2, text: 'overt' },
			{ wait: 1500 },
			{ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quiet' }
		],
		[
			{
				segmentId: S1,
				revision: 0,
				correctedText: 'jumps overt',
				alignment: [c('jumps', 0.7), sub('over', 'overt', 0.3)],
				originalWords: ['jumps', 'over']
			},
			{
				segmentId: S0,
				revision: 0,
				correctedText: 'the quiet brown fox',
				alignment: [THE, sub('quick', 'quiet', 0.4), BROWN, FOX],
				originalWords: ['the', 'quick', 'brown', 'fox']
			}
		]
	],
	[
		'split an unedited segment: both halves are model output, nothing to send',
		[{ type: 'splitSegment', segmentId: S0, atWord: 2 }],
		[]
	],
	[
		'split an edited segment: both halves are sent with their own model words',
		[
			{ type: 'replaceWords', segmentId: S0, from: 3, to: 4, text: 'fax' },
			{ wait: DEBOUNCE_MS },
			{ type: 'splitSegment', segmentId: S0, atWord: 2 }
		],
		[
			{
				segmentId: S0,
				revision: 0,
				correctedText: 'the quick brown fax',
				alignment: [THE, c('quick', 0.4), BROWN, sub('fox', 'fax', 0.95)],
				originalWords: ['the', 'quick', 'brown', 'fox']
			},
			{
				segmentId: S0,
				revision: 1,
				correctedText: 'the quick',
				alignment: [THE, c('quick', 0.4)],
				originalWords: ['the', 'quick']
			},
			{
				segmentId: 'seg-10',
				revision: 0,
				correctedText: 'brown fax',
				alignment: [BROWN, sub('fox', 'fax', 0.95)],
				originalWords: ['brown', 'fox']
			}
		]
	],
	[
		'merge two edited segments: the merged one carries both, the merged-away one is emptied',
		[
			{ type: 'replaceWords', segmentId: S0, from: 0, to: 1, text: 'a' },
			{ type: 'replaceWords', segmentId: S1, from: 0, to: 1, text: 'jumped' },
			{ wait: DEBOUNCE_MS },
			{ type: 'mergeWithNext', segmentId: S0 }
		],
		[
			{
				segmentId: S0,
				revision: 0,
				correctedText: 'a quick brown fox',
				alignment: [sub('the', 'a', 0.9), c('quick', 0.4), BROWN, FOX],
				originalWords: ['the', 'quick', 'brown', 'fox']
			},
			{
				segmentId: S1,
				revision: 0,
				correctedText: 'jumped over',
				alignment: [sub('jumps', 'jumped', 0.7), c('over', 0.3)],
				originalWords: ['jumps', 'over']
			},
			{
				segmentId: S0,
				revision: 1,
				correctedText: 'a quick brown fox jumped over',
				alignment: [
					sub('the', 'a', 0.9),
					c('quick', 0.4),
					BROWN,
					FOX,
					sub('jumps', 'jumped', 0.7),
					c('over', 0.3)
				],
				originalWords: ['the', 'quick', 'brown', 'fox', 'jumps', 'over']
			},
			{ segmentId: S1, revision: 1, correctedText: '', alignment: [], originalWords: [] }
		]
	]
];

describe('TelemetryCollector: edit cases → exact correction events', () => {
	it.each(cases)('%s', (_name, steps, expected) => {
		for (const s of steps) {
			if ('wait' in s) vi.advanceTimersByTime(s.wait);
			else edit(s);
		}
		vi.advanceTimersByTime(DEBOUNCE_MS);
		expect(invalid).toEqual([]);
		expect(
			events.map((e) => {
				expect(e.type).toBe('correction');
				if (e.type !== 'correction') throw new Error('not a correction');
				return {
					segmentId: e.segmentId,
					revision: e.revision,
					correctedText: e.correctedText,
					alignment: e.alignment,
					originalWords: e.originalWords.map((w) => w.text)
				};
			})
		).toEqual(expected);
		for (const e of events) {
			// Every produced event passes the shared schema as is.
			expect(telemetryEventSchema.parse(e)).toEqual(e);
			expect(e).toMatchObject({
				schemaVersion: 3,
				arm: 'default',
				samplingRate: 1,
				installationId: INSTALL,
				appVersion: '0.1.0',
				transcriptId: 'tr-1',
				model: { id: 'moonshine-tiny', version: '1.0', sha256: SHA },
				backend: 'wasm',
				decodeSettings: { decoding: 'greedy', wordTiming: 'cross-attention-dtw+speech-edges' }
			});
		}
		expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
	});

	it('waits for a pause: nothing before DEBOUNCE_MS after the last edit', () => {
		edit({ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quack' });
		vi.advanceTimersByTime(DEBOUNCE_MS - 1);
		edit({ type: 'replaceWords', segmentId: S0, from: 0, to: 1, text: 'a' });
		vi.advanceTimersByTime(DEBOUNCE_MS - 1);
		expect(events).toEqual([]);
		vi.advanceTimersByTime(1);
		expect(events).toHaveLength(1);
	});

	it('undo and redo send the restored state of the segments they changed (latest revision wins)', () => {
		const original = doc;
		edit({ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quack' });
		vi.advanceTimersByTime(DEBOUNCE_MS);
		const corrected = doc;
		// undo: back to the model's output, which must be sent to supersede the correction
		collector.handlers.docRestored!({ before: corrected, after: original });
		vi.advanceTimersByTime(DEBOUNCE_MS);
		// redo: the correction again
		collector.handlers.docRestored!({ before: original, after: corrected });
		vi.advanceTimersByTime(DEBOUNCE_MS);
		const sent = events.filter((e) => e.type === 'correction');
		expect(sent.map((e) => e.type === 'correction' && [e.segmentId, e.revision, e.correctedText])).toEqual([
			[S0, 0, expect.stringContaining('quack')],
			[S0, 1, expect.not.stringContaining('quack')],
			[S0, 2, expect.stringContaining('quack')]
		]);
		// a segment untouched by the undo is not re-sent
		expect(sent.every((e) => e.type === 'correction' && e.segmentId === S0)).toBe(true);
	});

	it('segments appended to a growing transcript (every undo state alike) are never reported', () => {
		// A partial document holding segment 0; segment 1 arrives after an edit, as the editor grows it.
		const later = doc.segments.slice(1);
		const grow = (d: TranscriptDoc) => appendSegments(d, later, { fraction: 1, complete: true });
		doc = { ...doc, segments: doc.segments.slice(0, 1), partial: { decodedUntilSec: 2, fraction: 0.5 } };
		const original = doc;
		edit({ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quack' });
		vi.advanceTimersByTime(DEBOUNCE_MS);
		const [grownOriginal, grownCorrected] = [grow(original), grow(doc)];
		doc = grownCorrected;
		collector.handlers.docRestored!({ before: grownCorrected, after: grownOriginal });
		vi.advanceTimersByTime(DEBOUNCE_MS);
		doc = grownOriginal;
		edit({ type: 'replaceWords', segmentId: S1, from: 0, to: 1, text: 'jumped' });
		vi.advanceTimersByTime(DEBOUNCE_MS);
		const sent = events.filter((e) => e.type === 'correction');
		expect(sent.map((e) => e.type === 'correction' && [e.segmentId, e.revision])).toEqual([
			[S0, 0],
			[S0, 1],
			[S1, 0]
		]);
		expect(invalid).toEqual([]);
	});

	it('a merge as the first edit after a reload still empties the segment merged away', () => {
		const revisions = new MemoryRevisions();
		const make = () =>
			new TelemetryCollector({ context: () => ctx(), sink: (e) => events.push(e), revisions });
		collector = make();
		edit({ type: 'replaceWords', segmentId: S1, from: 0, to: 1, text: 'jumped' });
		vi.advanceTimersByTime(DEBOUNCE_MS);
		collector = make(); // a reload: same stored revisions, nothing else remembered
		edit({ type: 'mergeWithNext', segmentId: S0 });
		vi.advanceTimersByTime(DEBOUNCE_MS);
		const s1 = events.filter((e) => e.type === 'correction' && e.segmentId === S1);
		expect(s1.map((e) => e.type === 'correction' && [e.revision, e.correctedText])).toEqual([
			[0, expect.stringContaining('jumped')],
			[1, '']
		]);
	});

	it('page hide sends pending debounces at once', () => {
		edit({ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quack' });
		collector.handlers.rated!({ doc, rating: rating(3) });
		collector.flushPending();
		expect(events.map((e) => e.type)).toEqual(['correction', 'rating']);
		vi.advanceTimersByTime(10 * DEBOUNCE_MS);
		expect(events).toHaveLength(2);
	});

	it('builds nothing without consent, and withdrawal cancels pending debounces', () => {
		consent = false;
		edit({ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quack' });
		collector.handlers.rated!({ doc, rating: rating(5) });
		collector.handlers.exported!({ doc, format: 'txt' });
		vi.advanceTimersByTime(DEBOUNCE_MS);
		expect(events).toEqual([]);
		consent = true;
		edit({ type: 'replaceWords', segmentId: S1, from: 1, to: 2, text: 'overt' });
		collector.cancelPending();
		vi.advanceTimersByTime(DEBOUNCE_MS);
		expect(events).toEqual([]);
	});

	it('reports a confirmed model word as a review with its original confidence; unconfirming and typed words send nothing', () => {
		edit({ type: 'confirmWord', segmentId: S1, wordIndex: 1, confirmed: true });
		edit({ type: 'confirmWord', segmentId: S1, wordIndex: 1, confirmed: false });
		edit({ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'quack' });
		edit({ type: 'confirmWord', segmentId: S0, wordIndex: 1, confirmed: true });
		const reviews = events.filter((e) => e.type === 'review');
		expect(reviews).toHaveLength(1);
		expect(telemetryEventSchema.parse(reviews[0])).toMatchObject({
			type: 'review',
			segmentId: S1,
			confirmedWords: [{ text: 'over', confidence: 0.3, start: 3, end: 3.4 }]
		});
	});

	it('debounces ratings per transcript: star then tag clicks give one event with the final rating', () => {
		collector.handlers.rated!({ doc, rating: rating(4) });
		collector.handlers.rated!({ doc, rating: { ...rating(4), tags: ['punctuation', 'wrong words'] } });
		vi.advanceTimersByTime(DEBOUNCE_MS);
		expect(events).toHaveLength(1);
		expect(telemetryEventSchema.parse(events[0])).toMatchObject({
			type: 'rating',
			stars: 4,
			tags: ['punctuation', 'wrong-words']
		});
		expect(events[0]).not.toHaveProperty('comment');
	});

	it('reports exports at once', () => {
		collector.handlers.exported!({ doc, format: 'srt' });
		expect(events.map((e) => e.type === 'outcome' && e.format)).toEqual(['srt']);
	});

	it('drops an event the schema refuses (a 150-character word) instead of sending it', () => {
		edit({ type: 'replaceWords', segmentId: S0, from: 1, to: 2, text: 'x'.repeat(150) });
		vi.advanceTimersByTime(DEBOUNCE_MS);
		expect(events).toEqual([]);
		expect(invalid).toHaveLength(1);
	});
});

function rating(stars: Rating['stars']): Rating {
	return { stars, tags: [], comment: '', ratedAt: '2026-05-01T12:00:00.000Z' };
}

describe('pure builders', () => {
	it.each([
		{ format: 'txt', want: 'txt' },
		{ format: 'txt+timestamps', want: 'txt' },
		{ format: 'DOCX', want: 'docx' },
		{ format: 'vtt', want: 'vtt' }
	])('outcome for export format $format is a valid event with format $want', ({ format, want }) => {
		const e = outcomeEvent(ctx(), doc, format);
		expect(telemetryEventSchema.parse(e)).toMatchObject({ type: 'outcome', format: want });
	});

	it.each(['pdf', ''])('no outcome event for the unknown export format %j', (format) => {
		expect(outcomeEvent(ctx(), doc, format)).toBeNull();
	});

	it.each<[Rating['tags'], string, object]>([
		[[], '', { tags: [] }],
		[['wrong words', 'missing words', 'timing'], '  ', { tags: ['wrong-words', 'missing-words', 'timing'] }],
		[['speakers'], ' names wrong ', { tags: ['speakers'], comment: 'names wrong' }]
	])('rating tags %j comment %j', (tags, comment, want) => {
		const e = ratingEvent(ctx(), doc, { stars: 2, tags, comment, ratedAt: '' });
		expect(telemetryEventSchema.parse(e)).toMatchObject(want);
	});

	it('alignment of an emptied segment and of a segment with everything retyped', () => {
		const emptied = applyEdit(
			doc,
			{ type: 'replaceWords', segmentId: S1, from: 0, to: 2, text: '' },
			{ newId }
		);
		expect(segmentAlignment(emptied.segments[1])).toEqual([ins('jumps', 0.7), ins('over', 0.3)]);
		const retyped = applyEdit(
			doc,
			{ type: 'replaceWords', segmentId: S1, from: 0, to: 2, text: 'a b c' },
			{ newId }
		);
		expect(segmentAlignment(retyped.segments[1])).toEqual([
			del('a'),
			sub('jumps', 'b', 0.7),
			sub('over', 'c', 0.3)
		]);
	});
});

describe('decodeSettings', () => {
	it.each([
		['cross-attention-dtw+speech-edges', 'cross-attention-dtw+speech-edges'],
		['cross-attention-dtw', 'cross-attention-dtw'],
		['interpolated-by-characters', 'interpolated-by-characters'],
		// Documents saved before the method was kept were all timed by the character estimate.
		[undefined, 'interpolated-by-characters']
	] as const)("names the document's word timing %s as %s", (kept, reported) => {
		expect(decodeSettings({ wordTiming: kept })).toEqual({ decoding: 'greedy', wordTiming: reported });
	});
});
