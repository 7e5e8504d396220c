// People upload datasets from the Datasets page: drop a file, watch the progress bar, land on
// the dataset's page with its profile, histograms, warnings and rows; cancel an upload; get
// a clear message for a broken file.
import { expect, test, type Page } from '@playwright/test';
import { ADMIN, ProblemWatch, SignInPage, screenshot } from '../fixtures/dashboard';

/** A sensor log with an ID column, a column with many gaps and an imbalanced target. */
function sensorLog(rows: number): string {
  const lines = ['reading_id,line,temperature,pressure,failed'];
  for (let row = 0; row < rows; row++) {
    const temperature = row % 3 === 0 ? '' : (60 + (row % 17) * 0.7).toFixed(2);
    const pressure = (4 + ((row * 37) % 100) / 50).toFixed(3);
    const failed = row % 25 === 0 ? 'yes' : 'no';
    lines.push(`R${100000 + row},L${(row % 4) + 1},${temperature},${pressure},${failed}`);
  }
  return lines.join('\n') + '\n';
}

/** Drops a file with `text` on the page's drop zone, as a person dragging it from disk. */
async function dropFile(page: Page, name: string, text: string): Promise<void> {
  const transfer = await page.evaluateHandle(
    ({ name, text }) => {
      const data = new DataTransfer();
      data.items.add(new File([text], name, { type: 'text/csv' }));
      return data;
    },
    { name, text },
  );
  await page.dispatchEvent('.drop-zone', 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent('.drop-zone', 'drop', { dataTransfer: transfer });
}

/** Slows uploads down so that the progress bar has time to show. */
async function throttleUploads(page: Page, bytesPerSecond: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  });
}

test('a dropped CSV uploads with progress and shows its profile', async ({ page }) => {
  const watch = new ProblemWatch(page);
  await new SignInPage(page).open(ADMIN, '/datasets');

  const samples = page.locator('table.datasets tbody tr');
  await expect(samples.filter({ hasText: 'manufacturing-sensors' })).toHaveCount(1);
  await expect(samples.filter({ hasText: 'two-moons' })).toHaveCount(1);
  await screenshot(page, 'datasets-list');

  const csv = sensorLog(60_000);
  await dropFile(page, 'line-sensors.csv', csv);
  await expect(page.locator('.drop-title')).toContainText('line-sensors.csv');
  await expect(page.getByLabel(/^Name/)).toHaveValue('line-sensors');
  await page.getByLabel(/^Target column/).fill('failed');

  await throttleUploads(page, 600_000);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const progress = page.locator('.upload-progress');
  await expect(progress.locator('.progress-text')).toContainText(/of .* left/);
  await expect(progress.locator('progress')).toBeVisible();
  await screenshot(page, 'datasets-upload-progress');

  await expect(page).toHaveURL(/\/datasets\/[0-9a-f-]{36}$/, { timeout: 60_000 });
  await expect(page.getByRole('heading', { level: 1 })).toContainText('line-sensors');
  await expect(page.locator('.facts')).toContainText('60');
  const warnings = page.locator('ul.warnings li');
  await expect(warnings.filter({ hasText: 'temperature' }).first()).toBeVisible();
  await expect(warnings.filter({ hasText: 'reading_id' }).first()).toBeVisible();
  await expect(warnings.filter({ hasText: /imbalance/i }).first()).toBeVisible();
  await expect(page.locator('svg.histogram rect').first()).toBeVisible();
  await expect(page.locator('table.rows tbody tr')).toHaveCount(25);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.locator('table.rows tbody tr').first()).toContainText('R100025');
  await screenshot(page, 'dataset-profile');
  watch.expectNone();
});

test('an upload can be cancelled and stores nothing', async ({ page }) => {
  await new SignInPage(page).open(ADMIN, '/datasets');

  await dropFile(page, 'too-slow.csv', sensorLog(100_000));
  await throttleUploads(page, 200_000);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await expect(page.locator('.progress-text')).toContainText(/of .* left/);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('status')).toHaveText('Upload cancelled; nothing was stored.');

  await page.reload();
  await expect(page.locator('table.datasets tbody tr').first()).toBeVisible();
  await expect(page.locator('table.datasets tbody tr', { hasText: 'too-slow' })).toHaveCount(0);
});

test('a broken file gets a message naming its line', async ({ page }) => {
  const watch = new ProblemWatch(page, (url, status) => url.includes('/api/v1/datasets') && status === 422);
  await new SignInPage(page).open(ADMIN, '/datasets');

  await dropFile(page, 'ragged.csv', 'a,b,c\n1,2,3\n4,5\n');
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('line 3');
  await screenshot(page, 'datasets-upload-error');
  watch.expectNone();
});
