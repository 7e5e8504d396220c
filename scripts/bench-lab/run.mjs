// Measures samples per second of the default Lab model trained in a browser tab: TensorFlow.js
// (wasm and cpu backends) against Lepton's Lab, in the same headless Chromium.
//
// TF.js runs in tfjs.html, served here by a small static server together with the dataset the
// caller exported; the Lab runs in a Lepton server the caller started (--lab-url). Each
// measurement is repeated in a fresh browser context and the median is reported, as JSON and,
// with --markdown, as a table for BENCHMARKS.md. Progress goes to stderr.
//
//   node run.mjs --data FILE [--lab-url URL] [--repeat N] [--epochs N] [--timeout SECONDS]
//                [--markdown]
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const ROOT = dirname(fileURLToPath(import.meta.url));
const DATASET_PATH = '/dataset.json';
const TFJS_BACKENDS = ['wasm', 'cpu'];
const DEFAULT_EPOCHS = 10;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};
const USAGE = `usage: node run.mjs --data FILE [--lab-url URL] [--repeat N] [--epochs N]
                   [--timeout SECONDS] [--markdown]

  --data FILE        dataset JSON {feature_count, train: {features, labels}, validation}
  --lab-url URL      a running Lepton server's Lab page, configuration in its query string
  --repeat N         measurements per row, fresh page each (default 3); the median is reported
  --epochs N         TF.js epochs (default: the Lab URL's epochs parameter, else ${DEFAULT_EPOCHS})
  --timeout SECONDS  limit for one measurement (default 600)
  --markdown         print a Markdown table after the JSON summary`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      'lab-url': { type: 'string' },
      repeat: { type: 'string', default: '3' },
      epochs: { type: 'string' },
      timeout: { type: 'string', default: '600' },
      markdown: { type: 'boolean', default: false },
    },
  });
  const labUrl = values['lab-url'];
  const epochs = values.epochs ?? (labUrl && new URL(labUrl).searchParams.get('epochs'));
  const options = {
    data: values.data,
    labUrl,
    repeat: Number(values.repeat),
    epochs: epochs == null ? DEFAULT_EPOCHS : Number(epochs),
    timeoutMs: Number(values.timeout) * 1000,
    markdown: values.markdown,
  };

  if (!options.data) {
    throw new Error('--data is required');
  }
  for (const name of ['repeat', 'epochs']) {
    if (!Number.isInteger(options[name]) || options[name] < 1) {
      throw new Error(`--${name} must be a positive integer`);
    }
  }
  if (!(options.timeoutMs > 0)) {
    throw new Error('--timeout must be a positive number of seconds');
  }
  return options;
}

/** Maps a request path to a file: the dataset, or a file inside this folder, or null. */
function fileFor(dataFile, requestUrl) {
  const path = new URL(requestUrl, 'http://localhost').pathname;
  if (path === DATASET_PATH) {
    return resolve(dataFile);
  }
  const file = join(ROOT, decodeURIComponent(path));
  return file.startsWith(ROOT + sep) ? file : null;
}

/** Serves this folder (node_modules included) and the dataset file on a free loopback port. */
async function serve(dataFile) {
  const server = createServer(async (request, response) => {
    let file = null;
    try {
      file = fileFor(dataFile, request.url);
    } catch {
      // A malformed percent-encoding names no file: answered as not found below.
    }
    const info = file && (await stat(file).catch(() => null));
    if (!info?.isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    response.writeHead(200, {
      'content-type': MIME_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(response);
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Opens a page in a fresh context, runs `measure` on it and closes the context. */
async function inFreshPage(browser, measure) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  try {
    return await measure(page);
  } catch (error) {
    const pageErrors = errors.length ? `; page errors: ${errors.join(' | ')}` : '';
    throw new Error(`${error.message}${pageErrors}`);
  } finally {
    await context.close();
  }
}

async function measureTfjs(browser, origin, backend, options) {
  return inFreshPage(browser, async (page) => {
    const query = new URLSearchParams({ data: DATASET_PATH, backend, epochs: options.epochs });
    await page.goto(`${origin}/tfjs.html?${query}`);

    // Polling once a second keeps the check off the thread that trains.
    await page.waitForFunction(() => window.benchResult || window.benchError, null, {
      timeout: options.timeoutMs,
      polling: 1000,
    });
    const { result, error } = await page.evaluate(() => ({
      result: window.benchResult,
      error: window.benchError,
    }));
    if (error) {
      throw new Error(`TF.js ${backend}: ${error}`);
    }
    return result;
  });
}

async function measureLab(browser, options) {
  return inFreshPage(browser, async (page) => {
    await page.goto(options.labUrl);
    await page.locator('html[data-hydrated=true]').waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'Start', exact: true }).click();

    // A run that stops with an error says so in the status line; fail then, not at the timeout.
    const status = await page.waitForFunction(
      () => {
        const text = document.querySelector('[data-testid=lab-status]')?.textContent ?? '';
        return (text.includes('Finished') || text.includes('Training stopped')) && text;
      },
      null,
      { timeout: options.timeoutMs, polling: 1000 },
    );
    const text = await status.jsonValue();
    if (!text.includes('Finished')) {
      throw new Error(`Lab: ${text}`);
    }

    const throughput = page.getByTestId('lab-throughput');
    const samplesPerSecond = Number(await throughput.getAttribute('data-samples-per-second'));
    if (!Number.isFinite(samplesPerSecond) || samplesPerSecond <= 0) {
      throw new Error('Lab: lab-throughput has no positive data-samples-per-second');
    }
    const backend = await throughput.getAttribute('data-backend');
    return { backend, samplesPerSecond, status: text };
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs every row once per round, so drift in the machine's speed spreads over all rows. */
async function measureAll(browser, origin, options) {
  const rows = TFJS_BACKENDS.map((backend) => ({
    name: `TF.js ${backend}`,
    measure: () => measureTfjs(browser, origin, backend, options),
    runs: [],
  }));
  if (options.labUrl) {
    rows.push({
      name: 'Lepton Lab (burn CPU in wasm)',
      measure: () => measureLab(browser, options),
      runs: [],
    });
  }

  for (let round = 1; round <= options.repeat; round += 1) {
    for (const row of rows) {
      const start = performance.now();
      const result = await row.measure();
      const wallSeconds = (performance.now() - start) / 1000;
      row.runs.push({ ...result, wallSeconds });
      console.error(
        `${row.name}, run ${round}/${options.repeat}: ` +
          `${result.samplesPerSecond.toFixed(0)} samples/s (page ${wallSeconds.toFixed(1)} s)`,
      );
    }
  }

  return rows.map(({ name, runs }) => ({
    name,
    samplesPerSecond: median(runs.map((run) => run.samplesPerSecond)),
    runs,
  }));
}

function markdownTable(summary) {
  const lab = summary.rows.find((row) => row.name.startsWith('Lepton Lab'));
  const lines = [
    `Chromium ${summary.chromium}, TensorFlow.js ${summary.tfjs}, ` +
      `${summary.trainRows} training rows, ${summary.epochs} epochs (TF.js), ` +
      `median of ${summary.repeat}.`,
    '',
    '| implementation | samples/s (median) | runs | Lab / row |',
    '|---|---|---|---|',
  ];
  for (const row of summary.rows) {
    const runs = row.runs.map((run) => run.samplesPerSecond.toFixed(0)).join(', ');
    const ratio = lab ? (lab.samplesPerSecond / row.samplesPerSecond).toFixed(2) : '–';
    lines.push(`| ${row.name} | ${row.samplesPerSecond.toFixed(0)} | ${runs} | ${ratio} |`);
  }
  return lines.join('\n');
}

async function main() {
  let options;
  try {
    options = parseOptions();
  } catch (error) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const tfjsPackage = join(ROOT, 'node_modules/@tensorflow/tfjs/package.json');
  const tfjs = JSON.parse(readFileSync(tfjsPackage, 'utf8')).version;
  const trainRows = JSON.parse(readFileSync(options.data, 'utf8')).train.labels.length;

  const { server, origin } = await serve(options.data);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const rows = await measureAll(browser, origin, options);
    const summary = {
      chromium: browser.version(),
      tfjs,
      trainRows,
      epochs: options.epochs,
      repeat: options.repeat,
      labUrl: options.labUrl ?? null,
      rows,
    };
    console.log(JSON.stringify(summary, null, 2));
    if (options.markdown) {
      console.log(`\n${markdownTable(summary)}`);
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((error) => {
  console.error(`bench-lab: ${error.message}`);
  process.exitCode = 1;
});
