// Browser benchmarks: the project's Playwright setup (production server, Debian Chromium), pointed
// at bench/. Run through `npm run bench -- editor`.
import base from '../playwright.config';
import { defineConfig } from '@playwright/test';
import { resolve } from 'node:path';

export default defineConfig({
	...base,
	testDir: '.',
	testMatch: /editor\.spec\.ts$/,
	retries: 0,
	projects: base.projects?.filter((p) => p.name === 'chromium'),
	// The server runs from the project root, as in the main suite.
	webServer: {
		...(base.webServer as object),
		cwd: resolve(import.meta.dirname, '..')
	} as typeof base.webServer,
	reporter: 'list'
});
