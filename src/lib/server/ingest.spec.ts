import { describe, expect, it } from 'vitest';
import type { AlignmentOp, TelemetryEvent } from '../telemetry/schema';
import {
	errorCounts,
	eventRow,
	jsonMayContainNul,
	modelRefKey,
	pickGroup,
	rejectionReason,
	validateEvents,
	validateEventsYielding
} from './ingest';
import { commonEventFields, transcriptEventFields, version1 } from '../testing/factories';

// Upper-case installation id and a zone offset: ingestion normalises both.
const common = commonEventFields({
	occurredAt: '2025-11-27T07:30:00+02:00',
	installationId: '0B7E2C4D-5A61-4F38-8E92-6D1C3B4A5F70'
});
// Version 1 fields: the cases that are about version 2 add arm and sampling rate themselves.
const transcript = version1(
	transcriptEventFields({
		...common,
		model: { id: 'tiny', version: '1', sha256: 'c'.repeat(64) },
		backend: 'webgpu'
	})
);

function correction(
	ops: [AlignmentOp['op'], string | null, string | null][]
): Extract<TelemetryEvent, { type: 'correction' }> {
	return {
		...transcript,
		type: 'correction',
		segmentId: 's1',
		revision: 3,
		originalWords: ops.flatMap(([, o]) =>
			o === null ? [] : [{ text: o, confidence: 0.5, start: 0, end: 1 }]
		),
		correctedText: ops.flatMap(([, , c]) => (c === null ? [] : [c])).join(' '),
		alignment: ops.map(([op, original, corrected]) => ({
			op,
			original,
			corrected,
			confidence: original === null ? null : 0.5
		}))
	};
}

describe('errorCounts (reference = user text, hypothesis = model words)', () => {
	it.each([
		['nothing', [], { substitutions: 0, insertions: 0, deletions: 0, reference_words: 0 }],
		[
			'all correct',
			[
				['correct', 'a', 'a'],
				['correct', 'b', 'b']
			],
			{ substitutions: 0, insertions: 0, deletions: 0, reference_words: 2 }
		],
		[
			'model word deleted by the user is an insertion, no reference word',
			[
				['correct', 'a', 'a'],
				['insertion', 'uh', null]
			],
			{ substitutions: 0, insertions: 1, deletions: 0, reference_words: 1 }
		],
		[
			'word added by the user is a deletion and a reference word',
			[
				['deletion', null, 'really'],
				['substitution', 'gud', 'good']
			],
			{ substitutions: 1, insertions: 0, deletions: 1, reference_words: 2 }
		],
		[
			'user deleted everything',
			[
				['insertion', 'x', null],
				['insertion', 'y', null]
			],
			{ substitutions: 0, insertions: 2, deletions: 0, reference_words: 0 }
		]
	] as const)('%s', (_name, ops, expected) => {
		expect(errorCounts(correction(ops as never))).toEqual(expected);
	});
});

describe('eventRow', () => {
	it('copies indexed fields, normalises time and installation id, and keeps the event as JSON', () => {
		const e = correction([
			['substitution', 'cat', 'hat'],
			['deletion', null, 'sat']
		]);
		const row = eventRow(e, '2025-11-27T06:00:00.000Z');
		expect(row).toMatchObject({
			id: e.id,
			type: 'correction',
			occurred_at: '2025-11-27T05:30:00.000Z',
			installation_id: '0b7e2c4d-5a61-4f38-8e92-6d1c3b4a5f70',
			transcript_id: 'tr-1',
			model_sha256: 'c'.repeat(64),
			backend: 'webgpu',
			segment_id: 's1',
			revision: 3,
			substitutions: 1,
			deletions: 1,
			insertions: 0,
			reference_words: 2,
			stars: null
		});
		expect(JSON.parse(row.payload)).toEqual(e);
	});

	it.each([
		[
			{ ...transcript, type: 'rating', stars: 4, tags: [] },
			{ stars: 4, confirmed_words: null, arm: null, sampling_rate: null }
		],
		[
			{
				...transcript,
				schemaVersion: 2,
				arm: 'candidate',
				samplingRate: 0.25,
				type: 'rating',
				stars: 2,
				tags: []
			},
			{ schema_version: 2, stars: 2, arm: 'candidate', sampling_rate: 0.25 }
		],
		[
			{
				...transcript,
				type: 'review',
				segmentId: 's2',
				confirmedWords: [{ text: 'a', confidence: 0.2, start: 0, end: 1 }]
			},
			{ confirmed_words: 1, segment_id: 's2' }
		],
		[
			{ ...common, type: 'client_report', dropped: {} },
			{ transcript_id: null, model_id: null, backend: null, arm: null, sampling_rate: null }
		]
	] as [TelemetryEvent, object][])('%#: per-type columns', (e, expected) => {
		expect(eventRow(e, 'now')).toMatchObject(expected);
	});
});

describe('validateEvents', () => {
	// Half an hour after `common.occurredAt`, with the test model known.
	const context = {
		receivedAt: new Date('2025-11-27T06:00:00Z'),
		knownModels: new Set([modelRefKey(transcript.model)])
	};
	const ok = { ...transcript, type: 'outcome', outcome: 'exported', format: 'txt' };

	it('keeps valid events in order and reports each invalid one by index', () => {
		const { valid, indices, rejected } = validateEvents([ok, 42, { ...ok, format: 'pdf' }, ok], context);
		expect(valid).toHaveLength(2);
		expect(indices).toEqual([0, 3]);
		expect(rejected.map((r) => [r.index, r.id, r.reason])).toEqual([
			[1, null, 'event:not-an-object'],
			[2, common.id, 'event:outcome:format']
		]);
		expect(rejected[1].issues[0]).toMatchObject({ path: 'format' });
	});

	it('rejects an event with a NUL character alone (PostgreSQL would fail the whole batch)', () => {
		const { valid, rejected } = validateEvents(
			[ok, { ...ok, transcriptId: 'tr\u0000x' }, { ...ok, decodeSettings: { ['k\u0000']: 1 } }],
			context
		);
		expect(valid).toHaveLength(1);
		expect(rejected.map((r) => [r.index, r.reason])).toEqual([
			[1, 'event:nul-character'],
			[2, 'event:nul-character']
		]);
	});

	it('accepts text that spells the six characters \\u0000 (only a real NUL is refused)', () => {
		const rating = { ...transcript, type: 'rating', stars: 2, tags: [], comment: 'escape: \\u0000 here' };
		expect(rating.comment).toHaveLength('escape: '.length + 6 + ' here'.length);
		// The same event after a round trip through JSON, as the server receives it.
		const { valid, rejected } = validateEvents([JSON.parse(JSON.stringify(rating))], context);
		expect(rejected).toEqual([]);
		expect(valid[0]).toMatchObject({ comment: 'escape: \\u0000 here' });
	});

	it.each([
		['exactly one year before', '2024-11-27T06:00:00Z', true],
		['just over one year before', '2024-11-27T05:59:59Z', false],
		['exactly one day ahead', '2025-11-28T06:00:00Z', true],
		['just over one day ahead', '2025-11-28T06:00:01Z', false],
		['in 2099', '2099-01-01T00:00:00Z', false]
	])('occurredAt %s (%s): accepted %s', (_name, occurredAt, accepted) => {
		const { valid, rejected } = validateEvents([{ ...ok, occurredAt }], context);
		expect(valid.length).toBe(accepted ? 1 : 0);
		if (!accepted) expect(rejected[0]).toMatchObject({ reason: 'event:outcome:occurredAt' });
	});

	it('refuses a model ref the server does not know, alone, with a counted reason', () => {
		const fake = { ...ok, model: { ...transcript.model, version: '9.9' } };
		const forged = { ...ok, model: { ...transcript.model, sha256: 'd'.repeat(64) } };
		const { valid, rejected } = validateEvents([ok, fake, forged], context);
		expect(valid).toHaveLength(1);
		expect(rejected.map((r) => [r.index, r.reason, r.issues[0].path])).toEqual([
			[1, 'event:unknown-model', 'model'],
			[2, 'event:unknown-model', 'model']
		]);
	});

	it('refuses a word that ends before it starts', () => {
		const review = {
			...transcript,
			type: 'review',
			segmentId: 's1',
			confirmedWords: [{ text: 'a', confidence: 0.5, start: 2, end: 1 }]
		};
		const sameTime = { ...review, confirmedWords: [{ text: 'a', confidence: 0.5, start: 1, end: 1 }] };
		const { valid, rejected } = validateEvents([review, sameTime], context);
		expect(valid).toHaveLength(1);
		expect(rejected[0]).toMatchObject({ index: 0, reason: 'event:review:confirmedWords' });
		expect(rejected[0].issues[0].path).toBe('confirmedWords.0.end');
	});
});

describe('validateEventsYielding', () => {
	const context = {
		receivedAt: new Date('2025-11-27T06:00:00Z'),
		knownModels: new Set([modelRefKey(transcript.model)])
	};
	const ok = { ...transcript, type: 'outcome', outcome: 'exported', format: 'txt' };
	const batch = Array.from({ length: 23 }, (_, i) => (i % 4 === 1 ? { ...ok, format: 'pdf' } : ok));

	it('gives what validateEvents gives on the whole batch, indices included', async () => {
		for (const chunk of [1, 5, 50])
			expect(await validateEventsYielding(batch, context, chunk)).toEqual(validateEvents(batch, context));
	});

	it('lets other callbacks run between chunks', async () => {
		let ran = false;
		setImmediate(() => (ran = true));
		const pending = validateEventsYielding(batch, context, 5);
		expect(ran).toBe(false);
		await pending;
		expect(ran).toBe(true);
	});
});

describe('the NUL check', () => {
	const context = {
		receivedAt: new Date('2025-11-27T06:00:00Z'),
		knownModels: new Set([modelRefKey(transcript.model)])
	};
	const text = JSON.stringify([
		{ ...transcript, type: 'outcome', outcome: 'exported', format: 'txt', appVersion: 'a\u0000' }
	]);
	it.each([
		['a NUL escape', text, true],
		['an escaped backslash before u0000 (no NUL, but searched)', JSON.stringify(['\\u0000']), true],
		['none', JSON.stringify([{ ...transcript }]), false]
	])('JSON text with %s may contain NUL: %s', (_, json, expected) => {
		expect(jsonMayContainNul(json)).toBe(expected);
	});

	it('rejects a NUL whenever the text may hold one', () => {
		const events = JSON.parse(text);
		const r = validateEvents(events, { ...context, mayContainNul: jsonMayContainNul(text) });
		expect(r.rejected.map((x) => x.reason)).toEqual(['event:nul-character']);
	});
});

describe('pickGroup', () => {
	const q = (...sizes: (number | [number, number])[]) =>
		sizes.map((s) =>
			typeof s === 'number' ? { events: s, overtaken: 0 } : { events: s[0], overtaken: s[1] }
		);
	const policy = { maxRequests: 3, maxEvents: 500, smallEvents: 50, maxOvertakes: 2 };
	it.each([
		['empty queue', q(), []],
		['arrival order while the first is small', q(5, 500, 5), [0]],
		['small ones together', q(5, 10, 5, 5), [0, 1, 2]],
		['one large batch alone', q(500, 500), [0]],
		['always at least one, however large', q(600, 5), [1]],
		['small ones go before a large first in line', q(500, 5, 500, 10), [1, 3]],
		['but not once it was overtaken maxOvertakes times', q([500, 2], 5, 10), [0]],
		['bounded in events', q(300, 150, 100), [0, 1]],
		['large ones alone keep their order', q(300, 300), [0]]
	] as [string, ReturnType<typeof q>, number[]][])('%s', (_, queue, expected) => {
		expect(pickGroup(queue, policy)).toEqual(expected);
	});
});

describe('rejectionReason has bounded cardinality', () => {
	it.each([
		[null, undefined, 'event:not-an-object'],
		[[1], undefined, 'event:not-an-object'],
		[{ type: 'x'.repeat(500) }, 'type', 'event:unknown-type'],
		[{ type: 'rating', schemaVersion: 4 }, 'schemaVersion', 'event:unsupported-schema-version'],
		[{ type: 'rating', schemaVersion: 1 }, 'stars', 'event:rating:stars'],
		[{ type: 'rating', schemaVersion: 1 }, 'attacker-chosen-key', 'event:rating:other'],
		[{ type: 'rating', schemaVersion: 1 }, 0, 'event:rating:other']
	])('%j at %j -> %s', (value, path, reason) => {
		expect(rejectionReason(value, path)).toBe(reason);
	});
});
