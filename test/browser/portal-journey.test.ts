// The guest journey in real headless Chromium at phone size, through the simulated CoovaChilli
// gateway and real RADIUS: once with JavaScript on, once with JavaScript off and cookies
// blocked. Time is a fixed clock that the test moves; the gateway sends Interim-Updates when
// told to, so nothing here waits on the wall clock to assert anything.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM_LAUNCH } from '../support/chromium.js';
import { testDatabaseEnv } from '../support/test-store.js';
import { fixedClock } from '../../src/clock.js';
import { startDemo, type Demo } from '../../src/demo/demo.js';

const T0 = Date.UTC(2026, 2, 10, 9, 0);
const PHONE = { width: 390, height: 844 };

let demo: Demo;
/** The demo's database on the backend under test (the demo's own file on SQLite). */
let database: Awaited<ReturnType<typeof testDatabaseEnv>> | undefined;
let clock: ReturnType<typeof fixedClock>;
let browser: Browser;
const profiles: string[] = [];
/** A page on loopback that sets a cookie, to show whether a browser profile keeps it. */
let cookieServer: { url: string; server: Server };

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  clock = fixedClock(T0);
  database = await testDatabaseEnv();
  demo = await startDemo({
    env: database.env,
    httpPort: 0,
    autoTimers: false,
    logger: pino({ level: 'silent' }),
    gatewayLog: () => undefined,
    clock,
  });
  await demo.portico.services.settings.update(
    {
      spaceName: 'Harbour Coworking',
      termsText:
        'Use the Wi-Fi lawfully and kindly.\nWe log which device used which code, and when, for 30 days.',
      portalLanguages: 'en,de',
    },
    'test',
  );
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'set-cookie': 'probe=1; Path=/', 'content-type': 'text/plain' });
    res.end('cookie probe');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cookieServer = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
});

afterAll(async () => {
  await new Promise((resolve) => cookieServer?.server.close(resolve));
  await browser?.close();
  await demo?.close();
  await database?.drop();
  for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
});

type Variant = { name: string; js: boolean; blockCookies: boolean };

/** openContext returns a phone-sized browser context; blocked cookies use a profile setting. */
async function openContext(v: Variant): Promise<BrowserContext> {
  if (!v.blockCookies) {
    return browser.newContext({ viewport: PHONE, javaScriptEnabled: v.js, locale: 'en-GB' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'portico-chromium-'));
  profiles.push(dir);
  mkdirSync(join(dir, 'Default'), { recursive: true });
  // Chromium's "Block all cookies" setting (2 = block), as a guest could have it.
  writeFileSync(
    join(dir, 'Default', 'Preferences'),
    JSON.stringify({ profile: { default_content_setting_values: { cookies: 2 } } }),
  );
  return chromium.launchPersistentContext(dir, {
    ...CHROMIUM_LAUNCH,
    viewport: PHONE,
    javaScriptEnabled: v.js,
    locale: 'en-GB',
  });
}

async function newToken(input: Record<string, unknown>): Promise<string> {
  const t = (await demo.portico.services.tokens.create(input, 'test')).tokens[0];
  if (!t) throw new Error('no token');
  return t.code;
}

/** typed returns a code the way a hurried guest types it: lower case, a dash in the middle. */
const typed = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`.toLowerCase();

// Runs in the page (plain JavaScript: the test's TypeScript has no DOM types). WCAG 2.x
// contrast: 4.5:1 for text, 3:1 for large text (24 px, or 18.66 px bold).
const A11Y_CHECK = `(() => {
  const channel = (c) => { const s = c / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  const rgb = (css) => (css.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r = 0, g = 0, b = 0]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c[3] ?? 1) > 0) return c;
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const st = getComputedStyle(el);
    if (!text || st.display === 'none' || st.visibility === 'hidden') continue;
    const a = luminance(rgb(st.color));
    const b = luminance(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(st.fontSize);
    const large = size >= 24 || (Number(st.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) out.push('contrast ' + ratio.toFixed(2) + ': ' + el.textContent.trim().slice(0, 40));
  }
  for (const input of document.querySelectorAll('input:not([type=hidden])'))
    if (!input.labels || input.labels.length === 0) out.push('no label: ' + input.name);
  for (const t of document.querySelectorAll('button, a.button, footer a, input[type=checkbox]')) {
    const own = t.getBoundingClientRect().height;
    const around = (t.closest('label') || t).getBoundingClientRect().height;
    if (Math.max(own, around) < 44) out.push('small target ' + Math.round(own) + ' px: ' + t.textContent.trim());
  }
  return out;
})()`;

/**
 * shot saves a phone-size screenshot and, with JavaScript on, checks what a guest with poor
 * sight or big thumbs needs: WCAG AA text contrast, a label on every field, 44 px targets.
 */
async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `portal-${name}.png`), fullPage: true });
  const problems = (await page.evaluate(A11Y_CHECK)) as string[];
  expect(problems, name).toEqual([]);
}

/** arrive opens any page on a simulated device and returns once the splash page shows. */
async function arrive(context: BrowserContext, device: string): Promise<Page> {
  const d = await demo.gateway.device(device);
  const page = await context.newPage();
  await page.goto(`${d.url}/news`);
  await expect.poll(() => page.url()).toContain(demo.portico.httpUrl);
  await page.getByRole('heading', { name: 'Get online' }).waitFor({ timeout: 10_000 });
  return page;
}

async function submitCode(page: Page, code: string) {
  await page.getByLabel('Access code').fill(code);
  await page.getByLabel('I accept the terms of use').check();
  await page.getByRole('button', { name: 'Connect' }).click();
}

const liveMacs = async () =>
  (await demo.portico.services.sessions.listLive()).sessions.map((s) => s.mac);

describe.each<Variant>([
  { name: 'js', js: true, blockCookies: false },
  { name: 'nojs', js: false, blockCookies: true },
])('the guest journey ($name)', (v) => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await openContext(v);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('gets a guest online with a code typed in lower case with a dash', async () => {
    const code = await newToken({ minutes: 60, maxDevices: 1 });
    const device = await demo.gateway.device(`${v.name}-phone`);
    const page = await arrive(context, device.name);
    if (v.name === 'js') await shot(page, 'splash');
    await submitCode(page, typed(code));
    await page.getByRole('heading', { name: 'You are online' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByText('60 minutes left').count()).toBe(1);
    if (v.name === 'js') await shot(page, 'success');

    // Real RADIUS accounting made the session live in the database.
    expect(await liveMacs()).toContain(device.mac.toLowerCase());
    expect(await context.cookies()).toEqual([]);
  });

  it(`${v.blockCookies ? 'refuses' : 'keeps'} a cookie a server sets (the profile is what it claims)`, async () => {
    const page = await context.newPage();
    await page.goto(cookieServer.url);
    const names = (await context.cookies()).map((c) => c.name);
    expect(names).toEqual(v.blockCookies ? [] : ['probe']);
    await context.clearCookies();
    await page.close();
  });

  it('shows the minutes dropping on the status page after interim updates', async () => {
    const page = context.pages().at(-1) as Page;
    await page.getByRole('link', { name: 'Your code: time left and devices' }).click();
    await page.getByRole('heading', { name: 'Your access code' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#minutes-left').textContent()).toBe('60 minutes left');
    clock.advance(12 * 60_000);
    await demo.gateway.sendInterims();
    await page.getByRole('link', { name: 'Refresh' }).click();
    await expect.poll(() => page.locator('#minutes-left').textContent()).toBe('48 minutes left');
    if (v.name === 'js') await shot(page, 'status');
  });

  it('says a wrong code is unknown and counts it toward the lockout', async () => {
    const device = await demo.gateway.device(`${v.name}-guesser`);
    const page = await arrive(context, device.name);
    await submitCode(page, 'zzzz-zzzz');
    await page.getByText('We do not know this code').waitFor({ timeout: 10_000 });
    expect(await page.getByLabel('Access code').getAttribute('aria-invalid')).toBe('true');
    if (v.name === 'js') await shot(page, 'error-unknown');
    const row = (await demo.portico.services.lockouts.list()).find(
      (l) => l.key === `mac:${device.mac.toLowerCase()}`,
    );
    expect(row?.failures).toBe(1);
  });

  it('lets a second device sign the first one out and get on', async () => {
    const code = await newToken({ minutes: 30, maxDevices: 1 });
    const first = await demo.gateway.device(`${v.name}-laptop`);
    const second = await demo.gateway.device(`${v.name}-tablet`);
    const one = await arrive(context, first.name);
    await submitCode(one, code);
    await one.getByRole('heading', { name: 'You are online' }).waitFor({ timeout: 10_000 });

    const two = await arrive(context, second.name);
    await submitCode(two, typed(code));
    await two.getByRole('heading', { name: 'This code is already on 1 device' }).waitFor({
      timeout: 10_000,
    });
    const firstLabel = `Device ${first.mac.replace(/-/g, ':')}`;
    await expect.poll(() => two.getByText(firstLabel).count()).toBe(1);
    if (v.name === 'js') await shot(two, 'error-devices');
    await two.getByRole('button', { name: 'Sign this device out' }).click();
    await two.getByRole('heading', { name: 'You are online' }).waitFor({ timeout: 10_000 });

    // Portico told the gateway to drop the first device, and the second one is on.
    await expect
      .poll(() => demo.gateway.sessions().map((s) => s.device), { timeout: 10_000 })
      .not.toContain(first.name);
    expect(demo.gateway.sessions().map((s) => s.device)).toContain(second.name);
    expect(await liveMacs()).toContain(second.mac.toLowerCase());
    expect(await liveMacs()).not.toContain(first.mac.toLowerCase());
  });
});
