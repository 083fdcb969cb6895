/**
 * 16 kHz mono audio as the engine reads it: in pieces. A recording in memory is one kind of source;
 * a WAV file read on demand (wav-file.ts, Node) is another, so that an hour of audio never has to be
 * held in memory at once (230 MB as Float32).
 */
export interface AudioSource {
	/** Samples at 16 kHz. */
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
