/**
 * Browser audio decoding for the engine: any file the browser can play becomes mono PCM at the
 * engine's rate (ENGINE_SAMPLE_RATE, 16 kHz).
 *
 * This is the fallback: uploads normally go to the worker as the File itself and are decoded there in
 * pieces (file-stream.ts), up to MAX_STREAM_SECONDS (4 hours) whatever the file's size. When the worker
 * cannot decode a file (no WebCodecs, a codec it lacks) it is decoded here, with tighter limits (shown
 * to the user, enforced here): files up to MAX_FILE_BYTES (300 MB) and recordings up to
 * MAX_DURATION_SEC (2 hours). Why: decodeAudioData holds the whole decoded recording in memory, at
 * 16 kHz mono that is 230 MB of Float32 for 1 hour, and the worker needs its own copy while it runs.
 */
import { ENGINE_SAMPLE_RATE } from '../models';
import { toMono } from '../resample';

/**
 * Longest recording the worker's streaming path takes, in seconds: the engine's MAX_AUDIO_SECONDS
 * (4 hours; decode.spec.ts checks they agree), not imported so the page's bundle stays engine-free.
 */
export const MAX_STREAM_SECONDS = 4 * 60 * 60;
/** Largest accepted file, in bytes (300 MB). */
export const MAX_FILE_BYTES = 300 * 1024 * 1024;
/** Longest accepted recording, in seconds (2 hours). */
export const MAX_DURATION_SEC = 2 * 60 * 60;
/** RMS under which a recording counts as silent (about -80 dBFS). */
export const SILENCE_RMS = 1e-4;

/** Why a file could not be turned into audio for the engine. */
export type DecodeErrorCode =
	'empty' | 'too-large' | 'not-audio' | 'undecodable' | 'too-long' | 'silent' | 'timeout';

/** A decode failure with a message meant for the user. */
export class AudioDecodeError extends Error {
	constructor(
		readonly code: DecodeErrorCode,
		message: string
	) {
		super(message);
		this.name = 'AudioDecodeError';
	}
}

/** What the engine needs from a recording. */
export interface DecodedAudio {
	/** Mono samples at ENGINE_SAMPLE_RATE, in [-1, 1]. */
	samples: Float32Array;
	durationSec: number;
}

const NOT_AUDIO_PREFIXES = ['text/', 'image/', 'application/pdf', 'application/json', 'application/zip'];

function formatMb(bytes: number): string {
	return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** Cheap checks before reading the file: size and an obviously non-audio type. */
export function precheckFile(file: { name: string; size: number; type: string }): AudioDecodeError | null {
	if (file.size === 0) return new AudioDecodeError('empty', `“${file.name}” is empty (0 bytes).`);
	if (file.size > MAX_FILE_BYTES) {
		return new AudioDecodeError(
			'too-large',
			`“${file.name}” is ${formatMb(file.size)}; the limit is ${formatMb(MAX_FILE_BYTES)}. Split it or compress it first.`
		);
	}
	if (NOT_AUDIO_PREFIXES.some((p) => file.type.startsWith(p))) {
		return new AudioDecodeError('not-audio', `“${file.name}” is not an audio file (${file.type}).`);
	}
	return null;
}

/** Averages channels into a new array (never the input: its buffer gets transferred to the worker). */
export function mixToMono(channels: Float32Array[]): Float32Array {
	const mono = toMono(channels);
	return mono === channels[0] ? mono.slice() : mono;
}

/** Root mean square of the samples; 0 for none. */
export function rms(samples: Float32Array): number {
	if (samples.length === 0) return 0;
	let sum = 0;
	for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
	return Math.sqrt(sum / samples.length);
}

/** The refusal of a recording longer than `limit` seconds, in the words the worker's path uses too. */
export function tooLongError(name: string, seconds: number, limit = MAX_DURATION_SEC): AudioDecodeError {
	return new AudioDecodeError(
		'too-long',
		`“${name}” is ${(seconds / 3600).toFixed(1)} hours long; the limit is ${limit / 3600} hours.`
	);
}

/**
 * The duration the container declares (its header, or the demuxer's estimate from size and bitrate),
 * read without decoding; null when mediabunny cannot read the container (decodeAudioData may still).
 * Loaded on demand: only the fallback path needs it on the page.
 */
export async function declaredDuration(file: Blob): Promise<number | null> {
	try {
		const { ALL_FORMATS, BlobSource, Input } = await import('mediabunny');
		const input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
		try {
			if (!(await input.getPrimaryAudioTrack())) return null;
			const seconds = (await input.getDurationFromMetadata()) ?? (await input.computeDuration());
			return Number.isFinite(seconds) ? seconds : null;
		} finally {
			input.dispose();
		}
	} catch {
		return null;
	}
}

/**
 * Refuses, before decoding, a file whose container declares more than MAX_DURATION_SEC: decodeAudioData
 * expands the whole recording into memory at once, so a small, low-bitrate (or lying) file that
 * unpacks to hours would exhaust the tab before `checkDecoded` ever saw its length.
 */
export async function precheckDuration(file: Blob, name: string): Promise<AudioDecodeError | null> {
	const seconds = await declaredDuration(file);
	return seconds !== null && seconds > MAX_DURATION_SEC ? tooLongError(name, seconds) : null;
}

/** Checks decoded audio against the duration limit and for silence. */
export function checkDecoded(
	name: string,
	samples: Float32Array,
	sampleRate: number
): AudioDecodeError | null {
	const durationSec = samples.length / sampleRate;
	if (samples.length === 0) return new AudioDecodeError('empty', `“${name}” contains no audio.`);
	if (durationSec > MAX_DURATION_SEC) return tooLongError(name, durationSec);
	if (rms(samples) < SILENCE_RMS) {
		return new AudioDecodeError('silent', `“${name}” is silent: there is nothing to transcribe.`);
	}
	return null;
}

/** How long decoding may take before we give up: generous, but never forever. */
export function decodeTimeoutMs(bytes: number): number {
	return 20_000 + (bytes / (1024 * 1024)) * 500;
}

/**
 * Decodes a recording to mono at ENGINE_SAMPLE_RATE with Web Audio. decodeAudioData resamples to its
 * context's rate, so an OfflineAudioContext at that rate does the resampling in the browser's native code.
 */
export async function decodeToMono16k(
	file: Blob,
	name = (file as File).name ?? 'recording'
): Promise<DecodedAudio> {
	const early = precheckFile({ name, size: file.size, type: file.type });
	if (early) throw early;
	const declared = await precheckDuration(file, name);
	if (declared) throw declared;
	const bytes = await file.arrayBuffer();
	const ctx = new OfflineAudioContext(1, 1, ENGINE_SAMPLE_RATE);
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() =>
				reject(new AudioDecodeError('timeout', `Decoding “${name}” took too long; the file may be damaged.`)),
			decodeTimeoutMs(file.size)
		);
	});
	let buffer: AudioBuffer;
	try {
		buffer = await Promise.race([ctx.decodeAudioData(bytes), timeout]);
	} catch (e) {
		if (e instanceof AudioDecodeError) throw e;
		throw new AudioDecodeError(
			'undecodable',
			`“${name}” could not be decoded as audio: it is not an audio format this browser reads, or it is damaged.`
		);
	} finally {
		clearTimeout(timer);
	}
	const channels = Array.from({ length: buffer.numberOfChannels }, (_, i) => buffer.getChannelData(i));
	const samples = mixToMono(channels);
	const problem = checkDecoded(name, samples, buffer.sampleRate);
	if (problem) throw problem;
	return { samples, durationSec: samples.length / buffer.sampleRate };
}
