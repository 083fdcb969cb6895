/**
 * Word alignment (Levenshtein) and word error rate.
 *
 * `alignWords` finds a minimum-cost alignment with unit costs for substitution, insertion and deletion.
 * Words are compared exactly (normalise first if you want case-insensitive matching).
 *
 * Tie-breaking, so that equal inputs always give the same alignment: the common prefix and suffix are
 * matched directly; for the middle, the dynamic-programming table is filled and traced back from the
 * end, and where several moves reach the same minimum cost the trace prefers, in order, the diagonal
 * (correct or substitution), then a deletion (reference word without partner), then an insertion.
 * Because the trace runs backwards, substitutions end up as late as possible and deletions/insertions
 * as early as possible among equal-cost alignments.
 *
 * Cost: O(n·m) time after trimming; memory is two rows of costs plus two bits per cell for the trace
 * (25 MB for 10,000 × 10,000 words). Above MAX_TRACE_CELLS the middle is split in two at the
 * cost-optimal point (Hirschberg; the limit is an option so tests can force this path) and each half aligned the same way, which keeps memory bounded; the
 * total cost stays minimal but ties may then resolve differently from a single table.
 */

import { normalizeText } from './normalize';

/** One step of a word alignment; `ref`/`hyp` index into the input arrays, null on the side that has no word. */
export interface AlignOp {
	op: 'correct' | 'substitution' | 'insertion' | 'deletion';
	ref: number | null;
	hyp: number | null;
}

/** Error counts of one hypothesis against one reference. */
export interface WerResult {
	/** (substitutions + deletions + insertions) / referenceWords; 0 when both are empty, 1 when only the reference is. */
	wer: number;
	substitutions: number;
	insertions: number;
	deletions: number;
	referenceWords: number;
}

const MAX_TRACE_CELLS = 120_000_000;

const DIAG = 0;
const UP = 1; // deletion: reference word consumed
const LEFT = 2; // insertion: hypothesis word consumed

function toIds(ref: readonly string[], hyp: readonly string[]): [Int32Array, Int32Array] {
	const ids = new Map<string, number>();
	const map = (words: readonly string[]) => {
		const out = new Int32Array(words.length);
		words.forEach((w, i) => {
			let id = ids.get(w);
			if (id === undefined) {
				id = ids.size;
				ids.set(w, id);
			}
			out[i] = id;
		});
		return out;
	};
	return [map(ref), map(hyp)];
}

/** Full table with a packed 2-bit trace; appends ops for a[a0,a1) × b[b0,b1) to `out`. */
function alignTable(
	a: Int32Array,
	a0: number,
	a1: number,
	b: Int32Array,
	b0: number,
	b1: number,
	out: AlignOp[]
) {
	const n = a1 - a0;
	const m = b1 - b0;
	const width = m + 1;
	const trace = new Uint8Array(Math.ceil(((n + 1) * width) / 4));
	const setTrace = (cell: number, dir: number) => {
		trace[cell >> 2] |= dir << ((cell & 3) * 2);
	};
	let prev = new Uint32Array(width);
	let cur = new Uint32Array(width);
	for (let j = 0; j <= m; j++) {
		prev[j] = j;
		if (j > 0) setTrace(j, LEFT);
	}
	for (let i = 1; i <= n; i++) {
		const ai = a[a0 + i - 1];
		const row = i * width;
		cur[0] = i;
		setTrace(row, UP);
		for (let j = 1; j <= m; j++) {
			const diag = prev[j - 1] + (ai === b[b0 + j - 1] ? 0 : 1);
			const up = prev[j] + 1;
			const left = cur[j - 1] + 1;
			let best = diag;
			let dir = DIAG;
			if (up < best) {
				best = up;
				dir = UP;
			}
			if (left < best) {
				best = left;
				dir = LEFT;
			}
			cur[j] = best;
			if (dir !== DIAG) setTrace(row + j, dir);
		}
		const t = prev;
		prev = cur;
		cur = t;
	}
	const ops: AlignOp[] = [];
	let i = n;
	let j = m;
	while (i > 0 || j > 0) {
		const cell = i * width + j;
		const dir = (trace[cell >> 2] >> ((cell & 3) * 2)) & 3;
		if (dir === DIAG) {
			const same = a[a0 + i - 1] === b[b0 + j - 1];
			ops.push({ op: same ? 'correct' : 'substitution', ref: a0 + i - 1, hyp: b0 + j - 1 });
			i--;
			j--;
		} else if (dir === UP) {
			ops.push({ op: 'deletion', ref: a0 + i - 1, hyp: null });
			i--;
		} else {
			ops.push({ op: 'insertion', ref: null, hyp: b0 + j - 1 });
			j--;
		}
	}
	for (let k = ops.length - 1; k >= 0; k--) out.push(ops[k]);
}

/** Last row of edit costs of a[a0,a1) against every prefix of b[b0,b1), optionally both read backwards. */
function lastRow(
	a: Int32Array,
	a0: number,
	a1: number,
	b: Int32Array,
	b0: number,
	b1: number,
	reverse: boolean
) {
	const m = b1 - b0;
	let prev = new Uint32Array(m + 1);
	let cur = new Uint32Array(m + 1);
	for (let j = 0; j <= m; j++) prev[j] = j;
	const n = a1 - a0;
	for (let i = 1; i <= n; i++) {
		const ai = reverse ? a[a1 - i] : a[a0 + i - 1];
		cur[0] = i;
		for (let j = 1; j <= m; j++) {
			const bj = reverse ? b[b1 - j] : b[b0 + j - 1];
			const diag = prev[j - 1] + (ai === bj ? 0 : 1);
			cur[j] = Math.min(diag, prev[j] + 1, cur[j - 1] + 1);
		}
		const t = prev;
		prev = cur;
		cur = t;
	}
	return prev;
}

function alignRange(
	a: Int32Array,
	a0: number,
	a1: number,
	b: Int32Array,
	b0: number,
	b1: number,
	out: AlignOp[],
	maxCells: number
) {
	while (a0 < a1 && b0 < b1 && a[a0] === b[b0]) {
		out.push({ op: 'correct', ref: a0++, hyp: b0++ });
	}
	const tail: AlignOp[] = [];
	while (a1 > a0 && b1 > b0 && a[a1 - 1] === b[b1 - 1]) {
		tail.push({ op: 'correct', ref: --a1, hyp: --b1 });
	}
	const n = a1 - a0;
	const m = b1 - b0;
	if (n === 0) {
		for (let j = b0; j < b1; j++) out.push({ op: 'insertion', ref: null, hyp: j });
	} else if (m === 0) {
		for (let i = a0; i < a1; i++) out.push({ op: 'deletion', ref: i, hyp: null });
	} else if ((n + 1) * (m + 1) <= maxCells || n === 1) {
		alignTable(a, a0, a1, b, b0, b1, out);
	} else {
		const mid = a0 + (n >> 1);
		const fwd = lastRow(a, a0, mid, b, b0, b1, false);
		const bwd = lastRow(a, mid, a1, b, b0, b1, true);
		let split = 0;
		let best = Infinity;
		for (let k = 0; k <= m; k++) {
			const cost = fwd[k] + bwd[m - k];
			if (cost < best) {
				best = cost;
				split = k;
			}
		}
		alignRange(a, a0, mid, b, b0, b0 + split, out, maxCells);
		alignRange(a, mid, a1, b, b0 + split, b1, out, maxCells);
	}
	for (let k = tail.length - 1; k >= 0; k--) out.push(tail[k]);
}

/** Aligns hypothesis words to reference words with minimum Levenshtein cost (tie-breaking in the file header). */
export function alignWords(
	reference: readonly string[],
	hypothesis: readonly string[],
	opts: { maxTraceCells?: number } = {}
): AlignOp[] {
	const [a, b] = toIds(reference, hypothesis);
	const out: AlignOp[] = [];
	alignRange(a, 0, a.length, b, 0, b.length, out, opts.maxTraceCells ?? MAX_TRACE_CELLS);
	return out;
}

/** Counts the error kinds of an alignment into a WER result. */
export function werFromOps(ops: readonly AlignOp[]): WerResult {
	let substitutions = 0;
	let insertions = 0;
	let deletions = 0;
	let referenceWords = 0;
	for (const o of ops) {
		if (o.ref !== null) referenceWords++;
		if (o.op === 'substitution') substitutions++;
		else if (o.op === 'insertion') insertions++;
		else if (o.op === 'deletion') deletions++;
	}
	const errors = substitutions + insertions + deletions;
	const wer = referenceWords === 0 ? (errors === 0 ? 0 : 1) : errors / referenceWords;
	return { wer, substitutions, insertions, deletions, referenceWords };
}

/**
 * Word error rate of `hyp` against `ref`. Both texts go through `normalise` before splitting on
 * whitespace: `true` (default) uses `normalizeText` (see ./normalize.ts), `false` compares raw words,
 * a function is used as given.
 */
export function wer(
	ref: string,
	hyp: string,
	normalise: boolean | ((text: string) => string) = true
): WerResult {
	const fn = normalise === true ? normalizeText : normalise === false ? (s: string) => s : normalise;
	const split = (s: string) => {
		const t = fn(s).trim();
		return t === '' ? [] : t.split(/\s+/);
	};
	return werFromOps(alignWords(split(ref), split(hyp)));
}

/** Corpus WER: sums the counts of several results, so long files weigh more than short ones. */
export function totalWer(results: readonly WerResult[]): WerResult {
	const sum = { substitutions: 0, insertions: 0, deletions: 0, referenceWords: 0 };
	for (const r of results) {
		sum.substitutions += r.substitutions;
		sum.insertions += r.insertions;
		sum.deletions += r.deletions;
		sum.referenceWords += r.referenceWords;
	}
	const errors = sum.substitutions + sum.insertions + sum.deletions;
	const wer = sum.referenceWords === 0 ? (errors === 0 ? 0 : 1) : errors / sum.referenceWords;
	return { wer, ...sum };
}
