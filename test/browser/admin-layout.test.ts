// Layout a new venue noticed on the dashboard, measured in real Chromium at desktop size:
// fields stay inside their panels, the visitor e-mail field looks like every other field,
// the booking settings' buttons line up, and every page has the same width.

import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../src/demo/demo.js';
import { CHROMIUM_LAUNCH } from '../support/chromium.js';
import { testDatabaseEnv } from '../support/test-store.js';

let demo: Demo;
/** The demo's database on the backend under test (the demo's own file on SQLite). */
let database: Awaited<ReturnType<typeof testDatabaseEnv>> | undefined;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  database = await testDatabaseEnv();
  demo = await startDemo({
    env: database.env,
    httpPort: 0,
    autoTimers: false,
    logger: pino({ level: 'silent' }),
    gatewayLog: () => undefined,
  });
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(`${demo.portico.httpUrl}/admin/sign-in`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(demo.adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/?$/);
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await database?.drop();
});

const open = (path: string) => page.goto(`${demo.portico.httpUrl}${path}`);

// Runs in the page: the fields whose right edge passes their panel's.
const FIELDS_OUTSIDE = `(() => [...document.querySelectorAll('.panel input:not([type=hidden]):not([type=checkbox]), .panel select')]
  .filter((el) => el.getBoundingClientRect().right > el.closest('.panel').getBoundingClientRect().right - 1)
  .map((el) => el.name))()`;

describe('dashboard layout', () => {
  it('keeps every field of the token forms inside its panel', async () => {
    for (const path of ['/admin/tokens/new', '/admin/tokens/bulk']) {
      await open(path);
      expect(await page.evaluate(FIELDS_OUTSIDE), path).toEqual([]);
    }
  });

  it('styles the visitor e-mail field like the name field', async () => {
    await open('/admin/bookings');
    const name = await page.locator('#f-name').boundingBox();
    const email = await page.locator('#f-email').boundingBox();
    expect(email?.height).toBe(name?.height);
    expect(email?.width).toBe(name?.width);
  });

  it('puts the booking settings secret button in its own row under Save', async () => {
    await open('/admin/bookings/settings');
    const save = await page.getByRole('button', { name: 'Save' }).boundingBox();
    const secret = await page.getByRole('button', { name: /shared secret/ }).boundingBox();
    expect((secret?.y ?? 0) - ((save?.y ?? 0) + (save?.height ?? 0))).toBeGreaterThanOrEqual(4);
  });

  it('gives every page the same width', async () => {
    const widths = new Set<number>();
    for (const path of [
      '/admin/tokens',
      '/admin/sessions',
      '/admin/settings',
      '/admin/audit',
      '/admin/bookings',
    ]) {
      await open(path);
      widths.add((await page.locator('main').boundingBox())?.width ?? 0);
    }
    expect([...widths]).toHaveLength(1);
  });
});
