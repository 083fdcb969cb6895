/**
 * Mixes channels down to mono by averaging; a single channel is returned as is.
 */
export function toMono(channels: readonly Float32Array[]): Float32Array {
	if (channels.length === 0) return new Float32Array(0);
	if (channels.length === 1) return channels[0];
	const out = new Float32Array(channels[0].length);
	for (const ch of channels) for (let i = 0; i < out.length; i++) out[i] += ch[i];
	const scale = 1 / channels.length;
	for (let i = 0; i < out.length; i++) out[i] *= scale;
	return out;
}

/**
 * Band-limited resampling by windowed-sinc interpolation (Blackman window, `halfTaps` zero crossings
 * each side). When downsampling, the sinc is widened so the cutoff sits at 95% of the target's
 * Nyquist frequency: energy above it would otherwise fold back into the speech band as noise.
 * Output length is round(input * to / from), so durations are kept to the sample.
 */
export function resample(input: Float32Array, from: number, to: number, halfTaps = 16): Float32Array {
	const plan = resamplePlan(input.length, from, to, halfTaps);
	if (from === to) return input;
	return resampleRange(plan, input, 0, 0, plan.outLength);
}

/** What resampling a signal of `inputLength` samples needs to know, shared by every range of it. */
export interface ResamplePlan {
	inputLength: number;
	outLength: number;
	ratio: number;
	cutoff: number;
	width: number;
}

/** Validates the rates and works out the plan; throws for a rate that is not positive. */
export function resamplePlan(inputLength: number, from: number, to: number, halfTaps = 16): ResamplePlan {
	if (!(from > 0 && to > 0)) throw new Error(`invalid sample rates ${from} -> ${to}`);
	const ratio = to / from;
	const cutoff = Math.min(1, ratio) * 0.95;
	return { inputLength, outLength: Math.round(inputLength * ratio), ratio, cutoff, width: halfTaps / cutoff };
}

/** The input samples [lo, hi) that output samples [start, end) read. */
export function resampleWindow(plan: ResamplePlan, start: number, end: number): { lo: number; hi: number } {
	const { ratio, width, inputLength } = plan;
	return {
		lo: Math.max(0, Math.ceil(start / ratio - width)),
		hi: Math.min(inputLength, Math.floor((end - 1) / ratio + width) + 1)
	};
}

/**
 * Output samples [start, end) of the resampled signal, from `input` holding the original samples
 * from index `inputOffset` on (at least resampleWindow's range). Reading a long recording piece by
 * piece this way gives exactly the samples `resample` gives for the whole of it.
 */
export function resampleRange(
	plan: ResamplePlan,
	input: Float32Array,
	inputOffset: number,
	start: number,
	end: number
): Float32Array {
	const { ratio, cutoff, width, inputLength } = plan;
	const out = new Float32Array(end - start);
	for (let i = start; i < end; i++) {
		const center = i / ratio;
		const lo = Math.max(0, Math.ceil(center - width));
		const hi = Math.min(inputLength - 1, Math.floor(center + width));
		let acc = 0;
		let norm = 0;
		for (let j = lo; j <= hi; j++) {
			const x = j - center;
			const w = kernel(x * cutoff, x / width);
			acc += input[j - inputOffset] * w;
			norm += w;
		}
		// Normalising by the summed weights keeps DC gain exactly 1, also at the edges.
		out[i - start] = norm !== 0 ? acc / norm : 0;
	}
	return out;
}

function kernel(t: number, windowPos: number): number {
	const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
	const p = (windowPos + 1) / 2; // 0..1 across the window
	const blackman = 0.42 - 0.5 * Math.cos(2 * Math.PI * p) + 0.08 * Math.cos(4 * Math.PI * p);
	return sinc * blackman;
}

/**
 * `resample` for a signal that arrives in pieces of unknown total length: `push` returns the output
 * samples the input so far determines, `finish` the rest. The concatenated output is exactly
 * `resample` of the whole signal, while only a few dozen input samples are held between pieces.
 */
export class StreamResampler {
	private readonly plan: ResamplePlan;
	private buffer = new Float32Array(0);
	/** Index of buffer[0] in the whole input. */
	private bufferStart = 0;
	private received = 0;
	/** The next output sample to produce. */
	private next = 0;

	constructor(
		private readonly from: number,
		private readonly to: number,
		halfTaps = 16
	) {
		// The input length matters only for clamping at the end; finish() supplies it.
		this.plan = resamplePlan(Infinity, from, to, halfTaps);
	}

	/** Takes the next input samples; returns the output samples they complete. */
	push(input: Float32Array): Float32Array {
		if (this.from === this.to) return input;
		const joined = new Float32Array(this.buffer.length + input.length);
		joined.set(this.buffer);
		joined.set(input, this.buffer.length);
		this.buffer = joined;
		this.received += input.length;
		const { ratio, width } = this.plan;
		// Output i reads input up to floor(i / ratio + width): take every i whose window is all here.
		let end = this.next;
		while (Math.floor(end / ratio + width) < this.received) end++;
		return this.emit(this.plan, end);
	}

	/** The output samples after the last input, with the edge handled as `resample` handles it. */
	finish(): Float32Array {
		if (this.from === this.to) return new Float32Array(0);
		const plan = { ...this.plan, inputLength: this.received };
		return this.emit(plan, Math.round(this.received * plan.ratio));
	}

	private emit(plan: ResamplePlan, end: number): Float32Array {
		const out = resampleRange(plan, this.buffer, this.bufferStart, this.next, Math.max(this.next, end));
		this.next = Math.max(this.next, end);
		// Keep what the next output still reads.
		const keepFrom = Math.min(this.received, Math.max(0, Math.ceil(this.next / plan.ratio - plan.width)));
		if (keepFrom > this.bufferStart) {
			this.buffer = this.buffer.slice(keepFrom - this.bufferStart);
			this.bufferStart = keepFrom;
		}
		return out;
	}
}
