/**
 * Seeds the e2e database (REDLINE_E2E_DATA/redline.db, the running server's) with generated telemetry
 * for the dashboard: tiny 1.1.0 (a retired version the server still knows) as baseline and the current
 * tiny manifest's version with a planted WER regression, three weeks of traffic, and no correction
 * events in the last 8 hours while other events continue (the planted outage). Events are validated
 * with the schema and stored through ingest.ts `insertBatch`, as the endpoint stores them (rollups too).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestGenerated, SMALL, type GenerateOptions } from '../../bench/dashboard-data';
import { modelRef, parseManifest } from '../../src/lib/engine/manifest';
import { openDatabase } from '../../src/lib/server/db/open';

/** The generated data set of the dashboard test. */
export async function dashboardData(now: Date): Promise<GenerateOptions> {
	const root = join(import.meta.dirname, '..', '..', 'models');
	const tiny = await modelRef(
		parseManifest(JSON.parse(readFileSync(join(root, 'moonshine-tiny-en', 'manifest.json'), 'utf8')))
	);
	const retired = (
		JSON.parse(readFileSync(join(root, 'retired.json'), 'utf8')) as {
			id: string;
			version: string;
			sha256: string;
		}[]
	).find((r) => r.id === tiny.id && r.version !== tiny.version)!;
	return {
		...SMALL,
		now,
		baseline: retired,
		candidate: { id: tiny.id, version: tiny.version, sha256: tiny.sha256 },
		regression: 0.1,
		outageHours: 8
	};
}

/** Inserts the data set into the SQLite database at `path`; returns the number of events. */
export async function seedDashboard(path: string, now: Date): Promise<number> {
	const database = await openDatabase(`sqlite:${path}`);
	try {
		// A second run against a reused server meets the same (seeded) ids: insertBatch keeps the first.
		return (await ingestGenerated(database.db, await dashboardData(now), { check: true })).events;
	} finally {
		await database.close();
	}
}
