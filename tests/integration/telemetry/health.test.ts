/**
 * Fire drill for GET /api/v1/health on SQLite and PostgreSQL: three days of steady traffic, then
 * corrections stop while transcriptions continue (alert), corrections resume (clear), all telemetry
 * stops (alert) and comes back (clear), and a jump in rejected events (alert). The clock is the API's `now`, so events land in the hours the drill says.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardHealthSchema } from '../../../src/lib/contracts/dashboard';
import { healthReportSchema, type HealthReport } from '../../../src/lib/contracts/health';
import type { Api } from '../../../src/lib/server/api';
import { openDatabase, type OpenDatabase } from '../../../src/lib/server/db/open';
import type { TelemetryEvent } from '../../../src/lib/telemetry/schema';
import { backends, clockedApi } from './backends';
import { correction, rating, sessionSummary, transcription, v2 } from './events';

const ADMIN = 'test-admin-token-0123456789abcdef';
const CLIENT = '127.0.0.1';
const HOUR = 3600_000;
const START = Date.parse('2026-11-20T00:00:00Z');

describe.each(backends())('telemetry health fire drill on $name', (backend) => {
	let database: OpenDatabase;
	let api: Api;
	let clock = START;

	beforeAll(async () => {
		await backend.start();
		database = await openDatabase(await backend.newDatabase());
		api = clockedApi(database, ADMIN, () => new Date(clock));
	});
	afterAll(async () => {
		await database?.close();
		await backend.stop();
	});

	// One hour of traffic from four installations: every type but those left out.
	function hourOfTraffic(o: { corrections: boolean }): TelemetryEvent[] {
		const at = new Date(clock + 10 * 60_000).toISOString();
		return Array.from({ length: 4 }, () => {
			const who = { installationId: randomUUID(), transcriptId: `tr-${randomUUID()}` };
			const events: TelemetryEvent[] = [
				transcription(who),
				transcription(who),
				sessionSummary([['s1', 5, 'played']], who),
				v2(rating(4, who), 'default')
			];
			if (o.corrections)
				events.push(v2(correction([['substitution', 'cat', 'hat']], { ...who, segmentId: 's1' }), 'default'));
			return events.map((e) => ({ ...e, occurredAt: at }));
		}).flat();
	}

	async function post(events: unknown[]): Promise<number> {
		const res = await api.postEvents(
			new Request('http://localhost/api/v1/events', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ events })
			}),
			CLIENT
		);
		return res.status;
	}

	async function hours(n: number, o: { corrections: boolean; invalid?: number }): Promise<void> {
		for (let i = 0; i < n; i++) {
			const bad = Array.from({ length: o.invalid ?? 0 }, () => ({ type: 'correction', id: 'nope' }));
			expect([202, 207]).toContain(await post([...hourOfTraffic(o), ...bad]));
			clock += HOUR;
		}
	}

	async function health(): Promise<HealthReport> {
		clock -= HOUR; // look from inside the last hour that got traffic
		const res = await api.getHealth(new Request('http://localhost/api/v1/health'), CLIENT);
		clock += HOUR;
		expect(res.status).toBe(200);
		return healthReportSchema.parse(await res.json());
	}

	it('is ok after three days of steady traffic', async () => {
		await hours(72, { corrections: true });
		const h = await health();
		expect(h).toMatchObject({ status: 'ok', alerts: [] });
		expect(h.counts.accepted.transcription).toBe(72 * 8);
		expect(h.counts.accepted.correction).toBe(72 * 4);
		// Public: counts and codes only, nothing a user wrote.
		expect(JSON.stringify(h)).not.toMatch(/hat|cat|tr-/);
	});

	it('alerts when corrections stop while transcriptions continue, from the first silent hour', async () => {
		const stoppedAt = new Date(clock).toISOString().slice(0, 13);
		await hours(1, { corrections: false });
		expect((await health()).status).toBe('ok'); // λ = 4 expected: not yet convincing
		await hours(2, { corrections: false });
		const h = await health();
		expect(h.status).toBe('alert');
		expect(h.alerts).toEqual([
			expect.objectContaining({ code: 'event-type-stopped', since: `${stoppedAt}:00Z` })
		]);
		expect(h.alerts[0].message).toContain('correction');
	});

	it('clears as soon as corrections resume', async () => {
		await hours(1, { corrections: true });
		expect(await health()).toMatchObject({ status: 'ok', alerts: [] });
	});

	it('alerts when all telemetry stops, and clears when it comes back', async () => {
		const stoppedAt = new Date(clock).toISOString().slice(0, 13);
		// Two hours without a single event: no type keeps the clock for the per-type rule, the day
		// before does (20 events an hour then).
		clock += 2 * HOUR;
		const h = await health(); // from inside the second silent hour
		expect(h.status).toBe('alert');
		expect(h.alerts).toEqual([
			expect.objectContaining({ code: 'telemetry-stopped', since: `${stoppedAt}:00Z` })
		]);
		await hours(1, { corrections: true });
		expect(await health()).toMatchObject({ status: 'ok', alerts: [] });
	});

	it('alerts on a jump in rejected events', async () => {
		await hours(3, { corrections: true });
		expect((await health()).status).toBe('ok');
		const jumpAt = new Date(clock).toISOString().slice(0, 13);
		await hours(2, { corrections: true, invalid: 10 });
		const h = await health();
		expect(h.status).toBe('alert');
		expect(h.alerts).toEqual([
			expect.objectContaining({ code: 'rejection-rate-jump', since: `${jumpAt}:00Z` })
		]);
		expect(h.counts.rejected).toBe(20);
		// The dashboard's health panel reads the same hourly rejections, so it shows the same jump.
		clock -= HOUR;
		const res = await api.getDashboard(
			new Request('http://localhost/api/v1/admin/dashboard/health', {
				headers: { authorization: `Bearer ${ADMIN}` }
			}),
			CLIENT,
			'health'
		);
		clock += HOUR;
		expect(res.status).toBe(200);
		const dash = dashboardHealthSchema.parse(await res.json());
		expect(dash.alerts).toEqual([
			expect.objectContaining({ code: 'rejection-rate-jump', since: `${jumpAt}:00Z` })
		]);
		expect(dash.hours.slice(-2).map((x) => x.rejected)).toEqual([10, 10]);
	});
});
