/**
 * The `transcription` event: one job as it ended (done, failed or cancelled), built from what the
 * queue knows (ui/queue.svelte.ts `JobReport`) and two coarse device hints. Field speed and failure
 * rates per model version × backend come from these; nothing in them names a person or a file.
 */
import type { JobEnded } from '../transcript/events';
import { rolloutFields, type EventContext } from './events-from-editor';
import { DEVICE_MEMORY_BUCKETS, SCHEMA_VERSION, type TranscriptionEvent } from './schema';

/** How a job ended (the hub's `jobEnded`). */
export type JobReport = JobEnded;

/** What the browser tells about the device: logical cores and navigator.deviceMemory (GB). */
export interface DeviceHints {
	hardwareConcurrency?: number;
	deviceMemory?: number;
}

/** navigator.deviceMemory rounded down to a schema bucket (browsers already round; others report odd values). */
export function memoryBucket(gb: number | undefined): TranscriptionEvent['device']['memoryGb'] {
	if (gb === undefined || !Number.isFinite(gb) || gb <= 0) return null;
	let bucket: number | null = null;
	for (const b of DEVICE_MEMORY_BUCKETS) if (b <= gb) bucket = b;
	return bucket ?? DEVICE_MEMORY_BUCKETS[0];
}

const ERROR_CODES: [RegExp, string][] = [
	[/no speech/i, 'no-speech'],
	[/could not be loaded|load/i, 'model-load'],
	[/webgpu|device (was )?lost|gpu/i, 'webgpu'],
	[/decod|codec|unsupported/i, 'decode'],
	[/memory|allocation|out of range/i, 'out-of-memory'],
	[/crash/i, 'worker-crash'],
	[/saved|quota|storage/i, 'storage']
];

/** A short machine code for a failure message (the message itself may hold a file name). */
export function errorCode(message: string): string {
	return ERROR_CODES.find(([re]) => re.test(message))?.[1] ?? 'other';
}

/** The event for a finished job; null when no model was loaded (nothing to attribute it to). */
export function transcriptionEvent(
	ctx: EventContext,
	job: JobReport,
	device: DeviceHints
): TranscriptionEvent | null {
	const model = job.result?.model ?? job.model;
	const backend = job.result?.backend ?? job.backend;
	if (!model || !backend) return null;
	// A resumed run reports the audio it processed: from its start on, up to the end (done) or its
	// last segment (cancelled, failed), with the segments it delivered.
	const segments = job.result?.segments ?? job.delivered ?? [];
	const start = job.startSec ?? 0;
	const reached = job.result ? job.result.durationSec : (segments.at(-1)?.end ?? start);
	const words = segments.reduce((s, seg) => s + seg.words.length, 0);
	const cores = device.hardwareConcurrency;
	return {
		id: ctx.newId(),
		schemaVersion: SCHEMA_VERSION,
		occurredAt: ctx.now(),
		installationId: ctx.installationId,
		appVersion: ctx.appVersion,
		transcriptId: job.transcriptId,
		model: { id: model.id, version: model.version, sha256: model.sha256 },
		backend,
		decodeSettings: {
			decoding: 'greedy',
			...(job.result ? { wordTiming: job.result.wordTiming } : {})
		},
		...rolloutFields(job.rollout ?? {}, 'transcription'),
		type: 'transcription',
		status: job.status,
		audioSeconds: Math.max(0, reached - start),
		processingSeconds: Math.max(0, job.processingSeconds),
		segments: segments.length,
		words,
		repetitionSegments: segments.filter((s) => s.flags?.repetition).length,
		truncatedSegments: segments.filter((s) => s.flags?.truncated).length,
		empty: job.status === 'done' && words === 0,
		errorCode: job.status === 'failed' ? errorCode(job.error ?? '') : null,
		device: {
			cores: cores !== undefined && Number.isInteger(cores) && cores >= 1 ? Math.min(cores, 1024) : null,
			memoryGb: memoryBucket(device.deviceMemory)
		}
	};
}
