/**
 * The dashboard keeps a window's installation sums for the data version it read them at
 * (dashboard/sections.ts windowSums) and its bootstraps by their inputs (dashboard/memo.ts): on SQLite
 * and PostgreSQL, a request after new events were stored answers from the new data, and one after no
 * change answers exactly as the first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../src/lib/server/db/open';
import { dashboardSection, dataVersion } from '../../../src/lib/server/dashboard/sections';
import { ingestGenerated, SMALL } from '../../../bench/dashboard-data';
import type { DashboardVersions } from '../../../src/lib/contracts/dashboard';
import { backends } from './backends';

const NOW = new Date('2026-12-01T12:00:00Z');
const options = {
	...SMALL,
	installations: 12,
	days: 10,
	now: NOW,
	baseline: { id: 'moonshine-tiny-en', version: '1.1.0', sha256: 'a'.repeat(64) },
	candidate: { id: 'moonshine-tiny-en', version: '1.2.0', sha256: 'b'.repeat(64) }
};

describe.each(backends())('dashboard caches on $name', (backend) => {
	let database: OpenDatabase;
	beforeAll(async () => {
		await backend.start();
		database = await openDatabase(await backend.newDatabase());
	}, 120_000);
	afterAll(async () => {
		await database?.close();
		await backend.stop();
	});

	const versions = async () =>
		(await dashboardSection(database.db, 'versions', new URLSearchParams('days=30'), {
			now: NOW,
			dialect: database.kind
		})) as DashboardVersions;
	const installations = (v: DashboardVersions) => v.versions.map((x) => x.wer.reviewed?.installations ?? 0);

	it('answers from new data after a write and the same after none', async () => {
		await ingestGenerated(database.db, options);
		const v0 = await dataVersion(database.db, database.kind);
		const first = await versions();
		expect(await dataVersion(database.db, database.kind)).toBe(v0);
		expect(await versions()).toEqual(first);
		expect(installations(first)).toEqual([6, 6]);
		// Twelve more installations (another seed: other ids).
		await ingestGenerated(database.db, { ...options, seed: 2 });
		expect(await dataVersion(database.db, database.kind)).not.toBe(v0);
		const after = await versions();
		expect(installations(after)).toEqual([12, 12]);
		expect(after.versions[0].wer.reviewed).not.toEqual(first.versions[0].wer.reviewed);
	});
});
