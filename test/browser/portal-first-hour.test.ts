// Two guest paths on a fresh install with no settings changed, in real headless Chromium at
// phone size: the QR on a printed card opened without a router (mobile data), which must not
// claim "You are online", and a German phone going through the simulated gateway, which must
// get German without staff enabling it first.

import pino from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { formatCode } from '../../src/core/code.js';
import { startDemo, type Demo } from '../../src/demo/demo.js';
import { CHROMIUM_LAUNCH } from '../support/chromium.js';
import { testDatabaseEnv } from '../support/test-store.js';

const PHONE = { width: 390, height: 844 };
let demo: Demo;
/** The demo's database on the backend under test (the demo's own file on SQLite). */
let database: Awaited<ReturnType<typeof testDatabaseEnv>> | undefined;
let browser: Browser;

beforeAll(async () => {
  database = await testDatabaseEnv();
  demo = await startDemo({
    env: database.env,
    httpPort: 0,
    autoTimers: false,
    logger: pino({ level: 'silent' }),
    gatewayLog: () => undefined,
    clock: fixedClock(Date.UTC(2026, 2, 10, 9, 0)),
  });
  browser = await chromium.launch(CHROMIUM_LAUNCH);
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await database?.drop();
});

const newToken = async (minutes: number) => {
  const t = (await demo.portico.services.tokens.create({ minutes }, 'test')).tokens[0];
  if (!t) throw new Error('no token');
  return t;
};

describe('a printed card opened without a router', () => {
  it('says to join the Wi-Fi instead of "You are online", keeps the code, uses nothing', async () => {
    const token = await newToken(30);
    const context = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
    try {
      const page = await context.newPage();
      await page.goto(`${demo.portico.httpUrl}/t/${token.code.toLowerCase()}`);
      expect(await page.getByLabel('Access code').inputValue()).toBe(formatCode(token.code));
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByText("this device is not on the venue's Wi-Fi").waitFor({ timeout: 10_000 });
      expect(await page.getByText('You are online').count()).toBe(0);
      expect(await page.getByLabel('Access code').inputValue()).toBe(formatCode(token.code));
      expect((await demo.portico.services.tokens.get(token.id)).state).toBe('unused');
    } finally {
      await context.close();
    }
  });
});

describe('a German phone on a fresh install', () => {
  it('gets the splash page and "Du bist online" in German through the gateway', async () => {
    const token = await newToken(60);
    const context = await browser.newContext({ viewport: PHONE, locale: 'de-DE' });
    try {
      const device = await demo.gateway.device('de-phone');
      const page = await context.newPage();
      await page.goto(`${device.url}/news`);
      await page.getByRole('heading', { name: 'Ins Internet' }).waitFor({ timeout: 10_000 });
      expect(await page.locator('html').getAttribute('lang')).toBe('de');
      await page.getByLabel('Zugangscode').fill(token.code.toLowerCase());
      await page.getByRole('button', { name: 'Verbinden' }).click();
      await page.getByRole('heading', { name: 'Du bist online' }).waitFor({ timeout: 10_000 });
      expect(await page.locator('#minutes-left').textContent()).toBe('Noch 60 Minuten');
    } finally {
      await context.close();
    }
  });
});
