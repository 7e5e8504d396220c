// A visitor opens the dashboard and moves through every page by its navigation links.
import { expect, test } from '@playwright/test';
import {
  ADMIN,
  PAGES,
  ProblemWatch,
  SignInPage,
  screenshot,
  waitForHydration,
} from '../fixtures/dashboard';

test('navigates client-side through every page without a reload', async ({ page }) => {
  const watch = new ProblemWatch(page);

  await new SignInPage(page).open(ADMIN);
  // A full page load would wipe this marker; client-side navigation keeps it.
  await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'kept'));

  for (const target of PAGES) {
    await page.getByRole('banner').getByRole('link', { name: target.link, exact: true }).click();

    await expect(page).toHaveURL(target.path);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(target.heading);
    await expect(page).toHaveTitle(`${target.heading} · Lepton`);
    const name = target.path === '/' ? 'overview' : target.path.slice(1).replace('/', '-');
    await screenshot(page, `page-${name}`);
  }

  const marker = await page.evaluate(() => (window as unknown as { marker?: string }).marker);
  expect(marker).toBe('kept');
  watch.expectNone();
});

test('an unknown address shows the 404 page with status 404', async ({ page }) => {
  const expected404 = (url: string, status: number) =>
    status === 404 && url.endsWith('/no-such-page');
  const watch = new ProblemWatch(page, expected404);

  const response = await page.goto('/no-such-page');

  expect(response?.status()).toBe(404);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  await screenshot(page, 'page-not-found');
  watch.expectNone();
});

test('the dashboard follows a dark system theme and fits a phone screen', async ({ browser }) => {
  const context = await browser.newContext({
    colorScheme: 'dark',
    viewport: { width: 390, height: 844 },
    baseURL: test.info().project.use.baseURL,
  });
  const page = await context.newPage();
  const watch = new ProblemWatch(page);

  await page.goto('/lab');
  await waitForHydration(page);

  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe('rgb(17, 19, 24)');
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - window.innerWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, 'lab-dark-phone');
  watch.expectNone();
  await context.close();
});
