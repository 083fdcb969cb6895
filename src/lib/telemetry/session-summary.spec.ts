import { beforeEach, describe, expect, it } from 'vitest';
import { applyEdit, createDoc, type TranscriptDoc } from '../transcript/document';
import { segmentOf, transcriptResult, word } from '../testing/factories';
import type { EventContext } from './events-from-editor';
import { telemetryEventSchema, type SessionSummaryEvent } from './schema';
import { emptyTracking, ReviewTracker, sessionSummaryEvent, type ReviewTracking } from './session-summary';

const SHA = 'ab'.repeat(32);
let n = 0;
const ctx: EventContext = {
	installationId: '11111111-1111-4111-8111-111111111111',
	appVersion: '0.1.0',
	newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
	now: () => '2026-12-01T12:00:00.000Z'
};

// Three segments of 2 s each: 4, 2 and 3 model words; the recording is 6 s long.
function doc(): TranscriptDoc {
	let ids = 0;
	const w = (t: string, s: number) => word(t, s, s + 0.3, 0.8);
	return createDoc({
		id: 'tr-1',
		title: 't',
		now: '2026-12-01T11:00:00.000Z',
		newId: () => `s${++ids}`,
		result: transcriptResult({
			model: { id: 'moonshine-tiny', version: '1.0', sha256: SHA },
			durationSec: 6,
			segments: [
				segmentOf([w('a', 0), w('b', 0.5), w('c', 1), w('d', 1.5)], { start: 0, end: 2 }),
				segmentOf([w('e', 2), w('f', 3)], { start: 2, end: 4 }),
				segmentOf([w('g', 4), w('h', 4.5), w('i', 5)], { start: 4, end: 6 })
			]
		})
	});
}

const tracking = (o: Partial<ReviewTracking>): ReviewTracking => ({ ...emptyTracking(), ...o });

describe('sessionSummaryEvent', () => {
	const d = doc();
	const [s1, s2, s3] = d.segments.map((s) => s.id);
	it.each<[string, Partial<ReviewTracking>, SessionSummaryEvent['reviewedSegments'], number]>([
		['nothing touched: nothing reviewed', {}, [], 0],
		[
			'an edit reviews its segment',
			{ edited: new Set([s2]) },
			[{ segmentId: s2, words: 2, how: 'edited' }],
			0
		],
		[
			'a confirmed word reviews',
			{ confirmed: new Map([[s3, 1]]) },
			[{ segmentId: s3, words: 3, how: 'confirmed' }],
			0
		],
		[
			'played through on screen (≥ 90 %) reviews; 50 % does not',
			{
				playedOnScreen: new Map([
					[s1, [{ from: 0, to: 1.85 }]],
					[s2, [{ from: 2, to: 3 }]]
				]),
				played: [{ from: 0, to: 3 }]
			},
			[{ segmentId: s1, words: 4, how: 'played' }],
			0.5
		],
		[
			'replaying one second ten times counts once',
			{
				playedOnScreen: new Map([[s1, Array.from({ length: 10 }, () => ({ from: 0, to: 1 }))]]),
				played: Array.from({ length: 10 }, () => ({ from: 0, to: 1 }))
			},
			[],
			1 / 6
		],
		[
			'edited wins over confirmed',
			{ edited: new Set([s1]), confirmed: new Map([[s1, 2]]) },
			[{ segmentId: s1, words: 4, how: 'edited' }],
			0
		]
	])('%s', (_name, t, reviewed, coverage) => {
		const e = sessionSummaryEvent(ctx, d, tracking(t), 3, 'leave');
		expect(telemetryEventSchema.safeParse(e).error).toBeUndefined();
		expect(e.reviewedSegments).toEqual(reviewed);
		expect(e.playbackCoverage).toBeCloseTo(coverage);
		expect(e).toMatchObject({
			revision: 3,
			transcribedSegments: 3,
			transcribedWords: 9,
			arm: 'default',
			samplingRate: 1
		});
	});
});

describe('ReviewTracker', () => {
	let clock: number;
	let sent: SessionSummaryEvent[];
	let tracker: ReviewTracker;
	let consent: boolean;
	const revisions = new Map<string, number>();

	beforeEach(() => {
		clock = 0;
		sent = [];
		consent = true;
		revisions.clear();
		tracker = new ReviewTracker({
			context: () => (consent ? ctx : null),
			nextRevision: (id) => {
				const r = (revisions.get(id) ?? -1) + 1;
				revisions.set(id, r);
				return r;
			},
			sink: (e) => sent.push(e),
			nowMs: () => clock
		});
	});

	it('sends a cumulative summary on export and on leave, with increasing revisions', () => {
		let d = doc();
		const [s1, s2, s3] = d.segments.map((s) => s.id);
		tracker.start(d);
		const edit = { type: 'replaceWords', segmentId: s1, from: 0, to: 1, text: 'A' } as const;
		d = applyEdit(d, edit);
		tracker.handlers.segmentEdited!({ doc: d, edit, before: null, after: null });
		clock = 30_000;
		tracker.handlers.exported!({ doc: d, format: 'srt' });
		// Played s3 through while only s3 was on screen, in player steps; a seek is no listening.
		for (let t = 4; t < 6; t += 0.25) tracker.played(t, t + 0.25, [s3]);
		tracker.played(0, 4, [s2]);
		tracker.visible(false);
		clock = 100_000; // hidden time does not count
		tracker.visible(true);
		clock = 110_000;
		tracker.leave();
		expect(sent.map((e) => [e.reason, e.revision])).toEqual([
			['export', 0],
			['leave', 1]
		]);
		expect(sent[0].reviewedSegments.map((r) => r.how)).toEqual(['edited']);
		expect(sent[1].reviewedSegments).toEqual([
			{ segmentId: s1, words: 4, how: 'edited' },
			{ segmentId: s3, words: 3, how: 'played' }
		]);
		expect(sent[1].editedSegments).toBe(1);
		expect(sent[1].activeSeconds).toBe(30 + 10);
		expect(sent[1].playbackCoverage).toBeCloseTo(2 / 6);
		// Leaving again with nothing new sends nothing.
		tracker.leave();
		expect(sent).toHaveLength(2);
	});

	it('counts a confirmation until it is taken back, and ignores other transcripts', () => {
		const d = doc();
		const s2 = d.segments[1].id;
		tracker.start(d);
		tracker.handlers.wordConfirmed!({
			doc: { ...d, id: 'other' },
			segmentId: s2,
			wordIndex: 0,
			confirmed: true
		});
		tracker.handlers.wordConfirmed!({ doc: d, segmentId: s2, wordIndex: 0, confirmed: true });
		expect(tracker.tracking()!.confirmed.get(s2)).toBe(1);
		tracker.handlers.wordConfirmed!({ doc: d, segmentId: s2, wordIndex: 0, confirmed: false });
		tracker.leave();
		expect(sent[0].reviewedSegments).toEqual([]);
	});

	it('builds nothing without consent', () => {
		consent = false;
		tracker.start(doc());
		tracker.leave();
		expect(sent).toEqual([]);
	});
});
