/**
 * Playwright fixtures shared by every browser test: import `test` and `expect` from here, not from
 * '@playwright/test', so each test also proves the page made no third-party request.
 */
import { test as base, expect, type Locator, type Request } from '@playwright/test';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file under tests/fixtures/, e.g. fixturePath('speech/demo-thanks.wav'). */
export function fixturePath(relative: string): string {
	return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', relative);
}

const localHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True when a request stays on this machine or never touches the network (data:, blob:, about:). */
export function isFirstParty(url: string): boolean {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return false;
	}
	if (parsed.protocol === 'data:' || parsed.protocol === 'blob:' || parsed.protocol === 'about:') return true;
	if (
		parsed.protocol !== 'http:' &&
		parsed.protocol !== 'https:' &&
		parsed.protocol !== 'ws:' &&
		parsed.protocol !== 'wss:'
	)
		return false;
	return localHosts.has(parsed.hostname) || parsed.hostname.endsWith('.localhost');
}

/** One request the browser made during a test. */
export interface SeenRequest {
	url: string;
	method: string;
	resourceType: string;
}

interface Fixtures {
	/** Every request the browser context made so far; checked for third-party origins after the test. */
	requests: SeenRequest[];
	/** Puts a file from tests/fixtures/ into a file input (the page's first one unless `input` is given). */
	upload: (relative: string, input?: Locator) => Promise<void>;
}

/** The project's Playwright `test`, with request recording and the fixture-upload helper. */
export const test = base.extend<Fixtures>({
	requests: [
		async ({ context }, use, testInfo) => {
			const seen: SeenRequest[] = [];
			// Context-wide, so requests from popups and workers count too, not only the first page.
			const record = (r: Request) =>
				seen.push({ url: r.url(), method: r.method(), resourceType: r.resourceType() });
			context.on('request', record);
			await use(seen);
			context.off('request', record);
			const outside = seen.filter((r) => !isFirstParty(r.url));
			if (outside.length) {
				await testInfo.attach('third-party-requests.json', {
					body: JSON.stringify(outside, null, '\t'),
					contentType: 'application/json'
				});
				throw new Error(
					`The page made ${outside.length} third-party request(s), which the product promises never to do:\n` +
						outside.map((r) => `  ${r.method} ${r.url} (${r.resourceType})`).join('\n')
				);
			}
		},
		{ auto: true }
	],
	upload: async ({ page }, use) => {
		await use(async (relative, input) => {
			await (input ?? page.locator('input[type="file"]').first()).setInputFiles(fixturePath(relative));
		});
	}
});

export { expect };
