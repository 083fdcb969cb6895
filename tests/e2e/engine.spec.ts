// The transcription worker in a real browser, through the diagnostics page: the same Engine as
// the CLI, on onnxruntime-web's WASM backend and on WebGPU (software adapter), with the same output.
import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { DEFAULT_MODEL_ID } from '../../src/lib/engine/models';

const shipped = JSON.parse(
	readFileSync(new URL(`../../models/${DEFAULT_MODEL_ID}/manifest.json`, import.meta.url), 'utf8')
) as { version: string };

/** Greedy output of the bundled check clip (tests/fixtures/speech/agent-alreadyon.wav), as in Node. */
const EXPECTED = 'That agent is already logged on. Please enter your agent number followed by the pound key.';

async function transcribeSample(page: Page, backend: string): Promise<string> {
	await page.goto(`/diagnostics?backend=${backend}`);
	await expect(page.getByTestId('ready')).toBeVisible({ timeout: 120_000 });
	await page.getByRole('button', { name: 'Transcribe the sample recording' }).click();
	const text = page.getByTestId('text');
	await expect(text).toBeVisible({ timeout: 600_000 });
	return (await text.innerText()).trim();
}

test('the worker transcribes a real recording with WASM threads', async ({ page }) => {
	expect(await transcribeSample(page, 'wasm')).toBe(EXPECTED);
	await expect(page.getByTestId('backend')).toHaveText('wasm');
	await expect(page.getByText('Cross-origin isolated (WASM threads)').locator('+ dd')).toHaveText('yes');
	const result = JSON.parse(await page.getByTestId('result').innerText());
	expect(result.model).toMatchObject({ id: DEFAULT_MODEL_ID, version: shipped.version });
	expect(result.segments[0].words[0]).toMatchObject({ text: 'That' });
	for (const w of result.segments.flatMap((s: { words: { confidence: number }[] }) => s.words)) {
		expect(w.confidence).toBeGreaterThan(0);
		expect(w.confidence).toBeLessThanOrEqual(1);
	}
});

test('without a WebGPU adapter the automatic choice is WASM, and says why', async ({ page }) => {
	await page.goto('/diagnostics');
	await expect(page.getByTestId('backend')).toHaveText('wasm', { timeout: 120_000 });
	await expect(page.getByTestId('reason')).toHaveText('no WebGPU adapter');
});

test('WebGPU chosen where there is none falls back to WASM and says so', async ({ page }) => {
	expect(await transcribeSample(page, 'webgpu')).toBe(EXPECTED);
	await expect(page.getByTestId('backend')).toHaveText('wasm');
	await expect(page.getByTestId('reason')).toHaveText(
		'WebGPU was chosen in settings but is not available here'
	);
});

test('model weights come compressed from our origin once, then from the cache', async ({
	page,
	requests
}) => {
	const modelResponses: { url: string; encoding: string | null; cache: string | null }[] = [];
	page.on('response', (r) => {
		if (r.url().includes('/models/') && r.url().includes('.onnx')) {
			modelResponses.push({
				url: r.url(),
				encoding: r.headers()['content-encoding'] ?? null,
				cache: r.headers()['cache-control'] ?? null
			});
		}
	});
	await page.goto('/diagnostics?backend=wasm');
	await expect(page.getByTestId('ready')).toBeVisible({ timeout: 120_000 });
	const firstVisit = requests.filter((r) => r.url.includes('.onnx')).length;
	expect(firstVisit).toBe(3); // encoder, decoder, VAD
	for (const r of modelResponses) {
		expect(r.encoding).toBe('gzip');
		expect(r.cache).toContain('immutable');
	}

	await page.reload();
	await expect(page.getByTestId('ready')).toBeVisible({ timeout: 120_000 });
	expect(requests.filter((r) => r.url.includes('.onnx')).length).toBe(firstVisit);
});

test('WebGPU (software adapter) gives the same text as WASM, and the measured check picks WASM @webgpu', async ({
	page
}) => {
	await page.goto('/diagnostics');
	// On SwiftShader WebGPU is ~20x slower than WASM: measured, not assumed, so WASM must win here.
	await expect(page.getByTestId('reason')).toHaveText(/^measured: /, { timeout: 300_000 });
	await expect(page.getByTestId('backend')).toHaveText('wasm');

	const gpuText = await transcribeSample(page, 'webgpu');
	await expect(page.getByTestId('backend')).toHaveText('webgpu');
	expect(gpuText).toBe(EXPECTED);
});

test('the backend can be chosen in settings and the choice is kept', async ({ page, upload }) => {
	await page.goto('/settings');
	await expect(page.getByRole('radio', { name: /Automatic Redline measures/ })).toBeChecked();
	await page.getByRole('radio', { name: /WebAssembly/ }).check();
	await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
	await page.reload();
	await expect(page.getByRole('radio', { name: /WebAssembly/ })).toBeChecked();

	// The next transcription loads the engine with that choice.
	await page.goto('/');
	await upload('speech/alsa-front-center.wav');
	await expect(page.getByRole('link', { name: /alsa-front-center/i }).first()).toBeVisible({
		timeout: 120_000
	});
	await page.getByRole('link', { name: 'Settings' }).click();
	await expect(page.getByTestId('backend-in-use')).toHaveText('wasm');
	await expect(page.getByText('(chosen in settings)')).toBeVisible();
});
