// UniFi's external portal end to end: the controller's redirect to /guest/s/<site>/, a code
// typed on the splash page, the guest authorised through a local server that speaks the
// controller API (login, stamgr authorize-guest), then charged, and unauthorised when staff
// disconnect it, the token is revoked, deleted or used up.

import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { startFakeController, type FakeController } from '../support/unifi-controller.js';
import { form, hiddenFields } from './portal-fixture.js';

const T0 = Date.UTC(2026, 11, 4, 9);
const HOST = { host: 'wifi.example.org' };
const ACCOUNT = { username: 'portico', password: 'controller-pw', site: 'default' };
const GUEST = 'a4:83:e7:11:22:33';
const AP = 'f0:9f:c2:aa:bb:cc';

let db: Db;
let services: Services;
let app: FastifyInstance;
let clock: ReturnType<typeof fixedClock>;
let controller: FakeController;
let logs: string[];

beforeEach(async () => {
  controller = await startFakeController(ACCOUNT);
  db = openDatabase(':memory:');
  clock = fixedClock(T0);
  const config = loadConfig({
    PORTICO_DB: ':memory:',
    PORTICO_PUBLIC_URL: 'https://wifi.example.org',
    PORTICO_SECRET_KEY: 'k'.repeat(40),
  });
  services = createServices({ db, clock, config });
  await services.nas.add(
    {
      name: 'office-unifi',
      address: '192.0.2.50',
      vendor: 'unifi',
      controllerUrl: controller.url,
      controllerSite: ACCOUNT.site,
      controllerUsername: ACCOUNT.username,
      controllerPassword: ACCOUNT.password,
    },
    'test',
  );
  logs = [];
  app = await buildApp(services, {
    logger: pino({ level: 'info' }, { write: (l: string) => void logs.push(l) }),
  });
});
afterEach(async () => {
  await app.close();
  db.close();
  await controller.close();
});

// UniFi's redirect: /guest/s/<site>/?ap=<AP MAC>&id=<client MAC>&t=<unix time>&url=<page>&ssid=
const arrivalPath = (mac = GUEST) =>
  `/guest/s/${ACCOUNT.site}/?ap=${encodeURIComponent(AP)}&id=${encodeURIComponent(mac)}` +
  `&t=1764838800&url=${encodeURIComponent('http://example.com/news')}&ssid=Guest`;

async function redeem(code: string, mac = GUEST) {
  const arrival = await app.inject({ url: arrivalPath(mac), headers: HOST });
  expect(arrival.statusCode, arrival.body).toBe(200);
  return app.inject({
    method: 'POST',
    url: '/portal/redeem',
    ...form({ ...hiddenFields(arrival.body), code }),
  });
}

async function newToken(minutes = 60) {
  const t = (await services.tokens.create({ minutes }, 'test')).tokens[0];
  if (!t) throw new Error('no token');
  return t;
}

const liveSessions = (tokenId: number) => services.store.sessions.liveOf(tokenId);
const commands = () => controller.calls.map((c) => [c.body.cmd, c.body.mac, c.answered]);

describe('UniFi external portal', () => {
  it('authorises the guest through the controller for the token’s time left', async () => {
    const t = await newToken(60);
    const res = await redeem(t.code);
    expect(res.statusCode, res.body).toBe(303);
    expect(new URL(String(res.headers.location)).pathname).toBe('/portal/success');
    expect(controller.calls.map((c) => c.body)).toEqual([
      { cmd: 'authorize-guest', mac: GUEST, minutes: 60, ap_mac: AP },
    ]);
    const [s] = await liveSessions(t.id);
    expect(s).toMatchObject({ deviceMac: 'a4-83-e7-11-22-33', status: 'live', startedAt: T0 });
  });

  it('stores the controller password encrypted, never in plain text', async () => {
    const nas = await services.nas.get('office-unifi');
    expect(nas.controllerCredentials).toMatch(/^v1\./);
    expect(JSON.stringify(db.prepare('SELECT * FROM nas_clients').all())).not.toContain(
      ACCOUNT.password,
    );
    expect(services.nas.controllerAccount(nas)).toMatchObject({ password: ACCOUNT.password });
  });

  it('charges the session while the authorisation runs, and unauthorises when used up', async () => {
    const t = await newToken(30);
    expect((await redeem(t.code)).statusCode).toBe(303);
    clock.advance(10 * 60_000);
    expect(await services.controllers.tick()).toBe(1);
    expect((await services.tokens.get(t.code)).minutesUsed).toBe(10);
    clock.advance(20 * 60_000);
    await services.controllers.tick();
    await services.cutoff.tick();
    expect(commands().at(-1)).toEqual(['unauthorize-guest', GUEST, 200]);
    expect(await liveSessions(t.id)).toEqual([]);
    expect((await services.tokens.get(t.code)).state).toBe('depleted');
  });

  it('unauthorises the guest when staff disconnect it, and when the token is revoked or deleted', async () => {
    const a = await newToken();
    expect((await redeem(a.code)).statusCode).toBe(303);
    const [s] = await liveSessions(a.id);
    await services.sessions.disconnect(s!.id, 'staff');
    await services.cutoff.processJobs();
    expect(commands().at(-1)).toEqual(['unauthorize-guest', GUEST, 200]);
    expect((await services.store.sessions.findById(s!.id))?.status).toBe('closed');

    const b = await newToken();
    expect((await redeem(b.code, '02:00:00:00:00:0b')).statusCode).toBe(303);
    await services.tokens.revoke(b.code, 'staff');
    await services.cutoff.tick();
    expect(commands().at(-1)).toEqual(['unauthorize-guest', '02:00:00:00:00:0b', 200]);

    const c = await newToken();
    expect((await redeem(c.code, '02:00:00:00:00:0c')).statusCode).toBe(303);
    await services.tokens.remove([c.code], 'staff');
    await services.cutoff.tick();
    expect(commands().at(-1)).toEqual(['unauthorize-guest', '02:00:00:00:00:0c', 200]);
  });

  it('logs in again when the controller session expired', async () => {
    expect((await redeem((await newToken()).code)).statusCode).toBe(303);
    controller.expireSessions();
    expect((await redeem((await newToken()).code, '02:00:00:00:00:02')).statusCode).toBe(303);
    expect(controller.logins).toBe(2);
    expect(controller.calls.map((c) => c.answered)).toEqual([200, 401, 200]);
  });

  it('tells the guest when the controller refuses, and keeps no session', async () => {
    controller.refuse.add(GUEST);
    const t = await newToken();
    const res = await redeem(t.code);
    expect(res.statusCode).toBe(502);
    expect(res.body).toContain('The network did not let this device on');
    expect(res.headers.location).toBeUndefined();
    expect(await liveSessions(t.id)).toEqual([]);
    expect((await services.tokens.get(t.code)).state).toBe('unused');
    expect(logs.join('\n')).toContain('api.err.InvalidTarget');
    expect(logs.join('\n')).not.toContain(ACCOUNT.password);
  });
});
