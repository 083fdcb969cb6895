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

/**
 * Mono audio at ENGINE_SAMPLE_RATE delivered in order, piece by piece: what a decoder that reads a
 * file front to back (a WAV or a compressed file read from a Blob in the browser worker) gives.
 */
export interface AudioStream {
	/** Samples the container announces; for the length check and progress. The stream may end sooner or later. */
	readonly expectedLength: number;
	/** The next samples (any length, kept by the caller), or null at the end. */
	next(): Promise<Float32Array | null>;
	/** Stops decoding and frees what the stream holds; safe to call twice. */
	close(): Promise<void>;
	/**
	 * The recording's sample the stream's first sample is (a stream opened at an offset, e.g. a WAV
	 * read from a byte range); absent means 0. `expectedLength` counts from the recording's start.
	 */
	readonly startSample?: number;
}

/**
 * The part of a stream from sample `from` of the recording on: what lies before is decoded and
 * discarded (a stream already opened at or past `from` is returned as it is). The result reports
 * `startSample: from`.
 */
export function skipStream(stream: AudioStream, from: number): AudioStream {
	let skip = Math.max(0, Math.round(from) - (stream.startSample ?? 0));
	if (skip === 0) return stream;
	return {
		expectedLength: stream.expectedLength,
		startSample: (stream.startSample ?? 0) + skip,
		async next() {
			for (;;) {
				const piece = await stream.next();
				if (!piece || skip === 0) return piece;
				if (piece.length <= skip) {
					skip -= piece.length;
					continue;
				}
				const rest = piece.subarray(skip);
				skip = 0;
				return rest;
			}
		},
		close: () => stream.close()
	};
}

/** A source read front to back in pieces of `chunk` samples. */
export function sourceStream(source: AudioSource, chunk = SCAN_CHUNK): AudioStream {
	let at = 0;
	return {
		expectedLength: source.length,
		next: async () => {
			if (at >= source.length) return null;
			const end = Math.min(source.length, at + chunk);
			const piece = source.read(at, end).slice();
			at = end;
			return piece;
		},
		close: async () => {}
	};
}

/**
 * The recent samples of a stream: appended at the end, dropped from the front once no segment can
 * need them. Memory stays at the span between the two, not the recording's length.
 */
export class PcmWindow {
	private readonly pieces: { start: number; samples: Float32Array }[] = [];
	/** Samples appended so far (the index one past the last). */
	end = 0;

	/** Appends the next samples. */
	append(samples: Float32Array): void {
		if (samples.length > 0) this.pieces.push({ start: this.end, samples });
		this.end += samples.length;
	}

	/** Forgets pieces that end at or before `sample`. */
	drop(sample: number): void {
		let n = 0;
		while (n < this.pieces.length && this.pieces[n].start + this.pieces[n].samples.length <= sample) n++;
		this.pieces.splice(0, n);
	}

	/** Samples held now. */
	get held(): number {
		return this.pieces.reduce((n, p) => n + p.samples.length, 0);
	}

	/** A copy of samples [start, end), which must still be held. */
	read(start: number, end: number): Float32Array {
		if (!(0 <= start && start <= end && end <= this.end)) {
			throw new RangeError(`read(${start}, ${end}) outside 0..${this.end}`);
		}
		const out = new Float32Array(end - start);
		let filled = start;
		for (const p of this.pieces) {
			const pEnd = p.start + p.samples.length;
			if (pEnd <= filled || p.start >= end) continue;
			if (p.start > filled) break;
			const to = Math.min(end, pEnd);
			out.set(p.samples.subarray(filled - p.start, to - p.start), filled - start);
			filled = to;
		}
		if (filled < end) throw new RangeError(`samples from ${filled} were already dropped`);
		return out;
	}
}
