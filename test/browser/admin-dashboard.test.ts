// The staff dashboard in real headless Chromium against a real Portico (startPortico with a
// database file, HTTP and RADIUS on port 0): sign in, add a token, bulk create for an event,
// export and print that batch (decoding every QR code), delete a selection, watch a session
// that real RADIUS accounting opened (radclient) and disconnect it through a fake NAS
// listener, and check that roles and CSRF hold. Screenshots go to test-artifacts/.

import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import pino from 'pino';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM_LAUNCH } from '../support/chromium.js';
import { testDatabaseEnv } from '../support/test-store.js';
import { loadConfig } from '../../src/config.js';
import { startPortico, type Running } from '../../src/main.js';
import { encodeAttributes, listAttributes } from '../../src/radius/attributes.js';
import { verifyRequestAuthenticator } from '../../src/radius/authenticator.js';
import { RadiusCode } from '../../src/radius/codes.js';
import { decodePacket, encodeResponse } from '../../src/radius/packet.js';

// jsqr is a CommonJS bundle whose function is also its `default`.
const jsQR = jsQRModule.default;

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 900 };
const PUBLIC_URL = 'https://wifi.example.org';
const ADMIN = { username: 'admin', password: 'admin-password-1' };
const STAFF = { username: 'desk', password: 'desk-password-1' };
const SECRET = 'router-secret-1';

/** FakeNas is a router's Disconnect/CoA listener: it verifies requests and ACKs them. */
type FakeNas = {
  port: number;
  received: Array<{ code: number; sessionId: unknown }>;
  close(): Promise<void>;
};

async function openFakeNas(): Promise<FakeNas> {
  const socket = createSocket('udp4');
  const nas: FakeNas = {
    port: 0,
    received: [],
    close: () => new Promise((r) => socket.close(() => r())),
  };
  socket.on('message', (bytes, remote) => {
    const d = decodePacket(bytes);
    if (!d.ok || !verifyRequestAuthenticator(d.packet, Buffer.from(SECRET))) return;
    const id = listAttributes(d.packet).find((a) => a.name === 'Acct-Session-Id')?.value;
    nas.received.push({ code: d.packet.code, sessionId: id });
    const reply = encodeResponse({
      code: RadiusCode.DisconnectAck,
      identifier: d.packet.identifier,
      requestAuthenticator: d.packet.authenticator,
      attributes: encodeAttributes([]),
      secret: Buffer.from(SECRET),
      messageAuthenticator: true,
    });
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  nas.port = socket.address().port;
  return nas;
}

/**
 * RASTERISE_QR_CODES runs in the print page: for every card, the code it shows and its QR
 * SVG drawn on a white canvas, as base64 grey levels (a string, so it crosses quickly).
 */
const RASTERISE_QR_CODES = `(async () => {
  const size = 180;
  const out = [];
  for (const card of document.querySelectorAll('article.card')) {
    const svg = new XMLSerializer().serializeToString(card.querySelector('svg'));
    const img = new Image();
    await new Promise((resolve, reject) => {
      img.onload = resolve;
      img.onerror = reject;
      img.src = 'data:image/svg+xml;base64,' + btoa(svg);
    });
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, 0, size, size);
    const rgba = ctx.getImageData(0, 0, size, size).data;
    let grey = '';
    for (let i = 0; i < rgba.length; i += 4) grey += String.fromCharCode(rgba[i + 1]);
    out.push({ shown: card.querySelector('.card-code').textContent, size, grey: btoa(grey) });
  }
  return out;
})()`;

/** radclient runs Debian's radclient with `input` and returns what it printed. */
function radclient(port: number, kind: 'auth' | 'acct', input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/radclient', [
      '-x',
      '-t',
      '3',
      '-r',
      '1',
      `127.0.0.1:${port}`,
      kind,
      SECRET,
    ]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`radclient did not finish:\n${out}`));
    }, 15_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(input);
  });
}

let dir: string;
let dropDatabase: (() => Promise<void>) | undefined;
let portico: Running;
let fakeNas: FakeNas;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let batchCodes: string[] = [];

const shot = async (p: Page, name: string, fullPage = true) => {
  for (const [size, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    await p.setViewportSize(viewport);
    await p.screenshot({ path: join(ARTIFACTS, `admin-${name}-${size}.png`), fullPage });
  }
  await p.setViewportSize(DESKTOP);
};

const signIn = async (p: Page, user: { username: string; password: string }) => {
  await p.goto(`${base}/admin`);
  await p.getByLabel('Username').fill(user.username);
  await p.getByLabel('Password').fill(user.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
};

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'portico-admin-browser-'));
  const database = await testDatabaseEnv(join(dir, 'portico.db'));
  dropDatabase = database.drop;
  const config = loadConfig({
    ...database.env,
    PORTICO_HTTP_PORT: '0',
    PORTICO_RADIUS_AUTH_PORT: '0',
    PORTICO_RADIUS_ACCT_PORT: '0',
    PORTICO_PUBLIC_URL: PUBLIC_URL,
    PORTICO_TIMEZONE: 'Europe/Berlin',
    PORTICO_ADMIN_PASSWORD: ADMIN.password,
    PORTICO_LOG_LEVEL: 'silent',
  });
  portico = await startPortico(config, { logger: pino({ level: 'silent' }) });
  base = portico.httpUrl;
  fakeNas = await openFakeNas();
  const s = portico.services;
  await s.staff.add(STAFF.username, STAFF.password, 'staff', 'test');
  await s.nas.add(
    {
      name: 'lobby',
      address: '127.0.0.1',
      secret: SECRET,
      vendor: 'mikrotik',
      coaPort: fakeNas.port,
      requireMessageAuthenticator: false,
    },
    'test',
  );
  await s.settings.update({ spaceName: 'Harbour Coworking' }, 'test');
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', acceptDownloads: true });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await fakeNas?.close();
  await portico?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await dropDatabase?.();
});

describe('staff dashboard in Chromium', { timeout: 90_000 }, () => {
  it('signs in', async () => {
    await page.goto(`${base}/admin`);
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await shot(page, 'sign-in');
    await signIn(page, ADMIN);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor({ timeout: 10_000 });
    expect(page.url()).toBe(`${base}/admin`);
  });

  it('adds a token, previews it, and shows the new code', async () => {
    await page.goto(`${base}/admin/tokens/new`);
    await page.getByLabel('Minutes online').selectOption('120');
    await page.getByLabel('Description').fill('Desk 4');
    await page.getByLabel('Devices at the same time').fill('2');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.locator('#preview-text').textContent()).resolves.toBe(
      'works for 120 minutes online, on up to 2 devices',
    );
    await shot(page, 'token-new');
    await page.getByRole('button', { name: 'Create token' }).click();
    const code = (await page.locator('#token-code').textContent({ timeout: 10_000 })) ?? '';
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const t = await portico.services.tokens.get(code);
    expect(t.description).toBe('Desk 4');
    expect(t.minutes).toBe(120);
    await shot(page, 'token-show');
  });

  it('creates 100 tokens in bulk for "Open Day"', async () => {
    await page.goto(`${base}/admin/tokens/bulk`);
    await page.getByLabel('How many').fill('100');
    await page.getByLabel('Batch name').fill('Open Day');
    await page.getByLabel('Minutes online').selectOption('240');
    await page.getByRole('button', { name: 'Create tokens' }).click();
    await page.getByText('Created 100 tokens for "Open Day"').waitFor({ timeout: 15_000 });
    await expect(page.locator('#tokens tbody tr').count()).resolves.toBe(50);
    await shot(page, 'tokens-batch');
    const batchId = Number(new URL(page.url()).searchParams.get('batch'));
    batchCodes = [];
    for await (const t of portico.services.tokens.iterate({ batchId })) batchCodes.push(t.code);
    expect(batchCodes).toHaveLength(100);
  });

  it('exports that batch as a CSV with 100 rows and the right columns', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 10_000 }),
      page.getByRole('link', { name: 'Export these as CSV' }).click(),
    ]);
    const file = join(dir, 'export.csv');
    await download.saveAs(file);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'code,minutes,used,left,valid_from,valid_until,devices,description,batch,state,created',
    );
    expect(lines).toHaveLength(101);
    const codes = lines.slice(1).map((l) => l.split(',')[0]?.replace('-', ''));
    expect(new Set(codes)).toEqual(new Set(batchCodes));
    for (const l of lines.slice(1)) expect(l.split(',').slice(1, 4)).toEqual(['240', '0', '240']);
    expect(lines.slice(1).every((l) => l.includes(',Open Day,unused,'))).toBe(true);
  });

  it('prints 100 cards whose QR codes decode to the splash link of their own code', async () => {
    await page.getByRole('link', { name: 'Print these' }).click();
    await page.locator('article.card').first().waitFor({ timeout: 15_000 });
    await expect(page.locator('article.card').count()).resolves.toBe(100);
    // Rasterise each card's QR SVG on a canvas in the page (grey levels, one byte a pixel),
    // then decode the pixels here with jsQR.
    const images = (await page.evaluate(RASTERISE_QR_CODES)) as Array<{
      shown: string;
      size: number;
      grey: string;
    }>;
    expect(images).toHaveLength(100);
    const decoded = new Set<string>();
    for (const im of images) {
      const grey = Buffer.from(im.grey, 'base64');
      const rgba = new Uint8ClampedArray(grey.length * 4);
      for (let i = 0; i < grey.length; i++) {
        rgba.fill(grey[i] as number, i * 4, i * 4 + 3);
        rgba[i * 4 + 3] = 255;
      }
      const qr = jsQR(rgba, im.size, im.size);
      const code = im.shown.replace('-', '');
      expect(qr?.data).toBe(`${PUBLIC_URL}/t/${code}`);
      decoded.add(code);
    }
    expect(decoded).toEqual(new Set(batchCodes));
    await shot(page, 'print-a4', false);
    // Printed on A4, three cards across and four down: 100 cards fill 9 sheets.
    const pdf = await page.pdf({ preferCSSPageSize: true });
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)).toHaveLength(9);
    await page.getByRole('link', { name: '80 mm receipt' }).click();
    await page.locator('article.card').first().waitFor();
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-print-receipt-phone.png') });
    await page.setViewportSize(DESKTOP);
  });

  it('deletes 3 selected tokens after confirming, and they are gone', async () => {
    await page.goto(`${base}/admin/tokens?q=${encodeURIComponent('Open Day')}`);
    const boxes = page.locator('#tokens tbody input[name="ids"]');
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      await boxes.nth(i).check();
      codes.push(
        (
          (await page.locator('#tokens tbody tr').nth(i).locator('a.code').textContent()) ?? ''
        ).trim(),
      );
    }
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await page.getByRole('heading', { name: 'Delete 3 tokens?' }).waitFor({ timeout: 10_000 });
    await shot(page, 'confirm-delete');
    await page.getByRole('button', { name: 'Delete 3 tokens' }).click();
    await page.getByText('Deleted 3 tokens').waitFor({ timeout: 10_000 });
    for (const code of codes) {
      await page.goto(`${base}/admin/tokens?q=${code}`);
      await page.getByText('No tokens match.').waitFor({ timeout: 5000 });
    }
    expect((await portico.services.tokens.list({ text: 'Open Day' })).total).toBe(97);
  });

  it('shows a session that RADIUS accounting opened and disconnects it', async () => {
    const code = batchCodes[50] as string;
    const mac = 'AA-BB-CC-DD-EE-07';
    const accept = await radclient(
      portico.radiusPorts.auth,
      'auth',
      `User-Name = "${code}"\nUser-Password = "${code}"\nCalling-Station-Id = "${mac}"\nNAS-IP-Address = 10.0.0.1\n`,
    );
    expect(accept).toContain('Access-Accept');
    const cls = /Class = (0x[0-9a-f]+)/.exec(accept)?.[1];
    expect(cls).toBeDefined();
    const start = await radclient(
      portico.radiusPorts.acct,
      'acct',
      `Acct-Status-Type = Start\nAcct-Session-Id = "browser-1"\nUser-Name = "${code}"\nCalling-Station-Id = "${mac}"\nFramed-IP-Address = 10.1.0.7\nNAS-IP-Address = 10.0.0.1\nClass = ${cls}\n`,
    );
    expect(start).toContain('Accounting-Response');

    await page.goto(`${base}/admin/sessions`);
    const row = page.locator('#live-sessions tbody tr');
    await expect(row.count()).resolves.toBe(1);
    // One form for a MAC on every page.
    await expect(row.first().textContent()).resolves.toContain('AA:BB:CC:DD:EE:07');
    await expect(row.first().textContent()).resolves.toContain('10.1.0.7');
    await expect(row.first().textContent()).resolves.toContain('lobby');
    await shot(page, 'sessions');
    await row
      .first()
      .getByRole('link', { name: /Disconnect/ })
      .click();
    // One click only asks; nothing is sent before the confirmation.
    await page.getByRole('heading', { name: 'Disconnect this device?' }).waitFor();
    expect(fakeNas.received).toEqual([]);
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText('The router confirmed the disconnect (ACK).').waitFor({ timeout: 15_000 });
    expect(fakeNas.received).toEqual([
      { code: RadiusCode.DisconnectRequest, sessionId: 'browser-1' },
    ]);
    await expect(
      page
        .locator('#s-' + (await portico.services.sessions.history({})).sessions[0]?.id)
        .textContent(),
    ).resolves.toContain('Disconnect: ACK');
    await page.goto(`${base}/admin/sessions/history`);
    const ended = page.getByText('Disconnected by staff, router confirmed');
    await ended.waitFor();
    expect(await ended.getAttribute('title')).toBe('RADIUS: (disconnect: ack)');
  });

  it('refuses a form posted without its CSRF token', async () => {
    await page.goto(`${base}/admin/tokens/new`);
    await page
      .locator('form[action="/admin/tokens"] input[name="_csrf"]')
      .evaluate((el) => el.remove());
    const before = (await portico.services.tokens.list({})).total;
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('heading', { name: 'Form refused' }).waitFor({ timeout: 10_000 });
    expect((await portico.services.tokens.list({})).total).toBe(before);
  });

  it('keeps a staff user out of the admin pages', async () => {
    const staffContext = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
    try {
      const p = await staffContext.newPage();
      await signIn(p, STAFF);
      await p.getByRole('heading', { name: 'Dashboard' }).waitFor({ timeout: 10_000 });
      const menu = await p.locator('nav.menu a').allTextContents();
      expect(menu).toEqual(expect.arrayContaining(['Access tokens', 'Sessions', 'Lockouts']));
      for (const adminOnly of ['Routers', 'Settings', 'Staff', 'Audit log']) {
        expect(menu).not.toContain(adminOnly);
      }
      for (const path of ['/admin/routers', '/admin/settings', '/admin/users', '/admin/audit']) {
        const r = await p.goto(`${base}${path}`);
        expect(r?.status(), path).toBe(403);
        await p.getByRole('heading', { name: 'Admins only' }).waitFor({ timeout: 5000 });
      }
      await p.goto(`${base}/admin/tokens`);
      await p.locator('#tokens').waitFor();
      await p.screenshot({ path: join(ARTIFACTS, 'admin-tokens-staff-phone.png'), fullPage: true });
    } finally {
      await staffContext.close();
    }
  });

  it('takes screenshots of the other pages', async () => {
    for (const [path, name] of [
      ['/admin', 'dashboard'],
      ['/admin/tokens', 'tokens'],
      ['/admin/routers', 'routers'],
      ['/admin/settings', 'settings'],
      ['/admin/users', 'users'],
      ['/admin/audit', 'audit'],
      ['/admin/sessions/history', 'history'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await shot(page, name);
    }
  });
});
