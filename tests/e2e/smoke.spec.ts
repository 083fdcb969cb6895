import { expect, test } from './fixtures';

test('home page is cross-origin isolated, has a CSP and asks no third party for anything', async ({
	page,
	requests
}) => {
	const response = await page.goto('/');
	expect(response, 'navigation response').not.toBeNull();
	expect(response!.status()).toBe(200);
	const headers = response!.headers();
	// Without COOP/COEP there is no SharedArrayBuffer, so onnxruntime-web would fall back to one thread.
	expect(headers['cross-origin-opener-policy']).toBe('same-origin');
	expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
	expect(headers['content-security-policy'], 'Content-Security-Policy header').toBeTruthy();
	expect(headers['content-security-policy']).toContain("default-src 'self'");
	expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
	await page.waitForLoadState('networkidle');
	expect(requests.length).toBeGreaterThan(0);
	// The `requests` fixture fails the test after this point if any request left localhost.
});
