// People watch the two simulated sites on the Production page: both sites' KPIs, each with
// its target and formula, change while the page is open, pushed by server-sent events.
import { expect, test } from '@playwright/test';
import { ProblemWatch, SignInPage, VIEWER, screenshot } from '../fixtures/dashboard';

test('the Production page shows both sites with KPIs that update live', async ({ page }) => {
  const watch = new ProblemWatch(page);
  await new SignInPage(page).open(VIEWER, '/production');

  const line = page.locator('section.site[data-site=manufacturing-line]');
  const fleet = page.locator('section.site[data-site=logistics-fleet]');
  await expect(line.locator('h2')).toHaveText('Manufacturing line', { timeout: 15_000 });
  await expect(fleet.locator('h2')).toHaveText('Logistics fleet');

  // The simulators have sent readings since the server started: the line's figures exist,
  // under the baseline maintenance policy, each with a target and a formula.
  const oee = line.locator('.policy[data-policy=fixed-interval] li[data-kpi=oee]');
  await expect(oee.locator('.kpi-value')).toHaveText(/^\d+(\.\d)? %$/, { timeout: 15_000 });
  await expect(oee.locator('.kpi-target')).toHaveText('target 85 %');
  await expect(oee.locator('.formula')).toContainText('availability × performance × quality');
  for (const key of ['efficiency', 'utilisation', 'cost_per_unit', 'downtime', 'failures']) {
    await expect(line.locator(`li[data-kpi=${key}]`)).toBeVisible();
  }
  // Each site lists the sensor anomalies the streaming detector finds.
  await expect(line.locator('.anomalies h3')).toHaveText('Sensor anomalies');
  await expect(fleet.locator('.anomalies h3')).toHaveText('Sensor anomalies');
  const dispatch = fleet.locator('.policy[data-policy=nearest-idle-fcfs]');
  for (const key of ['transport_time', 'cost_per_delivery', 'on_time_rate', 'satisfaction']) {
    await expect(dispatch.locator(`li[data-kpi=${key}]`)).toBeVisible({ timeout: 30_000 });
  }

  // New snapshots keep arriving, and the figures move with them, without a reload.
  const status = page.locator('p.live-status');
  const updates = async () => Number((await status.getAttribute('data-updates')) ?? '0');
  const first = await updates();
  const before = await line.locator('.kpis').textContent();
  await expect.poll(updates, { timeout: 20_000 }).toBeGreaterThanOrEqual(first + 3);
  await expect.poll(() => line.locator('.kpis').textContent(), { timeout: 20_000 }).not.toBe(
    before,
  );
  await expect(status).toContainText('Live: the last 15 minutes');
  await screenshot(page, 'production-live');
  watch.expectNone();
});
