import { describe, expect, it } from 'vitest';
import { compareRatings, compareWer, mixtureSequentialTest, sequentialDifference } from './compare';
import { mulberry32, randomInt, randomNormal, type Random } from '../shared/random';
import { cappedRatio, type Cluster } from './ratio';
import { WER_CAP, type WerRow } from './wer';

describe('mixtureSequentialTest', () => {
	it.each<[number, number, number, number, boolean]>([
		// V = 1, τ² = 1, Δ = 0: Λ = √(1/2) = 0.70711, p = min(1, 1.414) = 1.
		[0, 1, 0.70711, 1, false],
		// Δ = 3: Λ = √(1/2) · e^(9/4) = 0.70711 · 9.4877 = 6.7088, p = 0.14906.
		[3, 1, 6.7088, 0.14906, false],
		// Δ = 4: Λ = 0.70711 · e^4 = 38.607 ≥ 1/0.05 = 20 → significant, p = 0.025902.
		[4, 1, 38.607, 0.025902, true],
		// Negative differences are symmetric.
		[-4, 1, 38.607, 0.025902, true]
	])('Δ = %s, V = %s', (difference, variance, ratio, p, significant) => {
		const t = mixtureSequentialTest(difference, variance, { tau: 1 });
		expect(Math.exp(t.logLikelihoodRatio)).toBeCloseTo(ratio, 3);
		expect(t.pValue).toBeCloseTo(p, 5);
		expect(t.significant).toBe(significant);
		// Radius √(V (V + τ²)/τ² · (2 ln 20 + ln 2)) = √(2 · 6.6846) = 3.6564.
		expect(t.high - difference).toBeCloseTo(3.6564, 4);
		expect(t.low > 0 || t.high < 0).toBe(significant);
	});

	it('stays finite, and survives JSON, on overwhelming evidence', () => {
		// Δ = 0.06 with V = 1e-7 (a regression over a million corrections): ln Λ = 0.5 ln(1e-7 / (1 + 1e-7))
		// + 0.0036 / (2e-7 (1 + 1e-7)) = −8.0590 + 17,999.998 = 17,991.94; Λ = e^17,992 is no double.
		const t = mixtureSequentialTest(0.06, 1e-7, { tau: 1 });
		expect(t.logLikelihoodRatio).toBeCloseTo(17_991.94, 1);
		expect(t.pValue).toBe(0);
		expect(t.significant).toBe(true);
		expect(JSON.parse(JSON.stringify(t))).toEqual(t);
	});

	it('rejects bad inputs', () => {
		expect(() => mixtureSequentialTest(0, 0, { tau: 1 })).toThrow(RangeError);
		expect(() => mixtureSequentialTest(0, 1, { tau: 0 })).toThrow(RangeError);
		expect(() => mixtureSequentialTest(0, 1, { tau: 1, alpha: 1 })).toThrow(RangeError);
		expect(() => mixtureSequentialTest(NaN, 1, { tau: 1 })).toThrow(RangeError);
	});
});

// A simulated rollout: each day 8 new installations use each version; an installation has its own
// WER (log-normal spread around the version's, sd 40 %) and 50–300 words, errors drawn binomially
// (normal approximation). The dashboard looks once a day at the cumulative data, 30 days.
function installation(random: Random, id: string, wer: number): Cluster {
	const words = 50 + randomInt(random, 251);
	const p = Math.min(0.9, wer * Math.exp(0.4 * randomNormal(random) - 0.08));
	const errors = Math.round(words * p + Math.sqrt(words * p * (1 - p)) * randomNormal(random));
	return { installationId: id, numerator: Math.min(words, Math.max(0, errors)), denominator: words };
}

function simulate(seed: number, experiments: number, baseWer: number, candidateWer: number) {
	const random = mulberry32(seed);
	let sequentialAlarms = 0;
	let naiveAlarms = 0;
	const detectionDays: number[] = [];
	for (let e = 0; e < experiments; e++) {
		const a: Cluster[] = [];
		const b: Cluster[] = [];
		let sequential = false;
		let naive = false;
		for (let day = 1; day <= 30; day++) {
			for (let i = 0; i < 8; i++) {
				a.push(installation(random, `a${day}-${i}`, baseWer));
				b.push(installation(random, `b${day}-${i}`, candidateWer));
			}
			const ra = cappedRatio(a, WER_CAP);
			const rb = cappedRatio(b, WER_CAP);
			const t = sequentialDifference(ra, rb, { tau: 0.03 });
			if (t?.significant && !sequential) {
				sequential = true;
				detectionDays.push(day);
			}
			// The fixed-sample z-test a naive dashboard would show each day.
			const z = (rb.estimate! - ra.estimate!) / Math.sqrt(ra.variance! + rb.variance!);
			if (a.length >= 10 && Math.abs(z) >= 1.96) naive = true;
		}
		if (sequential) sequentialAlarms++;
		if (naive) naiveAlarms++;
	}
	return { sequential: sequentialAlarms / experiments, naive: naiveAlarms / experiments, detectionDays };
}

describe('sequential release comparison under daily looks (simulation)', () => {
	it('keeps false alarms ≤ 5 % over 30 daily looks when nothing changed; daily z-tests do not', () => {
		const r = simulate(2026, 300, 0.15, 0.15);
		expect(r.sequential).toBeLessThanOrEqual(0.05);
		// Measured: 2.7 % sequential, 29 % for a 5 % fixed-sample z-test looked at every day.
		expect(r.naive).toBeGreaterThan(0.1);
	});

	it('detects a 30 % relative WER regression (0.15 → 0.195) within 30 days', () => {
		const r = simulate(11, 100, 0.15, 0.195);
		expect(r.sequential).toBeGreaterThanOrEqual(0.95);
		const meanDay = r.detectionDays.reduce((s, d) => s + d, 0) / r.detectionDays.length;
		expect(meanDay).toBeLessThan(10);
	});
});

const wrow = (id: string, errors: number, words: number): WerRow => ({
	installationId: id,
	errors,
	referenceWords: words,
	hypothesisWords: words
});

describe('compareWer / compareRatings', () => {
	const base = Array.from({ length: 12 }, (_, i) => wrow(`a${i}`, 10 + (i % 3), 100));
	const cand = Array.from({ length: 12 }, (_, i) => wrow(`b${i}`, 20 + (i % 3), 100));

	it('reports both figures, the difference, the fixed-sample interval and the test', () => {
		// Base 132/1200 = 0.11, candidate 252/1200 = 0.21: +0.1 with per-installation spread ±0.01.
		const c = compareWer(base, cand, { seed: 1 })!;
		expect(c.baseline).toBeCloseTo(0.11, 12);
		expect(c.candidate).toBeCloseTo(0.21, 12);
		expect(c.difference).toBeCloseTo(0.1, 12);
		expect(c.fixedLow).toBeLessThan(0.1);
		expect(c.fixedHigh).toBeGreaterThan(0.1);
		expect(c.sequential?.significant).toBe(true);
		expect(c.sequential!.low).toBeLessThan(c.fixedLow);
		expect(c.installations).toEqual({ baseline: 12, candidate: 12 });
		expect(compareWer(base, cand, { seed: 1 })).toEqual(c);
	});

	it('does not test versions with fewer than minInstallations installations', () => {
		expect(compareWer(base.slice(0, 9), cand, { seed: 1 })!.sequential).toBeNull();
		expect(compareWer(base.slice(0, 9), cand, { seed: 1, minInstallations: 5 })!.sequential).not.toBeNull();
		expect(compareWer([], cand, { seed: 1 })).toBeNull();
	});

	it('compares mean ratings the same way', () => {
		// Baseline: 12 installations rating 4; candidate: 12 rating 3 or 4 alternately → mean 3.5.
		const a = Array.from({ length: 12 }, (_, i) => ({ installationId: `a${i}`, stars: 4 }));
		const b = Array.from({ length: 12 }, (_, i) => ({ installationId: `b${i}`, stars: 3 + (i % 2) }));
		const c = compareRatings(a, b, { seed: 2 })!;
		expect(c.difference).toBeCloseTo(-0.5, 12);
		expect(c.sequential).not.toBeNull();
	});
});
