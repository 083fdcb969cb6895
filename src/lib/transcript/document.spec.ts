import { describe, expect, it } from 'vitest';
import {
	applyEdit,
	MAX_TIME_OFFSET_SEC,
	timeOffset,
	createDoc,
	docText,
	nextLowConfidence,
	originalDocText,
	segmentText,
	wordAtTime,
	type Edit,
	type TranscriptDoc
} from './document';
import { counterIds, makeSegment, sampleDoc, sampleResult } from './golden/sample';
import type { TranscriptResult } from './types';
import { randomId } from '../shared/ids';
import { transcriptResult } from '../testing/factories';

const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-01T00:01:00.000Z';

function result(segments: TranscriptResult['segments']): TranscriptResult {
	return transcriptResult({ segments, model: { id: 'm', version: '1', sha256: 'abc' }, durationSec: 100 });
}

/** "the quick brown fox jumps", one word per second from 0 to 5. */
function fiveWords(): TranscriptDoc {
	const texts = ['the', 'quick', 'brown', 'fox', 'jumps'];
	const seg = {
		start: 0,
		end: 5,
		text: texts.join(' '),
		words: texts.map((text, i) => ({ text, start: i, end: i + 1, confidence: 0.5 + i / 10 }))
	};
	return createDoc({ id: 'd', title: 't', result: result([seg]), now: NOW, newId: counterIds('x') });
}

function deepFreeze<T>(value: T): T {
	if (value && typeof value === 'object') {
		Object.values(value).forEach(deepFreeze);
		Object.freeze(value);
	}
	return value;
}

/** Checks the invariants documented in document.ts. */
function checkInvariants(doc: TranscriptDoc) {
	const ids = new Set<string>();
	for (const seg of doc.segments) {
		expect(ids.has(seg.id)).toBe(false);
		ids.add(seg.id);
		let last = -1;
		for (const w of seg.words) {
			expect(ids.has(w.id)).toBe(false);
			ids.add(w.id);
			expect(w.text).not.toMatch(/\s/);
			expect(w.text).not.toBe('');
			if (w.originalIndex === null) {
				expect(w.edited).toBe(true);
				expect(w.start).toBeGreaterThanOrEqual(seg.start);
				expect(w.end).toBeLessThanOrEqual(seg.end);
				expect(w.end).toBeGreaterThanOrEqual(w.start);
			} else {
				expect(w.edited).toBe(false);
				expect(w.originalIndex).toBeGreaterThan(last);
				last = w.originalIndex;
				const o = seg.original.words[w.originalIndex];
				expect([w.text, w.start, w.end, w.confidence]).toEqual([o.text, o.start, o.end, o.confidence]);
			}
		}
	}
	expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
}

const view = (doc: TranscriptDoc, si = 0) =>
	doc.segments[si].words.map((w) => [w.text, w.originalIndex, w.start, w.end] as const);

describe('createDoc', () => {
	it.each(['cross-attention-dtw+speech-edges', 'interpolated-by-characters'] as const)(
		"keeps the result's word timing %s (telemetry reports it)",
		(wordTiming) => {
			const doc = createDoc({ id: 'a', title: 'T', result: { ...result([]), wordTiming }, now: NOW });
			expect(doc.wordTiming).toBe(wordTiming);
		}
	);
	it('copies the engine result and links every word to it', () => {
		const res = sampleResult();
		const doc = createDoc({ id: 'a', title: 'T', result: res, now: NOW, newId: counterIds() });
		expect(doc).toMatchObject({
			id: 'a',
			title: 'T',
			createdAt: NOW,
			updatedAt: NOW,
			notes: '',
			backend: 'wasm'
		});
		expect(doc.durationSec).toBe(3602);
		expect(doc.segments).toHaveLength(4);
		expect(doc.segments[0].speaker).toBe('');
		expect(doc.segments[0].original).toEqual(res.segments[0]);
		expect(doc.segments[0].original).not.toBe(res.segments[0]);
		expect(segmentText(doc.segments[0])).toBe('Hello mister Smith, welcome to red line.');
		expect(docText(doc)).toBe(res.segments.map((s) => s.text).join('\n'));
		checkInvariants(doc);
	});

	it('handles an empty result and empty segments', () => {
		const empty = createDoc({ id: 'e', title: '', result: result([]), now: NOW });
		expect(empty.segments).toEqual([]);
		expect(docText(empty)).toBe('');
		const withEmpty = createDoc({ id: 'e', title: '', result: result([makeSegment(0, 1, '')]), now: NOW });
		expect(withEmpty.segments[0].words).toEqual([]);
		expect(docText(withEmpty)).toBe('');
	});

	it('makes random UUIDs by default', () => {
		expect(randomId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		const doc = createDoc({ id: 'a', title: 'T', result: sampleResult(), now: NOW });
		expect(new Set(doc.segments.flatMap((s) => [s.id, ...s.words.map((w) => w.id)])).size).toBe(
			doc.segments.length + doc.segments.reduce((n, s) => n + s.words.length, 0)
		);
	});
});

describe('replaceWords', () => {
	it.each([
		[
			'substitute',
			1,
			2,
			'slow',
			[
				['the', 0, 0, 1],
				['slow', null, 1, 2],
				['brown', 2, 2, 3],
				['fox', 3, 3, 4],
				['jumps', 4, 4, 5]
			]
		],
		[
			'insert',
			2,
			2,
			'very',
			[
				['the', 0, 0, 1],
				['quick', 1, 1, 2],
				['very', null, 2, 2],
				['brown', 2, 2, 3],
				['fox', 3, 3, 4],
				['jumps', 4, 4, 5]
			]
		],
		[
			'delete',
			1,
			3,
			'',
			[
				['the', 0, 0, 1],
				['fox', 3, 3, 4],
				['jumps', 4, 4, 5]
			]
		],
		[
			'keep retyped words',
			1,
			3,
			'quick red',
			[
				['the', 0, 0, 1],
				['quick', 1, 1, 2],
				['red', null, 2, 3],
				['fox', 3, 3, 4],
				['jumps', 4, 4, 5]
			]
		],
		[
			'first word uses the segment start',
			0,
			1,
			'A',
			[
				['A', null, 0, 1],
				['quick', 1, 1, 2],
				['brown', 2, 2, 3],
				['fox', 3, 3, 4],
				['jumps', 4, 4, 5]
			]
		],
		[
			'last words share by characters',
			4,
			5,
			'leaps high',
			[
				['the', 0, 0, 1],
				['quick', 1, 1, 2],
				['brown', 2, 2, 3],
				['fox', 3, 3, 4],
				['leaps', null, 4, 4.556],
				['high', null, 4.556, 5]
			]
		],
		['everything', 0, 5, 'x', [['x', null, 0, 5]]],
		[
			'whitespace in text',
			2,
			3,
			'  big \t red\n',
			[
				['the', 0, 0, 1],
				['quick', 1, 1, 2],
				['big', null, 2, 2.5],
				['red', null, 2.5, 3],
				['fox', 3, 3, 4],
				['jumps', 4, 4, 5]
			]
		],
		[
			'unicode counted by code points',
			1,
			2,
			'東京 café 🎉',
			[
				['the', 0, 0, 1],
				['東京', null, 1, 1.286],
				['café', null, 1.286, 1.857],
				['🎉', null, 1.857, 2],
				['brown', 2, 2, 3],
				['fox', 3, 3, 4],
				['jumps', 4, 4, 5]
			]
		],
		['delete all', 0, 5, '', []]
	] as const)('%s', (_name, from, to, text, expected) => {
		const doc = deepFreeze(fiveWords());
		const out = applyEdit(
			doc,
			{ type: 'replaceWords', segmentId: doc.segments[0].id, from, to, text },
			{ now: LATER, newId: counterIds('n') }
		);
		expect(view(out)).toEqual(expected);
		expect(out.updatedAt).toBe(LATER);
		for (const w of out.segments[0].words) expect(w.edited).toBe(w.originalIndex === null);
		for (const w of out.segments[0].words.filter((w) => w.edited)) expect(w.confidence).toBe(1);
		checkInvariants(out);
	});

	it('returns the same document when nothing changes', () => {
		const doc = fiveWords();
		expect(
			applyEdit(doc, {
				type: 'replaceWords',
				segmentId: doc.segments[0].id,
				from: 1,
				to: 3,
				text: 'quick  brown'
			})
		).toBe(doc);
		expect(
			applyEdit(doc, { type: 'replaceWords', segmentId: doc.segments[0].id, from: 2, to: 2, text: ' ' })
		).toBe(doc);
	});

	it('restores the model word, its times and confidence, when the original text comes back', () => {
		const doc = fiveWords();
		const id = doc.segments[0].id;
		const edited = applyEdit(doc, { type: 'replaceWords', segmentId: id, from: 1, to: 2, text: 'slow' });
		const back = applyEdit(edited, { type: 'replaceWords', segmentId: id, from: 1, to: 2, text: 'quick' });
		expect(back.segments[0].words[1]).toMatchObject({
			text: 'quick',
			originalIndex: 1,
			start: 1,
			end: 2,
			confidence: 0.6,
			edited: false
		});
		const deleted = applyEdit(doc, { type: 'replaceWords', segmentId: id, from: 1, to: 3, text: '' });
		const reinserted = applyEdit(deleted, {
			type: 'replaceWords',
			segmentId: id,
			from: 1,
			to: 1,
			text: 'quick new brown'
		});
		expect(view(reinserted)).toEqual([
			['the', 0, 0, 1],
			['quick', 1, 1, 2],
			['new', null, 2, 2],
			['brown', 2, 2, 3],
			['fox', 3, 3, 4],
			['jumps', 4, 4, 5]
		]);
		// Case differs: not the model's word.
		const cased = applyEdit(edited, { type: 'replaceWords', segmentId: id, from: 1, to: 2, text: 'Quick' });
		expect(cased.segments[0].words[1].originalIndex).toBeNull();
		checkInvariants(reinserted);
	});

	it('keeps unchanged words exactly and the originals untouched', () => {
		const doc = sampleDoc();
		const seg = doc.segments[1];
		const out = applyEdit(doc, {
			type: 'replaceWords',
			segmentId: seg.id,
			from: 3,
			to: 6,
			text: 'was made really'
		});
		const before = new Map(seg.words.map((w) => [w.id, w]));
		for (const w of out.segments[1].words) {
			if (!w.edited && before.has(w.id)) expect(w).toEqual(before.get(w.id));
		}
		expect(out.segments[1].original).toBe(seg.original);
		expect(out.segments[0]).toBe(doc.segments[0]);
	});

	it.each([
		[{ segmentId: 'nope', from: 0, to: 0 }, /Unknown segment/],
		[{ from: -1, to: 0 }, /from out of range/],
		[{ from: 6, to: 6 }, /from out of range/],
		[{ from: 3, to: 2 }, /to out of range/],
		[{ from: 0, to: 6 }, /to out of range/],
		[{ from: 0.5, to: 1 }, /from out of range/],
		[{ from: NaN, to: 1 }, /from out of range/]
	])('rejects %j', (bad, message) => {
		const doc = fiveWords();
		const edit = { type: 'replaceWords', segmentId: doc.segments[0].id, text: 'x', ...bad } as Edit;
		expect(() => applyEdit(doc, edit)).toThrow(message);
	});
});

describe('splitSegment and mergeWithNext', () => {
	it('splits at a word, keeps times, and re-partitions the model words by time', () => {
		const doc = fiveWords();
		const out = applyEdit(
			doc,
			{ type: 'splitSegment', segmentId: doc.segments[0].id, atWord: 2 },
			{ newId: () => 'new-seg' }
		);
		const [a, b] = out.segments;
		expect([a.id, a.start, a.end, b.id, b.start, b.end]).toEqual([doc.segments[0].id, 0, 2, 'new-seg', 2, 5]);
		expect(view(out, 0)).toEqual([
			['the', 0, 0, 1],
			['quick', 1, 1, 2]
		]);
		expect(view(out, 1)).toEqual([
			['brown', 0, 2, 3],
			['fox', 1, 3, 4],
			['jumps', 2, 4, 5]
		]);
		expect(a.original).toMatchObject({ start: 0, end: 2, text: 'the quick' });
		expect(b.original).toMatchObject({ start: 2, end: 5, text: 'brown fox jumps' });
		checkInvariants(out);
	});

	it('sends deleted model words to the half their time falls in', () => {
		let doc = fiveWords();
		const id = doc.segments[0].id;
		doc = applyEdit(doc, { type: 'replaceWords', segmentId: id, from: 1, to: 3, text: '' }); // the fox jumps
		doc = applyEdit(doc, { type: 'splitSegment', segmentId: id, atWord: 1 });
		// split time = fox.start = 3: quick (mid 1.5) and brown (mid 2.5) stay with "the"
		expect(doc.segments[0].original.words.map((w) => w.text)).toEqual(['the', 'quick', 'brown']);
		expect(doc.segments[1].original.words.map((w) => w.text)).toEqual(['fox', 'jumps']);
		checkInvariants(doc);
	});

	it('keeps edited words edited across a split and a merge, and merge undoes split', () => {
		let doc = fiveWords();
		const id = doc.segments[0].id;
		doc = applyEdit(doc, { type: 'replaceWords', segmentId: id, from: 2, to: 3, text: 'red' });
		doc = applyEdit(doc, { type: 'setSpeaker', segmentId: id, speaker: 'Ann' });
		const split = applyEdit(doc, { type: 'splitSegment', segmentId: id, atWord: 3 });
		expect(split.segments[0].words[2]).toMatchObject({ text: 'red', edited: true, start: 2, end: 3 });
		expect(split.segments[1].speaker).toBe('Ann');
		checkInvariants(split);
		const merged = applyEdit(split, { type: 'mergeWithNext', segmentId: id });
		expect(merged.segments).toHaveLength(1);
		expect(merged.segments[0].words).toEqual(doc.segments[0].words);
		expect(merged.segments[0].original.words).toEqual(doc.segments[0].original.words);
		expect([merged.segments[0].start, merged.segments[0].end]).toEqual([0, 5]);
		checkInvariants(merged);
	});

	it('merges original text and flags', () => {
		const res = result([
			makeSegment(0, 1, 'one two'),
			{ ...makeSegment(2, 3, 'three'), flags: { repetition: true } }
		]);
		const doc = createDoc({ id: 'd', title: '', result: res, now: NOW });
		const merged = applyEdit(doc, { type: 'mergeWithNext', segmentId: doc.segments[0].id });
		expect(merged.segments[0].original).toMatchObject({
			start: 0,
			end: 3,
			text: 'one two three',
			flags: { repetition: true }
		});
		expect(view(merged).map((v) => v[1])).toEqual([0, 1, 2]);
		expect(merged.segments[0].original.words).toHaveLength(3);
	});

	it.each([
		[{ type: 'splitSegment', atWord: 0 }, /atWord out of range/],
		[{ type: 'splitSegment', atWord: 5 }, /atWord out of range/],
		[{ type: 'splitSegment', segmentId: '?', atWord: 1 }, /Unknown segment/],
		[{ type: 'mergeWithNext' }, /last segment/],
		[{ type: 'confirmWord', wordIndex: 5, confirmed: true }, /wordIndex out of range/],
		[{ type: 'setSpeaker', segmentId: '', speaker: 'x' }, /Unknown segment/],
		[{ type: 'bogus' }, /Unknown edit type/]
	])('rejects %j', (bad, message) => {
		const doc = fiveWords();
		expect(() => applyEdit(doc, { segmentId: doc.segments[0].id, ...bad } as unknown as Edit)).toThrow(
			message
		);
	});

	it('refuses to split a one-word segment', () => {
		const doc = createDoc({ id: 'd', title: '', result: result([makeSegment(0, 1, 'one')]), now: NOW });
		expect(() => applyEdit(doc, { type: 'splitSegment', segmentId: doc.segments[0].id, atWord: 1 })).toThrow(
			/Cannot split/
		);
	});
});

describe('other edits', () => {
	it.each([
		[{ type: 'setTitle', title: 'Ünïcødé / title' }, (d: TranscriptDoc) => d.title, 'Ünïcødé / title'],
		[{ type: 'setNotes', notes: 'line 1\nline 2' }, (d: TranscriptDoc) => d.notes, 'line 1\nline 2'],
		[{ type: 'setTimeOffset', seconds: 3600.5 }, (d: TranscriptDoc) => timeOffset(d), 3600.5],
		[{ type: 'setSpeaker', speaker: 'Bob' }, (d: TranscriptDoc) => d.segments[0].speaker, 'Bob'],
		[
			{ type: 'confirmWord', wordIndex: 1, confirmed: true },
			(d: TranscriptDoc) => d.segments[0].words[1].confirmed,
			true
		]
	])('%j', (partial, get, expected) => {
		const doc = deepFreeze(fiveWords());
		const out = applyEdit(doc, { segmentId: doc.segments[0].id, ...partial } as Edit, { now: LATER });
		expect(get(out)).toEqual(expected);
		expect(out.updatedAt).toBe(LATER);
		expect(applyEdit(out, { segmentId: doc.segments[0].id, ...partial } as Edit)).toBe(out);
	});
});

describe('time offset', () => {
	it('reads as 0 in a document saved before it existed', () => {
		const doc = fiveWords();
		delete doc.timeOffsetSec;
		expect(timeOffset(doc)).toBe(0);
		expect(applyEdit(doc, { type: 'setTimeOffset', seconds: 0 })).toBe(doc);
	});

	it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, MAX_TIME_OFFSET_SEC + 1])(
		'refuses %d seconds',
		(seconds) => {
			expect(() => applyEdit(fiveWords(), { type: 'setTimeOffset', seconds })).toThrow(
				/time offset must be between/
			);
		}
	);
});

describe('random edit sequences', () => {
	it('keep every invariant and never move unchanged words', () => {
		let seed = 1;
		const rand = (n: number) => {
			seed = (seed * 1103515245 + 12345) % 2 ** 31;
			return seed % n;
		};
		const vocab = ['the', 'mister', 'Smith', 'cues', 'x', '東京', 'naïve', 'word', 'long-word'];
		let doc = sampleDoc();
		const newId = counterIds('r');
		for (let step = 0; step < 600; step++) {
			const si = rand(doc.segments.length);
			const seg = doc.segments[si];
			const n = seg.words.length;
			const kind = rand(10);
			let edit: Edit;
			if (kind < 6) {
				const from = rand(n + 1);
				const to = from + rand(Math.min(3, n - from) + 1);
				const count = rand(3);
				const text = Array.from({ length: count }, () =>
					rand(2)
						? vocab[rand(vocab.length)]
						: (seg.original.words[rand(seg.original.words.length || 1)]?.text ?? 'y')
				).join(' ');
				edit = { type: 'replaceWords', segmentId: seg.id, from, to, text };
			} else if (kind < 8 && n >= 2) {
				edit = { type: 'splitSegment', segmentId: seg.id, atWord: 1 + rand(n - 1) };
			} else if (si < doc.segments.length - 1) {
				edit = { type: 'mergeWithNext', segmentId: seg.id };
			} else continue;
			const before = new Map(
				doc.segments.flatMap((s) => s.words.filter((w) => !w.edited).map((w) => [w.id, w]))
			);
			doc = applyEdit(doc, edit, { newId, now: LATER });
			checkInvariants(doc);
			for (const s of doc.segments)
				for (const w of s.words) {
					const old = before.get(w.id);
					if (old && !w.edited) expect([w.start, w.end, w.text]).toEqual([old.start, old.end, old.text]);
				}
			// The model words are never lost: all segments' originals together are always the same words.
			expect(doc.segments.flatMap((s) => s.original.words.map((w) => w.text))).toEqual(
				sampleResult().segments.flatMap((s) => s.words.map((w) => w.text))
			);
		}
	});
});

describe('large documents', () => {
	it('edits a 10,000-word transcript quickly', () => {
		const segments = Array.from({ length: 500 }, (_, i) =>
			makeSegment(
				i * 7,
				i * 7 + 6.5,
				Array.from({ length: 20 }, (_, k) => `word${(i * 20 + k) % 97}`).join(' ')
			)
		);
		let doc = createDoc({ id: 'big', title: 'big', result: result(segments), now: NOW });
		const t0 = performance.now();
		for (let k = 0; k < 200; k++) {
			const seg = doc.segments[(k * 37) % doc.segments.length];
			doc = applyEdit(doc, { type: 'replaceWords', segmentId: seg.id, from: 3, to: 4, text: `typed${k}` });
		}
		const perEdit = (performance.now() - t0) / 200;
		console.log(`applyEdit on 10k words: ${perEdit.toFixed(3)} ms per edit`);
		expect(perEdit).toBeLessThan(20);
		expect(docText(doc).split(/\s+/)).toHaveLength(10_000);
	});
});

describe('helpers', () => {
	it('docText and originalDocText show edit and model side by side', () => {
		const doc = sampleDoc();
		expect(docText(doc).split('\n')[0]).toBe('Hello mister Smith, welcome to Redline.');
		expect(originalDocText(doc).split('\n')[0]).toBe('Hello mister Smith, welcome to red line.');
	});

	it.each([
		[-1, null],
		[0, { segmentIndex: 0, wordIndex: 0 }],
		[1.5, { segmentIndex: 0, wordIndex: 1 }],
		[4.99, { segmentIndex: 0, wordIndex: 4 }],
		[5.4, { segmentIndex: 0, wordIndex: 4 }],
		[5.6, null]
	])('wordAtTime(%s)', (t, expected) => {
		expect(wordAtTime(fiveWords(), t)).toEqual(expected);
	});

	it('finds the next low-confidence word, skipping confirmed and edited ones, wrapping once', () => {
		const doc = sampleDoc();
		// segment 0: mister (0.4) is confirmed; "red line." was replaced; segment 2: <b>naïve</b> was replaced.
		expect(nextLowConfidence(doc, 0.5, null)).toBeNull();
		expect(nextLowConfidence(doc, 0.92, null)).toEqual({ segmentIndex: 0, wordIndex: 3 });
		expect(nextLowConfidence(doc, 0.92, { segmentIndex: 0, wordIndex: 3 })).toEqual({
			segmentIndex: 2,
			wordIndex: 0
		});
		expect(nextLowConfidence(doc, 0.92, { segmentIndex: 2, wordIndex: 0 })).toEqual({
			segmentIndex: 2,
			wordIndex: 2
		});
		expect(
			nextLowConfidence(createDoc({ id: 'e', title: '', result: result([]), now: NOW }), 1, null)
		).toBeNull();
	});
});
