/** Logging in to the dashboard as the e2e server's admin (playwright.config.ts sets ADMIN_TOKEN). */
import { expect, type Page } from '@playwright/test';

/** The e2e server's admin token. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** Logs in through /login and waits for the dashboard. */
export async function loginAsAdmin(page: Page, token = ADMIN_TOKEN): Promise<void> {
	await page.goto('/login');
	await page.getByLabel('Admin token').fill(token);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);
}
