import { readFileSync } from 'node:fs';
import { expect, fixturePath, test } from './fixtures';

/** A 16-bit PCM WAV (44-byte header, as the fixtures are) with its samples repeated `times` times. */
function repeatWav(wav: Buffer, times: number): Buffer {
	const header = Buffer.from(wav.subarray(0, 44));
	const data = wav.subarray(44);
	const out = Buffer.concat([header, ...Array.from({ length: times }, () => data)]);
	out.writeUInt32LE(out.length - 8, 4);
	out.writeUInt32LE(data.length * times, 40);
	return out;
}

const shot = (name: string) => ({ path: `/tmp/shots/${name}.png`, fullPage: true });

test.describe('library', () => {
	test('upload a real recording, watch it transcribe, open it', async ({ page, upload }) => {
		await page.goto('/');
		await expect(page.getByRole('heading', { name: 'Redline', level: 1 })).toBeVisible();
		await expect(page.getByText('No transcripts yet')).toBeVisible();
		await page.screenshot(shot('library-empty'));
		await upload('speech/demo-thanks.wav', page.getByLabel('Choose audio files'));
		const job = page.locator('.job').first();
		await expect(job).toBeVisible();
		await expect(page.locator('progress').first()).toBeVisible();
		await page.screenshot(shot('library-transcribing'));
		const item = page.locator('.item').filter({ hasText: 'demo-thanks' });
		await expect(item).toBeVisible({ timeout: 90_000 });
		await expect(job).toContainText('Done');
		await page.screenshot(shot('library-one'));
		await expect(item).toContainText('New');
		await item.getByRole('link', { name: 'demo-thanks' }).click();
		await expect(page).toHaveURL(/\/t\//);
		await expect(page.locator('[data-word]').first()).toBeVisible();
	});

	test('bad files get a clear message each; a good one in the same batch still works', async ({ page }) => {
		await page.goto('/');
		const { fixturePath } = await import('./fixtures');
		await page
			.getByLabel('Choose audio files')
			.setInputFiles([
				fixturePath('audio/not-audio.wav'),
				fixturePath('audio/empty.wav'),
				fixturePath('audio/silence-3s.wav'),
				fixturePath('speech/demo-nogo.wav')
			]);
		const alerts = page.locator('.job [role=alert]');
		await expect(alerts).toHaveCount(3, { timeout: 90_000 });
		await expect(page.locator('.job').filter({ hasText: 'not-audio.wav' })).toContainText(
			'could not be decoded'
		);
		await expect(page.locator('.job').filter({ hasText: 'empty.wav' })).toContainText(/empty|no audio/);
		await expect(page.locator('.job').filter({ hasText: 'silence-3s.wav' })).toContainText('silent');
		await expect(page.locator('.item').filter({ hasText: 'demo-nogo' })).toBeVisible({ timeout: 90_000 });
		await page.screenshot(shot('library-errors'));
	});

	test('cancel a transcription', async ({ page }) => {
		await page.goto('/');
		// Ten minutes of speech: long enough that the job is still running when Cancel is pressed
		// (the engine does a minute in about two seconds on this machine).
		await page.getByLabel('Choose audio files').setInputFiles({
			name: 'long-10min.wav',
			mimeType: 'audio/wav',
			buffer: repeatWav(readFileSync(fixturePath('audio/long-60s.wav')), 10)
		});
		const job = page.locator('.job').filter({ hasText: 'long-10min.wav' });
		await expect(job).toContainText(/Transcribing/, { timeout: 60_000 });
		await job.getByRole('button', { name: 'Cancel long-10min.wav' }).click();
		await expect(job).toContainText('Cancelled', { timeout: 15_000 });
		// Segments decoded before the click stay, marked Incomplete (growing.spec.ts); the first words now
		// come within a second, so the click may well be after one. No complete transcript is left.
		const items = page.locator('.item').filter({ hasText: 'long-10min' });
		await expect(items).toHaveCount((await items.count()) > 0 ? 1 : 0);
		await expect(items.filter({ hasNotText: 'Incomplete' })).toHaveCount(0);
		await page.screenshot(shot('library-cancelled'));
	});

	test('rename, delete and undo', async ({ page, upload }) => {
		await page.goto('/');
		await upload('speech/demo-echotest.wav', page.getByLabel('Choose audio files'));
		const item = page.locator('.item').filter({ hasText: 'demo-echotest' });
		await expect(item).toBeVisible({ timeout: 90_000 });
		await item.getByRole('button', { name: 'Rename demo-echotest' }).click();
		await page.getByLabel('New title').fill('Echo test call');
		await page.getByLabel('New title').press('Enter');
		const renamed = page.locator('.item').filter({ hasText: 'Echo test call' });
		await expect(renamed).toBeVisible();
		await page.reload();
		await expect(renamed).toBeVisible();
		await renamed.getByRole('button', { name: 'Delete Echo test call' }).click();
		await expect(renamed).toHaveCount(0);
		await expect(page.getByRole('status').filter({ hasText: 'Deleted' })).toBeVisible();
		await page.screenshot(shot('library-deleted-toast'));
		await page.getByRole('button', { name: 'Undo' }).click();
		await expect(renamed).toBeVisible();
		await page.reload();
		await expect(renamed).toBeVisible();
		await renamed.getByRole('link').click();
		await expect(page.locator('audio')).toHaveAttribute('src', /^blob:/);
	});
});

test('transcription keeps running while another transcript is open', async ({ page, upload }) => {
	await page.goto('/');
	await upload('speech/demo-nogo.wav', page.getByLabel('Choose audio files'));
	const first = page.locator('.item').filter({ hasText: 'demo-nogo' });
	await expect(first).toBeVisible({ timeout: 90_000 });
	await upload('audio/long-60s.wav', page.getByLabel('Choose audio files'));
	await expect(page.locator('.job').filter({ hasText: 'long-60s.wav' })).toContainText('Transcribing', {
		timeout: 60_000
	});
	// Partial text appears as segments finish.
	await expect(page.locator('.job .partial').first()).not.toBeEmpty({ timeout: 60_000 });
	await first.getByRole('link').click();
	const mini = page.locator('header .job').filter({ hasText: 'long-60s.wav' });
	await expect(mini).toBeVisible();
	await page.screenshot({ path: '/tmp/shots/editor-with-background-job.png' });
	// The editor stays usable meanwhile.
	await page.locator('[data-word]').first().dblclick();
	await page.keyboard.type('Stillworks');
	await page.keyboard.press('Enter');
	await expect(page.locator('[data-word]').first()).toHaveAttribute('data-word', 'Stillworks');
	await expect(mini).toHaveCount(0, { timeout: 120_000 });
	await page.getByRole('link', { name: '← All transcripts' }).click();
	await expect(page.locator('.item').filter({ hasText: 'long-60s' })).toBeVisible();
});

test('drag and drop a file onto the drop zone', async ({ page }) => {
	await page.goto('/');
	const { readFile } = await import('node:fs/promises');
	const { fixturePath } = await import('./fixtures');
	const bytes = [...(await readFile(fixturePath('speech/demo-thanks.wav')))];
	const dt = await page.evaluateHandle((b) => {
		const d = new DataTransfer();
		d.items.add(new File([new Uint8Array(b)], 'dropped-thanks.wav', { type: 'audio/wav' }));
		return d;
	}, bytes);
	const zone = page.getByRole('group', { name: 'Drop audio files here' });
	await zone.dispatchEvent('dragenter', { dataTransfer: dt });
	await page.screenshot({ path: '/tmp/shots/library-dragging.png' });
	await zone.dispatchEvent('drop', { dataTransfer: dt });
	await expect(page.locator('.item').filter({ hasText: 'dropped-thanks' })).toBeVisible({ timeout: 90_000 });
});
