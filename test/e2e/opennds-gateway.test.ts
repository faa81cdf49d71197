// End-to-end through a real openNDS 9.10 (Debian's package) in network namespaces the test
// makes (test/support/opennds-gateway.ts), with Portico in the root namespace as its FAS and
// Portico's own BinAuth script (deploy/routers/opennds/) on the gateway. Guests are curl in
// their own namespaces with DHCP leases: captive, the splash page, a wrong code, online,
// the session length and rates openNDS applied, a second device refused on a one-device
// code, and a revoke that ends the session at the gateway and is charged from its report.
// Waits are polls with generous bounds; nothing asserts how fast anything happened.
// Runs on both backends: Portico's database is a SQLite file or a PostgreSQL database of its
// own on the run's test server (TEST_BACKEND).

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startPortico, type Running } from '../../src/main.js';
import { createGateway, namespacesUnavailable, type Gateway } from '../support/opennds-gateway.js';
import { testBackend, testDatabaseEnv } from '../support/test-store.js';

const FASKEY = 'k3y-for-the-test-9';
const GATEWAY_NAME = 'harbour-gw';
const PROBE = 'http://192.0.2.1/generate_204';

const unavailable = namespacesUnavailable();
if (unavailable) console.warn(`SKIPPED test/e2e/opennds-gateway.test.ts: ${unavailable}`);

let gw: Gateway;
let portico: Running;
let internet: Server;
let internetUrl: string;
let dbDir: string;
let dropDatabase: (() => Promise<void>) | undefined;

/** until polls `check` every 500 ms until it returns a value, or fails after `ms`. */
async function until<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}\n${gw.log()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** curl runs curl in guest `i`: status, redirect target and body. */
async function curl(i: number, args: string[]) {
  const r = await gw.guest(
    i,
    'curl',
    ['-sS', '-m', '20', '-w', '\n%{http_code} %{redirect_url}', ...args],
    40_000,
  );
  const at = r.stdout.lastIndexOf('\n');
  const [status, location] = r.stdout.slice(at + 1).split(' ');
  return {
    ok: r.code === 0,
    status: Number(status),
    location: location ?? '',
    body: r.stdout.slice(0, at),
  };
}

/** online returns whether guest `i` reaches the "internet" (a server only past the gateway). */
async function online(i: number): Promise<boolean> {
  const r = await gw.guest(i, 'curl', ['-sS', '-m', '5', internetUrl], 20_000);
  return r.code === 0 && r.stdout.includes('the internet');
}

/** splash follows the gateway's redirect to Portico and returns the sealed router context. */
async function splash(i: number): Promise<{ fasUrl: string; ctx: string; html: string }> {
  const probe = await until(`openNDS to redirect guest ${i}`, 60_000, async () => {
    const r = await curl(i, [PROBE]);
    return r.status >= 300 && r.status < 400 && r.location.includes('/portal?') ? r : undefined;
  });
  const page = await curl(i, [probe.location]);
  expect(page.status, page.body).toBe(200);
  const ctx = /name="ctx" value="([^"]+)"/.exec(page.body)?.[1];
  expect(ctx).toBeDefined();
  return { fasUrl: probe.location, ctx: ctx as string, html: page.body };
}

/** redeem posts a code from guest `i`'s splash page. */
function redeem(i: number, ctx: string, code: string, host = gw.hostAddress) {
  const port = new URL(portico.httpUrl).port;
  return curl(i, [
    '--data-urlencode',
    `ctx=${ctx}`,
    '-d',
    'lang=en',
    '--data-urlencode',
    `code=${code}`,
    `http://${host}:${port}/portal/redeem`,
  ]);
}

/** ndsClient returns openNDS's view of a device (ndsctl json), or undefined when it has none. */
async function ndsClient(mac: string): Promise<Record<string, string> | undefined> {
  const r = await gw.ndsctl(['json']);
  if (r.code !== 0) return undefined;
  try {
    const all = JSON.parse(r.stdout) as { clients?: Record<string, Record<string, string>> };
    return all.clients?.[mac];
  } catch {
    return undefined;
  }
}

async function guestMac(i: number): Promise<string> {
  const r = await gw.guest(i, 'cat', ['/sys/class/net/wifi0/address']);
  return r.stdout.trim();
}

describe.skipIf(unavailable !== undefined)('a real openNDS gateway with Portico as its FAS', () => {
  beforeAll(async () => {
    gw = await createGateway(2);
    dbDir = mkdtempSync(join(tmpdir(), 'portico-opennds-db-'));
    const database = await testDatabaseEnv(join(dbDir, 'portico.db'));
    dropDatabase = database.drop;
    const config = loadConfig({
      ...database.env,
      PORTICO_HTTP_HOST: gw.hostAddress,
      PORTICO_HTTP_PORT: '0',
      PORTICO_RADIUS_HOST: '127.0.0.1',
      PORTICO_RADIUS_AUTH_PORT: '0',
      PORTICO_RADIUS_ACCT_PORT: '0',
      PORTICO_ADMIN_PASSWORD: 'opennds-e2e-admin-pw',
      PORTICO_LOG_LEVEL: 'silent',
    });
    expect(config.databaseUrl !== undefined).toBe(testBackend() === 'postgres');
    portico = await startPortico(config, { logger: pino({ level: 'silent' }) });
    await portico.services.nas.add(
      { name: GATEWAY_NAME, address: gw.uplinkAddress, vendor: 'opennds', fasKey: FASKEY },
      'test',
    );
    internet = createServer((_req, res) => res.end('the internet\n'));
    await new Promise<void>((resolve) => internet.listen(0, gw.hostAddress, resolve));
    internetUrl = `http://${gw.hostAddress}:${(internet.address() as AddressInfo).port}/`;
    await gw.start({
      level: 2,
      faskey: FASKEY,
      fasPort: Number(new URL(portico.httpUrl).port),
      gatewayName: GATEWAY_NAME,
    });
    for (const i of [0, 1]) await gw.dhcp(i);
  }, 240_000);

  afterAll(async () => {
    await gw?.close();
    await new Promise((resolve) => (internet ? internet.close(resolve) : resolve(undefined)));
    await portico?.close();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
    await dropDatabase?.();
  }, 120_000);

  let code: string;
  let ctx0: string;

  it('keeps a new guest captive and sends it to Portico with level 2 parameters', async () => {
    code = (
      await portico.services.tokens.create(
        { minutes: 30, maxDevices: 1, rateDownKbps: 2048, rateUpKbps: 512 },
        'test',
      )
    ).tokens[0]!.code;
    const s = await splash(0);
    expect(s.fasUrl).toMatch(/\/portal\?fas=[^&]+&iv=[0-9a-f]{16}$/);
    expect(s.html).toContain('name="code"');
    expect(await online(0)).toBe(false);
    ctx0 = s.ctx;
  }, 120_000);

  it('refuses a wrong code and the guest stays captive', async () => {
    const r = await redeem(0, ctx0, 'ZZZZ-ZZZZ');
    expect(r.status).toBe(400);
    expect(r.body).toContain('We do not know this code');
    expect(await online(0)).toBe(false);
    expect(await ndsClient(await guestMac(0))).toMatchObject({ state: 'Preauthenticated' });
  }, 120_000);

  it("lets the guest on with the right code, for the code's time left and its rates", async () => {
    const r = await redeem(0, ctx0, code);
    expect(r.status).toBe(303);
    const auth = new URL(r.location);
    expect(`${auth.origin}${auth.pathname}`).toBe(`http://${gw.subnet}.1:2050/opennds_auth/`);
    // openNDS asks BinAuth, lets the device on and sends it to Portico's success page.
    const back = await curl(0, [r.location]);
    expect(back.status, gw.log()).toBe(307);
    expect(back.location).toContain('/portal/success?s=');
    expect(await online(0)).toBe(true);

    const mac = await guestMac(0);
    const client = await ndsClient(mac);
    expect(client?.state).toBe('Authenticated');
    const seconds = Number(client?.session_end) - Number(client?.session_start);
    expect(seconds).toBeGreaterThan(30 * 60 - 10);
    expect(seconds).toBeLessThanOrEqual(30 * 60);
    expect(client?.download_rate_limit_threshold).toBe('2048');
    expect(client?.upload_rate_limit_threshold).toBe('512');

    const success = await curl(0, [back.location]);
    expect(success.body).toContain('You are online');
    expect(success.body).toMatch(/1 of 1/);
    expect((await portico.services.tokens.get(code)).devicesOnline).toBe(1);
  }, 120_000);

  it('refuses a second device on a one-device code; it stays captive', async () => {
    const s = await splash(1);
    const r = await redeem(1, s.ctx, code);
    expect(r.status).toBe(409);
    expect(await online(1)).toBe(false);
    expect(await online(0)).toBe(true);
  }, 120_000);

  it('ends the session at the gateway when the code is revoked, charged from its report', async () => {
    await portico.services.tokens.revoke(code, 'test');
    await until('the gateway to deauthenticate the revoked guest', 120_000, async () =>
      (await online(0)) ? undefined : true,
    );
    const t = await portico.services.tokens.get(code);
    expect(t.state).toBe('revoked');
    // openNDS reports the deauthentication with its own session times: a closed session.
    const closed = await until('the gateway to report the end', 60_000, async () => {
      const s = (await portico.services.sessions.history({ tokenId: t.id })).sessions[0];
      return s?.status === 'closed' ? s : undefined;
    });
    expect(closed).toMatchObject({
      mac: (await guestMac(0)).replace(/:/g, '-'),
      terminateCause: 'admin-reset',
    });
    expect(closed.sessionSeconds).toBeGreaterThan(0);
    expect(closed.outputOctets).toBeGreaterThan(0);
    expect(closed.lastCoa).toMatchObject({ kind: 'disconnect', state: 'ack' });
    expect((await portico.services.tokens.get(code)).devicesOnline).toBe(0);
    expect(await ndsClient(await guestMac(0))).toBeUndefined();
  }, 180_000);

  it.each([1, 0] as const)(
    'works the same at fas_secure_enabled %i (openNDS restarted)',
    async (level) => {
      await gw.stop();
      await gw.start({
        level,
        faskey: FASKEY,
        fasPort: Number(new URL(portico.httpUrl).port),
        gatewayName: GATEWAY_NAME,
      });
      // A new dnsmasq knows no leases, and openNDS lets on only guests with one.
      await gw.dhcp(1);
      const t = (await portico.services.tokens.create({ minutes: 10, maxDevices: 2 }, 'test'))
        .tokens[0]!;
      const s = await splash(1);
      expect(s.fasUrl).toMatch(level === 1 ? /\/portal\?fas=[^&]+$/ : /\/portal\?authaction=/);
      expect(await online(1)).toBe(false);
      const r = await redeem(1, s.ctx, t.code);
      expect(r.status).toBe(303);
      const back = await curl(1, [r.location]);
      expect(back.status, gw.log()).toBe(307);
      expect(await online(1)).toBe(true);
      const mac = await guestMac(1);
      const client = await ndsClient(mac);
      const seconds = Number(client?.session_end) - Number(client?.session_start);
      expect(seconds).toBeGreaterThan(10 * 60 - 10);
      expect(seconds).toBeLessThanOrEqual(10 * 60);
      // Level 0 sends no MAC: the device is known from BinAuth's report.
      const live = (await portico.services.sessions.history({ tokenId: t.id })).sessions[0];
      expect(live).toMatchObject({ status: 'live', mac: mac.replace(/:/g, '-') });
    },
    180_000,
  );
});
