/**
 * Test data builders: an engine result and telemetry events with every required field filled, so a
 * spec states only what it is about. Only specs and fixtures may import this (eslint.config.js).
 */
import type { RatingEvent, TelemetryEvent } from '../telemetry/schema';
import { SCHEMA_VERSION } from '../telemetry/schema';
import type { ModelRef, Segment, TranscriptResult, Word } from '../transcript/types';

export { counterIds, makeSegment } from '../transcript/golden/sample';

/** The model of a test result unless a spec names another. */
export const TEST_MODEL: ModelRef = { id: 'm', version: '1', sha256: 'x' };

/**
 * An engine result: `text` defaults to the segments' texts joined by spaces, `durationSec` to the
 * last segment's end (0 without segments), the rest to fixed test values.
 */
export function transcriptResult(o: Partial<TranscriptResult> = {}): TranscriptResult {
	const segments = o.segments ?? [];
	return {
		text: segments.map((s) => s.text).join(' '),
		model: TEST_MODEL,
		backend: 'wasm',
		durationSec: segments.at(-1)?.end ?? 0,
		wordTiming: 'interpolated-by-characters',
		...o,
		segments
	};
}

/** One word with explicit times. */
export function word(text: string, start: number, end: number, confidence = 0.95): Word {
	return { text, start, end, confidence };
}

/**
 * Words at a steady pace: word i starts at `start + i * step` and lasts `duration`, with
 * `confidences[i]` (default 0.95).
 */
export function pacedWords(
	texts: string[],
	o: { start?: number; step?: number; duration?: number; confidences?: number[] } = {}
): Word[] {
	const { start = 0, step = 0.5, duration = 0.4, confidences = [] } = o;
	return texts.map((text, i) =>
		word(text, start + i * step, start + i * step + duration, confidences[i] ?? 0.95)
	);
}

/** A segment made of `words`, spanning them (or [0, 0] when empty), its text their texts. */
export function segmentOf(words: Word[], span?: { start: number; end: number }): Segment {
	return {
		start: span?.start ?? words[0]?.start ?? 0,
		end: span?.end ?? words.at(-1)?.end ?? 0,
		text: words.map((w) => w.text).join(' '),
		words
	};
}

/** Fields every telemetry event has; a fixed valid id and installation unless given. */
export function commonEventFields(o: Partial<CommonEventFields> = {}): CommonEventFields {
	return {
		id: '3f0c8a52-8d2e-4c1b-9a57-1f6a2b7c9d10',
		schemaVersion: SCHEMA_VERSION,
		occurredAt: '2025-11-27T05:30:00.000Z',
		installationId: '0b7e2c4d-5a61-4f38-8e92-6d1c3b4a5f70',
		appVersion: '0.1.0',
		...o
	};
}

/** The fields every event of the current schema version has. */
export type CommonEventFields = Pick<
	TelemetryEvent,
	'id' | 'occurredAt' | 'installationId' | 'appVersion'
> & {
	schemaVersion: typeof SCHEMA_VERSION;
};

/** The fields of an event about one transcript (all types but client_report). */
export type TranscriptEventFields = Pick<
	RatingEvent,
	| Exclude<keyof CommonEventFields, 'schemaVersion'>
	| 'transcriptId'
	| 'model'
	| 'backend'
	| 'decodeSettings'
	| 'arm'
	| 'samplingRate'
> & { schemaVersion: typeof SCHEMA_VERSION };

/** Fields of an event about one transcript: the common ones plus transcript, model, backend, settings. */
export function transcriptEventFields(o: Partial<TranscriptEventFields> = {}): TranscriptEventFields {
	return {
		...commonEventFields(),
		transcriptId: 'tr-1',
		model: { id: 'moonshine-tiny', version: '1.0', sha256: 'a'.repeat(64) },
		backend: 'wasm',
		decodeSettings: {},
		arm: 'default',
		samplingRate: 1,
		...o
	};
}

/** A valid rating event (4 stars, no tags) with the given fields. */
export function ratingEvent(o: Partial<RatingEvent> = {}): RatingEvent {
	return { ...transcriptEventFields(), type: 'rating', stars: 4, tags: [], ...o };
}

/** A valid client report with the given drop counts. */
export function clientReportEvent(
	dropped: Record<string, number>,
	o: Partial<CommonEventFields> = {}
): Extract<TelemetryEvent, { type: 'client_report' }> {
	return { ...commonEventFields(o), type: 'client_report', dropped: { ...dropped } };
}

/** The same fields as a schema version 1 event sends them: version 1, no arm, no sampling rate. */
export function version1<T extends { schemaVersion: number; arm?: unknown; samplingRate?: unknown }>(
	fields: T
): Omit<T, 'schemaVersion' | 'arm' | 'samplingRate'> & { schemaVersion: 1 } {
	const { arm: _arm, samplingRate: _rate, schemaVersion: _version, ...rest } = fields;
	return { ...rest, schemaVersion: 1 } as Omit<T, 'schemaVersion' | 'arm' | 'samplingRate'> & {
		schemaVersion: 1;
	};
}
