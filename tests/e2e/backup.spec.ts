/**
 * The library backup end to end: a corrected transcript goes into a backup file, is deleted from the
 * library, and comes back from the file with its correction and its recording.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures';

const FIXTURE = 'speech/demo-echotest.wav';
const TITLE = 'demo-echotest';

test('export a backup, delete the transcript, import it: it is back with its edits', async ({
	page,
	upload
}, testInfo) => {
	await page.goto('/');
	await upload(FIXTURE, page.getByLabel('Choose audio files'));
	// The library lists a transcript from its first segment on: back up the finished one.
	await expect(page.locator('.job[data-status="done"]').filter({ hasText: TITLE })).toBeVisible({
		timeout: 90_000
	});
	const item = page.locator('.item').filter({ hasText: TITLE });
	await item.getByRole('link', { name: TITLE }).click();
	await page.locator('[data-word]').first().dblclick();
	const input = page.getByRole('textbox', { name: 'Replace words' });
	await expect(input).toBeFocused();
	await input.fill('Backedup');
	await page.keyboard.press('Enter');
	await expect(page.locator('[data-word]').first()).toHaveAttribute('data-word', 'Backedup');

	await page.goto('/settings');
	// Chromium without a site engagement grants nothing, but it says so: never a blank.
	await expect(page.getByTestId('storage-state')).toContainText(/Storage is (persistent|not persistent)/);
	await expect(page.getByTestId('storage-usage')).toContainText('MB');
	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export backup' }).click();
	const download = await downloading;
	expect(download.suggestedFilename()).toMatch(/^redline-backup-\d{4}-\d{2}-\d{2}\.zip$/);
	const file = testInfo.outputPath('backup.zip');
	await download.saveAs(file);
	await expect(page.getByTestId('backup-status')).toHaveText('Backup saved: 1 transcript, 1 recording.');
	expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK');

	await page.goto('/');
	await item.getByRole('button', { name: `Delete ${TITLE}` }).click();
	await expect(item).toHaveCount(0);
	await page.reload();
	await expect(page.locator('.item').filter({ hasText: TITLE })).toHaveCount(0);

	await page.goto('/settings');
	// A file that is not a backup says so and changes nothing.
	await page.getByTestId('backup-file').setInputFiles({
		name: 'notes.zip',
		mimeType: 'application/zip',
		buffer: Buffer.from('not a zip')
	});
	await expect(page.getByTestId('backup-status')).toHaveText(
		'This file is not a Redline backup: it is not a ZIP archive.'
	);
	await page.getByTestId('backup-file').setInputFiles(file);
	await expect(page.getByTestId('backup-status')).toContainText('Backup imported: 1 added');

	await page.goto('/');
	const restored = page.locator('.item').filter({ hasText: TITLE });
	await expect(restored).toBeVisible();
	await restored.getByRole('link', { name: TITLE }).click();
	await expect(page.locator('[data-word]').first()).toHaveAttribute('data-word', 'Backedup');
	await expect(page.locator('audio')).toHaveAttribute('src', /^blob:/);
});
