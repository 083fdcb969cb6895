import { beforeEach, describe, expect, it } from 'vitest';
import { applyEdit, createDoc, type TranscriptDoc } from '../transcript/document';
import { segmentOf, transcriptResult, word } from '../testing/factories';
import { correctionEvent, type EventContext } from './events-from-editor';
import { telemetryEventSchema, type SegmentReviewedEvent, type SessionSummaryEvent } from './schema';
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

describe('ReviewTracker: reviewed-but-unedited segments', () => {
	let sent: SessionSummaryEvent[];
	let labels: SegmentReviewedEvent[];
	let marked: Set<string>;
	let tracker: ReviewTracker;

	beforeEach(() => {
		sent = [];
		labels = [];
		marked = new Set();
		let r = 0;
		tracker = new ReviewTracker({
			context: () => ctx,
			nextRevision: () => r++,
			sink: (e) => sent.push(e),
			nowMs: () => 0,
			labels: {
				sent: (t, s) => marked.has(`${t}/${s}`),
				mark: (t, s) => void marked.add(`${t}/${s}`),
				sink: (e) => labels.push(e)
			}
		});
	});

	it('sends each confirmed or played-through segment’s model words once, never an edited one’s', () => {
		let d = doc();
		const [s1, s2, s3] = d.segments.map((s) => s.id);
		tracker.start(d);
		const edit = { type: 'replaceWords', segmentId: s1, from: 0, to: 1, text: 'A' } as const;
		d = applyEdit(d, edit);
		tracker.handlers.segmentEdited!({ doc: d, edit, before: null, after: null });
		tracker.handlers.wordConfirmed!({ doc: d, segmentId: s2, wordIndex: 0, confirmed: true });
		for (let t = 4; t < 6; t += 0.25) tracker.played(t, t + 0.25, [s3]);
		tracker.leave();
		expect(labels.map((e) => [e.segmentId, e.how, e.words])).toEqual([
			[
				s2,
				'confirmed',
				[
					['e', 0.8, 2, 2.3],
					['f', 0.8, 3, 3.3]
				]
			],
			[
				s3,
				'played',
				[
					['g', 0.8, 4, 4.3],
					['h', 0.8, 4.5, 4.8],
					['i', 0.8, 5, 5.3]
				]
			]
		]);
		for (const e of labels) expect(telemetryEventSchema.safeParse(e).error).toBeUndefined();
		expect(labels[0]).toMatchObject({
			type: 'segment_reviewed',
			schemaVersion: 3,
			arm: 'default',
			samplingRate: 1
		});
		// Opened again and played again: already sent, nothing new; the summary still counts them.
		tracker.start(d);
		for (let t = 4; t < 6; t += 0.25) tracker.played(t, t + 0.25, [s3]);
		tracker.leave();
		expect(labels).toHaveLength(2);
		expect(sent[1].reviewedSegments.map((r) => [r.segmentId, r.how])).toEqual([[s3, 'played']]);
	});

	it('skips a segment edited in an earlier visit (the tracker starts afresh, the words are not the model’s)', () => {
		const before = doc();
		const s1 = before.segments[0].id;
		const d = applyEdit(before, { type: 'replaceWords', segmentId: s1, from: 0, to: 1, text: 'A' });
		tracker.start(d);
		tracker.handlers.wordConfirmed!({ doc: d, segmentId: s1, wordIndex: 1, confirmed: true });
		tracker.leave();
		expect(sent[0].reviewedSegments).toEqual([{ segmentId: s1, words: 4, how: 'confirmed' }]);
		expect(labels).toEqual([]);
	});

	it('keeps the arm and rate the transcript was made with', () => {
		const d = { ...doc(), arm: 'candidate' as const, sampling: { correction: 0.5, session_summary: 0.25 } };
		tracker.start(d);
		tracker.handlers.wordConfirmed!({ doc: d, segmentId: d.segments[2].id, wordIndex: 0, confirmed: true });
		tracker.leave();
		expect(labels[0]).toMatchObject({ arm: 'candidate', samplingRate: 0.5 });
		expect(sent[0]).toMatchObject({ arm: 'candidate', samplingRate: 0.25 });
	});
});

describe('bytes per hour', () => {
	// A 1-hour transcript at 150 words a minute in 600 segments of 6 s, played through on screen in 12
	// visits (a leave each): playing through is real time, so an hour of use reviews at most an hour of
	// audio this way. The server's byte budget (RATE_LIMIT_BYTES_PER_SEC) assumes well under 1 MB/hour.
	it('a 1-hour transcript played through sends well under 1 MB of summaries and reviewed segments', () => {
		let ids = 0;
		let seed = 7;
		const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
		const vocabulary = ['the', 'meeting', 'quarterly', 'and', 'we', 'revenue', 'of', 'discussed'];
		const segments = Array.from({ length: 600 }, (_, i) =>
			segmentOf(
				Array.from({ length: 15 }, (_, k) => {
					const s = i * 6 + k * 0.4 + rnd() * 0.05;
					return word(vocabulary[(i + k) % vocabulary.length], s, s + 0.3 + rnd() * 0.07, rnd());
				}),
				{ start: i * 6, end: i * 6 + 6 }
			)
		);
		const d = createDoc({
			id: '6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e',
			title: 't',
			now: '2026-12-01T11:00:00.000Z',
			newId: () => `3e1a5c7b-9d2f-4a6b-8c0d-${String(++ids).padStart(12, '0')}`,
			result: transcriptResult({
				model: { id: 'moonshine-tiny-en', version: '1.2.0', sha256: SHA },
				durationSec: 3600,
				segments
			})
		});
		const labels: SegmentReviewedEvent[] = [];
		const summaries: SessionSummaryEvent[] = [];
		let r = 0;
		const marked = new Set<string>();
		const tracker = new ReviewTracker({
			context: () => ctx,
			nextRevision: () => r++,
			sink: (e) => summaries.push(e),
			nowMs: () => 0,
			labels: {
				sent: (t, s) => marked.has(`${t}/${s}`),
				mark: (t, s) => void marked.add(`${t}/${s}`),
				sink: (e) => labels.push(e)
			}
		});
		const visits = 12;
		for (let v = 0; v < visits; v++) {
			tracker.start(d);
			// Each visit's summary is cumulative: it lists the segments of the earlier visits again.
			for (const s of d.segments.slice(0, ((v + 1) * 600) / visits))
				for (let t = s.start; t < s.end; t += 0.25) tracker.played(t, t + 0.25, [s.id]);
			tracker.leave();
		}
		// For comparison: a third of the segments edited once (one correction each).
		const corrections = d.segments
			.filter((_, i) => i % 3 === 0)
			.map((seg) => {
				const e = applyEdit(d, { type: 'replaceWords', segmentId: seg.id, from: 2, to: 4, text: 'notes' });
				return correctionEvent(
					ctx,
					e,
					seg.id,
					e.segments.find((x) => x.id === seg.id)!,
					0
				);
			});
		const size = (es: unknown[]) => es.reduce<number>((s, e) => s + JSON.stringify(e).length, 0);
		const reviewed = size(labels);
		const lastSummary = JSON.stringify(summaries.at(-1)).length;
		const allSummaries = size(summaries);
		console.log(
			`1-hour transcript (600 segments, 9000 words): one summary ${lastSummary} B; ` +
				`${summaries.length} cumulative summaries ${allSummaries} B; ` +
				`${labels.length} segment_reviewed ${reviewed} B (${Math.round(reviewed / labels.length)} B each); ` +
				`together ${((allSummaries + reviewed) / 1e6).toFixed(3)} MB. For comparison ${corrections.length} ` +
				`corrections (a third of the segments edited once) ${size(corrections)} B`
		);
		expect(labels).toHaveLength(600);
		expect(allSummaries + reviewed).toBeLessThan(1_000_000);
	});
});
