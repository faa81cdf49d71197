// Debian's Chromium for browser tests, driven by playwright-core: `npx playwright install`
// cannot download a browser here, so every test launches the system one the same way.

import { join } from 'node:path';

/** CHROMIUM_PATH is where Debian installs Chromium (the pretest step installs it). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** CHROMIUM_ARGS start a headless Chromium that makes no connections of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** CHROMIUM_LAUNCH is the playwright launch options for that browser. */
export const CHROMIUM_LAUNCH = { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS };

/**
 * ARTIFACTS is where browser tests put their screenshots: test-artifacts/, or its postgres/
 * folder when the same test runs again on PostgreSQL (both projects run at once).
 */
export const ARTIFACTS = join(
  process.cwd(),
  'test-artifacts',
  process.env.TEST_BACKEND === 'postgres' ? 'postgres' : '',
);
