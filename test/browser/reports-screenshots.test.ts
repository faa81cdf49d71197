// The reports page and the dashboard home in real headless Chromium over a month of seeded
// history: the charts draw (SVG with a size), the data tables open without JavaScript, and
// screenshots go to test-artifacts/ (and to docs/ for the README with
// PORTICO_UPDATE_SCREENSHOTS=1).

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ARTIFACTS, CHROMIUM_LAUNCH } from '../support/chromium.js';
import { reportAccounting } from '../support/accounting.js';
import { seedHistory } from '../support/history.js';
import { ADMIN, makeAdmin, type AdminFixture } from '../http/admin-fixture.js';

const END = Date.parse('2026-12-04T08:00:00Z');

let f: AdminFixture;
let browser: Browser;
let base: string;

beforeAll(async () => {
  f = await makeAdmin();
  const h = await seedHistory(f.services, f.clock, { end: END, days: 30, perDay: 18, seed: 11 });
  // Two devices online now, heard from the lobby router.
  for (const [i, id] of h.tokenIds.slice(0, 2).entries()) {
    const code = (await f.services.tokens.get(id)).code;
    await reportAccounting(f.services, {
      nasId: h.nasIds[0]!,
      code,
      acctSessionId: `NOW${i}`,
      mac: `02-00-00-00-97-0${i}`,
    });
  }
  await f.services.store.nas.markSeen(h.nasIds[0]!, END);
  base = await f.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch(CHROMIUM_LAUNCH);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await f?.close();
});

test('the reports page and the home page render their charts; screenshots saved', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    javaScriptEnabled: false,
  });
  const page = await context.newPage();
  await page.goto(`${base}/admin/sign-in`);
  await page.fill('input[name=username]', ADMIN.username);
  await page.fill('input[name=password]', ADMIN.password);
  await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type=submit]')]);

  await page.goto(`${base}/admin/reports?period=30d`);
  const charts = page.locator('svg.chart');
  expect(await charts.count()).toBe(5);
  const box = await charts.first().boundingBox();
  expect(box!.width).toBeGreaterThan(400);
  expect(box!.height).toBeGreaterThan(80);
  expect(await page.locator('svg.chart rect.bar').count()).toBeGreaterThan(30);
  // The numbers behind a chart open without JavaScript.
  await page.locator('details summary').first().click();
  expect(await page.locator('details[open] table tbody tr').count()).toBe(30);
  await page.screenshot({ path: join(ARTIFACTS, 'reports.png'), fullPage: true });

  await page.goto(`${base}/admin`);
  expect(await page.locator('svg.chart rect.bar').count()).toBe(7);
  expect(await page.textContent('.stat.big')).toContain('2');
  expect(await page.textContent('#h-attention')).toBe('Needs attention');
  await page.screenshot({ path: join(ARTIFACTS, 'home.png'), fullPage: true });
  await context.close();

  if (process.env.PORTICO_UPDATE_SCREENSHOTS === '1') {
    copyFileSync(join(ARTIFACTS, 'reports.png'), join(process.cwd(), 'docs', 'reports.png'));
    copyFileSync(join(ARTIFACTS, 'home.png'), join(process.cwd(), 'docs', 'home.png'));
  }
}, 120_000);
