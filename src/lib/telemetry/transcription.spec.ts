import { describe, expect, it } from 'vitest';
import { segmentOf, transcriptResult, word } from '../testing/factories';
import type { EventContext } from './events-from-editor';
import { telemetryEventSchema } from './schema';
import { errorCode, memoryBucket, transcriptionEvent, type JobReport } from './transcription';

const SHA = 'cd'.repeat(32);
const MODEL = { id: 'moonshine-tiny', version: '1.2.0', sha256: SHA };
const ctx: EventContext = {
	installationId: '11111111-1111-4111-8111-111111111111',
	appVersion: '0.1.0',
	newId: () => '00000000-0000-4000-8000-000000000001',
	now: () => '2026-12-01T12:00:00.000Z'
};

const job = (o: Partial<JobReport>): JobReport => ({
	transcriptId: 'tr-1',
	status: 'done',
	model: MODEL,
	backend: 'wasm',
	processingSeconds: 5,
	result: null,
	error: null,
	...o
});

describe('memoryBucket', () => {
	it.each([
		[undefined, null],
		[0, null],
		[0.25, 0.25],
		[3, 2],
		[8, 8],
		[32, 8],
		[0.1, 0.25]
	])('%s GB → %s', (gb, bucket) => expect(memoryBucket(gb)).toBe(bucket));
});

describe('errorCode', () => {
	it.each([
		['The speech model could not be loaded: fetch failed', 'model-load'],
		['WebGPU device was lost', 'webgpu'],
		['The transcription engine crashed: unknown error', 'worker-crash'],
		['This file could not be decoded: my-secret-name.mp3', 'decode'],
		['The transcript could not be saved: QuotaExceededError', 'storage'],
		['something else', 'other']
	])('%s → %s', (message, code) => expect(errorCode(message)).toBe(code));
});

describe('transcriptionEvent', () => {
	it('counts segments, words and flags of a finished job', () => {
		const result = transcriptResult({
			model: MODEL,
			backend: 'webgpu',
			durationSec: 20,
			segments: [
				segmentOf([word('a', 0, 0.5), word('b', 1, 1.5)]),
				{ ...segmentOf([word('c', 2, 2.5)]), flags: { repetition: true } },
				{ ...segmentOf([word('d', 3, 3.5)]), flags: { truncated: true } }
			]
		});
		const e = transcriptionEvent(ctx, job({ result }), { hardwareConcurrency: 8, deviceMemory: 4 })!;
		expect(telemetryEventSchema.safeParse(e).error).toBeUndefined();
		expect(e).toMatchObject({
			type: 'transcription',
			status: 'done',
			backend: 'webgpu',
			audioSeconds: 20,
			processingSeconds: 5,
			segments: 3,
			words: 4,
			repetitionSegments: 1,
			truncatedSegments: 1,
			empty: false,
			errorCode: null,
			device: { cores: 8, memoryGb: 4 },
			arm: 'default',
			samplingRate: 1
		});
	});

	it.each([
		['no rollout known', undefined, { arm: 'default', samplingRate: 1 }],
		[
			'a candidate transcript',
			{ arm: 'candidate', sampling: { transcription: 0.25 } },
			{ arm: 'candidate', samplingRate: 0.25 }
		],
		[
			'a user pick, no rate for the type',
			{ arm: 'user', sampling: { correction: 0.5 } },
			{ arm: 'user', samplingRate: 1 }
		]
	] as const)('carries the arm and sampling rate of its job: %s', (_, rollout, expected) => {
		const e = transcriptionEvent(
			ctx,
			job({ rollout: rollout && { ...rollout, sampling: { ...rollout.sampling } } }),
			{}
		)!;
		expect(telemetryEventSchema.safeParse(e).error).toBeUndefined();
		expect({ arm: e.arm, samplingRate: e.samplingRate }).toEqual(expected);
	});

	it('reports a failure by code, never by its message, and a done job without words as empty', () => {
		const failed = transcriptionEvent(
			ctx,
			job({ status: 'failed', error: 'could not decode secret.mp3' }),
			{}
		)!;
		expect(telemetryEventSchema.safeParse(failed).error).toBeUndefined();
		expect(failed).toMatchObject({ errorCode: 'decode', device: { cores: null, memoryGb: null } });
		expect(JSON.stringify(failed)).not.toContain('secret');
		const empty = transcriptionEvent(
			ctx,
			job({ result: transcriptResult({ model: MODEL, segments: [] }) }),
			{}
		)!;
		expect(empty.empty).toBe(true);
	});

	it('a resumed run reports the audio from its start on; a cancelled one what it delivered', () => {
		const result = transcriptResult({
			model: MODEL,
			durationSec: 600,
			segments: [segmentOf([word('a', 500, 501)])]
		});
		const resumed = transcriptionEvent(ctx, job({ result, startSec: 480 }), {})!;
		expect(resumed).toMatchObject({ status: 'done', audioSeconds: 120, segments: 1, words: 1 });
		const delivered = [segmentOf([word('b', 0, 1)]), segmentOf([word('c', 40, 45.5)])];
		const cancelled = transcriptionEvent(ctx, job({ status: 'cancelled', delivered, startSec: 10 }), {})!;
		expect(telemetryEventSchema.safeParse(cancelled).error).toBeUndefined();
		expect(cancelled).toMatchObject({
			audioSeconds: 35.5,
			segments: 2,
			words: 2,
			empty: false,
			errorCode: null
		});
		const nothing = transcriptionEvent(ctx, job({ status: 'cancelled', startSec: 10 }), {})!;
		expect(nothing).toMatchObject({ audioSeconds: 0, segments: 0 });
	});

	it('is null when no model was loaded', () => {
		expect(transcriptionEvent(ctx, job({ status: 'failed', model: null, error: 'load' }), {})).toBeNull();
	});
});
