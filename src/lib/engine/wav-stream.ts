// A WAV file in a Blob (a File the user chose, in the browser worker) read front to back in slices,
// never whole: the samples come out exactly as wavToMono16k gives them for the whole file.
import type { AudioStream } from './audio-source';
import { ENGINE_SAMPLE_RATE } from './models';
import { resamplePlan, StreamResampler, toMono } from './resample';
import { decodeFrames, frameBytes, readWavLayout, WavError, type WavLayout } from './wav';

/** Enough for the RIFF header and the chunks before the data in any ordinary file. */
const HEAD_BYTES = 1 << 20;
/**
 * Bytes read per slice: 1 MB, about 33 s of 16 kHz 16-bit mono. A slice is held as bytes, as decoded
 * samples and in the engine's window until its last segment is decoded; 4 MB slices (2 minutes)
 * kept some 25 MB of PCM in flight in the worker for no gain in speed.
 */
export const WAV_SLICE_BYTES = 1 << 20;
/**
 * The first slice: 64 kB, two seconds of 16 kHz 16-bit mono. Each slice after doubles up to the full
 * size: the engine runs the VAD over a whole slice before it decodes a word, so a first slice of two
 * minutes kept the first words waiting for two minutes of VAD.
 */
export const WAV_FIRST_SLICE_BYTES = 64 << 10;

/** A WAV stream and what its header says. */
export interface WavStream extends AudioStream {
	readonly layout: WavLayout;
}

/**
 * Opens a WAV file in a Blob as a stream of mono samples at ENGINE_SAMPLE_RATE. Throws WavError for a
 * file that is not WAV or that we cannot decode, including one whose header is not in its first MB.
 */
export async function openWavBlob(
	blob: Blob,
	sliceBytes = WAV_SLICE_BYTES,
	/** Start reading here (a resumed run): the bytes before are never read. */
	startSec = 0
): Promise<WavStream> {
	const head = new Uint8Array(await blob.slice(0, HEAD_BYTES).arrayBuffer());
	const layout = readWavLayout(head, blob.size);
	if (!layout) throw new WavError('WAV header is too long (no audio data in the first megabyte)');
	const size = frameBytes(layout);
	let slice = Math.min(sliceBytes, WAV_FIRST_SLICE_BYTES);
	const resampler = new StreamResampler(layout.sampleRate, ENGINE_SAMPLE_RATE);
	let frame = Math.min(layout.frames, Math.max(0, Math.floor(startSec * layout.sampleRate)));
	let done = false;
	return {
		layout,
		// Where the first sample lands at the engine's rate (the resampler starts afresh here).
		startSample: Math.round((frame * ENGINE_SAMPLE_RATE) / layout.sampleRate),
		expectedLength: resamplePlan(layout.frames, layout.sampleRate, ENGINE_SAMPLE_RATE).outLength,
		async next() {
			if (done) return null;
			if (frame >= layout.frames) {
				done = true;
				const rest = resampler.finish();
				return rest.length > 0 ? rest : null;
			}
			const n = Math.min(Math.max(1, Math.floor(slice / size)), layout.frames - frame);
			slice = Math.min(sliceBytes, slice * 2);
			const at = layout.dataOffset + frame * size;
			const bytes = new Uint8Array(await blob.slice(at, at + n * size).arrayBuffer());
			if (bytes.length !== n * size) throw new WavError('the file changed while it was being read');
			frame += n;
			const mono = toMono(decodeFrames(bytes, layout));
			return resampler.push(mono);
		},
		async close() {
			done = true;
		}
	};
}
