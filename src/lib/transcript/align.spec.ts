import { describe, expect, it } from 'vitest';
import { alignWords, totalWer, wer, werFromOps, type AlignOp } from './align';

const w = (s: string) => (s === '' ? [] : s.split(' '));

/** Textbook Levenshtein distance, independent of the implementation under test. */
function distance(a: string[], b: string[]): number {
	const d = Array.from({ length: a.length + 1 }, (_, i) =>
		Array.from({ length: b.length + 1 }, (_, j) => i + j)
	);
	for (let i = 1; i <= a.length; i++)
		for (let j = 1; j <= b.length; j++)
			d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
	return d[a.length][b.length];
}

/** Checks that ops walk both sequences once, in order, with ops consistent with the words. */
function checkValid(ref: string[], hyp: string[], ops: AlignOp[]) {
	let i = 0;
	let j = 0;
	for (const o of ops) {
		if (o.ref !== null) expect(o.ref).toBe(i++);
		if (o.hyp !== null) expect(o.hyp).toBe(j++);
		if (o.op === 'correct') expect(ref[o.ref!]).toBe(hyp[o.hyp!]);
		if (o.op === 'substitution') expect(ref[o.ref!]).not.toBe(hyp[o.hyp!]);
		if (o.op === 'insertion') expect(o.ref).toBeNull();
		if (o.op === 'deletion') expect(o.hyp).toBeNull();
	}
	expect(i).toBe(ref.length);
	expect(j).toBe(hyp.length);
}

const cost = (ops: AlignOp[]) => ops.filter((o) => o.op !== 'correct').length;

/** Compact form: c=correct, s=substitution, i=insertion, d=deletion. */
const code = (ops: AlignOp[]) => ops.map((o) => o.op[0]).join('');

function rng(seed: number) {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

describe('alignWords', () => {
	it.each([
		['', '', ''],
		['a b c', '', 'ddd'],
		['', 'a b', 'ii'],
		['a b c', 'a b c', 'ccc'],
		['a b c', 'a x c', 'csc'],
		['a b c', 'a c', 'cdc'],
		['a c', 'a b c', 'cic'],
		// ties: substitutions as late as possible, deletions/insertions as early as possible
		['a b', 'c', 'ds'],
		['c', 'a b', 'is'],
		['a b', 'b a', 'ss'],
		// the common prefix is matched before the table, so the surplus word is deleted after it
		['a a a', 'a a', 'ccd'],
		['x a b', 'a b y', 'dcci'],
		['héllo wörld 東京', 'héllo world 東京', 'csc'],
		['Case', 'case', 's']
	])('%j vs %j → %s', (ref, hyp, expected) => {
		const ops = alignWords(w(ref), w(hyp));
		checkValid(w(ref), w(hyp), ops);
		expect(code(ops)).toBe(expected);
	});

	it('finds a minimal alignment on random inputs (both paths)', () => {
		const r = rng(7);
		for (let t = 0; t < 300; t++) {
			const len = () => Math.floor(r() * 12);
			const word = () => 'abcd'[Math.floor(r() * 4)];
			const ref = Array.from({ length: len() }, word);
			const hyp = Array.from({ length: len() }, word);
			const ops = alignWords(ref, hyp);
			checkValid(ref, hyp, ops);
			expect(cost(ops)).toBe(distance(ref, hyp));
			const split = alignWords(ref, hyp, { maxTraceCells: 4 });
			checkValid(ref, hyp, split);
			expect(cost(split)).toBe(distance(ref, hyp));
		}
	});

	it('is deterministic', () => {
		const ref = w('the cat sat on the mat with the hat');
		const hyp = w('a cat sat the mat on with hat the');
		expect(alignWords(ref, hyp)).toEqual(alignWords([...ref], [...hyp]));
	});

	it('aligns 10,000 words against 10,000 edited words in reasonable time', () => {
		const r = rng(42);
		const vocab = Array.from({ length: 500 }, (_, i) => `w${i}`);
		const ref = Array.from({ length: 10_000 }, () => vocab[Math.floor(r() * vocab.length)]);
		const hyp: string[] = ['start-noise'];
		let expectedMax = 1;
		for (const x of ref) {
			const p = r();
			if (p < 0.04) {
				hyp.push('sub');
				expectedMax++;
			} else if (p < 0.07) {
				expectedMax++;
			} else if (p < 0.1) {
				hyp.push(x, 'ins');
				expectedMax++;
			} else hyp.push(x);
		}
		hyp.push('end-noise');
		expectedMax++;
		const t0 = performance.now();
		const ops = alignWords(ref, hyp);
		const ms = performance.now() - t0;
		checkValid(ref, hyp, ops);
		expect(cost(ops)).toBeLessThanOrEqual(expectedMax);
		expect(cost(ops)).toBeGreaterThan(expectedMax * 0.8);
		expect(ms).toBeLessThan(20_000);
		console.log(`alignWords 10k×${hyp.length}: ${ms.toFixed(0)} ms, cost ${cost(ops)}`);
	});
});

describe('wer', () => {
	it.each([
		['', '', { wer: 0, substitutions: 0, insertions: 0, deletions: 0, referenceWords: 0 }],
		['', 'noise words', { wer: 1, substitutions: 0, insertions: 2, deletions: 0, referenceWords: 0 }],
		['one two', '', { wer: 1, substitutions: 0, insertions: 0, deletions: 2, referenceWords: 2 }],
		[
			'the cat sat',
			'the cat sat',
			{ wer: 0, substitutions: 0, insertions: 0, deletions: 0, referenceWords: 3 }
		],
		[
			'the cat sat',
			'a cat sat down',
			{ wer: 2 / 3, substitutions: 1, insertions: 1, deletions: 0, referenceWords: 3 }
		],
		[
			'Mr. Smith paid $42.',
			'mister smith paid forty two dollars',
			{ wer: 0, substitutions: 0, insertions: 0, deletions: 0, referenceWords: 6 }
		]
	])('%j vs %j', (ref, hyp, expected) => {
		expect(wer(ref, hyp)).toEqual(expected);
	});

	it('compares raw words when normalisation is off or custom', () => {
		expect(wer('Hello, world', 'hello world', false).substitutions).toBe(1);
		expect(wer('Hello, world', 'hello world', (s) => s.toLowerCase().replace(/,/g, '')).wer).toBe(0);
	});

	it('counts from ops and sums a corpus', () => {
		const a = werFromOps(alignWords(w('a b c d'), w('a x c')));
		expect(a).toEqual({ wer: 0.5, substitutions: 1, insertions: 0, deletions: 1, referenceWords: 4 });
		const b = wer('e f', 'e f g', false);
		expect(totalWer([a, b])).toEqual({
			wer: 0.5,
			substitutions: 1,
			insertions: 1,
			deletions: 1,
			referenceWords: 6
		});
		expect(totalWer([])).toEqual({
			wer: 0,
			substitutions: 0,
			insertions: 0,
			deletions: 0,
			referenceWords: 0
		});
	});
});
