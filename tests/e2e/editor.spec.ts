import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const shot = (name: string) => ({ path: `/tmp/shots/${name}.png`, fullPage: true });

/** Uploads a fixture on the start page and opens its transcript when it is stored. */
async function transcribeAndOpen(
	page: Page,
	upload: (p: string) => Promise<void>,
	fixture: string,
	title: string
) {
	await page.goto('/');
	await upload(fixture);
	// The library lists a transcript from its first segment on: these tests want the finished one.
	await expect(page.locator('.job[data-status="done"]').filter({ hasText: title })).toBeVisible({
		timeout: 90_000
	});
	const item = page.locator('.item').filter({ hasText: title });
	await expect(item).toBeVisible();
	await item.getByRole('link', { name: title }).click();
	await expect(page.locator('[data-word]').first()).toBeVisible();
}

/** Sets the highlight threshold slider (a range input) to `value`. */
async function setThreshold(page: Page, value: number) {
	await page.getByLabel('Highlight below').fill(String(value));
}

test('upload → words with confidences → correct by double-click → reload keeps it → rate → export', async ({
	page,
	upload
}) => {
	await transcribeAndOpen(page, upload, 'speech/demo-thanks.wav', 'demo-thanks');
	const words = page.locator('[data-word]');
	const n = await words.count();
	expect(n).toBeGreaterThan(3);
	for (let i = 0; i < n; i++) {
		const w = words.nth(i);
		const c = Number(await w.getAttribute('data-confidence'));
		expect(c).toBeGreaterThanOrEqual(0);
		expect(c).toBeLessThanOrEqual(1);
		expect(Number(await w.getAttribute('data-end'))).toBeGreaterThanOrEqual(
			Number(await w.getAttribute('data-start'))
		);
	}
	// A threshold just above the lowest confidence guarantees at least one highlighted word.
	const confs = await words.evaluateAll((els) =>
		els.map((e) => Number((e as HTMLElement).dataset.confidence))
	);
	const min = Math.min(...confs);
	await setThreshold(page, Math.min(1, Math.ceil((min + 0.01) * 20) / 20));
	const low = page.locator('[data-word][data-low]');
	await expect(low.first()).toBeVisible();
	await expect(low.first()).toHaveAttribute('aria-describedby', 'low-word-desc');
	const styles = await low.first().evaluate((el) => {
		const s = getComputedStyle(el);
		return { line: s.textDecorationLine, bg: s.backgroundColor };
	});
	expect(styles.line).toContain('underline');
	await page.screenshot(shot('editor-low'));

	// Correct the second word by double-click and typing.
	const target = words.nth(1);
	const before = await target.getAttribute('data-word');
	await target.dblclick();
	const input = page.getByRole('textbox', { name: 'Replace words' });
	await expect(input).toBeFocused();
	await expect(input).toHaveValue(before!);
	await page.screenshot(shot('editor-editing'));
	await page.keyboard.type('Redlined');
	await page.keyboard.press('Enter');
	await expect(words.nth(1)).toHaveAttribute('data-word', 'Redlined');

	// Undo restores the model's word, redo brings the correction back (history lives for the session).
	await page.locator('[data-word]').nth(2).click();
	await page.keyboard.press('Control+z');
	await expect(page.locator('[data-word]').nth(1)).toHaveAttribute('data-word', before!);
	await page.keyboard.press('Control+Shift+z');
	await expect(page.locator('[data-word]').nth(1)).toHaveAttribute('data-word', 'Redlined');
	await expect(page.getByText(/Saved (just now|\d+ s ago)/)).toBeVisible();

	await page.reload();
	await expect(page.locator('[data-word]').nth(1)).toHaveAttribute('data-word', 'Redlined');
	await expect(page.locator('[data-word]').nth(1)).not.toHaveAttribute('data-low');

	await page.getByRole('radio', { name: '4 stars' }).check();
	await page.getByRole('checkbox', { name: 'punctuation' }).check();
	await expect(page.getByText('Thanks: rated 4 of 5.')).toBeVisible();
	await expect(page.getByText(/Saved/)).toBeVisible();
	await page.screenshot(shot('editor-rated'));
	await page.reload();
	await expect(page.getByRole('radio', { name: '4 stars' })).toBeChecked();
	await expect(page.getByRole('checkbox', { name: 'punctuation' })).toBeChecked();

	await page.getByRole('button', { name: 'Export' }).click();
	await page.screenshot(shot('editor-export-menu'));
	const srtDownload = page.waitForEvent('download');
	await page.getByRole('menuitem', { name: 'SRT' }).click();
	const srt = await srtDownload;
	expect(srt.suggestedFilename()).toBe('demo-thanks.srt');
	const srtText = await readFile((await srt.path())!, 'utf8');
	expect(srtText).toMatch(/^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n/);
	expect(srtText).toContain('Redlined');

	await page.getByRole('button', { name: 'Export' }).click();
	const txtDownload = page.waitForEvent('download');
	await page.getByRole('menuitem', { name: 'TXT', exact: true }).click();
	const txt = await txtDownload;
	expect(txt.suggestedFilename()).toBe('demo-thanks.txt');
	const txtText = await readFile((await txt.path())!, 'utf8');
	expect(txtText).toContain('Redlined');
	expect(txtText).not.toContain(` ${before} `.replace(/ {2,}/g, ' ') + 'Redlined');

	await page.getByRole('link', { name: '← All transcripts' }).click();
	const item = page.locator('.item').filter({ hasText: 'demo-thanks' });
	await expect(item).toContainText('Rated');
	await expect(item.getByLabel('4 of 5 stars')).toBeVisible();
	await page.screenshot(shot('library-rated'));
});

test('keyboard-only: jump to a low word, replace it, confirm another, play/pause, help', async ({
	page,
	upload
}) => {
	await transcribeAndOpen(page, upload, 'speech/demo-echotest.wav', 'demo-echotest');
	await setThreshold(page, 1);
	const lowBefore = await page.locator('[data-low]').count();
	expect(lowBefore).toBeGreaterThan(1);
	// Start from the title field to prove the shortcuts work while typing.
	await page.getByRole('textbox', { name: 'Title' }).focus();
	await page.keyboard.press('Control+j');
	const first = page.locator('[data-low]').first();
	await expect(first).toBeFocused();
	await page.keyboard.type('x');
	const input = page.getByRole('textbox', { name: 'Replace words' });
	await expect(input).toBeFocused();
	await page.keyboard.type('yz two');
	await page.keyboard.press('Enter');
	await expect(page.locator('[data-word="xyz"]')).toBeVisible();
	await expect(page.locator('[data-word="two"]')).toBeFocused();
	await page.keyboard.press('Control+j');
	await page.keyboard.press('Control+Enter');
	await expect(page.locator('[data-low]')).toHaveCount(lowBefore - 2);

	await page.keyboard.press('Control+Space');
	await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
	await expect(page.locator('[aria-current="true"]')).toHaveCount(1, { timeout: 5000 });
	await page.screenshot(shot('editor-playing'));
	await page.keyboard.press('Control+Space');
	await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
	await page.keyboard.press('Control+.');
	await page.keyboard.press('Control+]');
	await expect(page.getByLabel('Speed')).toHaveValue('1.25');

	await page.keyboard.press('Control+/');
	await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
	await page.screenshot(shot('editor-help'));
	await page.keyboard.press('Escape');
	await expect(page.getByRole('dialog')).toHaveCount(0);

	// Tab reaches the rating and a star is chosen with the keyboard.
	await page.getByRole('radio', { name: '1 star' }).focus();
	await page.keyboard.press('ArrowRight');
	await page.keyboard.press('ArrowRight');
	await expect(page.getByRole('radio', { name: '3 stars' })).toBeChecked();
});

test('reload right after an edit (before the debounced save) keeps it; speaker, notes, split and merge persist', async ({
	page,
	upload
}) => {
	await transcribeAndOpen(page, upload, 'speech/demo-abouttotry.wav', 'demo-abouttotry');
	const words = page.locator('[data-word]');
	const total = await words.count();
	await words.nth(0).dblclick();
	await page.keyboard.type('Quick');
	await page.keyboard.press('Enter');
	await page.reload();
	await expect(page.locator('[data-word]').nth(0)).toHaveAttribute('data-word', 'Quick');

	// Insert two words after the first, then delete the second word with the keyboard.
	await page.locator('[data-word]').nth(0).click();
	await page.keyboard.press('Control+i');
	await page.keyboard.type('very much');
	await page.keyboard.press('Enter');
	await expect(page.locator('[data-word]')).toHaveCount(total + 2);
	await expect(page.locator('[data-word]').nth(2)).toHaveAttribute('data-word', 'much');
	await page.keyboard.press('Delete');
	await expect(page.locator('[data-word]')).toHaveCount(total + 1);

	// Split before the fourth word, name the speakers, then merge back.
	const segments = page.locator('[data-segment-id]');
	const segCount = await segments.count();
	await page.locator('[data-word]').nth(3).click();
	await page.getByRole('button', { name: 'Split here' }).click();
	await expect(segments).toHaveCount(segCount + 1);
	await page.getByLabel('Speaker of segment 1').fill('Allison');
	await page.getByLabel('Speaker of segment 1').press('Tab');
	await page.getByRole('textbox', { name: 'Notes' }).fill('Check the product name.');
	await expect(page.getByText(/Saved/)).toBeVisible();
	await page.screenshot({ path: '/tmp/shots/editor-split.png' });
	await page.reload();
	await expect(segments).toHaveCount(segCount + 1);
	await expect(page.getByLabel('Speaker of segment 1')).toHaveValue('Allison');
	await expect(page.getByRole('textbox', { name: 'Notes' })).toHaveValue('Check the product name.');
	await page.getByRole('button', { name: 'Merge segment 1 with the next' }).click();
	await expect(segments).toHaveCount(segCount);

	// Every edited word got times between its neighbours.
	const times = await page
		.locator('[data-word]')
		.evaluateAll((els) =>
			els.map((e) => [Number((e as HTMLElement).dataset.start), Number((e as HTMLElement).dataset.end)])
		);
	for (let i = 1; i < times.length; i++) expect(times[i][0]).toBeGreaterThanOrEqual(times[i - 1][0]);
});

test('the time offset shifts shown times and timestamped TXT, undoes, and survives a reload', async ({
	page,
	upload
}) => {
	await transcribeAndOpen(page, upload, 'speech/demo-thanks.wav', 'demo-thanks');
	const firstTime = page
		.locator('[data-segment-id]')
		.first()
		.getByRole('button', { name: /^Play from / });
	await expect(firstTime).toHaveText('0:00');
	const offset = page.getByLabel('Time offset (s)');
	await offset.fill('3600');
	await expect(firstTime).toHaveText('1:00:00');
	await expect(page.getByText(/Saved/)).toBeVisible();

	// Something that is not an offset is marked and not saved; leaving the field restores it.
	await offset.fill('-5');
	await expect(offset).toHaveAttribute('aria-invalid', 'true');
	await expect(firstTime).toHaveText('1:00:00');
	await offset.press('Tab');
	await expect(offset).toHaveValue('3600');
	await page.getByRole('button', { name: 'Undo' }).click();
	await expect(firstTime).toHaveText('0:00');
	await expect(offset).toHaveValue('0');
	await page.getByRole('button', { name: 'Redo' }).click();
	await expect(firstTime).toHaveText('1:00:00');
	await expect(page.getByText(/Saved/)).toBeVisible();

	await page.reload();
	await expect(page.getByLabel('Time offset (s)')).toHaveValue('3600');
	await expect(firstTime).toHaveText('1:00:00');
	await page.getByRole('button', { name: 'Export' }).click();
	const d = page.waitForEvent('download');
	await page.getByRole('menuitem', { name: 'TXT with timestamps' }).click();
	const txt = await readFile((await (await d).path())!, 'utf8');
	expect(txt).toMatch(/^\[1:00:00\] /);
});

test('an unknown transcript id shows a clear page', async ({ page }) => {
	await page.goto('/t/does-not-exist');
	await expect(page.getByRole('heading', { name: 'Transcript not found' })).toBeVisible();
	await page.screenshot({ path: '/tmp/shots/editor-not-found.png' });
});

test('export WebVTT, JSON (original beside corrected) and DOCX', async ({ page, upload }) => {
	await transcribeAndOpen(page, upload, 'speech/demo-nogo.wav', 'demo-nogo');
	await page.locator('[data-word]').nth(0).dblclick();
	await page.keyboard.type('Sadly');
	await page.keyboard.press('Enter');
	const download = async (name: string) => {
		await page.getByRole('button', { name: 'Export' }).click();
		const d = page.waitForEvent('download');
		await page.getByRole('menuitem', { name, exact: true }).click();
		const file = await d;
		return { name: file.suggestedFilename(), bytes: await readFile((await file.path())!) };
	};
	const vtt = await download('WebVTT');
	expect(vtt.name).toBe('demo-nogo.vtt');
	expect(vtt.bytes.toString('utf8')).toMatch(/^WEBVTT\n/);
	expect(vtt.bytes.toString('utf8')).toContain('Sadly');
	const json = await download('JSON');
	expect(json.name).toBe('demo-nogo.json');
	const text = json.bytes.toString('utf8');
	expect(text).toContain('Sadly');
	expect(text).toContain("I'm");
	const docx = await download('DOCX');
	expect(docx.name).toBe('demo-nogo.docx');
	expect(docx.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
	// Keyboard: the menu opens on Enter, arrows move, Escape closes and returns focus.
	await page.getByRole('button', { name: 'Export' }).focus();
	await page.keyboard.press('Enter');
	await expect(page.getByRole('menuitem', { name: 'TXT', exact: true })).toBeFocused();
	await page.keyboard.press('ArrowDown');
	await expect(page.getByRole('menuitem', { name: 'TXT with timestamps' })).toBeFocused();
	await page.keyboard.press('Escape');
	await expect(page.getByRole('button', { name: 'Export' })).toBeFocused();
});
