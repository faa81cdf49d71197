import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { portalFixture, type PortalFixture } from '../http/portal-fixture.js';
import { CHROMIUM_LAUNCH } from '../support/chromium.js';

// The MikroTik hand-off is a form posted to the router's login page; with JavaScript on it
// submits itself. The page's content security policy must let exactly that script run.
let f: PortalFixture;
let browser: Browser;
let router: Server;
let routerUrl = '';
let origin = '';
const posted: string[] = [];

beforeAll(async () => {
  f = await portalFixture();
  origin = await f.app.listen({ host: '127.0.0.1', port: 0 });
  router = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      // Chromium also asks the router for /favicon.ico; only the login post counts.
      if (req.method === 'POST') posted.push(body);
      res.setHeader('content-type', 'text/html');
      res.end('<p>router: logged in</p>');
    });
  });
  await new Promise<void>((r) => router.listen(0, '127.0.0.1', r));
  routerUrl = `http://127.0.0.1:${(router.address() as AddressInfo).port}/login`;
  browser = await chromium.launch(CHROMIUM_LAUNCH);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => router?.close(() => r()));
  await f?.close();
});

it('submits the MikroTik hand-off form by itself under the portal CSP', async () => {
  const t = await f.newToken();
  const q = new URLSearchParams({
    'link-login-only': routerUrl,
    'link-orig': 'http://example.com/',
    mac: '30:39:26:86:CC:EA',
    ip: '10.5.50.7',
    'chap-id': '\\371',
    'chap-challenge': '\\032\\045\\100abc',
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(`${origin}/portal?${q}`);
  await page.fill('input[name="code"]', t.code.toLowerCase());
  const terms = page.locator('input[name="terms"]');
  if ((await terms.count()) > 0) await terms.check();
  await Promise.all([
    page.waitForURL(routerUrl, { timeout: 15_000 }),
    page.click('button[type="submit"]'),
  ]);
  expect(await page.textContent('p')).toBe('router: logged in');
  expect(posted).toHaveLength(1);
  expect(new URLSearchParams(posted[0]).get('username')).toBe(t.code);
  expect(violations).toEqual([]);
  await context.close();
});
