import { readFileSync, writeFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { applyEdit, createDoc, type TranscriptDoc } from './document';
import { exportDocx } from './docx';
import {
	buildCues,
	escapeVtt,
	exportDoc,
	exportFileName,
	exportJson,
	exportSrt,
	exportTxt,
	exportVtt,
	toJsonExport,
	wrapCueText
} from './export';
import { counterIds, makeSegment, sampleDoc } from './golden/sample';
import { parseTimestamp } from './time';
import type { Segment } from './types';
import { transcriptResult } from '../testing/factories';

function docOf(segments: Segment[], speakers: string[] = []): TranscriptDoc {
	let doc = createDoc({
		id: 'd',
		title: 'T',
		now: '2026-01-01T00:00:00.000Z',
		newId: counterIds(),
		result: transcriptResult({ text: '', durationSec: 100, segments })
	});
	speakers.forEach((speaker, i) => {
		doc = applyEdit(doc, { type: 'setSpeaker', segmentId: doc.segments[i].id, speaker });
	});
	return doc;
}

const words = (n: number, w = 'word') => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');

describe('buildCues', () => {
	it.each([
		[
			'short segment → one cue spanning the segment',
			[makeSegment(1, 3, 'hello there')],
			[[1, 3, 'hello there']]
		],
		['empty segments give no cue', [makeSegment(0, 1, ''), makeSegment(2, 3, 'hi')], [[2, 3, 'hi']]],
		['no segments', [], []],
		[
			'longer than 7 s splits at word boundaries',
			[makeSegment(0, 16, 'aaaa bbbb cccc dddd eeee ffff gggg hhhh')],
			[
				[0, 6, 'aaaa bbbb cccc'],
				[6, 12, 'dddd eeee ffff'],
				[12, 16, 'gggg hhhh']
			]
		],
		[
			'a word longer than the limits stands alone',
			[makeSegment(0, 2, `a ${'x'.repeat(100)} b`)],
			[
				[0, 0.02, 'a'],
				[0.02, 1.98, 'x'.repeat(100)],
				[1.98, 2, 'b']
			]
		]
	] as const)('%s', (_name, segments, expected) => {
		expect(buildCues(docOf([...segments])).map((c) => [c.start, c.end, c.text])).toEqual(expected);
	});

	it('respects 84 characters and 7 s on a long segment, and cues never go back in time', () => {
		const doc = docOf([makeSegment(0, 60, words(120)), makeSegment(59, 70, words(10, 'late'))]);
		const cues = buildCues(doc);
		expect(cues.map((c) => c.text).join(' ')).toBe(`${words(120)} ${words(10, 'late')}`);
		let prevEnd = 0;
		for (const c of cues) {
			expect(Array.from(c.text).length).toBeLessThanOrEqual(84);
			expect(c.end - c.start).toBeLessThanOrEqual(7.5);
			expect(c.start).toBeGreaterThanOrEqual(prevEnd);
			expect(c.end).toBeGreaterThanOrEqual(c.start);
			prevEnd = c.end;
		}
		expect(cues.length).toBeGreaterThan(8);
	});

	it('takes the limits as options', () => {
		const cues = buildCues(docOf([makeSegment(0, 4, 'aa bb cc dd')]), { maxChars: 5 });
		expect(cues.map((c) => c.text)).toEqual(['aa bb', 'cc dd']);
	});
});

describe('wrapCueText', () => {
	it.each([
		['', ['']],
		['short', ['short']],
		['x'.repeat(50), ['x'.repeat(50)]],
		[
			'the quick brown fox jumps over the lazy dog again and again',
			['the quick brown fox jumps over', 'the lazy dog again and again']
		],
		// on a tie the top line is the shorter one
		['東京 '.repeat(15).trim(), ['東京 '.repeat(7).trim(), '東京 '.repeat(8).trim()]]
	])('%j', (text, lines) => expect(wrapCueText(text)).toEqual(lines));
});

describe('exportTxt', () => {
	const doc = docOf(
		[makeSegment(1, 3, 'hello  there'), makeSegment(3, 4, ''), makeSegment(65, 70, 'bye now')],
		['Ann', '', '']
	);
	it.each([
		[{}, 'Ann: hello there\n\nbye now\n'],
		[{ speakers: false }, 'hello there\n\nbye now\n'],
		[{ timestamps: true }, '[0:01] Ann: hello there\n\n[1:05] bye now\n'],
		[{ timestamps: true, speakers: false }, '[0:01] hello there\n\n[1:05] bye now\n']
	])('%j', (opts, expected) => expect(exportTxt(doc, opts)).toBe(expected));

	it('adds the time offset to timestamps', () => {
		const shifted = { ...doc, timeOffsetSec: 3600 };
		expect(exportTxt(shifted, { timestamps: true })).toBe(
			'[1:00:01] Ann: hello there\n\n[1:01:05] bye now\n'
		);
		expect(exportTxt(shifted)).toBe(exportTxt(doc));
	});

	it('keeps subtitles relative to the recording, so they stay in sync with it', () => {
		const shifted = { ...doc, timeOffsetSec: 3600 };
		expect(exportSrt(shifted)).toBe(exportSrt(doc));
		expect(exportVtt(shifted)).toBe(exportVtt(doc));
	});

	it('states the offset in JSON beside times relative to the recording', () => {
		const json = toJsonExport({ ...doc, timeOffsetSec: 90 });
		expect(json.timeOffsetSec).toBe(90);
		expect(json.segments[0].start).toBe(1);
		expect(toJsonExport(doc).timeOffsetSec).toBe(0);
	});

	it('is empty for an empty document', () => {
		expect(exportTxt(docOf([]))).toBe('');
		expect(exportSrt(docOf([]))).toBe('');
		expect(exportVtt(docOf([]))).toBe('WEBVTT\n');
	});
});

describe('SRT and WebVTT', () => {
	const doc = docOf([makeSegment(0.5, 2, 'a <b> & c'), makeSegment(3600, 3601.5, 'late')], ['Dr <X>']);
	it('writes numbered SRT cues', () => {
		expect(exportSrt(doc)).toBe(
			'1\n00:00:00,500 --> 00:00:02,000\nDr <X>: a <b> & c\n\n2\n01:00:00,000 --> 01:00:01,500\nlate\n'
		);
	});
	it('labels only the first SRT cue of a segment and defuses a literal arrow', () => {
		const long = docOf([makeSegment(0, 20, `${words(30)} --> end`)], ['Ann']);
		const srt = exportSrt(long);
		expect(srt.match(/Ann: /g)).toHaveLength(1);
		expect(srt.startsWith('1\n00:00:00,000 --> ')).toBe(true);
		expect(srt).toContain(' -> end\n');
		expect(srt.split('\n').filter((l) => l.includes('-->'))).toHaveLength(buildCues(long).length);
	});
	it('writes WebVTT with escaping and voice spans', () => {
		expect(exportVtt(doc)).toBe(
			'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\n<v Dr &lt;X&gt;>a &lt;b&gt; &amp; c\n\n01:00:00.000 --> 01:00:01.500\nlate\n'
		);
		expect(exportVtt(doc, { speakers: false })).toContain('\na &lt;b&gt; &amp; c\n');
	});
	it.each([
		['a<b>c&d', 'a&lt;b&gt;c&amp;d'],
		['-->', '--&gt;'],
		['&amp;', '&amp;amp;'],
		['', '']
	])('escapeVtt(%j)', (input, out) => expect(escapeVtt(input)).toBe(out));

	it('every cue of the sample parses back and has text', () => {
		const vtt = exportVtt(sampleDoc());
		const blocks = vtt.trimEnd().split('\n\n').slice(1);
		for (const b of blocks) {
			const [timing, ...text] = b.split('\n');
			const [s, e] = timing.split(' --> ').map(parseTimestamp);
			expect(e).toBeGreaterThanOrEqual(s);
			expect(text.join('').trim()).not.toBe('');
		}
	});
});

describe('JSON export', () => {
	it('has the documented shape with edits beside the original', () => {
		const json = JSON.parse(exportJson(sampleDoc()));
		expect(Object.keys(json)).toEqual([
			'title',
			'model',
			'backend',
			'durationSec',
			'timeOffsetSec',
			'segments'
		]);
		expect(Object.keys(json.segments[0])).toEqual(['start', 'end', 'speaker', 'text', 'words', 'original']);
		expect(json.segments[0].text).toBe('Hello mister Smith, welcome to Redline.');
		expect(json.segments[0].original.text).toBe('Hello mister Smith, welcome to red line.');
		expect(json.segments[0].words[5]).toMatchObject({
			text: 'Redline.',
			edited: true,
			confirmed: false,
			confidence: 1
		});
		expect(json.segments[0].words[1]).toMatchObject({ text: 'mister', edited: false, confirmed: true });
		expect(json).toEqual(toJsonExport(sampleDoc()));
	});
});

describe('exportFileName', () => {
	it.each([
		['Interview', 'txt', 'Interview.txt'],
		['Interview: Smith / Jones', 'srt', 'Interview Smith Jones.srt'],
		['  ..hidden..  ', '.vtt', 'hidden.vtt'],
		['', 'json', 'transcript.json'],
		['///', 'json', 'transcript.json'],
		['a\u0000b\nc\td', 'txt', 'a b c d.txt'],
		['évaluation 東京 🎉', 'docx', 'évaluation 東京 🎉.docx'],
		['e\u0301', 'txt', 'é.txt'],
		['evil\u202Etxt.exe', 'txt', 'evil txt.exe.txt'],
		['CON', 'txt', 'CON_.txt'],
		['lpt1.report', 'txt', 'lpt1.report_.txt'],
		['..\\..\\etc\\passwd', 'txt', 'etc passwd.txt'],
		['what?*<>|"', 'txt', 'what.txt'],
		['name', '', 'name'],
		['name', '../x', 'name.x']
	])('%j + %j → %j', (title, ext, name) => expect(exportFileName(title, ext)).toBe(name));

	it('caps long titles without splitting characters', () => {
		const name = exportFileName('🎉'.repeat(300), 'txt');
		expect(Array.from(name)).toHaveLength(124);
		expect(name.endsWith('🎉.txt')).toBe(true);
	});
});

describe('DOCX export', () => {
	const documentXml = (bytes: Uint8Array) => strFromU8(unzipSync(bytes)['word/document.xml']);

	it('contains the corrected text, escaped, with optional times and speakers', async () => {
		const doc = sampleDoc();
		const xml = documentXml(await exportDocx(doc, { timestamps: true }));
		expect(xml).toContain('Interview: Smith / Jones');
		expect(xml).toContain('welcome to Redline.');
		expect(xml).not.toContain('red line');
		expect(xml).toContain('&lt;i&gt;naïve&lt;/i&gt;');
		expect(xml).toContain('[59:59] ');
		expect(xml).toContain('Interviewer: ');
		expect(xml).toContain('Checked against the recording.');
		const shifted = documentXml(await exportDocx({ ...doc, timeOffsetSec: 60 }, { timestamps: true }));
		expect(shifted).toContain('[1:00:59] ');
		const plain = documentXml(await exportDocx(doc, { speakers: false }));
		expect(plain).not.toContain('Interviewer');
		expect(plain).not.toContain('[0:00]');
	});

	it('survives control characters and an empty document', async () => {
		let doc = docOf([makeSegment(0, 1, 'ok')]);
		doc = applyEdit(doc, {
			type: 'replaceWords',
			segmentId: doc.segments[0].id,
			from: 0,
			to: 1,
			text: 'bell\u0007char'
		});
		expect(documentXml(await exportDocx(doc))).toContain('bellchar');
		expect(documentXml(await exportDocx(docOf([])))).toContain('T');
	});
});

describe('exportDoc', () => {
	it.each([
		['txt', 'Interview Smith Jones.txt', 'text/plain;charset=utf-8'],
		['srt', 'Interview Smith Jones.srt', 'application/x-subrip;charset=utf-8'],
		['vtt', 'Interview Smith Jones.vtt', 'text/vtt;charset=utf-8'],
		['json', 'Interview Smith Jones.json', 'application/json;charset=utf-8'],
		[
			'docx',
			'Interview Smith Jones.docx',
			'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
		]
	] as const)('%s', async (format, fileName, mimeType) => {
		const file = await exportDoc(sampleDoc(), format);
		expect(file.fileName).toBe(fileName);
		expect(file.mimeType).toBe(mimeType);
		if (format === 'docx') expect(file.data).toBeInstanceOf(Uint8Array);
		else expect(typeof file.data).toBe('string');
		const blob = new Blob([file.data], { type: file.mimeType });
		expect(blob.size).toBeGreaterThan(100);
	});
});

describe('golden files (set UPDATE_GOLDEN=1 to rewrite them after an intended change)', () => {
	const doc = sampleDoc();
	it.each([
		['sample.txt', () => exportTxt(doc)],
		['sample-timestamps.txt', () => exportTxt(doc, { timestamps: true })],
		['sample.srt', () => exportSrt(doc)],
		['sample.vtt', () => exportVtt(doc)],
		// not .json, so that prettier (tabs) leaves the two-space export alone
		['sample.json.golden', () => exportJson(doc)]
	])('%s', (name, make) => {
		const url = new URL(`./golden/${name}`, import.meta.url);
		const actual = make();
		if (process.env.UPDATE_GOLDEN) writeFileSync(url, actual);
		expect(actual).toBe(readFileSync(url, 'utf8'));
	});
});
