import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from './open';

const dirs: string[] = [];
const opened: OpenDatabase[] = [];
afterEach(async () => {
	for (const d of opened.splice(0)) await d.close();
	dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function fill(backgroundCheckpoints: boolean): Promise<{ file: string; before: number }> {
	const dir = mkdtempSync(join(tmpdir(), 'redline-ckpt-'));
	dirs.push(dir);
	const file = join(dir, 'r.db');
	const d = await openDatabase(`sqlite:${file}`, { backgroundCheckpoints });
	opened.push(d);
	const before = statSync(file).size;
	const rows = Array.from({ length: 2000 }, (_, i) => ({
		reason: `r${i}-${'x'.repeat(500)}`,
		count: 1,
		last_at: 'now'
	}));
	for (let i = 0; i < rows.length; i += 200)
		await d.db
			.insertInto('rejections')
			.values(rows.slice(i, i + 200))
			.execute();
	return { file, before };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('background WAL checkpoints', () => {
	it('copy committed pages into the database file without any write waiting for it', async () => {
		const { file, before } = await fill(true);
		for (let i = 0; i < 40 && statSync(file).size <= before + 500_000; i++) await sleep(100);
		expect(statSync(file).size).toBeGreaterThan(before + 500_000);
	});

	it('without them the pages stay in the WAL until the automatic threshold', async () => {
		const { file, before } = await fill(false);
		await sleep(1500);
		expect(statSync(file).size).toBeLessThan(before + 500_000);
	});
});
