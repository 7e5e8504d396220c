// A visitor trains models in the tab: the default model on two moons, with live curves and
// the decision boundary, pausing and resuming, a learning rate that diverges, saving a model
// and loading it back, and the same training on WebGPU where the browser offers an adapter.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { ADMIN, LabPage, ProblemWatch, SignInPage, screenshot } from '../fixtures/dashboard';

/** Starts recording how long key presses wait before their handler runs (input delay). */
async function recordInputDelay(page: Page): Promise<void> {
  await page.evaluate(() => {
    const delays: number[] = [];
    (window as unknown as { inputDelays: number[] }).inputDelays = delays;
    document.addEventListener('keydown', (event) =>
      delays.push(performance.now() - event.timeStamp),
    );
  });
}

async function inputDelays(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { inputDelays: number[] }).inputDelays);
}

test('the default model learns two moons on the CPU, with live curves and a heatmap', async ({
  page,
}) => {
  const watch = new ProblemWatch(page);
  const lab = new LabPage(page);

  // 2 000 points and 20 epochs: long enough to type into the page while it trains.
  await lab.open('samples=2000&epochs=20&backend=cpu');
  await expect(lab.status()).toHaveText('Ready: press Start.');
  await recordInputDelay(page);
  await lab.start();

  await expect(lab.backend()).toContainText('CPU');
  await expect(lab.epochRows().first()).toBeVisible({ timeout: 60_000 });
  const field = page.getByLabel('Feature row');
  for (let i = 0; i < 10; i++) {
    await field.press('ArrowLeft');
    await page.waitForTimeout(50);
  }
  await lab.waitForFinish();

  const delays = await inputDelays(page);
  test.info().annotations.push({
    type: 'input delay while training (ms)',
    description: `max ${Math.max(...delays).toFixed(1)}, n=${delays.length}`,
  });
  expect(delays.length).toBe(10);
  expect(Math.max(...delays)).toBeLessThan(100);

  const losses = await lab.trainingLosses();
  expect(losses).toHaveLength(20);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  expect(await lab.validationAccuracy()).toBeGreaterThanOrEqual(0.95);

  await expect(page.locator('[data-testid=loss-chart] polyline.series-train')).toHaveAttribute(
    'points',
    /,.* .*,/,
  );
  await expect(
    page.locator('[data-testid=accuracy-chart] polyline.series-validation'),
  ).toHaveAttribute('points', /,/);
  await expect(page.getByTestId('plane')).toHaveAttribute('data-heatmap', /webgpu|canvas2d/);
  expect(await page.locator('[data-testid=plane] circle.point').count()).toBeGreaterThan(100);
  await expect(page.getByTestId('confusion-matrix')).toBeVisible();
  await expect(page.locator('[data-testid=roc-chart] polyline.roc-curve')).toHaveCount(1);
  const auc = Number(await page.getByTestId('evaluation-auc').textContent());
  expect(auc).toBeGreaterThan(0.95);
  await expect(page.getByTestId('lab-throughput')).toHaveAttribute(
    'data-samples-per-second',
    /^\d+(\.\d+)?$/,
  );

  // The run's settings are in the address bar, so the link reproduces it.
  expect(page.url()).toContain('samples=2000');
  expect(page.url()).toContain('backend=cpu');

  // A click on the plane asks the model about that point.
  await page.locator('[data-testid=plane] svg.points').click({ position: { x: 20, y: 20 } });
  await expect(page.getByTestId('lab-prediction')).toContainText('Class');
  await screenshot(page, 'lab-trained');
  watch.expectNone();
});

test('pause holds training and resume continues it', async ({ page }) => {
  const watch = new ProblemWatch(page);
  const lab = new LabPage(page);

  await lab.open('samples=4000&epochs=400&backend=cpu');
  await lab.start();
  await expect(lab.epochRows().nth(1)).toBeVisible({ timeout: 60_000 });

  await lab.button('Pause').click();
  await expect(lab.status()).toContainText('Paused in epoch');
  const held = await lab.epochRows().count();
  await page.waitForTimeout(1500);
  expect(await lab.epochRows().count()).toBe(held);
  await screenshot(page, 'lab-paused');

  await lab.button('Resume').click();
  await expect(lab.status()).toContainText('Training');
  await expect(lab.epochRows()).toHaveCount(held + 2, { timeout: 30_000 });

  await lab.button('Stop').click();
  await expect(lab.status()).toContainText('Stopped after');
  await expect(page.getByTestId('confusion-matrix')).toBeVisible();
  watch.expectNone();
});

test('a learning rate that makes the loss diverge stops training with advice', async ({
  page,
}) => {
  const watch = new ProblemWatch(page);
  const lab = new LabPage(page);

  await lab.open('optimizer=sgd&lr=1000000000000&backend=cpu');
  await lab.start();

  await expect(lab.status()).toHaveText(
    /Training stopped: loss became (NaN|inf|-inf) at epoch \d+ — lower the learning rate/,
    { timeout: 60_000 },
  );
  await expect(lab.epochRows()).toHaveCount(0);
  await expect(lab.button('Download model')).toBeDisabled();
  await screenshot(page, 'lab-diverged');
  watch.expectNone();
});

test('an out-of-range setting is explained and Start waits for a fix', async ({ page }) => {
  const watch = new ProblemWatch(page);
  const lab = new LabPage(page);

  await lab.open();
  await page.getByLabel('Batch size').fill('0');
  await page.getByLabel('Batch size').blur();
  await expect(page.getByTestId('lab-config-error')).toContainText('batch');
  await expect(lab.button('Start')).toBeDisabled();

  await lab.open('samples=500000');
  await expect(lab.notice()).toContainText('server');
  watch.expectNone();
});

test('a downloaded model loads back with identical predictions', async ({ page }, info) => {
  const watch = new ProblemWatch(page);
  const lab = new LabPage(page);

  await lab.open('data=spirals&hidden=32,32&epochs=5&backend=cpu&seed=11');
  await lab.start();
  await lab.waitForFinish();
  const rows = ['0.5, 0.25', '-0.8, 0.1', '0.05, -0.6'];
  const before: string[] = [];
  for (const row of rows) before.push(await lab.predict(row));

  const download = page.waitForEvent('download');
  await lab.button('Download model').click();
  const file = info.outputPath('model.json');
  await (await download).saveAs(file);
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  expect(saved.format).toBe('lepton-model');
  expect(saved.layers).toHaveLength(3);

  await lab.button('Reset').click();
  await expect(lab.status()).toHaveText('Ready: press Start.');
  await page.getByLabel('Load model').setInputFiles(file);
  await expect(lab.status()).toContainText('Loaded a model trained for 5 epochs');
  for (const [index, row] of rows.entries()) {
    expect(await lab.predict(row)).toBe(before[index]);
  }

  // A malformed file is refused with its reason, and the loaded model still answers.
  await page.getByLabel('Load model').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"format": "lepton-model", "version": 1, "layers": "oops"}'),
  });
  await expect(lab.notice()).toContainText('could not be loaded');
  await expect(lab.notice()).toContainText('The current model is unchanged');
  expect(await lab.predict(rows[0])).toBe(before[0]);
  await screenshot(page, 'lab-loaded');
  watch.expectNone();
});

test('a signed-in editor trains on a stored dataset and saves the model to the server', async ({
  page,
}) => {
  const watch = new ProblemWatch(page);
  const lab = new LabPage(page);

  await new SignInPage(page).open(ADMIN, '/lab');
  const select = page.getByLabel('Data set');
  const option = select.locator('option', { hasText: /^two-moons v1/ });
  await expect(option).toHaveCount(1);
  await select.selectOption({ value: (await option.getAttribute('value')) ?? '' });
  const epochs = page.getByRole('spinbutton', { name: 'Epochs' });
  await epochs.fill('15');
  await epochs.blur();
  await page.getByLabel('Backend').selectOption('cpu');
  await lab.start();
  await lab.waitForFinish();

  expect(page.url()).toContain('data=dataset:');
  expect(await lab.validationAccuracy()).toBeGreaterThan(0.9);
  await expect(page.getByTestId('plane')).toHaveAttribute('data-heatmap', /webgpu|canvas2d/);

  await page.getByLabel('Name on the server').fill('moons from the lab');
  await page.getByRole('button', { name: 'Save to server', exact: true }).click();
  await expect(page.getByTestId('lab-upload')).toContainText('Saved to the server as');
  const stored = await (await page.request.get('/api/v1/lab/models')).json();
  expect(stored.map((model: { name: string }) => model.name)).toContain('moons from the lab');
  await screenshot(page, 'lab-dataset-saved');
  watch.expectNone();
});

test('on WebGPU the same training runs and agrees with the CPU', async ({ page }) => {
  // SwiftShader is slow: the default experiment takes about 90 s on it here.
  test.setTimeout(600_000);
  const watch = new ProblemWatch(page);
  const lab = new LabPage(page);

  // The page must be open first: WebGPU is offered to secure origins, not to about:blank.
  await lab.open();
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    const found = (await gpu?.requestAdapter()) as
      | { info?: { vendor: string; architecture: string } }
      | null
      | undefined;
    return found ? `${found.info?.vendor ?? ''} ${found.info?.architecture ?? ''}`.trim() : null;
  });
  test.info().annotations.push({ type: 'WebGPU adapter', description: adapter ?? 'none' });
  test.skip(adapter === null, 'this browser offers no WebGPU adapter, so only the CPU runs');

  // The default experiment on each backend, from the same seeded weights and batch order.
  const run = 'seed=42';
  await lab.open(`${run}&backend=cpu`);
  await lab.start();
  await lab.waitForFinish();
  const cpu = {
    train: await lab.trainingLosses(),
    validation: await lab.validationLosses(),
    accuracy: await lab.validationAccuracy(),
  };

  await lab.open(`${run}&backend=auto`);
  await lab.start();
  await expect(lab.backend()).toContainText('WebGPU', { timeout: 60_000 });
  await lab.waitForFinish(420_000);
  const gpu = {
    train: await lab.trainingLosses(),
    validation: await lab.validationLosses(),
    accuracy: await lab.validationAccuracy(),
  };
  test.info().annotations.push({
    type: 'losses (cpu / webgpu)',
    description: JSON.stringify({ cpu, gpu }),
  });

  expect(gpu.accuracy).toBeGreaterThanOrEqual(0.95);
  expect(gpu.train).toHaveLength(10);
  // The table shows four decimals; float sums in another order may move the last one.
  for (const series of ['train', 'validation'] as const) {
    gpu[series].forEach((loss, epoch) =>
      expect(Math.abs(loss - cpu[series][epoch])).toBeLessThan(2e-3),
    );
  }
  expect(Math.abs(gpu.accuracy - cpu.accuracy)).toBeLessThanOrEqual(0.01);
  await expect(page.getByTestId('plane')).toHaveAttribute('data-heatmap', 'webgpu');
  await screenshot(page, 'lab-webgpu');

  // A device lost mid-training: the run moves to the CPU and finishes from its last epoch.
  await lab.open('samples=400&epochs=40&seed=5&backend=auto');
  await lab.start();
  await expect(lab.epochRows().nth(1)).toBeVisible({ timeout: 120_000 });
  await lab
    .worker()
    .evaluate(() => (self as unknown as { leptonLoseDevice(): void }).leptonLoseDevice());
  await expect(lab.notice()).toContainText('device was lost', { timeout: 60_000 });
  await expect(lab.backend()).toContainText('CPU');
  await lab.waitForFinish(120_000);
  await expect(lab.epochRows()).toHaveCount(40);
  watch.expectNone();
});
