// The admin quality page the server's start-up line links to.
import { expect, test } from './fixtures';

test('the admin link shows quality figures and drops the token from the address bar', async ({ page }) => {
	await page.goto('/admin?token=test-admin-token-0123456789abcdef');
	await expect(
		page.getByRole('table').or(page.getByText('No telemetry yet', { exact: false }))
	).toBeVisible();
	expect(new URL(page.url()).searchParams.has('token')).toBe(false);
});

test('a wrong token is refused with a clear message', async ({ page }) => {
	await page.goto('/admin');
	await page.getByLabel('Admin token').fill('not-the-token');
	await page.getByRole('button', { name: 'Show' }).click();
	await expect(page.getByRole('alert').filter({ hasText: 'not valid' })).toBeVisible();
});
