/**
 * Telemetry end to end against the production server and its real database: consent, the outbox
 * surviving failed requests and a reload, and the server's quality numbers per model version.
 */
import type { Page, APIRequestContext } from '@playwright/test';
import type { ModelQuality } from '../../src/lib/contracts/quality';
import { expect, test } from './fixtures';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef' };
const FIXTURE = 'speech/agent-alreadyon.wav';
const TITLE = 'agent-alreadyon';

async function quality(request: APIRequestContext): Promise<ModelQuality[]> {
	const res = await request.get('/api/v1/quality', { headers: ADMIN });
	expect(res.status()).toBe(200);
	return ((await res.json()) as { models: ModelQuality[] }).models;
}

/** The figures these tests compare before and after. */
type Counted = 'transcripts' | 'corrections' | 'ratings' | 'wordsReviewed';
// Summed over the rollout arms: other specs (rollout, dashboard) leave rows for the same model in other arms.
function forModel(models: ModelQuality[], m: { id: string; version: string; sha256: string }) {
	const rows = models.filter((q) => q.id === m.id && q.version === m.version && q.sha256 === m.sha256);
	const sum = (k: Counted) => rows.reduce((n, q) => n + q[k], 0);
	return {
		transcripts: sum('transcripts'),
		corrections: sum('corrections'),
		ratings: sum('ratings'),
		wordsReviewed: sum('wordsReviewed')
	};
}

/** Uploads the fixture, opens its transcript and returns the transcript id. */
async function openTranscript(page: Page, upload: (p: string) => Promise<void>): Promise<string> {
	await page.goto('/');
	await upload(FIXTURE);
	const item = page.locator('.item').filter({ hasText: TITLE }).first();
	await expect(item).toBeVisible({ timeout: 90_000 });
	await item.getByRole('link', { name: TITLE }).click();
	await expect(page.locator('[data-word]').first()).toBeVisible();
	return new URL(page.url()).pathname.split('/').pop()!;
}

/** The model reference stored with the transcript in the app's own IndexedDB. */
function storedModel(page: Page, id: string) {
	return page.evaluate(
		(id) =>
			new Promise<{ id: string; version: string; sha256: string }>((resolve, reject) => {
				const open = indexedDB.open('redline');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const get = db.transaction('transcripts').objectStore('transcripts').get(id);
					get.onsuccess = () => {
						db.close();
						resolve(get.result.doc.model);
					};
					get.onerror = () => reject(get.error);
				};
			}),
		id
	);
}

/** Ids of the events waiting in the telemetry outbox (its own IndexedDB database). */
function queuedIds(page: Page) {
	return page.evaluate(
		() =>
			new Promise<string[]>((resolve, reject) => {
				const open = indexedDB.open('redline-telemetry');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					if (!db.objectStoreNames.contains('events')) return resolve([]);
					const all = db.transaction('events').objectStore('events').getAll();
					all.onsuccess = () => {
						db.close();
						resolve((all.result as { id: string }[]).map((e) => e.id));
					};
					all.onerror = () => reject(all.error);
				};
			})
	);
}

/** Replaces the word at `index` by double-click and typing. */
async function correctWord(page: Page, index: number, text: string) {
	await page.locator('[data-word]').nth(index).dblclick();
	const input = page.getByRole('textbox', { name: 'Replace words' });
	await expect(input).toBeFocused();
	await input.fill(text);
	await page.keyboard.press('Enter');
	await expect(page.locator('[data-word]').nth(index)).toHaveAttribute('data-word', text);
}

/** Every event id the server answered 2xx for, with the answers' accepted/duplicates totals. */
function watchDeliveries(page: Page) {
	const seen = { ids: [] as string[], accepted: 0, duplicates: 0, failed: 0 };
	page.on('requestfinished', async (req) => {
		if (!req.url().endsWith('/api/v1/events')) return;
		const res = await req.response();
		if (!res || res.status() >= 300) return;
		const body = (await res.json()) as { accepted: number; duplicates: number };
		seen.ids.push(
			...(JSON.parse(req.postData() ?? '{}') as { events: { id: string }[] }).events.map((e) => e.id)
		);
		seen.accepted += body.accepted;
		seen.duplicates += body.duplicates;
	});
	page.on('requestfailed', (req) => {
		if (req.url().endsWith('/api/v1/events')) seen.failed++;
	});
	return seen;
}

test('nothing is queued or sent before opting in; the banner states what is sent', async ({
	page,
	upload
}) => {
	const posts: string[] = [];
	page.on('request', (r) => {
		if (r.url().endsWith('/api/v1/events')) posts.push(r.url());
	});
	await openTranscript(page, upload);
	const banner = page.getByRole('region', { name: 'Help improve the speech model?' });
	await expect(banner).toBeVisible();
	await expect(banner).toContainText('never sends audio');
	await correctWord(page, 1, 'Unshared');
	await page.getByRole('radio', { name: '2 stars' }).check();
	await page.waitForTimeout(2_500);
	expect(await queuedIds(page)).toEqual([]);
	await page.getByRole('link', { name: 'privacy settings' }).click();
	await expect(
		page.getByRole('checkbox', { name: 'Share corrections to improve the model' })
	).not.toBeChecked();
	await expect(page.getByTestId('pending-count')).toHaveText('0');
	await page.goto('about:blank');
	expect(posts).toEqual([]);
});

test('opt in, correct a word, rate 4 stars, leave: the quality numbers show both for the right model', async ({
	page,
	upload,
	request
}) => {
	const id = await openTranscript(page, upload);
	const model = await storedModel(page, id);
	expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
	const before = forModel(await quality(request), model);

	await page.getByRole('button', { name: 'Share corrections to improve the model' }).click();
	await expect(page.getByRole('region', { name: 'Help improve the speech model?' })).toBeHidden();
	await correctWord(page, 1, 'Redlined');
	await page.getByRole('radio', { name: '4 stars' }).check();
	// Leave at once: the page-hide flush builds the debounced events and sends them with keepalive.
	await page.goto('about:blank');

	await expect
		.poll(async () => {
			const now = forModel(await quality(request), model);
			return {
				transcripts: now.transcripts - before.transcripts,
				corrections: now.corrections - before.corrections,
				ratings: now.ratings - before.ratings
			};
		})
		.toEqual({ transcripts: 1, corrections: 1, ratings: 1 });
	const after = forModel(await quality(request), model);
	expect(after.wordsReviewed).toBeGreaterThan(before.wordsReviewed);

	// The settings page deletes everything sent under this installation id, and the numbers drop back.
	await page.goto('/settings');
	await expect(page.getByRole('checkbox', { name: 'Share corrections to improve the model' })).toBeChecked();
	// Whether the keepalive answer was processed before the page died is a race: if not, the events are
	// still stored here and the next timer flush sends them again; the server keeps one copy of each.
	await expect(page.getByTestId('pending-count')).toHaveText('0', { timeout: 20_000 });
	expect(forModel(await quality(request), model).ratings - before.ratings).toBe(1);
	await page.screenshot({ path: '/tmp/shots/telemetry-settings.png', fullPage: true });
	await page.getByRole('button', { name: 'Delete my data from the server' }).click();
	// The correction, the rating and the session summary sent when the page was hidden.
	await expect(page.getByRole('status').filter({ hasText: 'The server deleted 3 events' })).toBeVisible();
	const deleted = forModel(await quality(request), model);
	expect({ corrections: deleted.corrections, ratings: deleted.ratings }).toEqual({
		corrections: before.corrections,
		ratings: before.ratings
	});
	await page.getByRole('button', { name: 'Withdraw' }).click();
	await expect(
		page.getByRole('checkbox', { name: 'Share corrections to improve the model' })
	).not.toBeChecked();
});

test('events queued while requests fail survive a reload and arrive exactly once', async ({
	page,
	upload,
	request
}) => {
	const deliveries = watchDeliveries(page);
	await page.route('**/api/v1/events', (r) => r.abort());
	const id = await openTranscript(page, upload);
	const model = await storedModel(page, id);
	const before = forModel(await quality(request), model);
	await page.getByRole('button', { name: 'Share corrections to improve the model' }).click();

	const count = await page.locator('[data-word]').count();
	await correctWord(page, 0, 'First');
	await correctWord(page, count - 1, 'Last');
	await page.getByRole('radio', { name: '3 stars' }).check();
	// Past the debounce and the first timer flush, which fails (aborted) and backs off.
	await expect.poll(() => deliveries.failed, { timeout: 20_000 }).toBeGreaterThan(0);
	await page.reload();
	await expect(page.locator('[data-word]').first()).toBeVisible();
	const queued = await queuedIds(page);
	expect(queued.length).toBeGreaterThanOrEqual(2);
	expect(deliveries.ids).toEqual([]);

	await page.unroute('**/api/v1/events');
	// The next timer flush (10 s) sends the stored queue.
	await expect.poll(() => queuedIds(page), { timeout: 30_000 }).toEqual([]);
	await expect.poll(() => deliveries.ids.length).toBeGreaterThanOrEqual(queued.length);
	expect([...deliveries.ids].sort()).toEqual([...queued].sort());
	expect(deliveries.accepted).toBe(queued.length);
	expect(deliveries.duplicates).toBe(0);

	const now = forModel(await quality(request), model);
	expect(now.ratings - before.ratings).toBe(1);
	expect(now.corrections - before.corrections).toBeGreaterThanOrEqual(1);

	await page.getByRole('link', { name: 'Settings' }).click();
	await expect(page.getByTestId('pending-count')).toHaveText('0');
	await expect(page.getByTestId('sent-count')).toHaveText(String(queued.length));
});

test('edit a word and leave the transcript: its session summary reaches the server and the export', async ({
	page,
	upload,
	request
}) => {
	const id = await openTranscript(page, upload);
	const model = await storedModel(page, id);
	const summaries = async () => {
		const row = (await quality(request)).find(
			(q) =>
				q.id === model.id && q.version === model.version && q.sha256 === model.sha256 && q.arm === 'default'
		);
		return {
			summaries: row?.sampled.summaries ?? 0,
			reviewed: row?.reviewedWords ?? 0,
			edited: row?.wordsReviewed ?? 0
		};
	};
	const before = await summaries();
	await page.getByRole('button', { name: 'Share corrections to improve the model' }).click();
	await correctWord(page, 0, 'Summarised');
	// A route change inside the app (no page hide): the editor closes and the summary goes out with the
	// next regular flush.
	await page.getByRole('link', { name: '← All transcripts' }).click();
	await expect(page).toHaveURL(/\/$/);
	// The summary and the correction may travel in different batches (the correction's debounce and the
	// summary's flush are separate), so wait for both.
	await expect
		.poll(
			async () => {
				const now = await summaries();
				return [now.summaries - before.summaries, now.edited > before.edited];
			},
			{ timeout: 30_000 }
		)
		.toEqual([1, true]);
	const after = await summaries();
	// The edited segment is reviewed, so the reviewed words grow by at least the edited ones.
	expect(after.reviewed - before.reviewed).toBeGreaterThanOrEqual(after.edited - before.edited);

	// The export names the edited segment, without the raw installation id.
	await expect
		.poll(async () => {
			const res = await request.get(`/api/v1/export?model=${model.id}@${model.version}`, { headers: ADMIN });
			const lines = (await res.text())
				.split('\n')
				.filter((l) => l !== '')
				.map((l) => JSON.parse(l) as { transcriptId: string; correctedText: string; edited: boolean });
			return lines
				.filter((l) => l.transcriptId === id)
				.map((l) => l.edited && l.correctedText.startsWith('Summarised'));
		})
		.toContain(true);
});

test('play a segment through without editing and leave: its model words reach the export as edited=false', async ({
	page,
	upload,
	request
}) => {
	const id = await openTranscript(page, upload);
	const model = await storedModel(page, id);
	await page.getByRole('button', { name: 'Share corrections to improve the model' }).click();
	// The model's text of the first segment, as shown (nothing is edited in this test).
	const first = page.locator('[data-segment-id]').first();
	const words = await first
		.locator('[data-word]')
		.evaluateAll((els) => els.map((e) => e.getAttribute('data-word')));
	// Play from the first segment's start to the end of the recording, with the segment on screen.
	await first.getByRole('button', { name: /^Play from / }).click();
	await page
		.getByRole('region', { name: 'Player' })
		.getByRole('button', { name: 'Play', exact: true })
		.click();
	await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible({ timeout: 60_000 });
	await page.getByRole('link', { name: '← All transcripts' }).click();
	await expect(page).toHaveURL(/\/$/);

	type Line = {
		transcriptId: string;
		correctedText: string;
		edited: boolean;
		reviewedOnly: boolean;
		how: string;
		revision: number;
		modelWords: { text: string; confidence: number; start: number; end: number }[];
		alignment: { op: string }[];
	};
	let line: Line | undefined;
	await expect
		.poll(
			async () => {
				const res = await request.get(`/api/v1/export?model=${model.id}@${model.version}`, {
					headers: ADMIN
				});
				const lines = (await res.text())
					.split('\n')
					.filter((l) => l !== '')
					.map((l) => JSON.parse(l) as Line);
				line = lines.find((l) => l.transcriptId === id);
				return line?.how ?? null;
			},
			{ timeout: 30_000 }
		)
		.toBe('played');
	expect(line).toMatchObject({
		edited: false,
		reviewedOnly: true,
		revision: -1,
		correctedText: words.join(' ')
	});
	expect(line!.modelWords.map((w) => w.text)).toEqual(words);
	for (const w of line!.modelWords) {
		expect(w.confidence).toBeGreaterThanOrEqual(0);
		expect(w.start).toBeLessThanOrEqual(w.end);
	}
	expect(line!.alignment.every((a) => a.op === 'correct')).toBe(true);
});
