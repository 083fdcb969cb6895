import { describe, expect, it } from 'vitest';
import type { RolloutSettings } from '../../contracts/rollout';
import { BUCKETS, assignArm, bucketOf, experimentId } from './assign';
import type { Catalog, CatalogModel } from './catalog';

const model = (id: string, version = '1.0'): CatalogModel => ({
	id,
	version,
	sha256: 'a'.repeat(64),
	displayName: id,
	highlightThreshold: 0.6,
	highlightThresholdSource: 'default'
});
const catalog: Catalog = new Map([
	['tiny', model('tiny')],
	['base', model('base', '2.0')],
	['other', model('other')]
]);
const sampling = { correction: 1, review: 1, rating: 1, outcome: 1 };
const settings = (candidate: RolloutSettings['candidate']): RolloutSettings => ({
	default: 'tiny',
	candidate,
	sampling
});

/** Deterministic pseudo-random UUIDs (mulberry32), so the statistical tests cannot flake. */
function uuids(n: number, seed = 42): string[] {
	let a = seed;
	const rand = () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const hex = (k: number) => Array.from({ length: k }, () => Math.floor(rand() * 16).toString(16)).join('');
	return Array.from({ length: n }, () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`);
}

describe('experimentId', () => {
	it.each([
		['no candidate', settings(null), null],
		['names both versions', settings({ model: 'base', percent: 5 }), 'tiny@1.0~base@2.0'],
		['the percent is not part of it', settings({ model: 'base', percent: 50 }), 'tiny@1.0~base@2.0'],
		[
			'another candidate is another experiment',
			settings({ model: 'other', percent: 5 }),
			'tiny@1.0~other@1.0'
		]
	])('%s', (_name, s, expected) => expect(experimentId(s, catalog)).toBe(expected));
});

describe('bucketOf', () => {
	const id = '0b7e2c4d-5a61-4f38-8e92-6d1c3b4a5f70';
	it('is deterministic, in range, and ignores the case of the installation id', () => {
		const b = bucketOf(id, 'x');
		expect(b).toBeGreaterThanOrEqual(0);
		expect(b).toBeLessThan(BUCKETS);
		expect(bucketOf(id, 'x')).toBe(b);
		expect(bucketOf(id.toUpperCase(), 'x')).toBe(b);
	});
	it('a new experiment reshuffles: buckets of two experiments are unrelated', () => {
		const ids = uuids(10_000, 7);
		const same = ids.filter((i) => bucketOf(i, 'tiny~base') === bucketOf(i, 'tiny~other')).length;
		// Independent buckets agree for 1 % of ids (σ ≈ 0.1 %).
		expect(same / ids.length).toBeLessThan(0.015);
	});
	it('is uniform over 100,000 random ids: every share within ±2 % points, chi-square plausible', () => {
		const ids = uuids(100_000);
		const counts = new Array(BUCKETS).fill(0);
		for (const i of ids) counts[bucketOf(i, 'tiny@1.0~base@2.0')]++;
		let below = 0;
		for (let p = 0; p < BUCKETS; p++) {
			below += counts[p];
			// The candidate's share at percent p + 1 is the ids with bucket ≤ p.
			expect(Math.abs(below / ids.length - (p + 1) / 100)).toBeLessThan(0.02);
		}
		const expected = ids.length / BUCKETS;
		const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
		// 99 degrees of freedom: P(chi2 > 148.2) = 0.001.
		expect(chi2).toBeLessThan(148.2);
	});
});

describe('assignArm', () => {
	const ids = uuids(5_000, 3);
	const candidates = (percent: number, m = 'base') =>
		new Set(ids.filter((i) => assignArm(i, settings({ model: m, percent }), catalog) === 'candidate'));

	it.each([
		['no candidate: everyone default', null, 0],
		['0 %: everyone default', { model: 'base', percent: 0 }, 0],
		['100 %: everyone candidate', { model: 'base', percent: 100 }, ids.length]
	])('%s', (_name, candidate, n) => {
		expect(ids.filter((i) => assignArm(i, settings(candidate), catalog) === 'candidate')).toHaveLength(n);
	});

	it('is sticky: the same installation gets the same arm every time', () => {
		const s = settings({ model: 'base', percent: 30 });
		for (const i of ids.slice(0, 200)) expect(assignArm(i, s, catalog)).toBe(assignArm(i, s, catalog));
	});

	it('is monotone: raising the share only moves installations from default to candidate', () => {
		let previous = new Set<string>();
		for (const p of [0, 1, 5, 10, 25, 50, 75, 99, 100]) {
			const now = candidates(p);
			for (const i of previous) expect(now.has(i)).toBe(true);
			expect(Math.abs(now.size / ids.length - p / 100)).toBeLessThan(0.03);
			previous = now;
		}
	});

	it('a new candidate draws a new sample of installations', () => {
		const a = candidates(50, 'base');
		const b = candidates(50, 'other');
		const overlap = [...a].filter((i) => b.has(i)).length;
		// Independent halves overlap in about a quarter of all ids.
		expect(overlap / ids.length).toBeGreaterThan(0.2);
		expect(overlap / ids.length).toBeLessThan(0.3);
	});
});
