/** Builders of valid telemetry events for the integration tests and the benchmark. */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { modelRefKey } from '../../../src/lib/server/ingest';
import type { AlignmentOp, TelemetryEvent } from '../../../src/lib/telemetry/schema';

/** A model reference; `n` picks a distinct version and hash. */
export function model(n = 1) {
	return { id: 'moonshine-tiny', version: `${n}.0`, sha256: String(n % 10).repeat(64) };
}

/**
 * A models folder for servers started from the environment: retired.json lists model(1) to model(3), and
 * moonshine-tiny-en (a symlink to the real one) is there because the rollout needs its default model.
 */
export const FIXTURE_MODELS_DIR = join(import.meta.dirname, 'fixtures', 'models');

/** The refs of model(1) to model(3), as an API's knownModels. */
export const knownModels = async (): Promise<ReadonlySet<string>> =>
	new Set([1, 2, 3].map((n) => modelRefKey(model(n))));

/** Common fields of a transcript event. */
export function base(
	o: { installationId?: string; transcriptId?: string; model?: ReturnType<typeof model> } = {}
) {
	return {
		id: randomUUID(),
		schemaVersion: 1 as const,
		occurredAt: new Date().toISOString(),
		installationId: o.installationId ?? randomUUID(),
		appVersion: '0.1.0',
		transcriptId: o.transcriptId ?? 'tr-1',
		model: o.model ?? model(1),
		backend: 'wasm' as const,
		decodeSettings: { maxTokensPerSecond: 6 }
	};
}

/** One alignment step as [op, model word, user word]. */
export type Step = [AlignmentOp['op'], string | null, string | null];

/** A correction event whose original words and corrected text are read off the alignment steps. */
export function correction(
	steps: Step[],
	o: Parameters<typeof base>[0] & { segmentId?: string; revision?: number } = {}
): TelemetryEvent {
	const originalWords = steps
		.filter(([, w]) => w !== null)
		.map(([, w], i) => ({ text: w!, confidence: 0.5, start: i * 0.3, end: i * 0.3 + 0.25 }));
	return {
		...base(o),
		type: 'correction',
		segmentId: o.segmentId ?? 's1',
		revision: o.revision ?? 0,
		originalWords,
		correctedText: steps.flatMap(([, , c]) => (c === null ? [] : [c])).join(' '),
		alignment: steps.map(([op, original, corrected]) => ({
			op,
			original,
			corrected,
			confidence: original === null ? null : 0.5
		}))
	};
}

/** A rating event. */
export function rating(stars: number, o: Parameters<typeof base>[0] = {}): TelemetryEvent {
	return { ...base(o), type: 'rating', stars, tags: ['wrong-words'] };
}

/** A review event confirming `n` words. */
export function review(
	n: number,
	o: Parameters<typeof base>[0] & { segmentId?: string } = {}
): TelemetryEvent {
	const confirmedWords = Array.from({ length: n }, (_, i) => ({
		text: `w${i}`,
		confidence: 0.4,
		start: i,
		end: i + 0.5
	}));
	return { ...base(o), type: 'review', segmentId: o.segmentId ?? 's9', confirmedWords };
}

/** An export event. */
export function outcome(o: Parameters<typeof base>[0] = {}): TelemetryEvent {
	return { ...base(o), type: 'outcome', outcome: 'exported', format: 'srt' };
}

/** A client report event. */
export function clientReport(installationId: string = randomUUID()): TelemetryEvent {
	const { id, schemaVersion, occurredAt, appVersion } = base();
	return {
		id,
		schemaVersion,
		occurredAt,
		installationId,
		appVersion,
		type: 'client_report',
		dropped: { 'queue-full': 2 }
	};
}

/** A mix of valid events of every type, about 1 KB each on average. */
export function mixedBatch(n: number, installationId: string = randomUUID()): TelemetryEvent[] {
	return Array.from({ length: n }, (_, i) => {
		const o = { installationId, transcriptId: `tr-${i % 7}` };
		switch (i % 5) {
			case 0:
				return rating(1 + (i % 5), o);
			case 1:
				return review(3, o);
			case 2:
				return outcome(o);
			default:
				return correction(
					[
						['correct', 'the', 'the'],
						['substitution', 'cat', 'hat'],
						['insertion', 'uh', null],
						['correct', 'sat', 'sat'],
						['deletion', null, 'down']
					],
					{ ...o, segmentId: `s${i}` }
				);
		}
	});
}

/** The same event as schema version 2, from one rollout arm, kept with probability `samplingRate`. */
export function v2(
	event: TelemetryEvent,
	arm: 'default' | 'candidate' | 'user',
	samplingRate = 1
): TelemetryEvent {
	return { ...event, schemaVersion: 2, arm, samplingRate } as TelemetryEvent;
}

/** A version 2 session summary: `reviewed` as [segmentId, model words, how]. */
export function sessionSummary(
	reviewed: [string, number, 'edited' | 'confirmed' | 'played'][],
	o: Parameters<typeof base>[0] & { revision?: number; samplingRate?: number } = {}
): TelemetryEvent {
	return {
		...base(o),
		schemaVersion: 2,
		arm: 'default',
		samplingRate: o.samplingRate ?? 1,
		type: 'session_summary',
		revision: o.revision ?? 0,
		reason: 'leave',
		reviewedSegments: reviewed.map(([segmentId, words, how]) => ({ segmentId, words, how })),
		transcribedSegments: reviewed.length + 2,
		transcribedWords: reviewed.reduce((s, r) => s + r[1], 0) + 10,
		editedSegments: reviewed.filter((r) => r[2] === 'edited').length,
		activeSeconds: 120,
		playbackCoverage: 0.5
	};
}

/** A version 2 transcription event of a finished job. */
export function transcription(o: Parameters<typeof base>[0] = {}): TelemetryEvent {
	return {
		...base(o),
		schemaVersion: 2,
		arm: 'default',
		samplingRate: 1,
		type: 'transcription',
		status: 'done',
		audioSeconds: 60,
		processingSeconds: 12,
		segments: 8,
		words: 150,
		repetitionSegments: 0,
		truncatedSegments: 0,
		empty: false,
		errorCode: null,
		device: { cores: 8, memoryGb: 8 }
	};
}
