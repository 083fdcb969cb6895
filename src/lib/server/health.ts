/**
 * Telemetry health (GET /api/v1/health, and the dashboard's health section through `healthSeries`):
 * hourly counts of accepted events per type (by received_at, from the rollup_hourly rollup kept at
 * ingestion) and of rejections (rejections_hourly), over the last WINDOW_HOURS whole and current hours,
 * judged by the rules of quality/health.ts. Hours are UTC 'YYYY-MM-DDTHH' strings.
 */
import type { Kysely } from 'kysely';
import type { HealthReport } from '../contracts/health';
import { telemetryAlerts, type HealthOptions, type HourlyCounts } from '../quality/health';
import type { Database } from './db/tables';

/** Hours the rules see: the 48-hour baseline plus a day of the problem. */
export const WINDOW_HOURS = 72;

const HOUR_MS = 3600_000;

/** 'YYYY-MM-DDTHH' of a time (UTC). */
function hourKey(t: Date): string {
	return t.toISOString().slice(0, 13);
}

/** The contiguous hourly series ending with the hour of `now`, zeros where nothing arrived. */
export function hourlySeries(
	now: Date,
	hours: number,
	accepted: readonly { hour: string; type: string; n: unknown }[],
	rejected: readonly { hour: string; n: unknown }[]
): HourlyCounts[] {
	const last = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
	const series = Array.from({ length: hours }, (_, i) => {
		const key = hourKey(new Date(last - (hours - 1 - i) * HOUR_MS));
		return { key, row: { hour: `${key}:00Z`, accepted: {} as Record<string, number>, rejected: 0 } };
	});
	const byKey = new Map(series.map((s) => [s.key, s.row]));
	for (const a of accepted) {
		const row = byKey.get(a.hour);
		if (row) row.accepted[a.type] = (row.accepted[a.type] ?? 0) + Number(a.n);
	}
	for (const r of rejected) {
		const row = byKey.get(r.hour);
		if (row) row.rejected += Number(r.n);
	}
	return series.map((s) => s.row);
}

/** The hourly series of the `hours` hours ending with now's: the one source of both health views. */
export async function healthSeries(db: Kysely<Database>, now: Date, hours: number): Promise<HourlyCounts[]> {
	const from = hourKey(new Date((Math.floor(now.getTime() / HOUR_MS) - (hours - 1)) * HOUR_MS));
	const [accepted, rejected] = await Promise.all([
		db
			.selectFrom('rollup_hourly')
			.where('hour', '>=', from)
			.select(['hour', 'type', 'events as n'])
			.execute(),
		db
			.selectFrom('rejections_hourly')
			.where('hour', '>=', from)
			.select(['hour', (eb) => eb.fn.sum('count').as('n')])
			.groupBy('hour')
			.execute()
	]);
	return hourlySeries(now, hours, accepted, rejected);
}

/** Hourly counts over the window and the alerts of the health rules; `status` is 'alert' when any fired. */
export async function telemetryHealth(
	db: Kysely<Database>,
	now: Date = new Date(),
	options: HealthOptions = {},
	hours = WINDOW_HOURS
): Promise<HealthReport> {
	const series = await healthSeries(db, now, hours);
	// A type that stopped is still in the series through its baseline hours, so the rules see it.
	const alerts = telemetryAlerts(series, options);
	const totals: Record<string, number> = {};
	for (const h of series) for (const [t, n] of Object.entries(h.accepted)) totals[t] = (totals[t] ?? 0) + n;
	return {
		status: alerts.length > 0 ? 'alert' : 'ok',
		alerts,
		counts: { hours, accepted: totals, rejected: series.reduce((s, h) => s + h.rejected, 0) }
	};
}
