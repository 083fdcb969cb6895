/**
 * Mono audio at the engine's rate (ENGINE_SAMPLE_RATE) as the engine reads it: in pieces. A recording
 * in memory is one kind of source; a WAV file read on demand (node/wav-file.ts) is another, so that an
 * hour of audio never has to be held in memory at once (230 MB as Float32 at 16 kHz).
 */
export interface AudioSource {
	/** Samples at ENGINE_SAMPLE_RATE. */
	readonly length: number;
	/** Samples [start, end), 0 <= start <= end <= length. The result may be a view: do not keep it. */
	read(start: number, end: number): Float32Array;
}

/** A source over samples already in memory. */
export function memorySource(samples: Float32Array): AudioSource {
	return { length: samples.length, read: (start, end) => samples.subarray(start, end) };
}

/** Samples read per piece when a whole source is scanned (4 MB of Float32). */
export const SCAN_CHUNK = 1 << 20;

/** Calls `visit` with consecutive pieces of the source, each at most `chunk` samples. */
export function forEachChunk(
	source: AudioSource,
	visit: (samples: Float32Array, start: number) => void,
	chunk = SCAN_CHUNK
): void {
	for (let start = 0; start < source.length; start += chunk) {
		visit(source.read(start, Math.min(source.length, start + chunk)), start);
	}
}
