// The quality dashboard against the built app and its real SQLite database, seeded with generated
// telemetry (dashboard-seed.ts): a planted regression of the newer tiny version and a planted outage
// of correction events. Screenshots go to test-results/dashboard-*.png for a person to look at.
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { loginAsAdmin } from './admin-login';
import { seedDashboard } from './dashboard-seed';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
	const dir = process.env.REDLINE_E2E_DATA;
	if (!dir) throw new Error('REDLINE_E2E_DATA is not set (playwright.config.ts sets it)');
	expect(await seedDashboard(join(dir, 'redline.db'), new Date())).toBeGreaterThan(1000);
});

test('nothing of the dashboard is readable without logging in', async ({ page, request }) => {
	await page.goto('/dashboard');
	await expect(page).toHaveURL(/\/login$/);
	for (const section of ['versions?days=30', 'speed?days=30', 'health', 'compare?a=x&b=y'])
		expect((await request.get(`/api/v1/admin/dashboard/${section}`)).status()).toBe(401);
});

test('every panel renders, the regression and the outage are flagged, and two versions compare', async ({
	page
}) => {
	await loginAsAdmin(page);
	await expect(page.getByTestId('version-row')).toHaveCount(2);
	await expect(page.getByTestId('version-row').first()).toContainText('moonshine-tiny-en@1.1.0');
	// The planted regression: the newer version's row carries the badge, the older one's does not.
	await expect(page.getByTestId('version-row').nth(1).getByTestId('regression-badge')).toContainText(
		'Regression'
	);
	await expect(page.getByTestId('version-row').first().getByTestId('regression-badge')).toHaveCount(0);
	// The static evaluation (models/<id>/eval.json) sits beside the version it was made on, and only there.
	await expect(page.getByTestId('version-row').nth(1)).toContainText('on eval.jsonl (11 files)');
	await expect(page.getByTestId('version-row').first()).not.toContainText('eval.jsonl');
	// The planted outage: corrections stopped while other events go on.
	await expect(page.getByTestId('health-alert')).toContainText('correction');
	for (const heading of [
		'Telemetry health',
		'Word error rate per version',
		'Ratings',
		'Confidence calibration and highlighting',
		'Most frequent corrections',
		'Outcome',
		'Release comparison',
		'Field speed and failures',
		'Model rollout'
	])
		await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible();
	// Six charts, each an SVG with a caption.
	await expect(page.locator('figure.chart svg')).toHaveCount(6);
	await expect(page.locator('figure.chart figcaption')).toHaveCount(6);
	await expect(page.getByText('No data in this range.')).toHaveCount(0);
	await page.screenshot({ path: 'test-results/dashboard-overview.png', fullPage: true });

	// Release comparison: old → new is significantly worse on WER and on ratings.
	const compare = page.locator('form.compare');
	await compare.locator('select').nth(0).selectOption({ label: 'moonshine-tiny-en@1.1.0 (default)' });
	await compare.locator('select').nth(1).selectOption({ index: 1 });
	await compare.getByRole('button', { name: 'Compare' }).click();
	await expect(page.getByTestId('wer-verdict')).toHaveText('significantly WORSE');
	await expect(page.getByTestId('rating-verdict')).toHaveText('significantly WORSE');
	await page.getByTestId('comparison').screenshot({ path: 'test-results/dashboard-compare.png' });

	// Another range reloads every section, the charts too: the daily WER chart has a dot per version
	// and day with reviewed words (the seed spans 21 days), so 7 days draw fewer.
	const dots = page
		.getByRole('img', { name: 'Daily reviewed WER per version with 95 % band' })
		.locator('circle');
	const before = await dots.count();
	expect(before).toBeGreaterThan(2 * 14);
	await page.getByLabel('Time range').selectOption('7');
	await expect(page.getByTestId('version-row')).toHaveCount(2);
	await expect.poll(() => dots.count()).toBeLessThanOrEqual(2 * 8);
	await expect.poll(() => dots.count()).toBeGreaterThan(0);
	await page.screenshot({ path: 'test-results/dashboard-7-days.png', fullPage: true });
});

test('logging out ends the session', async ({ page }) => {
	await loginAsAdmin(page);
	await page.getByRole('button', { name: 'Log out' }).click();
	await expect(page).toHaveURL(/\/login$/);
	expect((await page.request.get('/api/v1/admin/dashboard/health')).status()).toBe(401);
	await page.goto('/dashboard');
	await expect(page).toHaveURL(/\/login$/);
});
