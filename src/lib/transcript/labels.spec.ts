import { describe, expect, it } from 'vitest';
import { applyEdit, createDoc, type TranscriptDoc } from './document';
import { makeSegment, sampleDoc } from './golden/sample';
import { correctionWer, labelSegment } from './labels';
import { transcriptResult } from '../testing/factories';

function doc(text: string): TranscriptDoc {
	const seg = makeSegment(0, 10, text, [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]);
	return createDoc({
		id: 'd',
		title: '',
		now: '2026-01-01T00:00:00.000Z',
		result: transcriptResult({ text, durationSec: 10, segments: [seg] })
	});
}

describe('labelSegment', () => {
	it.each([
		['untouched', [], 'kkkkk', [null, null, null, null, null]],
		['substitute one', [[1, 2, 'quack']], 'kskkk', [null, 'quack', null, null, null]],
		['delete two', [[1, 3, '']], 'kddkk', [null, null, null, null, null]],
		['insert only', [[2, 2, 'very']], 'kkkkk', [null, null, null, null, null]],
		// ties follow alignWords: substitutions as late as possible
		['replace phrase with fewer words', [[1, 4, 'slow']], 'kddsk', [null, null, null, 'slow', null]],
		['replace all with more words', [[0, 5, 'a b c d e f']], 'sssss', ['b', 'c', 'd', 'e', 'f']],
		['delete all', [[0, 5, '']], 'ddddd', [null, null, null, null, null]]
	] as const)('%s', (_name, edits, labels, corrections) => {
		let d = doc('the quick brown fox jumps');
		for (const [from, to, text] of edits)
			d = applyEdit(d, { type: 'replaceWords', segmentId: d.segments[0].id, from, to, text });
		const out = labelSegment(d.segments[0]);
		expect(out.map((l) => l.label[0]).join('')).toBe(labels);
		expect(out.map((l) => l.correction)).toEqual(corrections);
		expect(out.map((l) => l.confidence)).toEqual([0.9, 0.8, 0.7, 0.6, 0.5]);
	});

	it('marks confirmed words and survives split and merge', () => {
		let d = doc('the quick brown fox jumps');
		const id = d.segments[0].id;
		d = applyEdit(d, { type: 'confirmWord', segmentId: id, wordIndex: 4, confirmed: true });
		d = applyEdit(d, { type: 'replaceWords', segmentId: id, from: 1, to: 2, text: 'slow' });
		d = applyEdit(d, { type: 'splitSegment', segmentId: id, atWord: 3 });
		expect([...labelSegment(d.segments[0]), ...labelSegment(d.segments[1])].map((l) => l.label)).toEqual([
			'kept',
			'substituted',
			'kept',
			'kept',
			'confirmed'
		]);
		d = applyEdit(d, { type: 'mergeWithNext', segmentId: id });
		expect(
			labelSegment(d.segments[0])
				.map((l) => l.label[0])
				.join('')
		).toBe('kskkc');
	});

	it('labels an empty segment as nothing', () => {
		expect(labelSegment(doc('').segments[0])).toEqual([]);
	});
});

describe('correctionWer', () => {
	it('is zero for an untouched document and counts corrections against the edited text', () => {
		expect(correctionWer(doc('the quick brown fox')).wer).toBe(0);
		const s = sampleDoc();
		// The corrected text is the reference: "red line." for "Redline." is a substitution plus an inserted
		// model word, "<b>naïve</b>" for "<i>naïve</i>" a substitution, the user's added "quite" a deletion.
		const raw = correctionWer(s, false);
		expect(raw).toMatchObject({ substitutions: 2, insertions: 1, deletions: 1 });
		expect(raw.referenceWords).toBe(s.segments.reduce((n, seg) => n + seg.words.length, 0));
		// normalised, "<b>naïve</b>" and "<i>naïve</i>" become "b naïve b" and "i naïve i"
		expect(correctionWer(s).substitutions).toBeGreaterThanOrEqual(2);
	});
});
