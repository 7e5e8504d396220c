// People train on the server from the Training page: pick a dataset, queue a job, watch its
// progress bar, curves and log live, read the test figures, then promote the version on the
// Models page.
import { expect, test } from '@playwright/test';
import {
  ADMIN,
  ProblemWatch,
  SignInPage,
  screenshot,
  waitForHydration,
} from '../fixtures/dashboard';

test('a job queued from the Training page trains live and its version is promoted', async ({
  page,
}) => {
  const watch = new ProblemWatch(page);
  await new SignInPage(page).open(ADMIN, '/training');

  const form = page.locator('form.job-form');
  await expect(form.getByLabel(/^Dataset/)).toBeVisible();
  await form.getByLabel(/^Dataset/).selectOption({ label: 'logistics-deliveries v1' });
  await form.getByLabel(/^Model name/).fill('dispatch-lateness');
  await form.getByLabel(/^Epochs/).fill('15');
  await form.getByLabel(/^Batch size/).fill('16');
  await screenshot(page, 'training-form');
  await form.getByRole('button', { name: 'Queue job' }).click();

  // The job's own page follows it live through server-sent events.
  await expect(page).toHaveURL(/\/training\/[0-9a-f-]+$/);
  await expect(page.getByTestId('job-log')).toContainText('queued to train on', {
    timeout: 30_000,
  });
  await expect(page.locator('[data-testid=loss-chart] polyline.series-train')).toHaveAttribute(
    'points',
    /\d+(\.\d+)?,\d+(\.\d+)? \d/,
    { timeout: 60_000 },
  );
  await expect(page.getByTestId('job-progress')).toContainText('of 15');
  await screenshot(page, 'training-job-running');

  await expect(page.getByTestId('job-status')).toHaveText('succeeded', { timeout: 120_000 });
  const result = page.getByTestId('job-result');
  await expect(result).toBeVisible();
  await expect(result).toContainText('dispatch-lateness version 1');
  await expect(result.getByTestId('confusion-matrix')).toBeVisible();
  const accuracy = Number.parseFloat(
    (await result.getByTestId('evaluation-accuracy').textContent()) ?? '0',
  );
  expect(accuracy).toBeGreaterThan(60);
  await screenshot(page, 'training-job-finished');

  // The registered version is promoted to Production on the model's page.
  await result.getByRole('link', { name: 'dispatch-lateness version 1' }).click();
  await expect(page).toHaveURL(/\/models\/dispatch-lateness$/);
  const row = page.locator('table.versions tr[data-version="1"]');
  await expect(row.getByTestId('stage')).toHaveText('None');
  await row.getByRole('button', { name: 'Promote' }).click();
  await expect(row.getByTestId('stage')).toHaveText('Production');
  await expect(page.getByTestId('version-evaluation')).toContainText('test rows');
  const downloads = page.getByTestId('downloads');
  const record = downloads.getByRole('link', { name: /^burn record/ });
  await expect(record).toBeVisible();
  const recordHref = await record.getAttribute('href');
  const recordAnswer = await page.request.get(recordHref ?? '');
  expect(recordAnswer.status()).toBe(200);
  expect((await recordAnswer.body()).length).toBeGreaterThan(4096);
  const manifestHref = await downloads.getByRole('link', { name: 'manifest' }).getAttribute('href');
  const manifest = await (await page.request.get(manifestHref ?? '')).json();
  expect(manifest.format).toBe('lepton-artifact');
  await screenshot(page, 'model-promoted');

  // A registry version runs in the tab too.
  await row.getByRole('link', { name: 'Open in Lab' }).click();
  await expect(page).toHaveURL(/\/lab\?model=dispatch-lateness:1$/);
  await expect(page.getByTestId('lab-status')).toContainText(
    'Loaded a model trained for 15 epochs',
    { timeout: 60_000 },
  );
  await screenshot(page, 'registry-model-in-lab');

  await page.goto('/models');
  const listed = page.locator('table.models tbody tr', { hasText: 'dispatch-lateness' });
  await expect(listed).toContainText('v1');
  watch.expectNone();
});

test('a refused job says why and queues nothing', async ({ page }) => {
  await new SignInPage(page).open(ADMIN, '/training');
  const form = page.locator('form.job-form');
  await form.getByLabel(/^Dataset/).selectOption({ label: 'two-moons v1' });
  await form.getByLabel(/^Learning rate/).fill('0');
  await form.getByRole('button', { name: 'Queue job' }).click();
  await expect(page.getByRole('alert')).toContainText('learning rate');
  await expect(page).toHaveURL(/\/training$/);
});

test('two versions compare side by side with overlaid curves', async ({ page }) => {
  const watch = new ProblemWatch(page);
  await new SignInPage(page).open(ADMIN, '/training');
  for (const seed of ['1', '2']) {
    if (seed !== '1') {
      await page.goto('/training');
      await waitForHydration(page);
    }
    const form = page.locator('form.job-form');
    await form.getByLabel(/^Dataset/).selectOption({ label: 'two-moons v1' });
    await form.getByLabel(/^Model name/).fill('moons-compared');
    await form.getByLabel(/^Epochs/).fill('3');
    await form.getByLabel(/^Seed/).fill(seed);
    await form.getByRole('button', { name: 'Queue job' }).click();
    await expect(page).toHaveURL(/\/training\/[0-9a-f-]+$/);
    await expect(page.getByTestId('job-status')).toHaveText('succeeded', { timeout: 60_000 });
    // The page reloads the job for its result: let that finish before leaving.
    await expect(page.getByTestId('job-result')).toBeVisible();
  }

  await page.goto('/models/moons-compared');
  await waitForHydration(page);
  for (const version of ['1', '2']) {
    await page.locator(`table.versions tr[data-version="${version}"]`).getByLabel('compare').check();
  }
  await page.getByRole('link', { name: 'Compare 2 versions' }).click();
  await expect(page).toHaveURL(/\/compare\?versions=moons-compared:\d,moons-compared:\d$/);
  const table = page.getByTestId('compare-table');
  await expect(table).toContainText('moons-compared v1');
  await expect(table).toContainText('moons-compared v2');
  await expect(table).toContainText('Average precision');
  await expect(page.locator('[data-testid=compare-roc] polyline.compare-curve')).toHaveCount(2);
  await expect(
    page.locator('[data-testid="compare-precision–recall"] polyline.compare-curve'),
  ).toHaveCount(2);
  await screenshot(page, 'compare-versions');
  watch.expectNone();
});
