import { resample, toMono } from './resample';
import { ENGINE_SAMPLE_RATE } from './models';

/** Decoded PCM: one Float32Array per channel, samples in [-1, 1]. */
export interface Pcm {
	sampleRate: number;
	channels: Float32Array[];
}

/** A WAV file the parser cannot read, with a message fit for the user. */
export class WavError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'WavError';
	}
}

/** True when the bytes start like a RIFF/WAVE file. */
export function isWav(bytes: Uint8Array): boolean {
	return bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE';
}

/** Where a WAV file's samples are and how they are stored. */
export interface WavLayout {
	tag: number;
	channels: number;
	sampleRate: number;
	bits: number;
	/** Byte offset of the first sample in the file. */
	dataOffset: number;
	/** Whole frames present (a truncated file has fewer than its header announces). */
	frames: number;
	/** The data chunk is cut short or ends in a partial frame. */
	truncated: boolean;
}

/**
 * Reads the layout of a RIFF WAVE file from its first bytes: PCM 8/16/24/32-bit integer and 32/64-bit
 * float, plain or WAVE_FORMAT_EXTENSIBLE, any rate and channel count. `fileSize` is the size of the
 * whole file when `head` is only its beginning. A data chunk cut short (a truncated download) is read
 * up to the last whole frame and reported as `truncated`, not rejected: the audio that is there is
 * still worth transcribing. Returns null when `head` ends before the data chunk starts.
 */
export function readWavLayout(head: Uint8Array, fileSize = head.length): WavLayout | null {
	if (!isWav(head)) throw new WavError('not a WAV file (no RIFF/WAVE header)');
	const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
	let format: { tag: number; channels: number; rate: number; bits: number } | null = null;
	let offset = 12;
	while (offset + 8 <= head.length) {
		const id = ascii(head, offset, 4);
		const size = view.getUint32(offset + 4, true);
		const body = offset + 8;
		if (id === 'fmt ') {
			if (size < 16 || body + 16 > fileSize) throw new WavError('WAV format chunk is too short');
			if (body + 16 > head.length) return null;
			let tag = view.getUint16(body, true);
			const channels = view.getUint16(body + 2, true);
			const rate = view.getUint32(body + 4, true);
			const bits = view.getUint16(body + 14, true);
			if (tag === 0xfffe && size >= 40 && body + 26 <= head.length) tag = view.getUint16(body + 24, true);
			format = { tag, channels, rate, bits };
		} else if (id === 'data') {
			if (!format) throw new WavError('WAV data comes before its format chunk');
			return checkedLayout(format, body, Math.min(size, fileSize - body), size > fileSize - body);
		}
		offset = body + size + (size & 1);
	}
	if (offset + 8 <= fileSize) return null;
	throw new WavError(format ? 'WAV file has no audio data chunk' : 'WAV file has no format chunk');
}

function checkedLayout(
	f: { tag: number; channels: number; rate: number; bits: number },
	dataOffset: number,
	length: number,
	truncated: boolean
): WavLayout {
	const { tag, channels, rate, bits } = f;
	if (channels < 1) throw new WavError('WAV file declares no channels');
	if (rate < 1000 || rate > 768000) throw new WavError(`unsupported WAV sample rate ${rate} Hz`);
	const isFloat = tag === 3;
	if (!(tag === 1 || isFloat))
		throw new WavError(`unsupported WAV encoding (format tag ${tag}); use PCM or float`);
	if (isFloat ? bits !== 32 && bits !== 64 : ![8, 16, 24, 32].includes(bits)) {
		throw new WavError(`unsupported WAV sample size ${bits} bits`);
	}
	const frameBytes = (bits / 8) * channels;
	return {
		tag,
		channels,
		sampleRate: rate,
		bits,
		dataOffset,
		frames: Math.floor(length / frameBytes),
		truncated: truncated || length % frameBytes !== 0
	};
}

/** Bytes per frame (one sample of every channel). */
export const frameBytes = (l: WavLayout) => (l.bits / 8) * l.channels;

/** Decodes whole frames from `bytes` (starting at a frame boundary) into one array per channel. */
export function decodeFrames(bytes: Uint8Array, layout: WavLayout): Float32Array[] {
	const { tag, channels, bits } = layout;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const bytesPer = bits / 8;
	const size = frameBytes(layout);
	const frames = Math.floor(bytes.length / size);
	const out = Array.from({ length: channels }, () => new Float32Array(frames));
	const isFloat = tag === 3;
	for (let i = 0; i < frames; i++) {
		for (let c = 0; c < channels; c++) {
			const p = i * size + c * bytesPer;
			let v: number;
			if (isFloat) v = bits === 32 ? view.getFloat32(p, true) : view.getFloat64(p, true);
			else if (bits === 8) v = (view.getUint8(p) - 128) / 128;
			else if (bits === 16) v = view.getInt16(p, true) / 32768;
			else if (bits === 24) {
				const x = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
				v = x / 8388608;
			} else v = view.getInt32(p, true) / 2147483648;
			out[c][i] = v;
		}
	}
	return out;
}

/** Parses a whole RIFF WAVE file in memory; see readWavLayout. */
export function parseWav(bytes: Uint8Array): Pcm & { truncated: boolean } {
	const layout = readWavLayout(bytes);
	if (!layout) throw new WavError('WAV file has no audio data chunk');
	const data = bytes.subarray(layout.dataOffset, layout.dataOffset + layout.frames * frameBytes(layout));
	return { sampleRate: layout.sampleRate, channels: decodeFrames(data, layout), truncated: layout.truncated };
}

/** Parses a WAV file and converts it to what the engine takes: mono at ENGINE_SAMPLE_RATE (16 kHz). */
export function wavToMono16k(bytes: Uint8Array): { audio: Float32Array; truncated: boolean } {
	const wav = parseWav(bytes);
	return {
		audio: resample(toMono(wav.channels), wav.sampleRate, ENGINE_SAMPLE_RATE),
		truncated: wav.truncated
	};
}

function ascii(bytes: Uint8Array, at: number, len: number): string {
	return String.fromCharCode(...bytes.subarray(at, at + len));
}
