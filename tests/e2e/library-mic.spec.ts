import { expect, test } from './fixtures';

// A fake microphone (a beeping test tone) that needs no permission prompt.
test.use({
	launchOptions: {
		executablePath: '/usr/bin/chromium',
		args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']
	}
});

test('record, see elapsed time, stop: the recording is queued', async ({ page, context }) => {
	await context.grantPermissions(['microphone']);
	await page.goto('/');
	await page.getByRole('button', { name: 'Record from microphone' }).click();
	await expect(page.getByRole('timer', { name: 'Recording time' })).toHaveText(/0:0[1-9]/, { timeout: 5000 });
	await page.screenshot({ path: '/tmp/shots/library-recording.png' });
	await page.getByRole('button', { name: 'Stop recording' }).click();
	await expect(page.locator('.job').filter({ hasText: /Recording \d{4}-/ })).toBeVisible();
});

test('a denied microphone shows what to do', async ({ page }) => {
	await page.addInitScript(() => {
		navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
	});
	await page.goto('/');
	await page.getByRole('button', { name: 'Record from microphone' }).click();
	await expect(page.getByRole('alert').filter({ hasText: 'Microphone access was denied' })).toBeVisible();
});
