// A visitor trains the default model on two moons in the tab and watches the loss fall.
import { expect, test } from '@playwright/test';
import { LabPage, ProblemWatch, screenshot } from '../fixtures/dashboard';

test('the Lab worker trains and shows falling losses', async ({ page }) => {
  const watch = new ProblemWatch(page);
  const lab = new LabPage(page);

  await lab.open();
  await expect(lab.status()).toHaveText('Ready: press Train.');
  await lab.train();

  await expect(lab.status()).toContainText('Finished in', { timeout: 90_000 });
  const losses = await lab.trainingLosses();

  expect(losses).toHaveLength(10);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  await expect(page.locator('svg.chart polyline.series-train')).toHaveAttribute('points', /,/);
  await screenshot(page, 'lab-trained');
  watch.expectNone();
});
