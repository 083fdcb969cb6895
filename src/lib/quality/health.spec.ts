import { describe, expect, it } from 'vitest';
import { rejectionJump, stoppedTypes, telemetryAlerts, telemetryStopped, type HourlyCounts } from './health';

const hour = (i: number) =>
	`2026-11-${String(1 + Math.floor(i / 24)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00Z`;

// 48 normal hours: 10 transcriptions and 4 corrections an hour, 1 rejection in 100 events
// (one every 7 hours, roughly), then `tail` hours from `f`.
function series(tail: number, f: (i: number) => Partial<HourlyCounts['accepted']> & { rejected?: number }) {
	const out: HourlyCounts[] = [];
	for (let i = 0; i < 48; i++)
		out.push({
			hour: hour(i),
			accepted: { transcription: 10, correction: 4 },
			rejected: i % 7 === 0 ? 1 : 0
		});
	for (let j = 0; j < tail; j++) {
		const { rejected = 0, ...accepted } = f(j);
		out.push({ hour: hour(48 + j), accepted: accepted as Record<string, number>, rejected });
	}
	return out;
}

describe('stoppedTypes', () => {
	it.each<[string, number, (j: number) => Record<string, number>, string[]]>([
		['healthy', 3, () => ({ transcription: 10, correction: 4 }), []],
		// Corrections stop; in 2 hours 20 transcriptions arrive: expected 192/480 · 20 = 8 ≥ 5 → alert.
		[
			'corrections stop while transcriptions go on',
			2,
			() => ({ transcription: 10, correction: 0 }),
			['correction']
		],
		// After one hour only 4 are expected (192/480 · 10): not yet.
		['too early to tell', 1, () => ({ transcription: 10 }), []],
		// Everything stops: nothing expected from the others' clock; an outage is not this rule.
		['everything stops', 5, () => ({}), []],
		// Recovery: the last hour has corrections again, the alert clears.
		['recovered', 4, (j) => ({ transcription: 10, correction: j === 3 ? 2 : 0 }), []]
	])('%s', (_, tail, f, types) => {
		const alerts = stoppedTypes(series(tail, f));
		expect(alerts.map((a) => a.message.split(' ')[1])).toEqual(types);
		alerts.forEach((a) => {
			expect(a.code).toBe('event-type-stopped');
			expect(a.since).toBe(hour(48));
		});
	});

	it('names the hour the type stopped and the evidence', () => {
		const [alert] = stoppedTypes(series(3, () => ({ transcription: 10 })));
		expect(alert).toEqual({
			code: 'event-type-stopped',
			// 192 corrections vs 480 transcriptions before; 30 transcriptions since → 12 expected.
			message: `no correction events since ${hour(48)} while 30 other events arrived (about 12 correction expected)`,
			since: hour(48)
		});
	});

	it('ignores a type too rare in the baseline', () => {
		const hours: HourlyCounts[] = Array.from({ length: 60 }, (_, i) => ({
			hour: hour(i),
			accepted: { transcription: 10, rating: i === 10 ? 3 : 0 },
			rejected: 0
		}));
		expect(stoppedTypes(hours)).toEqual([]);
	});
});

describe('rejectionJump', () => {
	it.each<[string, number, (j: number) => Record<string, number>, string | null]>([
		['healthy', 5, () => ({ transcription: 10, correction: 4, rejected: 0 }), null],
		// Baseline share (7 + 1)/(679 + 2) ≈ 1.2 %; 3 hours of 5 rejected of 19 (26 %): z ≫ 4.
		['jump', 3, () => ({ transcription: 10, correction: 4, rejected: 5 }), hour(48)],
		// The jump starts an hour later; one elevated hour already gives z ≫ 4 with 5 rejections.
		[
			'jump from the second hour',
			3,
			(j) => ({ transcription: 10, correction: 4, rejected: j >= 1 ? 5 : 0 }),
			hour(49)
		],
		// Only 2 rejections: below minRejections.
		['too few rejections', 1, () => ({ transcription: 2, rejected: 2 }), null],
		// Recovery: the last hour is clean again.
		['recovered', 4, (j) => ({ transcription: 10, correction: 4, rejected: j < 3 ? 5 : 0 }), null],
		// An hour without any traffic neither breaks nor extends the run.
		[
			'quiet hour inside the jump',
			3,
			(j) =>
				j === 2
					? { transcription: 0, correction: 0, rejected: 0 }
					: { transcription: 10, correction: 4, rejected: 5 },
			hour(48)
		]
	])('%s', (_, tail, f, since) => {
		const alerts = rejectionJump(series(tail, f));
		expect(alerts.map((a) => a.since)).toEqual(since === null ? [] : [since]);
		alerts.forEach((a) => expect(a.code).toBe('rejection-rate-jump'));
	});

	it('rejects unsorted hours and negative counts', () => {
		const s = series(0, () => ({}));
		expect(() => rejectionJump([s[1], s[0]])).toThrow(RangeError);
		expect(() => stoppedTypes([{ hour: hour(0), accepted: { x: -1 }, rejected: 0 }])).toThrow(RangeError);
	});
});

describe('telemetryStopped', () => {
	// λ sums, over the silent hours, the same hours of the latest day before the silence (14 an hour).
	it.each<[string, number, (j: number) => Record<string, number>, number | null]>([
		['healthy', 3, () => ({ transcription: 10, correction: 4 }), null],
		// One silent hour: λ = 14 < 20, not yet.
		['one silent hour', 1, () => ({}), null],
		// Two: λ = 28 ≥ 20.
		['two silent hours', 2, () => ({}), 28],
		// 30 hours: the first 24 look back one day (24 · 14), the next 6 two days, to hours before the run.
		['a day and more', 30, () => ({}), 24 * 14 + 6 * 14],
		// Only rejections arrive: nothing is accepted, so it is an outage of accepted telemetry.
		['only rejected events', 3, () => ({ rejected: 20 }), 42],
		// One type is enough to keep it quiet (rule (a) speaks about the others).
		['one type left', 3, () => ({ rating: 1 }), null],
		['recovered', 4, (j): Record<string, number> => (j === 3 ? { transcription: 1 } : {}), null]
	])('%s', (_, tail, f, expected) => {
		const alerts = telemetryStopped(series(tail, f));
		if (expected === null) return expect(alerts).toEqual([]);
		expect(alerts).toEqual([
			{
				code: 'telemetry-stopped',
				message: `no events accepted since ${hour(48)} (about ${expected} expected from the same hours the day before)`,
				since: hour(48)
			}
		]);
	});

	it('expects of a night what the nights before brought', () => {
		// Two days with no traffic from 00:00 to 05:59 and 20 an hour otherwise, then a silent night.
		const day = (i: number): Record<string, number> => (i % 24 < 6 ? {} : { transcription: 20 });
		const hours: HourlyCounts[] = Array.from({ length: 54 }, (_, i) => ({
			hour: hour(i),
			accepted: i < 48 ? day(i) : {},
			rejected: 0
		}));
		expect(telemetryStopped(hours)).toEqual([]);
		// The same night after a day that did have traffic at night: an outage.
		hours.slice(24, 30).forEach((h) => (h.accepted = { transcription: 5 }));
		expect(telemetryStopped(hours).map((a) => a.since)).toEqual([hour(48)]);
	});

	it('says nothing without a day before to compare with', () => {
		const hours: HourlyCounts[] = Array.from({ length: 20 }, (_, i): HourlyCounts => ({
			hour: hour(i),
			accepted: i < 10 ? { transcription: 100 } : {},
			rejected: 0
		}));
		expect(telemetryStopped(hours)).toEqual([]);
	});
});

describe('telemetryAlerts', () => {
	it('returns both kinds together and nothing when healthy', () => {
		expect(telemetryAlerts(series(2, () => ({ transcription: 10, correction: 4 })))).toEqual([]);
		const alerts = telemetryAlerts(series(3, () => ({ transcription: 10, rejected: 6 })));
		expect(alerts.map((a) => a.code)).toEqual(['event-type-stopped', 'rejection-rate-jump']);
		expect(telemetryAlerts(series(3, () => ({}))).map((a) => a.code)).toEqual(['telemetry-stopped']);
	});
});
