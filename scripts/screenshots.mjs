// Makes the README's screenshots in docs/ with headless Chromium (playwright-core and the
// system browser, as the browser tests do) against `portico demo` on loopback, with a fixed
// clock so the pictures do not change from run to run. Run after `npm run build`:
//   node scripts/screenshots.mjs

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { chromium } from 'playwright-core';
import { fixedClock } from '../dist/clock.js';
import { startDemo } from '../dist/demo/demo.js';

const OUT = join(import.meta.dirname, '..', 'docs');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
};

mkdirSync(OUT, { recursive: true });
const clock = fixedClock(Date.UTC(2026, 11, 3, 8, 30));
const demo = await startDemo({
  httpPort: 0,
  autoTimers: false,
  env: { PORTICO_TIMEZONE: 'Europe/Berlin' },
  logger: pino({ level: 'silent' }),
  gatewayLog: () => undefined,
  clock,
});
const s = demo.portico.services;
s.settings.update(
  {
    spaceName: 'Harbour Coworking',
    wifiName: 'Harbour Guest',
    termsText:
      'Use the Wi-Fi lawfully and kindly.\nWe log which device used which code, and when, for 30 days.',
  },
  'admin',
);
const token = (input) => s.tokens.create(input, 'admin').tokens[0];
const browser = await chromium.launch(LAUNCH);
const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });

try {
  // A guest's phone through the simulated gateway: the splash page, then "You are online".
  const ada = token({ minutes: 120, maxDevices: 2, description: 'Ada Lovelace, Orion room' });
  const phone = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
  const device = await demo.gateway.device('phone');
  let page = await phone.newPage();
  await page.goto(`${device.url}/news`);
  await page.getByRole('heading', { name: 'Get online' }).waitFor();
  await page.getByLabel('Access code').fill(ada.code.toLowerCase());
  await shot(page, 'splash');
  await page.getByLabel('I accept the terms of use').check();
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('heading', { name: 'You are online' }).waitFor();
  await shot(page, 'success');

  // The QR on a printed card, opened on mobile data: no router, so no "online".
  const card = token({ minutes: 30, validUntil: '2026-12-04' });
  page = await phone.newPage();
  await page.goto(`${demo.portico.httpUrl}/t/${card.code}`);
  await page.getByLabel('I accept the terms of use').check();
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByText('Join that network').waitFor();
  await shot(page, 'no-router');
  await phone.close();

  // A German phone, no settings changed for it.
  const de = await browser.newContext({ viewport: PHONE, locale: 'de-DE' });
  const telefon = await demo.gateway.device('telefon');
  const grace = token({ minutes: 60, description: 'Grace Hopper' });
  page = await de.newPage();
  await page.goto(`${telefon.url}/news`);
  await page.getByRole('heading', { name: 'Ins Internet' }).waitFor();
  await page.getByLabel('Zugangscode').fill(grace.code);
  await page.getByLabel('Ich akzeptiere die Nutzungsbedingungen').check();
  await page.getByRole('button', { name: 'Verbinden' }).click();
  await page.getByRole('heading', { name: 'Du bist online' }).waitFor();
  await shot(page, 'success-de');
  await de.close();

  // Some history: time passes, the laptop comes and goes.
  const laptop = await demo.gateway.device('laptop');
  const lp = await (await browser.newContext({ viewport: PHONE })).newPage();
  await lp.goto(`${laptop.url}/news`);
  await lp.getByLabel('Access code').fill(ada.code);
  await lp.getByLabel('I accept the terms of use').check();
  await lp.getByRole('button', { name: 'Connect' }).click();
  await lp.getByRole('heading', { name: 'You are online' }).waitFor();
  clock.advance(25 * 60_000);
  await demo.gateway.sendInterims();
  await demo.gateway.logoff('laptop');
  s.tokens.create({ minutes: 240, count: 40, batchName: 'Open Day' }, 'admin');
  s.tokens.update(grace.id, { addMinutes: 30 }, 'desk');

  // Staff at a desktop.
  const staff = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
  page = await staff.newPage();
  await page.goto(`${demo.portico.httpUrl}/admin/sign-in`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(demo.adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/?$/);
  for (const [path, name] of [
    ['/admin/sessions', 'sessions'],
    ['/admin/sessions/history', 'session-history'],
    ['/admin/audit', 'audit'],
    ['/admin/settings', 'settings'],
  ]) {
    await page.goto(`${demo.portico.httpUrl}${path}`);
    await shot(page, name);
  }
  await staff.close();
  console.log(`screenshots written to ${OUT}`);
} finally {
  await browser.close();
  await demo.close();
}
