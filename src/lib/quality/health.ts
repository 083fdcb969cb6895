/**
 * Telemetry health rules on hourly counts: an event type that stopped, all telemetry that stopped, a
 * jump in rejections.
 *
 * Input: one row per hour, ascending and contiguous (hours without events as zeros), with accepted
 * events per type and rejected events. Each rule looks at the trailing run of suspicious hours, so
 * an alert names the hour the problem began (`since`) and clears as soon as an hour is normal again.
 *
 * (a) Type stopped: type T has had no event in the trailing run of hours starting at `since`, but in
 *     the `baselineHours` before it T arrived at least `minBaseline` times. Other types keep the
 *     clock: T's expected count in the run is λ = (T / others in the baseline) · others in the run,
 *     which follows the day-night rhythm of traffic and is 0 when everything stopped (an outage: rule
 *     (c)). Alert when λ ≥ `minExpected` (default 5: seeing 0 by chance has probability e⁻⁵ ≈
 *     0.7 %). This catches "corrections stop while transcriptions continue".
 * (c) Telemetry stopped: no event of any type was accepted in the trailing run of hours starting at
 *     `since`. With no other type to keep the clock, the day before does: λ = Σ over the run's hours
 *     of the count at the same hour of the most recent day before the run (h − 24 k, k ≥ 1, the first
 *     that falls before the run), so a quiet night expects what last night brought. Alert when λ ≥
 *     `minOutageExpected` (default 20, looser than (a)'s 5: one day's traffic is not a Poisson draw of
 *     the day before's; a weekend day with a quarter of it still shows 0 by chance with probability
 *     e⁻⁵ ≈ 0.7 %). This catches the failure no per-type rule sees: a release whose outbox never sends,
 *     a proxy that stopped forwarding, an ingestion that refuses everything silently.
 * (b) Rejection jump: the trailing run of hours whose rejection share exceeds the share over the
 *     `baselineHours` before that hour by `minIncrease`; hours without traffic neither extend nor break
 *     it. Alert when the run holds ≥ `minRejections` rejections and its pooled share is above the
 *     baseline share p₀ (smoothed: (r + 1) / (n + 2)) by a binomial z ≥ `z` (default 4). A new level
 *     that persists becomes the baseline after about `baselineHours`: this rule is about jumps.
 */

/** One hour of telemetry counts. */
export interface HourlyCounts {
	/** Start of the hour, e.g. '2026-11-30T14:00Z'; ascending, contiguous. */
	hour: string;
	/** Accepted events per event type. */
	accepted: Readonly<Record<string, number>>;
	/** Rejected events (all reasons). */
	rejected: number;
}

/** A health alert. */
export interface HealthAlert {
	code: 'event-type-stopped' | 'telemetry-stopped' | 'rejection-rate-jump';
	message: string;
	/** The first hour of the problem. */
	since: string;
}

/** Thresholds of the health rules. */
export interface HealthOptions {
	baselineHours?: number;
	minBaseline?: number;
	minExpected?: number;
	minOutageExpected?: number;
	minIncrease?: number;
	minRejections?: number;
	z?: number;
}

const DEFAULTS: Required<HealthOptions> = {
	baselineHours: 48,
	minBaseline: 10,
	minExpected: 5,
	minOutageExpected: 20,
	minIncrease: 0.05,
	minRejections: 5,
	z: 4
};

function check(hours: readonly HourlyCounts[]): void {
	const bad = (v: number) => !Number.isFinite(v) || v < 0;
	hours.forEach((h, i) => {
		if (i > 0 && !(h.hour > hours[i - 1].hour)) throw new RangeError(`hours must be ascending: ${h.hour}`);
		if (bad(h.rejected) || Object.values(h.accepted).some(bad))
			throw new RangeError(`counts must be finite numbers ≥ 0 at ${h.hour}`);
	});
}

const total = (h: HourlyCounts) => Object.values(h.accepted).reduce((s, c) => s + c, 0);

/** Alerts for event types that stopped arriving while others continue. */
export function stoppedTypes(hours: readonly HourlyCounts[], options: HealthOptions = {}): HealthAlert[] {
	check(hours);
	const o = { ...DEFAULTS, ...options };
	const types = [...new Set(hours.flatMap((h) => Object.keys(h.accepted)))].sort();
	const alerts: HealthAlert[] = [];
	for (const type of types) {
		const count = (h: HourlyCounts) => h.accepted[type] ?? 0;
		let start = hours.length;
		while (start > 0 && count(hours[start - 1]) === 0) start--;
		if (start === hours.length) continue;
		const baseline = hours.slice(Math.max(0, start - o.baselineHours), start);
		const quiet = hours.slice(start);
		const typeBase = baseline.reduce((s, h) => s + count(h), 0);
		const othersBase = baseline.reduce((s, h) => s + total(h) - count(h), 0);
		const othersQuiet = quiet.reduce((s, h) => s + total(h) - count(h), 0);
		if (typeBase < o.minBaseline || othersBase === 0) continue;
		const expected = (typeBase / othersBase) * othersQuiet;
		if (expected < o.minExpected) continue;
		alerts.push({
			code: 'event-type-stopped',
			message: `no ${type} events since ${hours[start].hour} while ${othersQuiet} other events arrived (about ${Math.round(expected)} ${type} expected)`,
			since: hours[start].hour
		});
	}
	return alerts;
}

/** An alert when no event at all was accepted in the trailing hours while the day before had traffic. */
export function telemetryStopped(hours: readonly HourlyCounts[], options: HealthOptions = {}): HealthAlert[] {
	check(hours);
	const o = { ...DEFAULTS, ...options };
	let start = hours.length;
	while (start > 0 && total(hours[start - 1]) === 0) start--;
	if (start === hours.length) return [];
	let expected = 0;
	for (let i = start; i < hours.length; i++) {
		// The same hour on the latest day before the run (hours are contiguous: 24 rows a day).
		const k = Math.ceil((i - start + 1) / 24);
		const before = i - 24 * k;
		if (before >= 0) expected += total(hours[before]);
	}
	if (expected < o.minOutageExpected) return [];
	return [
		{
			code: 'telemetry-stopped',
			message: `no events accepted since ${hours[start].hour} (about ${Math.round(expected)} expected from the same hours the day before)`,
			since: hours[start].hour
		}
	];
}

/** An alert when the share of rejected events jumped in the trailing hours. */
export function rejectionJump(hours: readonly HourlyCounts[], options: HealthOptions = {}): HealthAlert[] {
	check(hours);
	const o = { ...DEFAULTS, ...options };
	const sums = (from: number, to: number) => {
		let rejected = 0;
		let all = 0;
		for (let i = Math.max(0, from); i < to; i++) {
			rejected += hours[i].rejected;
			all += hours[i].rejected + total(hours[i]);
		}
		return { rejected, all };
	};
	const baseShare = (i: number) => {
		const b = sums(i - o.baselineHours, i);
		return (b.rejected + 1) / (b.all + 2);
	};
	let start = hours.length;
	while (start > 0) {
		const i = start - 1;
		const h = sums(i, i + 1);
		if (h.all > 0 && h.rejected / h.all < baseShare(i) + o.minIncrease) break;
		start = i;
	}
	// Skip leading hours without traffic so that `since` names the first elevated hour.
	while (start < hours.length && sums(start, start + 1).all === 0) start++;
	if (start === hours.length || start === 0) return [];
	const run = sums(start, hours.length);
	const p0 = baseShare(start);
	const z = (run.rejected - run.all * p0) / Math.sqrt(run.all * p0 * (1 - p0));
	if (run.rejected < o.minRejections || z < o.z) return [];
	const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
	return [
		{
			code: 'rejection-rate-jump',
			message: `${pct(run.rejected / run.all)} of events rejected since ${hours[start].hour} (${run.rejected} of ${run.all}), against ${pct(p0)} before`,
			since: hours[start].hour
		}
	];
}

/** All telemetry health alerts for the hourly series (empty when healthy). */
export function telemetryAlerts(hours: readonly HourlyCounts[], options: HealthOptions = {}): HealthAlert[] {
	return [
		...stoppedTypes(hours, options),
		...telemetryStopped(hours, options),
		...rejectionJump(hours, options)
	];
}
