// A transcript that grows while the user works on it (issue 13): it opens from its first segment,
// edits survive the segments that keep arriving, the page stays responsive (long tasks measured),
// and a cancelled or interrupted run keeps what it had and resumes without losing or doubling a
// segment.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, fixturePath, test } from './fixtures';

/** The speech clips' 16 kHz mono 16-bit PCM (data chunk only). */
function pcmOf(path: string): Buffer {
	const b = readFileSync(path);
	let at = 12;
	while (at + 8 <= b.length) {
		const id = b.toString('ascii', at, at + 4);
		const size = b.readUInt32LE(at + 4);
		if (id === 'data') return b.subarray(at + 8, at + 8 + size);
		at += 8 + size + (size & 1);
	}
	throw new Error(`no data chunk in ${path}`);
}

/** Writes a WAV of about `seconds`, the speech fixtures in turn with 1.5 s pauses between them. */
function longWav(path: string, seconds: number): void {
	const dir = fixturePath('speech');
	const clips = readdirSync(dir)
		.filter((f) => f.endsWith('.wav'))
		.sort()
		.map((f) => pcmOf(join(dir, f)));
	const pause = Buffer.alloc(16000 * 2 * 1.5);
	const parts: Buffer[] = [];
	let bytes = 0;
	for (let i = 0; bytes < seconds * 32000; i++) {
		const clip = clips[i % clips.length];
		parts.push(clip, pause);
		bytes += clip.length + pause.length;
	}
	const data = Buffer.concat(parts);
	const head = Buffer.alloc(44);
	head.write('RIFF', 0, 'ascii');
	head.writeUInt32LE(36 + data.length, 4);
	head.write('WAVEfmt ', 8, 'ascii');
	head.writeUInt32LE(16, 16);
	head.writeUInt16LE(1, 20);
	head.writeUInt16LE(1, 22);
	head.writeUInt32LE(16000, 24);
	head.writeUInt32LE(32000, 28);
	head.writeUInt16LE(2, 32);
	head.writeUInt16LE(16, 34);
	head.write('data', 36, 'ascii');
	head.writeUInt32LE(data.length, 40);
	writeFileSync(path, Buffer.concat([head, data]));
}

interface StoredSegment {
	start: number;
	end: number;
	original: { start: number; end: number; text: string };
	words: { text: string }[];
}

type StoredDoc = { segments: StoredSegment[]; partial?: { decodedUntilSec: number; fraction: number } };

/**
 * The stored transcripts, read straight from IndexedDB: each document with the segment rows a growing
 * run appended since it was written joined in, as RedlineDb.getTranscript does (appendSegments).
 */
function storedDocs(page: Page) {
	return page.evaluate(
		() =>
			new Promise<{ id: string; doc: StoredDoc }[]>((resolve, reject) => {
				type Row = { transcriptId: string; segments: StoredSegment[]; state: { complete: boolean } };
				type DocRow = { transcriptId: string; segment: StoredSegment & { id: string } };
				const open = indexedDB.open('redline');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const tx = open.result.transaction(['transcripts', 'docSegments', 'segments']);
					const docs = tx.objectStore('transcripts').getAll();
					const docRows = tx.objectStore('docSegments').getAll();
					const rows = tx.objectStore('segments').getAll();
					tx.oncomplete = () => {
						open.result.close();
						const records = docs.result as { id: string; doc: StoredDoc; segmentIds?: string[] }[];
						// Each document's own segments, in the order its row keeps (see StoredTranscript).
						for (const r of records) {
							if (!r.segmentIds) continue;
							const mine = (docRows.result as DocRow[]).filter((d) => d.transcriptId === r.id);
							const byId = new Map(mine.map((d) => [d.segment.id, d.segment]));
							r.doc.segments = r.segmentIds.flatMap((id) => byId.get(id) ?? []);
						}
						for (const row of rows.result as Row[]) {
							const doc = records.find((r) => r.id === row.transcriptId)?.doc;
							if (!doc?.partial) continue;
							for (const seg of row.segments) {
								if (seg.original.start < doc.partial.decodedUntilSec - 1e-6) continue;
								doc.segments.push(seg);
								doc.partial.decodedUntilSec = Math.max(doc.partial.decodedUntilSec, seg.original.end);
							}
							if (row.state.complete) delete doc.partial;
						}
						resolve(records);
					};
					tx.onerror = () => reject(tx.error);
				};
			})
	);
}

/** Every segment begins after the previous one ended: nothing doubled, nothing out of order. */
function expectInOrder(segments: StoredSegment[]): void {
	for (let i = 1; i < segments.length; i++)
		expect(segments[i].original.start, `segment ${i}`).toBeGreaterThanOrEqual(
			segments[i - 1].original.end - 1e-6
		);
}

// About three minutes by default; GROWING_MINUTES shortens it on a loaded machine.
const MINUTES = Number(process.env.GROWING_MINUTES ?? 3);
test.describe.configure({ mode: 'serial' });
let wav = '';
/** The uninterrupted run's segments, for the resumed run to match. */
let reference: string[] = [];

test.beforeAll(() => {
	wav = join(mkdtempSync(join(tmpdir(), 'redline-growing-')), `growing-${MINUTES}min.wav`);
	longWav(wav, MINUTES * 60);
});

async function uploadAndReadAlong(page: Page): Promise<void> {
	await page.goto('/');
	await page.getByLabel('Choose audio files').setInputFiles(wav);
	await page.getByRole('link', { name: 'Read along' }).click({ timeout: 120_000 });
	await expect(page.getByRole('status').filter({ hasText: 'Transcribing…' })).toBeVisible();
	await expect(page.locator('[data-word]').first()).toBeVisible();
}

test('the transcript is readable and editable while it grows, and the page stays responsive', async ({
	page
}) => {
	test.setTimeout(600_000);
	await page.addInitScript(() => {
		const w = window as unknown as { longTasks: number[] };
		w.longTasks = [];
		new PerformanceObserver((list) => {
			for (const e of list.getEntries()) w.longTasks.push(e.duration);
		}).observe({ type: 'longtask', buffered: true });
	});
	await uploadAndReadAlong(page);
	const startTasks = await page.evaluate(
		() => (window as unknown as { longTasks: number[] }).longTasks.length
	);

	const segments = page.locator('[data-si]');
	const first = page.locator('[data-si="0"] [data-word]').first();
	await first.dblclick();
	await page.keyboard.type('Growing');
	await page.keyboard.press('Enter');
	await expect(first).toHaveAttribute('data-word', 'Growing');
	const countAtEdit = await segments.count();
	await page.screenshot({ path: test.info().outputPath('growing.png') });

	// More segments keep arriving, and the edit stays.
	await expect.poll(() => segments.count(), { timeout: 120_000 }).toBeGreaterThan(countAtEdit);
	await expect(first).toHaveAttribute('data-word', 'Growing');
	// Playing works on the stored original while it grows.
	await page
		.locator('[data-si="0"]')
		.getByRole('button', { name: /^Play from/ })
		.click();

	await expect(page.getByRole('status').filter({ hasText: 'Transcribing…' })).toBeHidden({
		timeout: 480_000
	});
	await expect(page.getByText(/^Incomplete/)).toHaveCount(0);
	await expect(first).toHaveAttribute('data-word', 'Growing');
	const tasks = await page.evaluate(
		(n) => (window as unknown as { longTasks: number[] }).longTasks.slice(n),
		startTasks
	);
	const max = Math.max(0, ...tasks);
	const finalCount = await segments.count();
	console.log(
		`growing: ${finalCount} segments; ${tasks.length} long tasks while growing, max ${max.toFixed(0)} ms` +
			` (over 50 ms: ${tasks.filter((t) => t > 50).length})`
	);
	test
		.info()
		.annotations.push({ type: 'long tasks', description: `${tasks.length}, max ${max.toFixed(0)} ms` });
	// The goal is none over 50 ms; on a loaded CI machine a frame can stall, never for long.
	expect(max).toBeLessThan(250);

	// Stored complete, with the edit, every segment once.
	await page.waitForTimeout(1000);
	const [row] = await storedDocs(page);
	expect(row.doc.partial).toBeUndefined();
	expect(row.doc.segments[0].words[0].text).toBe('Growing');
	expect(row.doc.segments).toHaveLength(finalCount);
	expectInOrder(row.doc.segments);
	reference = row.doc.segments.map((s) => s.original.text);

	await page.reload();
	await expect(page.locator('[data-si="0"] [data-word]').first()).toHaveAttribute('data-word', 'Growing');
});

test('cancelling mid-run keeps the segments, marked incomplete in the library', async ({ page }) => {
	test.setTimeout(300_000);
	await uploadAndReadAlong(page);
	await page.getByRole('button', { name: 'Stop transcribing' }).click();
	await expect(page.getByRole('status').filter({ hasText: /^Incomplete/ })).toBeVisible({ timeout: 30_000 });
	await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible();
	await page.screenshot({ path: test.info().outputPath('incomplete.png') });
	const kept = await page.locator('[data-si]').count();
	expect(kept).toBeGreaterThan(0);
	await page.getByRole('link', { name: '← All transcripts' }).click();
	await expect(page.locator('.item').filter({ hasText: 'Incomplete' })).toHaveCount(1);
	const [row] = await storedDocs(page);
	expect(row.doc.partial).toBeDefined();
	expect(row.doc.segments.length).toBeGreaterThanOrEqual(kept);
});

test('after a reload mid-run the transcript is there, incomplete, and Resume finishes it', async ({
	page
}) => {
	test.setTimeout(600_000);
	await uploadAndReadAlong(page);
	await expect.poll(() => page.locator('[data-si]').count(), { timeout: 120_000 }).toBeGreaterThan(2);
	await page.reload();
	await expect(page.getByRole('status').filter({ hasText: /^Incomplete/ })).toBeVisible();
	const [before] = await storedDocs(page);
	expect(before.doc.partial).toBeDefined();
	const had = before.doc.segments.length;
	expect(had).toBeGreaterThan(0);
	expect(had).toBeLessThan(reference.length);

	await page.getByRole('button', { name: 'Resume' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Transcribing…' })).toBeVisible({
		timeout: 60_000
	});
	await expect(page.getByRole('status').filter({ hasText: /Transcribing…|Incomplete/ })).toHaveCount(0, {
		timeout: 480_000
	});
	await page.waitForTimeout(1000);
	const [after] = await storedDocs(page);
	expect(after.doc.partial).toBeUndefined();
	expectInOrder(after.doc.segments);
	const texts = after.doc.segments.map((s) => s.original.text);
	// The part before the reload is kept as it was; the rest is what an uninterrupted run gives.
	expect(texts.slice(0, had)).toEqual(before.doc.segments.map((s) => s.original.text));
	expect(texts).toEqual(reference);
	await expect(page.locator('[data-si]')).toHaveCount(texts.length);
});
