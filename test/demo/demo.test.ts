// The demo end to end without a browser: a guest device asks the simulated gateway for a page,
// follows the redirects by hand like a browser would, types a code, and the gateway logs in
// over real RADIUS and reports accounting to the running Portico.

import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { startDemo, type Demo } from '../../src/demo/demo.js';

const T0 = Date.UTC(2026, 2, 10, 9, 0);
let demo: Demo;
let clock: ReturnType<typeof fixedClock>;
const lines: string[] = [];

beforeEach(async () => {
  clock = fixedClock(T0);
  lines.length = 0;
  demo = await startDemo({
    httpPort: 0,
    autoTimers: false,
    logger: pino({ level: 'silent' }),
    gatewayLog: (line) => lines.push(line),
    clock,
  });
});
afterEach(async () => {
  await demo.close();
});

/** get fetches without following redirects, with a timeout. */
async function get(url: string, init: RequestInit = {}) {
  return fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000), ...init });
}

function hidden(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    out[m[1] as string] = (m[2] as string).replace(/&amp;/g, '&');
  return out;
}

/** joinWifi walks a device from "any page" to the portal's answer to its code. */
async function joinWifi(device: string, code: string) {
  const d = await demo.gateway.device(device);
  const captive = await get(`${d.url}/news`);
  expect(captive.status).toBe(302);
  const splashUrl = captive.headers.get('location') ?? '';
  expect(splashUrl.startsWith(demo.portico.httpUrl)).toBe(true);
  const splash = await get(splashUrl);
  expect(splash.status).toBe(200);
  const fields = hidden(await splash.text());
  const redeemed = await get(`${demo.portico.httpUrl}/portal/redeem`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, code }).toString(),
  });
  if (redeemed.status !== 303) return { device: d, page: redeemed };
  const logon = await get(redeemed.headers.get('location') ?? '');
  expect(logon.status).toBe(302);
  const back = await get(logon.headers.get('location') ?? '');
  return { device: d, page: back };
}

describe('portico demo', () => {
  it('gets a guest online through the simulated gateway, with accounting in the database', async () => {
    const code = demo.tokens[0]?.code ?? '';
    const { device, page } = await joinWifi('phone', code.toLowerCase());
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('You are online');
    expect(html).toContain('60 minutes left');

    const s = demo.portico.services;
    const live = await s.sessions.listLive();
    expect(live.total).toBe(1);
    expect(live.sessions[0]?.mac).toBe(device.mac.toLowerCase());
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^phone: Access-Accept, Session-Timeout 3600 s/),
        'phone: Accounting Start answered',
      ]),
    );

    clock.advance(10 * 60_000);
    await demo.gateway.sendInterims();
    const token = await s.tokens.get(code);
    expect(token.minutesUsed).toBe(10);

    // Online now: the gateway lets the device through instead of redirecting.
    const through = await get(`${device.url}/news`);
    expect(through.status).toBe(200);
  });

  it('refuses an unknown code before the router is bothered', async () => {
    const { page } = await joinWifi('laptop', 'ZZZZ-ZZZZ');
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('We do not know this code');
    expect(lines.some((l) => l.includes('Access-Request'))).toBe(false);
  });

  it('ends the session when Portico disconnects the device', async () => {
    const code = demo.tokens[0]?.code ?? '';
    await joinWifi('phone', code);
    const s = demo.portico.services;
    const session = (await s.sessions.listLive()).sessions[0];
    expect(session).toBeDefined();
    const { jobId } = await s.sessions.disconnect(session!.id, 'test');
    expect(jobId).not.toBeNull();
    expect((await s.sessions.waitForJob(jobId!, 10_000)).state).toBe('ack');
    const deadline = Date.now() + 10_000;
    while (demo.gateway.sessions().length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(demo.gateway.sessions()).toEqual([]);
    expect(lines).toContain('phone: Disconnect-Request from Portico, acknowledged');
  });

  it('keeps the session and its accounting through a CoA when staff add minutes', async () => {
    const code = demo.tokens[0]?.code ?? '';
    await joinWifi('phone', code);
    const s = demo.portico.services;
    const session = (await s.sessions.listLive()).sessions[0];
    expect(session).toBeDefined();
    await s.tokens.update((await s.tokens.get(code)).id, { addMinutes: 30 }, 'test');
    const deadline = Date.now() + 10_000;
    while ((await s.sessions.get(session!.id)).lastCoa?.state !== 'ack' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect((await s.sessions.get(session!.id)).lastCoa).toMatchObject({
      kind: 'coa',
      state: 'ack',
    });
    // The gateway, like CoovaChilli, reset whatever the CoA left out.
    expect(demo.gateway.sessions()[0]).toMatchObject({
      sessionTimeout: 90 * 60,
      interimSeconds: 15,
      idleTimeout: s.settings.value('idleTimeoutSeconds'),
    });
    // Long past the stale window the gateway still reports, so Portico keeps the session.
    for (let minute = 1; minute <= 20; minute++) {
      clock.advance(60_000);
      await demo.gateway.sendInterims();
    }
    expect((await s.cutoff.scan()).stale).toBe(0);
    expect((await s.sessions.get(session!.id)).status).toBe('live');
    expect((await s.tokens.get(code)).minutesUsed).toBe(20);
  });
});
