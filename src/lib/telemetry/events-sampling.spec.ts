// The arm and sampling rate a transcript records travel with every event about it, and the collector
// keeps or drops a segment's corrections together, by the hash in sampling.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyEdit, createDoc, type TranscriptDoc } from '../transcript/document';
import { segmentOf, transcriptResult, word } from '../testing/factories';
import {
	DEBOUNCE_MS,
	MemoryRevisions,
	TelemetryCollector,
	outcomeEvent,
	rolloutFields,
	sampled,
	type EventContext
} from './events-from-editor';
import { keepEvent } from './sampling';
import type { TelemetryEvent } from './schema';

const INSTALL = '11111111-1111-4111-8111-111111111111';
let n = 0;
const newId = () => `id-${++n}`;
const ctx = (): EventContext => ({
	installationId: INSTALL,
	appVersion: '0.1.0',
	newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
	now: () => new Date().toISOString()
});

/** A document of `segments` one-word segments, made under `arm` with corrections sampled at `rate`. */
function docOf(segments: number, arm: TranscriptDoc['arm'], rate: number): TranscriptDoc {
	const result = transcriptResult({
		model: { id: 'moonshine-base-en', version: '1.1.0', sha256: 'ab'.repeat(32) },
		durationSec: segments,
		segments: Array.from({ length: segments }, (_, i) =>
			segmentOf([word('word', i, i + 0.5, 0.5)], { start: i, end: i + 1 })
		)
	});
	const doc = createDoc({ id: 'tr-s', title: 't', result, now: '2026-05-01T11:00:00.000Z', newId });
	return { ...doc, arm, sampling: { correction: rate, review: 1, rating: 1, outcome: 0.25 } };
}

describe('rolloutFields', () => {
	it.each<[Partial<TranscriptDoc>, string, object]>([
		[{}, 'correction', { arm: 'default', samplingRate: 1 }],
		[
			{ arm: 'candidate', sampling: { correction: 0.1 } },
			'correction',
			{ arm: 'candidate', samplingRate: 0.1 }
		],
		[{ arm: 'user', sampling: { correction: 0.1 } }, 'rating', { arm: 'user', samplingRate: 1 }],
		[{ arm: 'default', sampling: { rating: 0 } }, 'rating', { arm: 'default', samplingRate: 1 }]
	])('of %j for %s', (doc, type, want) => {
		expect(rolloutFields(doc, type as 'correction')).toEqual(want);
	});

	it('puts the transcript’s own arm and rate on its events', () => {
		const e = outcomeEvent(ctx(), docOf(1, 'candidate', 0.5), 'txt');
		expect(e).toMatchObject({ arm: 'candidate', samplingRate: 0.25, model: { id: 'moonshine-base-en' } });
	});
});

describe('sampling in the collector', () => {
	let events: TelemetryEvent[];
	let collector: TelemetryCollector;
	beforeEach(() => {
		vi.useFakeTimers();
		events = [];
		collector = new TelemetryCollector({
			context: ctx,
			sink: (e) => events.push(e),
			revisions: new MemoryRevisions()
		});
	});
	afterEach(() => vi.useRealTimers());

	function correct(doc: TranscriptDoc, segmentIndex: number, text: string): TranscriptDoc {
		const seg = doc.segments[segmentIndex];
		const e = { type: 'replaceWords' as const, segmentId: seg.id, from: 0, to: seg.words.length, text };
		const next = applyEdit(doc, e, { newId });
		collector.handlers.segmentEdited!({
			doc: next,
			previous: doc,
			edit: e,
			before: seg,
			after: next.segments[segmentIndex]
		});
		return next;
	}

	it('keeps about the rate of segments, and later revisions of a segment with it', () => {
		let doc = docOf(400, 'candidate', 0.3);
		for (let i = 0; i < 400; i++) doc = correct(doc, i, `first${i}`);
		vi.advanceTimersByTime(DEBOUNCE_MS);
		const firstRound = new Set(events.map((e) => (e.type === 'correction' ? e.segmentId : '')));
		expect(firstRound.size).toBeGreaterThan(0.3 * 400 - 45);
		expect(firstRound.size).toBeLessThan(0.3 * 400 + 45);
		// Each kept one is the segment the hash keeps, and carries its rate and arm.
		for (const e of events) {
			expect(e).toMatchObject({ type: 'correction', samplingRate: 0.3, arm: 'candidate' });
			if (e.type === 'correction') expect(keepEvent({ ...e, type: 'correction' }, 0.3)).toBe(true);
		}

		events = [];
		for (let i = 0; i < 400; i++) doc = correct(doc, i, `second${i}`);
		vi.advanceTimersByTime(DEBOUNCE_MS);
		const secondRound = new Set(events.map((e) => (e.type === 'correction' ? e.segmentId : '')));
		expect(secondRound).toEqual(firstRound);
	});

	it('sends everything at rate 1', () => {
		let doc = docOf(20, 'default', 1);
		for (let i = 0; i < 20; i++) doc = correct(doc, i, `x${i}`);
		vi.advanceTimersByTime(DEBOUNCE_MS);
		expect(events).toHaveLength(20);
		expect(events.every((e) => sampled(e as Exclude<TelemetryEvent, { type: 'client_report' }>))).toBe(true);
	});
});
