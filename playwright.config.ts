import { defineConfig, devices } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CI = !!process.env.CI;
// E2E_PORT lets two checkouts run their suites side by side without sharing a server.
const port = Number(process.env.E2E_PORT ?? 4173);
// localhost, not 127.0.0.1: Chromium exposes WebGPU only to secure contexts, and localhost counts as one.
const baseURL = `http://localhost:${port}`;

// A fresh database per run. Workers load this file again but inherit the variable, so they share it.
process.env.REDLINE_E2E_DATA ??= mkdtempSync(join(tmpdir(), 'redline-e2e-'));
const dataDir = process.env.REDLINE_E2E_DATA;

/** Time limits for the browser suite, kept in one place; the model runs inside these. */
export const timeouts = {
	/** One test with the WASM backend: model load (~5 s) plus transcription of a short fixture. */
	test: 120_000,
	/** One @webgpu test: the software adapter (SwiftShader) runs the model about 20x slower than WASM. */
	webgpuTest: 600_000,
	expect: 15_000,
	/** Starting the production server (the build itself happens before `playwright test`). */
	server: 120_000
} as const;

// Quiet, reproducible Chromium: no network chatter of its own that could look like third-party requests.
const chromiumArgs = [
	'--no-sandbox',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

export default defineConfig({
	testDir: 'tests/e2e',
	forbidOnly: CI,
	retries: CI ? 1 : 0,
	// Two cores: a second worker would only make the model runs race for the CPU.
	workers: 1,
	fullyParallel: false,
	reporter: CI ? [['list'], ['html', { open: 'never' }]] : 'list',
	timeout: timeouts.test,
	expect: { timeout: timeouts.expect },
	use: {
		baseURL,
		trace: 'on-first-retry',
		screenshot: 'only-on-failure'
	},
	projects: [
		{
			name: 'chromium',
			grepInvert: /@webgpu/,
			use: {
				...devices['Desktop Chrome'],
				launchOptions: { executablePath: '/usr/bin/chromium', args: [...chromiumArgs, '--disable-gpu'] }
			}
		},
		{
			name: 'webgpu',
			grep: /@webgpu/,
			timeout: timeouts.webgpuTest,
			use: {
				...devices['Desktop Chrome'],
				launchOptions: {
					executablePath: '/usr/bin/chromium',
					args: [
						...chromiumArgs,
						'--enable-unsafe-webgpu',
						'--enable-features=Vulkan',
						'--use-angle=swiftshader',
						'--use-webgpu-adapter=swiftshader'
					]
				}
			}
		}
	],
	webServer: {
		// The production server, as users run it; `npm test` builds before it runs this suite.
		command: 'node scripts/server.js',
		url: `${baseURL}/`,
		reuseExistingServer: !CI,
		timeout: timeouts.server,
		stdout: 'pipe',
		stderr: 'pipe',
		env: {
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: baseURL,
			DATABASE_URL: `sqlite:${join(dataDir, 'redline.db')}`,
			DATA_DIR: dataDir,
			ADMIN_TOKEN: 'test-admin-token-0123456789abcdef'
		}
	}
});
