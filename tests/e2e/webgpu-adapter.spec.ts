import { expect, test } from './fixtures';

// Guards the `webgpu` project's Chromium flags: without an adapter the WebGPU engine tests would
// silently measure the WASM fallback instead.
test('the software WebGPU adapter is available on localhost @webgpu', async ({ page }) => {
	await page.goto('/');
	const adapter = await page.evaluate(async () => {
		const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
		if (!gpu) return { gpu: false, adapter: false };
		const found = (await gpu.requestAdapter()) as {
			info?: { vendor?: string; architecture?: string };
		} | null;
		return {
			gpu: true,
			adapter: !!found,
			vendor: found?.info?.vendor,
			architecture: found?.info?.architecture
		};
	});
	test.info().annotations.push({ type: 'adapter', description: JSON.stringify(adapter) });
	expect(adapter).toMatchObject({ gpu: true, adapter: true });
});
