/**
 * Resetting the installation id deletes the server's data under the old one first; when that fails,
 * the page says the data could then never be deleted and resets only if the user chooses to.
 */
import { expect, test } from './fixtures';

test('reset deletes first; when the server is unreachable it warns and resets only on request', async ({
	page
}) => {
	await page.goto('/settings');
	const id = page.getByTestId('installation-id');
	await expect(id).not.toBeEmpty();
	const first = await id.textContent();

	await page.route('**/api/v1/installations/*', (r) => r.abort());
	await page.getByRole('button', { name: 'Reset installation id' }).click();
	const alert = page.getByRole('alert').filter({ hasText: 'can never be deleted' });
	await expect(alert).toContainText('The server did not delete the data: the server could not be reached.');
	await expect(id).toHaveText(first!);

	await alert.getByRole('button', { name: 'Reset anyway, leave the data on the server' }).click();
	await expect(alert).toHaveCount(0);
	await expect(id).not.toHaveText(first!);
	const second = await id.textContent();

	await page.unroute('**/api/v1/installations/*');
	const deleting = page.waitForRequest(
		(r) => r.method() === 'DELETE' && r.url().endsWith(`/api/v1/installations/${second}`)
	);
	await page.getByRole('button', { name: 'Reset installation id' }).click();
	await deleting;
	await expect(page.getByRole('status').filter({ hasText: 'The server deleted 0 events' })).toBeVisible();
	await expect(id).not.toHaveText(second!);
});
