// The streaming upload path: the File goes to the worker, which reads WAV by slices and decodes
// compressed formats with mediabunny + WebCodecs, without falling back to Web Audio on the page.
import { expect, test } from './fixtures';

for (const file of [
	'audio/sentence-44k1-stereo.mp3',
	'audio/sentence-48k-mono.ogg',
	'audio/sentence-22k05-mono.flac',
	'audio/sentence-44k1-s24-stereo.wav'
]) {
	test(`${file} is decoded in the worker and its words arrive`, async ({ page, upload }) => {
		const fallbacks: string[] = [];
		page.on('console', (m) => {
			if (m.text().includes('on the page:')) fallbacks.push(m.text());
		});
		await page.goto('/');
		await upload(file, page.getByLabel('Choose audio files'));
		const name = file.split('/')[1].replace(/\.\w+$/, '');
		const item = page.locator('.item').filter({ hasText: name });
		await expect(item).toBeVisible({ timeout: 90_000 });
		await item.getByRole('link', { name }).click();
		await expect(page.locator('[data-word]').first()).toBeVisible();
		const text = (await page.locator('[data-word]').allTextContents()).join(' ').toLowerCase();
		// The espeak voice's "quick" and "dog" are heard differently by different decoders' resampling.
		for (const word of ['brown', 'fox', 'over', 'lazy']) expect(text).toContain(word);
		expect(fallbacks).toEqual([]);
	});
}
