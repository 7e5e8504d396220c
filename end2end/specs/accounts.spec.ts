// People sign in and out, manage their own account, and admins manage users and read the
// audit log, all in a real Chromium against the real server.
import { expect, test } from '@playwright/test';
import {
  ADMIN,
  PASSWORD,
  ProblemWatch,
  SignInPage,
  VIEWER,
  screenshot,
  waitForHydration,
} from '../fixtures/dashboard';

test('a protected page sends a visitor to Sign in and back, then signing out ends it', async ({
  page,
}) => {
  const watch = new ProblemWatch(page);

  await page.goto('/datasets');
  await expect(page).toHaveURL('/sign-in?next=%2Fdatasets');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  await screenshot(page, 'sign-in');

  await new SignInPage(page).signIn(VIEWER);
  await expect(page).toHaveURL('/datasets');
  await waitForHydration(page);
  const banner = page.getByRole('banner');
  await expect(banner.getByRole('link', { name: VIEWER })).toBeVisible();
  await expect(banner.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await screenshot(page, 'signed-in-viewer');

  await banner.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL('/sign-in?signed_out=1');
  await expect(page.getByText('You are signed out.')).toBeVisible();
  await expect(banner.getByRole('link', { name: 'Sign in' })).toBeVisible();

  await page.goto('/models');
  await expect(page).toHaveURL('/sign-in?next=%2Fmodels');
  watch.expectNone();
});

test('a wrong password gets one plain message and no session', async ({ page }) => {
  const watch = new ProblemWatch(page);

  await page.goto('/sign-in');
  await new SignInPage(page).signIn(VIEWER, 'not the password');
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await screenshot(page, 'sign-in-wrong-password');

  await page.goto('/account');
  await expect(page).toHaveURL('/sign-in?next=%2Faccount');
  watch.expectNone();
});

test('My account creates a token shown once, lists it and revokes it', async ({ page }) => {
  const watch = new ProblemWatch(page);
  await new SignInPage(page).open(VIEWER, '/account');

  await expect(page.getByRole('heading', { level: 1 })).toHaveText('My account');
  await expect(page.locator('table.sessions tbody tr')).toHaveCount(1);
  await page.getByLabel('Name', { exact: true }).fill('nightly import');
  await page.getByRole('button', { name: 'Create token' }).click();

  const secret = page.locator('code.token-secret');
  await expect(secret).toHaveText(/^lep_/);
  const token = (await secret.textContent()) ?? '';
  const row = page.locator('table.tokens tbody tr', { hasText: 'nightly import' });
  await expect(row).toHaveCount(1);
  await screenshot(page, 'account-token-created');

  // The token works for a script, then stops working once revoked.
  const before = await page.request.get('/api/v1/me', {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(before.status()).toBe(200);
  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toHaveCount(0);
  const after = await page.request.get('/api/v1/me', {
    headers: { authorization: `Bearer ${token}`, cookie: '' },
  });
  expect(after.status()).toBe(401);
  watch.expectNone();
});

test('an admin creates a user, who can then sign in, and sees it in the audit log', async ({
  page,
  browser,
}) => {
  const watch = new ProblemWatch(page);
  await new SignInPage(page).open(ADMIN, '/admin/users');

  // ada and vera, and the account the simulated sites send their telemetry with.
  await expect(page.locator('table.users tbody tr')).toHaveCount(3);
  await expect(page.locator('table.users tbody tr[data-username=site-simulator]')).toHaveCount(1);
  await page.getByLabel('Username').fill('grace');
  await page.getByLabel('Role', { exact: true }).selectOption('editor');
  await page.getByRole('button', { name: 'Create user' }).click();
  const password = page.locator('code.generated-password');
  await expect(password).toHaveText(/.{16,}/);
  const generated = (await password.textContent()) ?? '';
  await expect(page.locator('table.users tbody tr[data-username=grace]')).toHaveCount(1);
  await screenshot(page, 'admin-users');

  const other = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const graces = await other.newPage();
  await graces.goto('/sign-in');
  await new SignInPage(graces).signIn('grace', generated);
  await expect(graces).toHaveURL('/');
  await expect(graces.getByRole('banner').getByRole('link', { name: 'grace' })).toBeVisible();
  await other.close();

  await page.getByRole('banner').getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Audit log');
  const created = page.locator('table.audit tbody tr', { hasText: 'user created' });
  await expect(created.filter({ hasText: 'grace' })).toHaveCount(1);
  await expect(page.locator('table.audit tbody tr', { hasText: 'sign in' }).first()).toBeVisible();
  await screenshot(page, 'admin-audit');
  expect(PASSWORD).not.toBe(generated);
  watch.expectNone();
});
