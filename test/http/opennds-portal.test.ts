// openNDS over app.inject: a guest arriving with openNDS's FAS parameters is handed to the
// gateway's auth dir (never told "you are online" first), the device limit holds at the
// hand-off, and BinAuth's signed reports let the device on, meter it and end it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openndsHid, openndsRhid } from '../../src/adapters/opennds-adapter.js';
import {
  OPENNDS_POLL_SECONDS,
  openndsReportKey,
  signBinauthReport,
  type BinauthReport,
} from '../../src/services/opennds-service.js';
import { FASKEY as CAPTURED_KEY, LEVEL2_FAS, LEVEL2_IV } from '../adapters/opennds-vectors.js';
import { form, hiddenFields, portalFixture, T0, type PortalFixture } from './portal-fixture.js';

const FASKEY = 'gw-faskey-123';
const GATEWAY = 'harbour';
const ROUTER_ADDRESS = '10.9.0.2';
const HOST = { host: 'portal.test' };
const HID_A = 'a'.repeat(64);
const HID_B = 'b'.repeat(64);

/** fas returns a level 1 `fas` value the way openNDS 9.10 builds it. */
function fas(hid: string, mac: string): string {
  const list = [
    `hid=${hid}`,
    'clientip=10.9.1.23',
    `clientmac=${mac}`,
    'client_type=cpd_can',
    `gatewayname=${GATEWAY}%20Node%3a001122334455%20`,
    'gatewayaddress=10.9.1.1:2050',
    'originurl=http%3a%2f%2fexample.com%2f',
  ];
  return Buffer.from(list.join(', ')).toString('base64');
}

let f: PortalFixture;

beforeEach(async () => {
  f = await portalFixture();
  await f.services.nas.add(
    { name: GATEWAY, address: ROUTER_ADDRESS, vendor: 'opennds', fasKey: FASKEY },
    'test',
  );
});
afterEach(async () => {
  await f.close();
});

async function redeem(hid: string, mac: string, code: string) {
  const page = await f.app.inject({ url: `/portal?fas=${fas(hid, mac)}`, headers: HOST });
  expect(page.statusCode, page.body).toBe(200);
  return f.app.inject({
    method: 'POST',
    url: '/portal/redeem',
    ...form({ ...hiddenFields(page.body), code }),
  });
}

/** report posts a BinAuth report signed as the shell script signs it. */
function report(fields: BinauthReport, key = openndsReportKey(FASKEY)) {
  const r: BinauthReport = {
    gateway: GATEWAY,
    ip: '',
    start: '0',
    end: '0',
    in: '0',
    out: '0',
    ts: String(Math.floor(f.clock.now() / 1000)),
    ...fields,
  };
  const body = { ...r, sig: r.sig ?? signBinauthReport(key, r) };
  const { gateway, ...rest } = body;
  return f.app.inject({
    method: 'POST',
    url: '/opennds/binauth',
    remoteAddress: ROUTER_ADDRESS,
    ...form({ gw: gateway ?? '', ...(rest as Record<string, string>) }),
  });
}

describe('the openNDS hand-off', () => {
  it("sends the guest to the gateway's auth dir with tok, not to a success page", async () => {
    const t = await f.newToken({ minutes: 60 });
    const res = await redeem(HID_A, 'aa:bb:cc:00:00:01', t.code);
    expect(res.statusCode).toBe(303);
    const to = new URL(res.headers.location as string);
    expect(`${to.origin}${to.pathname}`).toBe('http://10.9.1.1:2050/opennds_auth/');
    expect(to.searchParams.get('tok')).toBe(openndsRhid(HID_A, FASKEY));
    expect(to.searchParams.get('redir')).toMatch(/^http:\/\/portal\.test\/portal\/success\?s=/);
    // The slot is held for that device until BinAuth's report makes it a session.
    const held = await f.services.store.sessions.slotsOf(t.id, f.clock.now());
    expect(held).toMatchObject([
      { status: 'reserved', deviceMac: 'aa-bb-cc-00-00-01', acctSessionId: HID_A },
    ]);
  });

  it('refuses a second device at the hand-off when the code allows one', async () => {
    const t = await f.newToken({ minutes: 60, maxDevices: 1 });
    expect((await redeem(HID_A, 'aa:bb:cc:00:00:01', t.code)).statusCode).toBe(303);
    const second = await redeem(HID_B, 'aa:bb:cc:00:00:02', t.code);
    expect(second.statusCode).toBe(409);
    expect(second.body).toContain('1 device');
  });

  it('moves a device handed off again under a new client token to that token', async () => {
    // openNDS gives a device a new client token (and hid) once its session there ended.
    const t = await f.newToken({ minutes: 60, maxDevices: 1 });
    const [first, second] = [openndsHid('11111111'), openndsHid('22222222')];
    expect((await redeem(first, 'aa:bb:cc:00:00:01', t.code)).statusCode).toBe(303);
    expect((await redeem(second, 'aa:bb:cc:00:00:01', t.code)).statusCode).toBe(303);
    const allow = await report({
      method: 'auth_client',
      mac: 'aa:bb:cc:00:00:01',
      token: '22222222',
    });
    expect(allow.body).toMatch(/^allow 3600 /);
    const stale = await report({
      method: 'auth_client',
      mac: 'aa:bb:cc:00:00:01',
      token: '11111111',
    });
    expect(stale.body).toBe('deny no-hand-off\n');
  });

  it('finds a level 2 router by the faskey that decrypts its redirect, or names the mismatch', async () => {
    const path = `/portal?fas=${encodeURIComponent(LEVEL2_FAS)}&iv=${LEVEL2_IV}`;
    const mismatch = await f.app.inject({ url: path, headers: HOST });
    expect(mismatch.statusCode).toBe(503);
    expect(f.services.portal.signInProblems()).toMatchObject([{ reason: 'fas-key-mismatch' }]);
    await f.services.nas.add(
      { name: 'captured', address: '10.9.0.3', vendor: 'opennds', fasKey: CAPTURED_KEY },
      'test',
    );
    const page = await f.app.inject({ url: path, headers: HOST });
    expect(page.statusCode).toBe(200);
    const t = await f.newToken({ minutes: 60 });
    const res = await f.app.inject({
      method: 'POST',
      url: '/portal/redeem',
      ...form({ ...hiddenFields(page.body), code: t.code }),
    });
    expect(res.headers.location).toMatch(/^http:\/\/10\.231\.77\.1:2050\/opennds_auth\/\?tok=/);
    const held = await f.services.store.sessions.slotsOf(t.id, f.clock.now());
    expect(held).toMatchObject([{ nasId: (await f.services.nas.get('captured')).id }]);
  });

  it('shows a problem, not a hand-off, for an openNDS router without a faskey', async () => {
    await f.services.nas.update(GATEWAY, { fasKey: '' }, 'test');
    const t = await f.newToken({ minutes: 60 });
    const res = await redeem(HID_A, 'aa:bb:cc:00:00:01', t.code);
    expect(res.statusCode).toBe(503);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('do not share the same faskey');
    expect(f.logs.join('\n')).toContain('the openNDS router has no faskey in Portico');
    // Staff see it with the router, as for a UAM secret that does not match.
    expect(f.services.portal.signInProblems()).toMatchObject([
      { nas: GATEWAY, reason: 'no-fas-key', count: 1 },
    ]);
  });
});

describe('BinAuth reports', () => {
  it('let the handed-off device on for its time left, meter it and end it on revoke', async () => {
    const t = await f.newToken({ minutes: 30, rateDownKbps: 4096, maxDevices: 1 });
    // BinAuth sees openNDS's client token; the redirect carried its sha256, the hid.
    const token = 'deadbeef';
    const hid = openndsHid(token);
    await redeem(hid, 'aa:bb:cc:00:00:09', t.code);

    const wrongDevice = await report({ method: 'auth_client', mac: 'aa:bb:cc:00:00:01', token });
    expect(wrongDevice.body).toBe('deny other-device\n');
    const allow = await report({ method: 'auth_client', mac: 'aa:bb:cc:00:00:09', token });
    expect(allow.statusCode).toBe(200);
    expect(allow.body).toBe('allow 1800 0 4096 0 0\n');

    const start = String(Math.floor(T0 / 1000));
    const started = await report({ method: 'client_auth', mac: 'aa:bb:cc:00:00:09', token, start });
    expect(started.body).toBe(`ok ${OPENNDS_POLL_SECONDS}\n`);
    const s = (
      await f.services.store.sessions.findByAcct((await f.services.nas.get(GATEWAY)).id, hid)
    ).at(-1);
    expect(s).toMatchObject({ status: 'live', deviceMac: 'aa-bb-cc-00-00-09' });

    // The watcher's poll: no byte counts, the router's clock as `ts`.
    const poll = () =>
      report({ method: 'watch', mac: 'aa:bb:cc:00:00:09', token, start, in: '', out: '' });
    f.clock.advance(120_000);
    const polled = await poll();
    expect(polled.body).toBe(`ok ${OPENNDS_POLL_SECONDS}\n`);
    const tokenId = t.id;
    expect((await f.services.tokens.get(tokenId)).minutesUsed).toBe(2);

    await f.services.tokens.revoke(tokenId, 'test');
    await f.services.cutoff.scan();
    const told = await poll();
    expect(told.body).toBe('deauth\n');

    const end = String(Math.floor(f.clock.now() / 1000) + 30);
    f.clock.advance(30_000);
    const ended = await report({
      method: 'ndsctl_deauth',
      mac: 'aa:bb:cc:00:00:09',
      token,
      start,
      end,
      in: '5000',
      out: '700',
    });
    expect(ended.body).toBe('ok\n');
    const closed = (await f.services.sessions.history({ tokenId })).sessions[0];
    expect(closed).toMatchObject({
      status: 'closed',
      sessionSeconds: 150,
      outputOctets: 5000,
      inputOctets: 700,
      terminateCause: 'admin-reset',
      lastCoa: { kind: 'disconnect', state: 'ack' },
    });
  });

  it('deny a device that was never handed off', async () => {
    const r = await report({ method: 'auth_client', mac: 'aa:bb:cc:00:00:05', token: '0badf00d' });
    expect(r.body).toBe('deny no-hand-off\n');
  });

  it('are refused unsigned, from an unknown gateway or with a clock far off', async () => {
    const bad = await report(
      { method: 'auth_client', mac: 'aa:bb:cc:00:00:05', token: '0badf00d' },
      'x',
    );
    expect(bad.statusCode).toBe(403);
    const unknown = await f.app.inject({
      method: 'POST',
      url: '/opennds/binauth',
      remoteAddress: '10.99.0.1',
      ...form({
        gw: 'elsewhere',
        method: 'watch',
        mac: 'aa:bb:cc:00:00:05',
        token: '0badf00d',
        start: '0',
        end: '0',
        in: '',
        out: '',
        ts: '0',
        sig: 'a'.repeat(64),
      }),
    });
    expect(unknown.statusCode).toBe(404);
    const skewed = await report({
      method: 'auth_client',
      mac: 'aa:bb:cc:00:00:05',
      token: '0badf00d',
      ts: String(Math.floor(f.clock.now() / 1000) - 3600),
    });
    expect(skewed.statusCode).toBe(403);
    const malformed = await report({
      method: 'auth_client',
      mac: 'aa:bb:cc:00:00:05',
      token: 'x\nallow',
    });
    expect(malformed.statusCode).toBe(400);
    // None of it is logged with the signature or the token.
    expect(f.logs.join('\n')).not.toContain('0badf00d');
  });
});
