// Node only: a WAV file as an AudioSource, read from disk piece by piece. Samples come out exactly
// as wavToMono16k would give them for the whole file (same decoding, mix-down and resampling).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { AudioSource } from '../audio-source';
import { resamplePlan, resampleRange, resampleWindow, toMono, type ResamplePlan } from '../resample';
import { ENGINE_SAMPLE_RATE } from '../models';
import { decodeFrames, frameBytes, readWavLayout, type WavLayout } from '../wav';

/** Enough for the RIFF header and the chunks before the data in any ordinary file. */
const HEAD_BYTES = 1 << 20;

export interface WavFileSource extends AudioSource {
	readonly truncated: boolean;
	close(): void;
}

/**
 * Opens a WAV file for reading on demand, or returns null when its layout cannot be found in the
 * first megabyte (the caller then reads the whole file). Throws WavError for a file that is not a
 * WAV file or one we cannot decode.
 */
export function openWavFile(path: string): WavFileSource | null {
	const fd = openSync(path, 'r');
	try {
		const size = fstatSync(fd).size;
		const head = readAt(fd, 0, Math.min(size, HEAD_BYTES));
		const layout = readWavLayout(head, size);
		if (!layout) {
			closeSync(fd);
			return null;
		}
		return new WavReader(fd, layout);
	} catch (err) {
		closeSync(fd);
		throw err;
	}
}

function readAt(fd: number, position: number, length: number): Uint8Array {
	const out = new Uint8Array(length);
	let done = 0;
	while (done < length) {
		const n = readSync(fd, out, done, length - done, position + done);
		if (n === 0) break;
		done += n;
	}
	return out.subarray(0, done);
}

class WavReader implements WavFileSource {
	readonly length: number;
	readonly truncated: boolean;
	private readonly plan: ResamplePlan | null;

	constructor(
		private fd: number | null,
		private readonly layout: WavLayout
	) {
		this.truncated = layout.truncated;
		this.plan =
			layout.sampleRate === ENGINE_SAMPLE_RATE
				? null
				: resamplePlan(layout.frames, layout.sampleRate, ENGINE_SAMPLE_RATE);
		this.length = this.plan ? this.plan.outLength : layout.frames;
	}

	read(start: number, end: number): Float32Array {
		if (!(0 <= start && start <= end && end <= this.length))
			throw new RangeError(`read(${start}, ${end}) outside 0..${this.length}`);
		if (!this.plan) return this.mono(start, end);
		if (start === end) return new Float32Array(0);
		const { lo, hi } = resampleWindow(this.plan, start, end);
		return resampleRange(this.plan, this.mono(lo, hi), lo, start, end);
	}

	/** Frames [start, end) at the file's own rate, mixed to mono. */
	private mono(start: number, end: number): Float32Array {
		if (this.fd === null) throw new Error('the WAV file is closed');
		const size = frameBytes(this.layout);
		const bytes = readAt(this.fd, this.layout.dataOffset + start * size, (end - start) * size);
		const channels = decodeFrames(bytes, this.layout);
		if (channels[0].length !== end - start) throw new Error('the WAV file changed while it was being read');
		return toMono(channels);
	}

	close(): void {
		if (this.fd !== null) closeSync(this.fd);
		this.fd = null;
	}
}
