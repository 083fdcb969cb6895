import { describe, expect, it } from 'vitest';
import {
	BATCH_LIMITS,
	EVENT_TYPES,
	correctedWords,
	eventBatchSchema,
	telemetryEventSchema,
	type TelemetryEvent
} from './schema';
import { commonEventFields, transcriptEventFields, version1 } from '../testing/factories';

// Version 1 events: the version 2 block below adds the new fields itself.
const common = version1(commonEventFields());
const transcript = version1(
	transcriptEventFields({
		decodeSettings: { maxTokensPerSecond: 6, language: 'en', greedy: true, seed: null }
	})
);

const events: TelemetryEvent[] = [
	{
		...transcript,
		type: 'correction',
		segmentId: 's1',
		revision: 2,
		originalWords: [
			{ text: 'the', confidence: 0.9, start: 0, end: 0.2 },
			{ text: 'cat', confidence: 0.3, start: 0.2, end: 0.5 },
			{ text: 'uh', confidence: 0.2, start: 0.5, end: 0.6 }
		],
		correctedText: 'the hat sat',
		alignment: [
			{ op: 'correct', original: 'the', corrected: 'the', confidence: 0.9 },
			{ op: 'substitution', original: 'cat', corrected: 'hat', confidence: 0.3 },
			{ op: 'insertion', original: 'uh', corrected: null, confidence: 0.2 },
			{ op: 'deletion', original: null, corrected: 'sat', confidence: null }
		]
	},
	{
		...transcript,
		type: 'review',
		segmentId: 's2',
		confirmedWords: [{ text: 'Zürich', confidence: 0.4, start: 1, end: 1.5 }]
	},
	{ ...transcript, type: 'rating', stars: 4, tags: ['punctuation', 'timing'], comment: 'ok 👍' },
	{ ...transcript, type: 'rating', stars: 1, tags: [] },
	{ ...transcript, type: 'outcome', outcome: 'exported', format: 'docx' },
	{ ...common, type: 'client_report', dropped: { 'queue-full': 3, 'http-400': 0 } },
	{
		...transcriptEventFields(),
		type: 'session_summary',
		revision: 1,
		reason: 'leave',
		reviewedSegments: [
			{ segmentId: 's1', words: 4, how: 'edited' },
			{ segmentId: 's2', words: 7, how: 'played' }
		],
		transcribedSegments: 3,
		transcribedWords: 20,
		editedSegments: 1,
		activeSeconds: 95.5,
		playbackCoverage: 0.4
	},
	{
		...transcriptEventFields(),
		type: 'transcription',
		status: 'failed',
		audioSeconds: 12.5,
		processingSeconds: 0.6,
		segments: 0,
		words: 0,
		repetitionSegments: 0,
		truncatedSegments: 0,
		empty: true,
		errorCode: 'no-speech',
		device: { cores: 8, memoryGb: 4 }
	},
	{
		...transcriptEventFields(),
		type: 'segment_reviewed',
		segmentId: 's3',
		how: 'played',
		words: [
			['the', 0.912, 0, 0.2],
			['Zürich', 0.41, 0.2, 0.2]
		]
	}
];

describe('version 3: segment_reviewed', () => {
	const reviewed = events.find((e) => e.type === 'segment_reviewed')!;
	it.each([
		['as version 2', { ...reviewed, schemaVersion: 2 }],
		['no words', { ...reviewed, words: [] }],
		['a word ending before it starts', { ...reviewed, words: [['a', 0.5, 2, 1]] }],
		['a confidence above 1', { ...reviewed, words: [['a', 1.5, 0, 1]] }],
		['a word of five fields', { ...reviewed, words: [['a', 0.5, 0, 1, 2]] }],
		['an empty word', { ...reviewed, words: [['', 0.5, 0, 1]] }],
		['review kind edited (an edit is a correction)', { ...reviewed, how: 'edited' }],
		['a negative time', { ...reviewed, words: [['a', 0.5, -1, 1]] }]
	])('refuses %s', (_name, e) => {
		expect(telemetryEventSchema.safeParse(e).success).toBe(false);
	});

	it('accepts the older types as version 2 and 3 alike', () => {
		const summary = events.find((e) => e.type === 'session_summary')!;
		const transcription = events.find((e) => e.type === 'transcription')!;
		for (const e of [summary, transcription])
			for (const v of [2, 3])
				expect(telemetryEventSchema.safeParse({ ...e, schemaVersion: v }).success).toBe(true);
	});
});

describe('version 2 event types', () => {
	const summary = events.find((e) => e.type === 'session_summary')!;
	const transcription = events.find((e) => e.type === 'transcription')!;
	it.each([
		['a summary as version 1', { ...summary, schemaVersion: 1 }],
		['a coverage above 1', { ...summary, playbackCoverage: 1.2 }],
		['an unknown review kind', { ...summary, reviewedSegments: [{ segmentId: 's', words: 1, how: 'read' }] }],
		['a memory figure that is no bucket', { ...transcription, device: { cores: 8, memoryGb: 3 } }],
		['an error code with spaces', { ...transcription, errorCode: 'out of memory' }],
		['an unknown status', { ...transcription, status: 'crashed' }]
	])('refuses %s', (_name, e) => {
		expect(telemetryEventSchema.safeParse(e).success).toBe(false);
	});
});

describe('telemetry schema round trip', () => {
	it.each(events.map((e) => [e.type, e] as const))('%s survives JSON and parse unchanged', (_t, e) => {
		const back = telemetryEventSchema.parse(JSON.parse(JSON.stringify(e)));
		expect(back).toEqual(e);
	});

	it('covers every event type', () => {
		expect(new Set(events.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
	});

	it('parses a batch and strips unknown fields such as audio', () => {
		const withAudio = { ...events[4], audio: 'AAAA' };
		const parsed = eventBatchSchema.parse({ events: [withAudio] });
		expect(parsed.events[0]).not.toHaveProperty('audio');
		expect(parsed.events[0]).toEqual(events[4]);
	});
});

const correction = events[0] as Extract<TelemetryEvent, { type: 'correction' }>;
const bad: [string, unknown, string][] = [
	['unknown type', { ...common, type: 'click' }, 'type'],
	['schema version 4', { ...events[4], schemaVersion: 4 }, 'schemaVersion'],
	['id not a uuid', { ...events[4], id: 'abc' }, 'id'],
	['occurredAt not ISO', { ...events[4], occurredAt: 'yesterday' }, 'occurredAt'],
	[
		'sha256 upper case',
		{ ...events[4], model: { ...transcript.model, sha256: 'A'.repeat(64) } },
		'model.sha256'
	],
	['backend webgl', { ...events[4], backend: 'webgl' }, 'backend'],
	['stars 0', { ...events[2], stars: 0 }, 'stars'],
	['stars 6', { ...events[2], stars: 6 }, 'stars'],
	['stars 3.5', { ...events[2], stars: 3.5 }, 'stars'],
	['unknown tag', { ...events[2], tags: ['spelling'] }, 'tags.0'],
	['duplicate tags', { ...events[2], tags: ['timing', 'timing'] }, 'tags'],
	['comment 2001 chars', { ...events[2], comment: 'x'.repeat(2001) }, 'comment'],
	['format pdf', { ...events[4], format: 'pdf' }, 'format'],
	['negative drop count', { ...events[5], dropped: { x: -1 } }, 'dropped.x'],
	[
		'confidence 1.5',
		{ ...events[1], confirmedWords: [{ text: 'a', confidence: 1.5, start: 0, end: 1 }] },
		'confirmedWords.0.confidence'
	],
	['empty review', { ...events[1], confirmedWords: [] }, 'confirmedWords'],
	[
		'insertion with a corrected word',
		{
			...correction,
			alignment: correction.alignment.map((a, i) => (i === 2 ? { ...a, corrected: 'uh' } : a))
		},
		'alignment.2.corrected'
	],
	[
		'deletion with confidence',
		{
			...correction,
			alignment: correction.alignment.map((a, i) => (i === 3 ? { ...a, confidence: 0.5 } : a))
		},
		'alignment.3.confidence'
	],
	['alignment disagrees with corrected text', { ...correction, correctedText: 'the hat' }, 'alignment'],
	[
		'alignment disagrees with original words',
		{ ...correction, originalWords: correction.originalWords.slice(1) },
		'alignment'
	],
	['negative revision', { ...correction, revision: -1 }, 'revision'],
	[
		'too many words',
		{ ...correction, originalWords: Array(501).fill(correction.originalWords[0]) },
		'originalWords'
	]
];

describe('telemetry schema rejects', () => {
	it.each(bad)('%s', (_name, value, path) => {
		const r = telemetryEventSchema.safeParse(value);
		expect(r.success).toBe(false);
		expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(path);
	});

	it('a batch over the event limit', () => {
		const r = eventBatchSchema.safeParse({ events: Array(BATCH_LIMITS.maxEvents + 1).fill(events[4]) });
		expect(r.success).toBe(false);
	});

	it('an empty batch', () => {
		expect(eventBatchSchema.safeParse({ events: [] }).success).toBe(false);
	});
});

describe('correctedWords', () => {
	it.each([
		['', []],
		['  ', []],
		['a  b\tc\nd', ['a', 'b', 'c', 'd']],
		[' Grüße, Welt! ', ['Grüße,', 'Welt!']]
	])('%j', (text, words) => {
		expect(correctedWords(text)).toEqual(words);
	});
});

describe('schema version 2: arm and sampling rate on transcript events', () => {
	const v2 = { ...events[2], schemaVersion: 2, arm: 'candidate', samplingRate: 0.25 };
	it('accepts a version 2 event with both fields, and version 1 events without them', () => {
		expect(telemetryEventSchema.parse(v2)).toEqual(v2);
		expect(telemetryEventSchema.safeParse(events[2]).success).toBe(true);
	});
	it('a version 2 client report has no arm', () => {
		const report = { ...events[5], schemaVersion: 2 };
		expect(telemetryEventSchema.parse(report)).toEqual(report);
	});
	it.each([
		['no arm', { ...v2, arm: undefined }, 'arm'],
		['an unknown arm', { ...v2, arm: 'control' }, 'arm'],
		['no sampling rate', { ...v2, samplingRate: undefined }, 'samplingRate'],
		['rate 0', { ...v2, samplingRate: 0 }, 'samplingRate'],
		['rate above 1', { ...v2, samplingRate: 1.5 }, 'samplingRate']
	])('refuses %s', (_name, e, path) => {
		const r = telemetryEventSchema.safeParse(e);
		expect(r.success).toBe(false);
		expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(path);
	});
	it('a version 1 event cannot smuggle the new fields in: they are stripped', () => {
		const parsed = telemetryEventSchema.parse({ ...events[2], arm: 'candidate', samplingRate: 0.5 });
		expect(parsed).not.toHaveProperty('arm');
		expect(parsed).not.toHaveProperty('samplingRate');
	});
});
