// Word times from the decoder's cross-attention, aligned with dynamic time warping: the method
// OpenAI's Whisper (timing.py) and transformers.js (`_extract_token_timestamps`) use. Each decoding
// step attends over the encoder frames; a few heads attend where the token being written is spoken.
// Their weights, standardised per frame over the tokens and median-filtered along time, form a
// token x frame similarity; the cheapest monotonic path through it gives each token its frames.
import type { Word } from '../../transcript/types';
import type { CrossAttention } from './model';

/** A head chosen for alignment: [decoder layer, head in that layer]. */
export type AlignmentHead = readonly [layer: number, head: number];

/**
 * Median of each window of `width` values (odd) along a row, the edges padded by reflection, as
 * Whisper's `median_filter` does. A width of 1 or a row shorter than half the width is returned as is.
 */
export function medianFilter(row: Float32Array, width: number): Float32Array {
	if (width % 2 !== 1 || width < 1)
		throw new Error(`median filter width must be odd and positive, got ${width}`);
	const half = (width - 1) / 2;
	if (width === 1 || row.length <= half) return row.slice();
	const out = new Float32Array(row.length);
	const window = new Float32Array(width);
	const at = (i: number) => row[i < 0 ? -i : i >= row.length ? 2 * (row.length - 1) - i : i];
	for (let i = 0; i < row.length; i++) {
		for (let k = 0; k < width; k++) window[k] = at(i - half + k);
		window.sort();
		out[i] = window[half];
	}
	return out;
}

/**
 * The token x frame similarity of the chosen heads: each head's weights standardised per frame over
 * the tokens (so frames every token attends to, such as the first, stop standing out), median
 * filtered along time, then averaged over the heads. Rows are decoding steps, as in `attention`.
 */
export function alignmentMatrix(
	attention: CrossAttention,
	heads: readonly AlignmentHead[],
	medianWidth = 7
): Float32Array[] {
	const { frames, steps } = attention;
	const rows = steps.length;
	const out = Array.from({ length: rows }, () => new Float32Array(frames));
	if (rows === 0 || heads.length === 0) return out;
	const column = new Float64Array(rows);
	for (const [layer, head] of heads) {
		const li = attention.layers.indexOf(layer);
		if (li < 0 || head < 0 || head >= attention.heads)
			throw new Error(`alignment head [${layer}, ${head}] is not among the decoder's attention outputs`);
		const offset = (li * attention.heads + head) * frames;
		const normed = Array.from({ length: rows }, () => new Float32Array(frames));
		for (let f = 0; f < frames; f++) {
			let mean = 0;
			for (let r = 0; r < rows; r++) mean += column[r] = steps[r][offset + f];
			mean /= rows;
			let variance = 0;
			for (let r = 0; r < rows; r++) variance += (column[r] - mean) ** 2;
			// Unbiased, as torch.std_mean; one row has no spread, and then only the mean is removed.
			const std = rows > 1 ? Math.sqrt(variance / (rows - 1)) : 0;
			for (let r = 0; r < rows; r++) normed[r][f] = std > 0 ? (column[r] - mean) / std : column[r] - mean;
		}
		for (let r = 0; r < rows; r++) {
			const smooth = medianFilter(normed[r], medianWidth);
			for (let f = 0; f < frames; f++) out[r][f] += smooth[f] / heads.length;
		}
	}
	return out;
}

/**
 * The monotonic path from (0, 0) to (rows-1, cols-1) through `cost` with the least total cost, each
 * move one row down, one column right, or both (Whisper's `dtw_cpu`; ties prefer the diagonal, then
 * down). Returns the row and column of every cell on the path, in order.
 */
export function dynamicTimeWarping(cost: readonly Float32Array[]): { rows: number[]; cols: number[] } {
	const n = cost.length;
	const m = n > 0 ? cost[0].length : 0;
	if (n === 0 || m === 0) return { rows: [], cols: [] };
	const w = m + 1;
	const acc = new Float64Array((n + 1) * w).fill(Infinity);
	const trace = new Uint8Array((n + 1) * w);
	acc[0] = 0;
	for (let j = 1; j <= m; j++) {
		for (let i = 1; i <= n; i++) {
			const diag = acc[(i - 1) * w + j - 1];
			const up = acc[(i - 1) * w + j];
			const left = acc[i * w + j - 1];
			let best = diag;
			let t = 0;
			if (up < best) [best, t] = [up, 1];
			if (left < best) [best, t] = [left, 2];
			acc[i * w + j] = cost[i - 1][j - 1] + best;
			trace[i * w + j] = t;
		}
	}
	const rows: number[] = [];
	const cols: number[] = [];
	let i = n;
	let j = m;
	while (i > 0 || j > 0) {
		rows.push(i - 1);
		cols.push(j - 1);
		// Along the edges only one move is possible.
		const t = i === 0 ? 2 : j === 0 ? 1 : trace[i * w + j];
		if (t === 0) [i, j] = [i - 1, j - 1];
		else if (t === 1) i--;
		else j--;
		if (i === 0 && j === 0) break;
	}
	return { rows: rows.reverse(), cols: cols.reverse() };
}

/**
 * Each row's first and last frame on the path (inclusive): the frames its token was aligned to.
 * Every row has at least one frame on a DTW path.
 */
export function rowSpans(
	path: { rows: number[]; cols: number[] },
	rowCount: number
): { first: number; last: number }[] {
	const spans = Array.from({ length: rowCount }, () => ({ first: Infinity, last: -Infinity }));
	for (let k = 0; k < path.rows.length; k++) {
		const s = spans[path.rows[k]];
		s.first = Math.min(s.first, path.cols[k]);
		s.last = Math.max(s.last, path.cols[k]);
	}
	return spans;
}

/**
 * Word times inside a segment from cross-attention: a word starts at the first frame of its first
 * token and ends after the last frame of its last token. `words` carry the index range of their
 * tokens (from `tokensToWords`); `offset` is the segment's start in seconds. Times are clamped to
 * [offset, end] and kept in order.
 */
export function crossAttentionWordTimes(
	words: readonly { text: string; confidence: number; firstToken: number; lastToken: number }[],
	attention: CrossAttention,
	heads: readonly AlignmentHead[],
	offset: number,
	end: number,
	medianWidth = 7
): Word[] {
	const matrix = alignmentMatrix(attention, heads, medianWidth);
	const path = dynamicTimeWarping(matrix.map((row) => row.map((v) => -v)));
	const spans = rowSpans(path, matrix.length);
	const { frameSeconds } = attention;
	const clamp = (t: number) => Math.min(end, Math.max(offset, t));
	let previousEnd = offset;
	return words.map((w) => {
		const first = spans[Math.min(w.firstToken, spans.length - 1)];
		const last = spans[Math.min(w.lastToken, spans.length - 1)];
		const start = Math.max(previousEnd, clamp(offset + first.first * frameSeconds));
		const stop = Math.max(start, clamp(offset + (last.last + 1) * frameSeconds));
		previousEnd = stop;
		return { text: w.text, start: round3(start), end: round3(stop), confidence: round3(w.confidence) };
	});
}

function round3(x: number): number {
	return Math.round(x * 1000) / 1000;
}
