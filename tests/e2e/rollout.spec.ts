/**
 * Model rollout end to end against the production server: the admin moves every installation to a
 * candidate model, the browser runs it and labels transcripts and events with it; a rollback brings new
 * transcripts back to the default model while old ones keep theirs; an offline start keeps the last
 * configuration. Every test resets the rollout so other specs see the default.
 */
import { readFile } from 'node:fs/promises';
import type { APIRequestContext, Page } from '@playwright/test';
import type { ModelQuality } from '../../src/lib/contracts/quality';
import { expect, test } from './fixtures';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef' };
const TINY = 'moonshine-tiny-en';
const BASE = 'moonshine-base-en';

async function setRollout(request: APIRequestContext, candidate: { model: string; percent: number } | null) {
	const res = await request.put('/api/v1/admin/rollout', {
		headers: ADMIN,
		data: { default: TINY, candidate }
	});
	expect(res.status(), await res.text()).toBe(200);
}

async function quality(request: APIRequestContext): Promise<ModelQuality[]> {
	const res = await request.get('/api/v1/quality', { headers: ADMIN });
	expect(res.status()).toBe(200);
	return ((await res.json()) as { models: ModelQuality[] }).models;
}

function corrections(models: ModelQuality[], id: string, arm: string): number {
	return models.filter((q) => q.id === id && q.arm === arm).reduce((n, q) => n + q.corrections, 0);
}

/** The stored transcript's model and arm (the app's own IndexedDB). */
function stored(page: Page, id: string) {
	return page.evaluate(
		(id) =>
			new Promise<{ model: string; arm: string | undefined }>((resolve, reject) => {
				const open = indexedDB.open('redline');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const get = db.transaction('transcripts').objectStore('transcripts').get(id);
					get.onsuccess = () => {
						db.close();
						resolve({ model: get.result.doc.model.id, arm: get.result.doc.arm });
					};
					get.onerror = () => reject(get.error);
				};
			}),
		id
	);
}

/** Transcribes a fixture from the library, opens it and returns its id. */
async function transcribe(page: Page, upload: (p: string) => Promise<void>, fixture: string, title: string) {
	await page.goto('/');
	await upload(fixture);
	const item = page.locator('.item').filter({ hasText: title }).first();
	await expect(item).toBeVisible({ timeout: 100_000 });
	await item.getByRole('link', { name: title }).click();
	await expect(page.locator('[data-word]').first()).toBeVisible();
	return new URL(page.url()).pathname.split('/').pop()!;
}

async function exportJson(page: Page): Promise<{ model: { id: string }; arm?: string }> {
	await page.getByRole('button', { name: 'Export' }).click();
	const d = page.waitForEvent('download');
	await page.getByRole('menuitem', { name: 'JSON', exact: true }).click();
	return JSON.parse(await readFile((await (await d).path())!, 'utf8'));
}

test.afterEach(async ({ request }) => {
	await setRollout(request, null);
});

test('candidate at 100 %, then rollback: new transcripts go back to tiny, old ones keep base', async ({
	page,
	upload,
	request
}) => {
	test.setTimeout(240_000);
	await setRollout(request, { model: BASE, percent: 100 });
	const before = corrections(await quality(request), BASE, 'candidate');

	const first = await transcribe(page, upload, 'speech/agent-alreadyon.wav', 'agent-alreadyon');
	expect(await stored(page, first)).toEqual({ model: BASE, arm: 'candidate' });
	const json = await exportJson(page);
	expect([json.model.id, json.arm]).toEqual([BASE, 'candidate']);

	// Opt in, correct a word, leave: the correction reaches the server under base and 'candidate'.
	await page.getByRole('button', { name: 'Share corrections to improve the model' }).click();
	await page.locator('[data-word]').nth(1).dblclick();
	const input = page.getByRole('textbox', { name: 'Replace words' });
	await input.fill('Rolled');
	await page.keyboard.press('Enter');
	await page.goto('about:blank');
	await expect.poll(async () => corrections(await quality(request), BASE, 'candidate')).toBe(before + 1);
	// …and nothing under another arm or model from this installation.
	expect(corrections(await quality(request), BASE, 'default')).toBe(0);
	const tinyBefore = corrections(await quality(request), TINY, 'default');

	const rollback = await request.post('/api/v1/admin/rollout/rollback', { headers: ADMIN });
	expect(rollback.status(), await rollback.text()).toBe(200);

	const second = await transcribe(page, upload, 'speech/demo-thanks.wav', 'demo-thanks');
	expect(await stored(page, second)).toEqual({ model: TINY, arm: 'default' });
	const json2 = await exportJson(page);
	expect([json2.model.id, json2.arm]).toEqual([TINY, 'default']);
	await page.locator('[data-word]').nth(0).dblclick();
	await page.getByRole('textbox', { name: 'Replace words' }).fill('Back');
	await page.keyboard.press('Enter');
	await page.goto('about:blank');
	await expect.poll(async () => corrections(await quality(request), TINY, 'default')).toBe(tinyBefore + 1);
	await page.goto('/');
	// The first transcript still names the model and arm it was made with.
	expect(await stored(page, first)).toEqual({ model: BASE, arm: 'candidate' });
	await page.goto('/diagnostics');
	await expect(page.getByTestId('config-source')).toHaveText('fetched');
	await expect(page.getByTestId('config-arm')).toHaveText('default');
	// The switch dropped the base model's cached weights; only tiny's and the VAD's are left.
	const cached = await page.evaluate(async () =>
		(await (await caches.open('redline-models-v1')).keys()).map((r) => new URL(r.url).pathname.split('/')[2])
	);
	expect(cached.length).toBeGreaterThan(0);
	expect(cached.filter((m) => m === BASE)).toEqual([]);
});

test('an offline start keeps the last configuration fetched', async ({ page, request }) => {
	await setRollout(request, { model: BASE, percent: 100 });
	const fetched = page.waitForResponse((r) => r.url().includes('/api/v1/config?installation='));
	await page.goto('/settings');
	expect((await fetched).status()).toBe(200);
	await expect(page.getByTestId('model-in-use')).toHaveText(BASE);

	await page.route('**/api/v1/config?**', (r) => r.abort('internetdisconnected'));
	await page.goto('/diagnostics');
	await expect(page.getByTestId('config-source')).toContainText('cached from');
	await expect(page.getByTestId('config-reason')).toContainText('could not be reached');
	await expect(page.getByTestId('config-model')).toContainText(BASE);
	await expect(page.getByTestId('config-arm')).toHaveText('candidate');
	await page.screenshot({ path: '/tmp/shots/rollout-diagnostics-offline.png', fullPage: true });
});

test('a fresh installation with the config unreachable runs the built-in default', async ({ page }) => {
	await page.route('**/api/v1/config?**', (r) => r.abort('internetdisconnected'));
	await page.goto('/diagnostics');
	await expect(page.getByTestId('config-source')).toHaveText(`built-in default (${TINY})`);
	await expect(page.getByTestId('config-reason')).toContainText('no configuration was fetched before');
	await expect(page.getByTestId('config-effective')).toHaveText(TINY);
});
