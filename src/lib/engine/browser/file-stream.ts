// The worker's side of an upload: a File (a Blob: handing it to the worker copies no bytes) read in
// pieces and decoded as the engine asks for it. WAV is sliced and parsed here; other containers are
// demuxed by mediabunny and decoded by WebCodecs' AudioDecoder. When neither can (no WebCodecs, a
// codec this browser lacks, a format mediabunny does not know), the page decodes on the main thread.
import { ALL_FORMATS, AudioSampleSink, BlobSource, Input } from 'mediabunny';
import type { AudioStream } from '../audio-source';
import { ENGINE_SAMPLE_RATE } from '../models';
import { StreamResampler, toMono } from '../resample';
import { isWav, WavError } from '../wav';
import { openWavBlob } from '../wav-stream';
import { MAX_STREAM_SECONDS, tooLongError } from './decode';

/** Output samples gathered per piece handed to the engine (about 4 s). */
const PIECE_SAMPLES = 1 << 16;

/** A file the worker refuses, with a message for the user (the same words as decode.ts uses). */
export class FileInputError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'FileInputError';
	}
}

function tooLong(name: string, seconds: number): FileInputError {
	return new FileInputError(tooLongError(name, seconds, MAX_STREAM_SECONDS).message);
}

/**
 * Opens an uploaded file as a stream for the engine, or returns null when this browser cannot decode
 * it in a worker (the page then falls back to Web Audio). The duration is checked from the header
 * before anything is decoded, so a small file that claims hours is refused at once. `startSec`
 * opens a WAV at that time (the stream's `startSample` says where it begins).
 */
export async function openFileStream(file: Blob, name: string, startSec = 0): Promise<AudioStream | null> {
	if (file.size === 0) throw new FileInputError(`“${name}” is empty (0 bytes).`);
	const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
	if (isWav(head)) {
		try {
			// A WAV resumes by byte range; other formats are decoded from the start and the engine
			// discards what lies before `startSec` (skipStream).
			const wav = await openWavBlob(file, undefined, startSec);
			const seconds = wav.layout.frames / wav.layout.sampleRate;
			if (seconds > MAX_STREAM_SECONDS) throw tooLong(name, seconds);
			return wav;
		} catch (err) {
			if (err instanceof WavError)
				throw new FileInputError(`“${name}” cannot be read as WAV: ${err.message}.`);
			throw err;
		}
	}
	if (typeof AudioDecoder === 'undefined') return null;
	return openMediaStream(file, name);
}

async function openMediaStream(file: Blob, name: string): Promise<AudioStream | null> {
	const input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
	try {
		const track = await input.getPrimaryAudioTrack().catch(() => null);
		if (!track || !(await track.canDecode())) {
			input.dispose();
			return null;
		}
		const seconds = (await input.getDurationFromMetadata()) ?? (await input.computeDuration());
		if (seconds > MAX_STREAM_SECONDS) throw tooLong(name, seconds);
		const rate = await track.getSampleRate();
		const resampler = new StreamResampler(rate, ENGINE_SAMPLE_RATE);
		const samples = new AudioSampleSink(track).samples();
		let ended = false;
		let decodedFrames = 0;
		return {
			expectedLength: Math.round(seconds * ENGINE_SAMPLE_RATE),
			async next() {
				if (ended) return null;
				const pieces: Float32Array[] = [];
				let n = 0;
				while (n < PIECE_SAMPLES) {
					const { value: sample, done } = await samples.next();
					if (done) {
						ended = true;
						pieces.push(resampler.finish());
						break;
					}
					try {
						const channels = Array.from({ length: sample.numberOfChannels }, (_, c) => {
							const plane = new Float32Array(sample.numberOfFrames);
							sample.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
							return plane;
						});
						decodedFrames += sample.numberOfFrames;
						// A header that understates the length must not let a file run past the limit.
						if (decodedFrames / rate > MAX_STREAM_SECONDS) throw tooLong(name, decodedFrames / rate);
						const out = resampler.push(toMono(channels));
						pieces.push(out);
						n += out.length;
					} finally {
						sample.close();
					}
				}
				if (ended) input.dispose();
				return join(pieces);
			},
			async close() {
				if (!ended) await samples.return();
				ended = true;
				input.dispose();
			}
		};
	} catch (err) {
		input.dispose();
		if (err instanceof FileInputError) throw err;
		throw new FileInputError(
			`“${name}” could not be decoded as audio: ${err instanceof Error ? err.message : String(err)}.`
		);
	}
}

function join(pieces: Float32Array[]): Float32Array {
	if (pieces.length === 1) return pieces[0];
	const out = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of pieces) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}
