import { describe, expect, it } from 'vitest';
import { cusum, dailyZ, detectJump, estimateReference, type DailyWer } from './change';
import { mulberry32, randomNormal } from '../shared/random';

const day = (i: number) =>
	`2026-${String(9 + Math.floor(i / 30)).padStart(2, '0')}-${String((i % 30) + 1).padStart(2, '0')}`;

// A daily series with 2000 words a day, WER `base` (from day `shiftDay` on: base · factor), and
// day-to-day noise twice the binomial standard deviation (dispersion 4), from a seed.
function series(seed: number, days: number, base: number, shiftDay = Infinity, factor = 1): DailyWer[] {
	const random = mulberry32(seed);
	return Array.from({ length: days }, (_, i) => {
		const p = i >= shiftDay ? base * factor : base;
		const words = 2000;
		const errors = Math.max(
			0,
			Math.round(words * p + 2 * Math.sqrt(words * p * (1 - p)) * randomNormal(random))
		);
		return { day: day(i), errors, words };
	});
}

describe('estimateReference / dailyZ', () => {
	it('computes the pooled WER and Pearson dispersion by hand', () => {
		// Days 10/100, 30/100, 20/100: p = 60/300 = 0.2; binomial variance 100 · 0.16 = 16;
		// z² = 100/16, 100/16, 0 → Σ = 12.5, over m − 1 = 2 → φ = 6.25.
		const days = [
			{ day: '2026-11-01', errors: 10, words: 100 },
			{ day: '2026-11-02', errors: 30, words: 100 },
			{ day: '2026-11-03', errors: 20, words: 100 }
		];
		const ref = estimateReference(days)!;
		expect(ref.wer).toBeCloseTo(0.2, 12);
		expect(ref.dispersion).toBeCloseTo(6.25, 12);
		// (30 − 20) / √(6.25 · 16) = 10 / 10 = 1.
		expect(dailyZ(days[1], { wer: 0.2, dispersion: 6.25 })).toBeCloseTo(1, 12);
	});

	it('floors the dispersion at 1 and needs 3 days with words', () => {
		const flat = [0, 1, 2].map((i) => ({ day: day(i), errors: 20, words: 100 }));
		expect(estimateReference(flat)).toEqual({ wer: 0.2, dispersion: 1 });
		expect(estimateReference([...flat.slice(0, 2), { day: day(5), errors: 0, words: 0 }])).toBeNull();
	});

	it('rejects unsorted days and negative counts', () => {
		expect(() =>
			estimateReference([
				{ day: day(1), errors: 1, words: 10 },
				{ day: day(0), errors: 1, words: 10 }
			])
		).toThrow(RangeError);
		expect(() => estimateReference([{ day: day(0), errors: -1, words: 10 }])).toThrow(RangeError);
	});
});

describe('cusum', () => {
	it('follows S_t = max(0, S_{t−1} + z_t − k) on a hand series', () => {
		// Reference p = 0.2, φ = 1, 100 words: sd 4 errors. Errors 20, 32, 28, 12 → z = 0, 3, 2, −2.
		// S = max(0, 0 − .5) = 0; 0 + 3 − .5 = 2.5; 2.5 + 2 − .5 = 4; 4 − 2 − .5 = 1.5. With h = 3:
		// the alarm starts on day 3 and is over on day 4 (S = 1.5 ≤ 3).
		const s = [20, 32, 28, 12].map((errors, i) => ({ day: day(i), errors, words: 100 }));
		const r = cusum(s, { reference: { wer: 0.2, dispersion: 1 }, h: 3 })!;
		expect(r.statistic.map((x) => x.s)).toEqual([0, 2.5, 4, 1.5]);
		expect(r.alarm).toBe(false);
		const upTo3 = cusum(s.slice(0, 3), { reference: { wer: 0.2, dispersion: 1 }, h: 3 })!;
		expect(upTo3).toMatchObject({ alarm: true, since: day(1), alarmDay: day(2) });
	});

	it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])(
		'raises no alarm on 120 days without a shift (seed %s)',
		(seed) => {
			// Average run length between false alarms ≈ 900 days; a spurious alarm in 120 would be rare.
			expect(cusum(series(seed, 120, 0.15))!.alarm).toBe(false);
		}
	);

	it.each([1, 2, 3, 4, 5])('flags a 15 % relative rise from day 40 and dates it (seed %s)', (seed) => {
		// Shift 0.0225 against a daily sd of 2 · √(0.15 · 0.85 / 2000) = 0.016: 1.4 sd a day.
		const r = cusum(series(seed, 60, 0.15, 40, 1.15))!;
		expect(r.alarm).toBe(true);
		const since = r.statistic.findIndex((x) => x.day === r.since);
		expect(since).toBeGreaterThanOrEqual(35);
		expect(since).toBeLessThanOrEqual(42);
		const firstAlarm = r.statistic.findIndex((x) => x.day === r.alarmDay);
		expect(firstAlarm - 40).toBeLessThanOrEqual(12);
	});

	it('skips days without words and returns null without a reference', () => {
		const s = [...series(1, 20, 0.15), { day: '2026-12-30', errors: 0, words: 0 }];
		expect(cusum(s)!.statistic).toHaveLength(20);
		expect(cusum(s.slice(0, 2))).toBeNull();
	});
});

describe('detectJump', () => {
	it('computes the before/after z by hand', () => {
		// Before: 3 days of 20/100 (φ = 1, p 0.2); after: 3 days of 30/100 (p 0.3). Pooled 150/600 = 0.25.
		// z = 0.1 / √(0.25 · 0.75 · (1/300 + 1/300)) = 0.1 / 0.035355 = 2.8284: below 3, no jump.
		const s = [20, 20, 20, 30, 30, 30].map((errors, i) => ({ day: day(i), errors, words: 100 }));
		const r = detectJump(s, day(3))!;
		expect(r.before).toBeCloseTo(0.2, 12);
		expect(r.after).toBeCloseTo(0.3, 12);
		expect(r.z).toBeCloseTo(2.8284, 4);
		expect(r.jump).toBeNull();
		expect(detectJump(s, day(3), { threshold: 2.5 })!.jump).toBe('up');
	});

	// A 30 % jump is 0.045 against a 7-day standard error of √(4 · 0.1275 · 2/14000) ≈ 0.0085: z ≈ 5.
	it.each([1, 2, 3, 4, 5])('finds a planted 30 percent jump and none without one (seed %s)', (seed) => {
		expect(detectJump(series(seed, 30, 0.15, 15, 1.3), day(15))!.jump).toBe('up');
		expect(detectJump(series(seed, 30, 0.15, 15, 0.7), day(15))!.jump).toBe('down');
		expect(detectJump(series(seed, 30, 0.15), day(15))!.jump).toBeNull();
	});

	it('needs 3 days each side', () => {
		expect(detectJump(series(1, 5, 0.15), day(2))).toBeNull();
	});
});
