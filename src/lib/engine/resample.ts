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
	if (!(from > 0 && to > 0)) throw new Error(`invalid sample rates ${from} -> ${to}`);
	if (from === to) return input;
	const ratio = to / from;
	const outLength = Math.round(input.length * ratio);
	const out = new Float32Array(outLength);
	const cutoff = Math.min(1, ratio) * 0.95;
	const width = halfTaps / cutoff;
	for (let i = 0; i < outLength; i++) {
		const center = i / ratio;
		const lo = Math.max(0, Math.ceil(center - width));
		const hi = Math.min(input.length - 1, Math.floor(center + width));
		let acc = 0;
		let norm = 0;
		for (let j = lo; j <= hi; j++) {
			const x = j - center;
			const w = kernel(x * cutoff, x / width);
			acc += input[j] * w;
			norm += w;
		}
		// Normalising by the summed weights keeps DC gain exactly 1, also at the edges.
		out[i] = norm !== 0 ? acc / norm : 0;
	}
	return out;
}

function kernel(t: number, windowPos: number): number {
	const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
	const p = (windowPos + 1) / 2; // 0..1 across the window
	const blackman = 0.42 - 0.5 * Math.cos(2 * Math.PI * p) + 0.08 * Math.cos(4 * Math.PI * p);
	return sinc * blackman;
}
