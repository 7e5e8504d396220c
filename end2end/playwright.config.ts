// Playwright drives Debian's Chromium against the real `lepton` binary, started here on a
// free loopback port with a temporary data directory. `make test-e2e` sets the variables and
// removes the data directory afterwards.
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = process.env.LEPTON_E2E_PORT ?? '3197';
const binary = process.env.LEPTON_BIN ?? '../target/debug/lepton';
const siteDir = process.env.LEPTON_SITE_DIR ?? '../target/site';
const dataDir = process.env.LEPTON_E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'lepton-e2e-'));

// The accounts the specs sign in with (see fixtures/dashboard.ts), created through the
// operator command before the server starts, as an operator would.
const password = 'e2e password 4 tests';
const createUser = (username: string, role: string) =>
  `printf '%s\\n' '${password}' | ${binary} admin create-user --password-stdin ` +
  `--username ${username} --role ${role} --data-dir ${dataDir} >/dev/null`;

export default defineConfig({
  testDir: './specs',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    viewport: { width: 1280, height: 800 },
    trace: 'off',
  },
  webServer: {
    command:
      `${createUser('ada', 'admin')} && ${createUser('vera', 'viewer')} && ` +
      `exec ${binary} --addr 127.0.0.1:${port} --data-dir ${dataDir} --site-dir ${siteDir}`,
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
