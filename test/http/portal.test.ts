import { createHash } from 'node:crypto';
// The guest portal over app.inject: arriving from a router, redeeming, the hand-off each router
// family expects, refusals that say what to do, the sealed context, status pages, languages
// and what a captive browser needs (no external assets, small pages).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coovaChapResponse } from '../../src/adapters/coova-adapter.js';
import { mikrotikChapPassword } from '../../src/adapters/mikrotik-adapter.js';
import { formatCode, maskCode } from '../../src/core/code.js';
import { GUESS_BUDGET } from '../../src/services/lockout-service.js';
import { normalizeMac, type MacAddress } from '../../src/core/mac.js';
import {
  decodeEntities,
  form,
  hiddenFields,
  portalFixture,
  PUBLIC_URL,
  T0,
  UAM_SECRET,
  type PortalFixture,
} from './portal-fixture.js';

let f: PortalFixture;
beforeEach(async () => {
  f = await portalFixture();
});
afterEach(async () => {
  await f.close();
});

const HOST = { host: 'portal.test' };
const CHALLENGE = '0123456789abcdef0123456789abcdef';

async function arrive(extra: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const r = await f.app.inject({ url: f.arrivalPath(extra), headers: { ...HOST, ...headers } });
  return { res: r, hidden: hiddenFields(r.body) };
}

async function redeem(hidden: Record<string, string>, fields: Record<string, string>) {
  return f.app.inject({ method: 'POST', url: '/portal/redeem', ...form({ ...hidden, ...fields }) });
}

/** reserveSlot makes a device hold one of the token's slots, as an Access-Accept does. */
async function reserveSlot(tokenId: number, mac: string) {
  const s = f.services;
  const device = normalizeMac(mac) as MacAddress;
  const identity = {
    nasId: null,
    acctSessionId: null,
    deviceMac: device,
    framedIp: null,
    calledStation: null,
    nasPortId: null,
    login: 'code' as const,
    userName: null,
    nasIpAddress: null,
    nasIdentifier: null,
    callingStationId: mac,
  };
  const admitted = await s.store.transaction(async () =>
    s.access.admit((await s.store.tokens.findById(tokenId))!, device, identity, f.clock.now()),
  );
  expect(admitted.decision.ok).toBe(true);
}

function location(r: { headers: Record<string, unknown> }): URL {
  return new URL(String(r.headers.location), PUBLIC_URL);
}

describe('arriving from a CoovaChilli router', () => {
  it('shows the code form with the router context sealed in a hidden field', async () => {
    const { res, hidden } = await arrive();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toContain('<html lang="en">');
    expect(res.body).toContain('Access code');
    expect(hidden.ctx).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(hidden.lang).toBe('en');
    const input = /<input type="text" id="code"[^>]*>/.exec(res.body)?.[0] ?? '';
    for (const attr of [
      'autocomplete="one-time-code"',
      'inputmode="text"',
      'autocapitalize="characters"',
      'spellcheck="false"',
    ])
      expect(input).toContain(attr);
    expect(res.body).toMatch(/<label for="code">/);
  });

  it('refuses a redirect whose md does not match the UAM secret', async () => {
    const tampered = f.arrivalPath().replace('mac=AA-BB-CC-DD-EE-01', 'mac=AA-BB-CC-DD-EE-02');
    const res = await f.app.inject({ url: tampered, headers: HOST });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('sign-in is not set up yet');
    expect(res.body).not.toContain('name="ctx"');
  });

  it('pre-fills the code from a printed card link /t/CODE', async () => {
    const t = await f.newToken();
    const res = await f.app.inject({ url: `/t/${t.code.toLowerCase()}`, headers: HOST });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`value="${formatCode(t.code)}"`);
  });

  it('never logs the whole code of a card link or a code in the query', async () => {
    const t = await f.newToken();
    const lower = t.code.toLowerCase();
    await f.app.inject({ url: `/t/${lower}`, headers: HOST });
    await f.app.inject({ url: `/t/${formatCode(t.code)}?lang=en`, headers: HOST });
    await f.app.inject({ url: `/portal?code=${lower}`, headers: HOST });
    // CoovaChilli names the code it logged in with as uid= when it sends the guest back.
    await f.app.inject({ url: f.arrivalPath({ res: 'failed', uid: t.code }), headers: HOST });
    // Staff search the token list and the API by code, too.
    await f.app.inject({ url: `/admin/tokens?state=unused&q=${t.code}`, headers: HOST });
    await f.app.inject({ url: `/api/v1/tokens?q=${formatCode(t.code)}`, headers: HOST });
    const logged = f.logs.join('\n');
    expect(logged).toContain(`"url":"/t/${maskCode(lower)}"`);
    expect(logged.toUpperCase()).not.toContain(t.code);
    expect(logged).not.toContain(formatCode(t.code));
  });

  it('never logs a status link or a success link, which open the token like its code', async () => {
    const t = await f.newToken();
    const ref = await f.services.portal.statusRef(t);
    const seal = await f.services.portal.seal('success', { t: t.id, u: null, l: 'en' }, 60_000);
    expect((await f.app.inject({ url: `/status/${ref}`, headers: HOST })).statusCode).toBe(200);
    const success = await f.app.inject({ url: `/portal/success?s=${seal}`, headers: HOST });
    expect(success.statusCode).toBe(200);
    const logged = f.logs.join('\n');
    expect(logged).toContain(`"url":"/status/${t.id.toString(36)}.***"`);
    expect(logged).toContain('"url":"/portal/success?s=***"');
    expect(logged).not.toContain(ref.split('.')[1]);
    expect(logged).not.toContain(seal.split('.')[1]);
  });

  it('shows what the router said after a failed login or a logoff', async () => {
    const failed = await arrive({ res: 'failed', reply: 'Code not accepted <b>' });
    expect(failed.res.body).toContain('The network did not accept the code');
    expect(failed.res.body).toContain('Message from the network: Code not accepted &lt;b&gt;');
    const logoff = await arrive({ res: 'logoff' });
    expect(logoff.res.body).toContain('You are signed out');
  });
});

describe('redeeming a code', () => {
  it('hands a CoovaChilli guest to /logon with the CHAP response, forgiving case and dashes', async () => {
    const t = await f.newToken();
    const { hidden } = await arrive();
    const typed = `${t.code.slice(0, 4).toLowerCase()}-${t.code.slice(4).toLowerCase()}`;
    const res = await redeem(hidden, { code: typed });
    expect(res.statusCode).toBe(303);
    const to = location(res);
    expect(`${to.origin}${to.pathname}`).toBe('http://10.1.0.1:3990/logon');
    expect(to.searchParams.get('username')).toBe(t.code);
    expect(to.searchParams.get('response')).toBe(coovaChapResponse(t.code, CHALLENGE, UAM_SECRET));
    // The router sends the guest on to our success page, not straight to the page they wanted.
    const userurl = new URL(to.searchParams.get('userurl') ?? '');
    expect(userurl.origin).toBe(PUBLIC_URL);
    expect(userurl.pathname).toBe('/portal/success');
  });

  it('refuses a router context that was changed on the way', async () => {
    const t = await f.newToken();
    const { hidden } = await arrive();
    const [payload, sig] = hidden.ctx!.split('.') as [string, string];
    const data = JSON.parse(Buffer.from(payload, 'base64url').toString());
    data.d.c.loginUrl = 'http://198.51.100.7:3990/logon';
    const forged = `${Buffer.from(JSON.stringify(data)).toString('base64url')}.${sig}`;
    const res = await redeem({ ...hidden, ctx: forged }, { code: t.code });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('This page has expired');
    expect(res.headers.location).toBeUndefined();
  });

  it('refuses a context sealed under another server secret', async () => {
    const other = await portalFixture();
    try {
      const foreign = hiddenFields(
        (await other.app.inject({ url: other.arrivalPath(), headers: HOST })).body,
      );
      const t = await f.newToken();
      const res = await redeem(foreign, { code: t.code });
      expect(res.statusCode).toBe(400);
    } finally {
      await other.close();
    }
  });

  it('says a wrong code is unknown, counts it per address and device, and never logs the code', async () => {
    await f.newToken();
    const { hidden } = await arrive();
    const wrong = 'ZZZZ-ZZZZ';
    const res = await redeem(hidden, { code: wrong });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('We do not know this code');
    expect(res.body).toContain(`value="${wrong}"`);
    const keys = (await f.services.lockouts.list()).map((l) => [l.key, l.failures]);
    expect(keys).toEqual(
      expect.arrayContaining([
        ['ip:127.0.0.1', 1],
        ['mac:aa-bb-cc-dd-ee-01', 1],
      ]),
    );
    const logged = f.logs.join('\n');
    expect(logged).toContain('******ZZ');
    expect(logged).not.toContain('ZZZZZZZZ');
  });

  it('locks the device out after repeated wrong codes, even for a right one', async () => {
    const t = await f.newToken();
    const { hidden } = await arrive();
    const free = f.services.lockouts.policy.freeFailures;
    let last;
    for (let i = 0; i <= free; i++) last = await redeem(hidden, { code: `ZZZZ-ZZZ${i}` });
    expect(last?.statusCode).toBe(429);
    expect(last?.body).toContain('Too many wrong codes from this device');
    const right = await redeem(hidden, { code: t.code });
    expect(right.statusCode).toBe(429);
    f.clock.advance(f.services.lockouts.policy.baseLockMs + 1);
    const later = await redeem(hidden, { code: t.code });
    expect(later.statusCode).toBe(303);
  });

  it('a guesser behind the same address does not stop other devices, and is slowed itself', async () => {
    // Every guest behind a venue's NAT shares 127.0.0.1 here; UniFi's redirect is unsigned.
    const t = await f.newToken();
    const splashFor = async (mac: string) =>
      hiddenFields(
        (
          await f.app.inject({
            url: `/portal?${new URLSearchParams({ id: mac, ap: '00:27:22:aa:bb:cc', ssid: 'G' })}`,
            headers: HOST,
          })
        ).body,
      );
    const attacker = await splashFor('11:22:33:44:55:77');
    const statuses: number[] = [];
    for (let i = 0; i < GUESS_BUDGET.free + 20; i++) {
      statuses.push(
        (await redeem(attacker, { code: `ZZZZ-Z${String(i).padStart(3, '0')}` })).statusCode,
      );
    }
    // The address's free budget, then one code per slot (the attacker's device is no longer
    // clean): the code that uses the slot is checked and answered with the wait.
    const checked = async () => (await f.services.store.lockouts.get('ip:127.0.0.1'))?.failures;
    expect(statuses.filter((c) => c === 400)).toHaveLength(GUESS_BUDGET.free);
    expect(statuses.slice(GUESS_BUDGET.free).every((c) => c === 429)).toBe(true);
    expect(await checked()).toBe(GUESS_BUDGET.free + 1);
    const slowed = await redeem(attacker, { code: 'ZZZZ-X000' });
    expect(slowed.body).toContain('Please wait a few seconds and try again.');
    const other = await redeem(await splashFor('11:22:33:44:55:88'), { code: t.code });
    expect(other.statusCode).toBe(303);
    expect(location(other).pathname).toBe('/portal/success');
    // One slot later the attacker gets one more code checked, and no more.
    f.clock.advance(GUESS_BUDGET.slotMs);
    await redeem(attacker, { code: 'ZZZZ-Y000' });
    await redeem(attacker, { code: 'ZZZZ-Y001' });
    expect(await checked()).toBe(GUESS_BUDGET.free + 2);
  });

  it('asks for a code that has the shape of one, without counting a guess', async () => {
    const { hidden } = await arrive();
    const empty = await redeem(hidden, { code: '  ' });
    expect(empty.body).toContain('Please type your access code');
    const short = await redeem(hidden, { code: 'ab!' });
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('does not look like an access code');
    expect(short.body).toContain('aria-invalid="true"');
    expect(await f.services.lockouts.list()).toEqual([]);
  });

  it('requires the terms when the venue has them, keeping what was typed', async () => {
    await f.services.settings.update({ termsText: 'Be nice. No <script>.' }, 'test');
    const t = await f.newToken();
    const { res, hidden } = await arrive();
    expect(res.body).toContain('Be nice. No &lt;script&gt;.');
    expect(res.body).toContain('name="terms"');
    const without = await redeem(hidden, { code: t.code });
    expect(without.statusCode).toBe(400);
    expect(without.body).toContain('Please accept the terms of use');
    expect(without.body).toContain(`value="${t.code}"`);
    const withTerms = await redeem(hidden, { code: t.code, terms: 'yes' });
    expect(withTerms.statusCode).toBe(303);
  });

  it('posts to a MikroTik router through a form that works without JavaScript', async () => {
    const t = await f.newToken();
    const q = new URLSearchParams({
      'link-login-only': 'http://10.5.50.1/login',
      'link-orig': 'http://example.com/',
      mac: '30:39:26:86:CC:EA',
      ip: '10.5.50.7',
      'chap-id': '\\371',
      'chap-challenge': '\\032\\045\\100abc',
    });
    const arrival = await f.app.inject({ url: `/portal?${q}`, headers: HOST });
    const res = await redeem(hiddenFields(arrival.body), { code: t.code.toLowerCase() });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<form method="post" action="http://10.5.50.1/login"');
    expect(res.body).toMatch(/<button type="submit">Continue<\/button>/);
    const fields = hiddenFields(res.body);
    expect(fields.username).toBe(t.code);
    expect(fields.password).toBe(
      mikrotikChapPassword(t.code, 'f9', Buffer.from('\x1a\x25\x40abc', 'latin1').toString('hex')),
    );
    expect(new URL(fields.dst ?? '').pathname).toBe('/portal/success');
    // The page's one inline script is exactly the one the content security policy allows.
    const script = /<script>([^<]*)<\/script>/.exec(res.body)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(arrival.headers['content-security-policy']).toBe(csp);
  });

  it('binds the MAC for a MAC-authentication router and goes to the success page', async () => {
    const t = await f.newToken();
    const q = new URLSearchParams({
      id: '11:22:33:44:55:66',
      ap: '00:27:22:aa:bb:cc',
      t: '1700000000',
      url: 'http://example.com/',
      ssid: 'Guest',
    });
    // UniFi's own /guest/s/<site>/ path serves the splash page (its hand-off is the controller).
    const arrival = await f.app.inject({ url: `/guest/s/default/?${q}`, headers: HOST });
    expect(arrival.statusCode).toBe(200);
    const splash = await f.app.inject({ url: `/portal?${q}`, headers: HOST });
    const res = await redeem(hiddenFields(splash.body), { code: t.code });
    expect(res.statusCode).toBe(303);
    expect(location(res).pathname).toBe('/portal/success');
    const devices = await f.services.sessions.devicesOfToken(t.id);
    expect(devices.map((d) => [d.mac, d.status])).toEqual([['11-22-33-44-55-66', 'bound']]);
  });

  it('counts wrong codes against the address only when the router did not sign the MAC', async () => {
    // UniFi's redirect is unsigned: anyone can put a neighbour's MAC in it.
    const q = new URLSearchParams({ id: '11:22:33:44:55:77', ap: '00:27:22:aa:bb:cc', ssid: 'G' });
    const splash = await f.app.inject({ url: `/portal?${q}`, headers: HOST });
    for (let i = 0; i < 6; i++) await redeem(hiddenFields(splash.body), { code: 'ZZZZ-ZZZZ' });
    expect(await f.services.store.lockouts.get('mac:11-22-33-44-55-77')).toBeUndefined();
    expect((await f.services.store.lockouts.get('ip:127.0.0.1'))?.failures).toBe(6);
    // CoovaChilli with a UAM secret signs its redirect: there the device counts too.
    const signed = await f.app.inject({ url: f.arrivalPath(), headers: HOST });
    await redeem(hiddenFields(signed.body), { code: 'ZZZZ-ZZZZ' });
    expect((await f.services.store.lockouts.get('mac:aa-bb-cc-dd-ee-01'))?.failures).toBe(1);
  });
});

describe("the router's login address", () => {
  const MIKROTIK = {
    'link-orig': 'http://example.com/',
    mac: '30:39:26:86:CC:EA',
    ip: '10.5.50.7',
    'chap-id': '\\371',
    'chap-challenge': '\\032\\045\\100abc',
  };
  const splash = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    f.app.inject({
      url: `/portal?${new URLSearchParams(params)}`,
      headers: { ...HOST, ...headers },
    });
  const warnings = () =>
    f.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 40);
  const STAFF_HINT =
    "This router's login address is not allowed: add it to the router's login hosts in Portico.";

  it('refuses a crafted MikroTik link to a public host: no code form, no hand-off, staff told why', async () => {
    const res = await splash({ ...MIKROTIK, 'link-login-only': 'http://evil.example/login' });
    expect(res.statusCode).toBe(400);
    expect(decodeEntities(res.body)).toContain(STAFF_HINT);
    expect(res.body).not.toContain('/portal/redeem');
    expect(res.body).not.toContain('evil.example');
    expect(hiddenFields(res.body).ctx).toBeUndefined();
    expect(warnings()).toContainEqual(
      expect.objectContaining({
        reason: 'ADAPTER_LOGIN_HOST_REFUSED',
        stage: 'arrival',
        nas: null,
        host: 'evil.example',
      }),
    );
  });

  it('says so in German too', async () => {
    await f.services.settings.update({ portalLanguages: 'en, de' }, 'test');
    const res = await splash(
      { ...MIKROTIK, 'link-login-only': 'http://203.0.113.7/login' },
      { 'accept-language': 'de' },
    );
    expect(res.statusCode).toBe(400);
    expect(decodeEntities(res.body)).toContain(
      'Die Anmeldeadresse dieses Routers ist nicht erlaubt: In Portico beim Router unter „Login hosts“ eintragen.',
    );
  });

  it('hands off to a listed login host, and refuses once staff removed it, never logging the code', async () => {
    const nas = await f.services.nas.add(
      { name: 'gate', address: '10.5.50.1', vendor: 'mikrotik', loginHosts: ['login.hotspot.lan'] },
      'test',
    );
    const refused = await splash({
      ...MIKROTIK,
      identity: 'gate',
      'link-login-only': 'http://10.5.50.1/login',
    });
    expect(refused.statusCode).toBe(400);
    expect(warnings()).toContainEqual(
      expect.objectContaining({ nas: 'gate', host: '10.5.50.1', stage: 'arrival' }),
    );

    const t = await f.newToken();
    const arrival = await splash({
      ...MIKROTIK,
      identity: 'gate',
      'link-login-only': 'http://login.hotspot.lan/login',
    });
    expect(arrival.statusCode).toBe(200);
    const handOff = await redeem(hiddenFields(arrival.body), { code: t.code });
    expect(handOff.body).toContain('<form method="post" action="http://login.hotspot.lan/login"');

    await f.services.nas.update(nas.id, { loginHosts: [] }, 'test');
    const again = await redeem(hiddenFields(arrival.body), { code: t.code });
    expect(again.statusCode).toBe(400);
    expect(decodeEntities(again.body)).toContain(STAFF_HINT);
    expect(again.body).not.toContain('login.hotspot.lan');
    expect(hiddenFields(again.body).password).toBeUndefined();
    expect(warnings()).toContainEqual(
      expect.objectContaining({ nas: 'gate', host: 'login.hotspot.lan', stage: 'hand-off' }),
    );
    const logged = f.logs.join('\n');
    expect(logged).not.toContain(t.code);
  });

  it('refuses a CoovaChilli redirect whose uamip is public', async () => {
    const res = await f.app.inject({
      url: `/portal?${new URLSearchParams({ res: 'notyet', uamip: '198.51.100.7', uamport: '3990', challenge: CHALLENGE })}`,
      headers: HOST,
    });
    expect(res.statusCode).toBe(400);
    expect(decodeEntities(res.body)).toContain(STAFF_HINT);
    expect(warnings()).toContainEqual(expect.objectContaining({ host: '198.51.100.7' }));
  });
});

describe('refusals that say what to do', () => {
  it('explains a used-up code', async () => {
    const t = await f.newToken({ minutes: 1 });
    f.db
      .prepare('UPDATE tokens SET used_ms = 60000, first_used_at = ? WHERE id = ?')
      .run(T0 - 3_600_000, t.id);
    const { hidden } = await arrive();
    const res = await redeem(hidden, { code: t.code });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('This code has used all its minutes');
    expect(res.body).toContain('Ask at the front desk for a new code.');
  });

  it('says from when a code works', async () => {
    await f.services.settings.update({ portalLanguages: 'en,de' }, 'test');
    const t = await f.newToken({ validFrom: '2026-03-10T11:00' });
    const { hidden } = await arrive();
    const res = await redeem(hidden, { code: t.code });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('This code works from today, 11:00');
    const de = await redeem({ ...hidden, lang: 'de' }, { code: t.code });
    expect(de.body).toContain('Dieser Code gilt ab heute, 11:00');
  });

  it('says until when an expired code was valid', async () => {
    const t = await f.newToken({ validUntil: '2026-03-09T18:00', allowPast: true });
    const { hidden } = await arrive();
    const res = await redeem(hidden, { code: t.code });
    expect(res.body).toContain('This code has expired');
    expect(res.body).toContain('It was valid until 9 Mar 2026, 18:00.');
  });

  it('lists the devices of a full code and lets the guest sign one out and go on', async () => {
    const t = await f.newToken({ maxDevices: 2 });
    await reserveSlot(t.id, '11-11-11-11-11-01');
    await reserveSlot(t.id, '11-11-11-11-11-02');
    const { hidden } = await arrive();
    const full = await redeem(hidden, { code: t.code });
    expect(full.statusCode).toBe(409);
    expect(full.body).toContain('This code is already on 2 devices');
    expect(full.body).toContain('Device 11:11:11:11:11:01');
    expect(full.body).toContain('Device 11:11:11:11:11:02');
    const action = /<form method="post" action="(\/status\/[^"]+\/sign-out)">/.exec(full.body)?.[1];
    expect(action).toBeDefined();
    const fields = hiddenFields(full.body);
    expect(fields.ctx).toBe(hidden.ctx);
    const out = await f.app.inject({
      method: 'POST',
      url: action!,
      ...form({ ...fields, session: '11-11-11-11-11-01' }),
    });
    expect(out.statusCode).toBe(303);
    expect(location(out).pathname).toBe('/logon');
    const left = (await f.services.sessions.devicesOfToken(t.id)).map((d) => d.mac);
    expect(left).toEqual(['11-11-11-11-11-02']);
  });
});

describe('success and status pages', () => {
  async function successPage(input: Record<string, unknown> = {}, lang = 'en') {
    const t = await f.newToken(input);
    const { hidden } = await arrive();
    const res = await redeem({ ...hidden, lang }, { code: t.code });
    const userurl = location(res).searchParams.get('userurl') ?? '';
    const page = await f.app.inject({
      url: new URL(userurl).pathname + new URL(userurl).search,
      headers: HOST,
    });
    return { t, page };
  }

  it('says the guest is online, with minutes left, validity, devices and the way on', async () => {
    const { page } = await successPage({
      minutes: 120,
      validUntil: '2026-03-10T18:00',
      maxDevices: 2,
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('You are online');
    expect(page.body).toContain('120 minutes left');
    expect(page.body).toContain('Valid until today, 18:00');
    expect(page.body).toContain('Devices online: 0 of 2');
    expect(page.body).toContain('href="http://example.com/news"');
    expect(page.body).toContain('Continue to example.com');
    expect(page.body).toMatch(/href="\/status\/[0-9a-z]+\.[\w-]{22}\?lang=en"/);
    expect(page.body).not.toContain('Only');
  });

  it('warns when little time is left: under 5 minutes or under a tenth of the minutes', async () => {
    const { page } = await successPage({ minutes: 4 });
    expect(page.body).toContain('Only 4 minutes left');
    const t = await f.newToken({ minutes: 200 });
    const ref = await f.services.portal.statusRef(t);
    const shows = async (usedMinutes: number) => {
      f.db.prepare('UPDATE tokens SET used_ms = ? WHERE id = ?').run(usedMinutes * 60_000, t.id);
      const r = await f.app.inject({ url: `/status/${ref}`, headers: HOST });
      return /Only \d+ minutes left/.exec(r.body)?.[0];
    };
    expect(await shows(180)).toBeUndefined();
    expect(await shows(181)).toBe('Only 19 minutes left');
  });

  it('words the minutes left the way the access decision sees them, in both languages', async () => {
    await f.services.settings.update({ portalLanguages: 'en, de' }, 'test');
    const one = await f.newToken({ minutes: 1 });
    const sixty = await f.newToken({ minutes: 60 });
    const two = await f.newToken({ minutes: 2 });
    const page = async (t: { id: number; code: string }, usedMs: number, lang = 'en') => {
      f.db.prepare('UPDATE tokens SET used_ms = ? WHERE id = ?').run(usedMs, t.id);
      const ref = await f.services.portal.statusRef(t);
      const r = await f.app.inject({ url: `/status/${ref}?lang=${lang}`, headers: HOST });
      const text = (id: string) =>
        new RegExp(`<p class="big" id="${id}">([^<]*)</p>`).exec(r.body)?.[1] ?? '';
      return { left: text('minutes-left'), body: decodeEntities(r.body) };
    };
    const fresh = await page(one, 0);
    expect(fresh.left).toBe('1 minute left');
    expect(fresh.body).toContain('of 1 minute<');
    expect(fresh.body).not.toContain('0 minutes');
    expect((await page(one, 0, 'de')).left).toBe('Noch 1 Minute');
    expect((await page(sixty, 1000)).left).toBe('60 minutes left');
    const near = await page(one, 45_000);
    expect(near.left).toBe('Under a minute left');
    expect(near.body).toContain('Less than a minute left. Ask at the front desk');
    expect((await page(one, 45_000, 'de')).left).toBe('Noch weniger als eine Minute');
    const spent = await page(one, 60_000);
    expect(spent.left).toBe('Used up: no minutes left');
    expect((await page(one, 60_000, 'de')).left).toBe('Aufgebraucht: keine Minuten mehr');
    // Behind a gateway a 2-minute token charged 119.8 s: RADIUS refuses it, so does everyone.
    const almost = await page(two, 119_800);
    expect(almost.left).toBe('Used up: no minutes left');
    expect(await f.services.tokens.get(two.id)).toMatchObject({
      state: 'depleted',
      minutesLeft: 0,
    });
    expect(await f.services.portal.check(two.code, null)).toMatchObject({
      ok: false,
      reason: 'depleted',
    });
  });

  it('tells the guest of a one-device code to sign it out, not "one of them"', async () => {
    const t = await f.newToken({ maxDevices: 1 });
    await reserveSlot(t.id, '11-11-11-11-11-01');
    const { hidden } = await arrive();
    const full = await redeem(hidden, { code: t.code });
    expect(full.body).toContain('This code is already on 1 device');
    expect(full.body).toContain('Sign it out to use the code on this device.');
  });

  it('shows the success page when CoovaChilli comes back with res=success', async () => {
    const t = await f.newToken();
    const { hidden } = await arrive();
    const res = await redeem(hidden, { code: t.code });
    const userurl = location(res).searchParams.get('userurl') ?? '';
    const back = await f.app.inject({
      url: f.arrivalPath({ res: 'success', uid: t.code, userurl }),
      headers: HOST,
    });
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain('You are online');
    expect(back.body).toContain('120 minutes left');
  });

  it('never links on to a URL that is not plain http(s)', async () => {
    for (const userurl of ['javascript:alert(1)', '//evil.example/', 'http://user@evil.example/']) {
      const t = await f.newToken();
      const { hidden } = await arrive({ userurl });
      const res = await redeem(hidden, { code: t.code });
      const to = location(res);
      expect(to.host).toBe('10.1.0.1:3990');
      const success = new URL(to.searchParams.get('userurl') ?? '');
      expect(success.origin).toBe(PUBLIC_URL);
      const page = await f.app.inject({ url: success.pathname + success.search, headers: HOST });
      expect(page.body).not.toContain('evil.example');
      expect(page.body).not.toContain('javascript:');
    }
  });

  it('refuses a success link that was changed', async () => {
    const res = await f.app.inject({ url: '/portal/success?s=eyJ9.abc', headers: HOST });
    expect(res.statusCode).toBe(400);
  });

  it('reaches the status page by typing the code, and only that way', async () => {
    const t = await f.newToken({ maxDevices: 2 });
    await reserveSlot(t.id, '11-11-11-11-11-01');
    const looked = await f.app.inject({
      method: 'POST',
      url: '/status',
      ...form({ code: t.code.toLowerCase(), lang: 'en' }),
    });
    expect(looked.statusCode).toBe(303);
    const ref = location(looked).pathname;
    expect(ref).toMatch(/^\/status\/[0-9a-z]+\.[\w-]{22}$/);
    const page = await f.app.inject({ url: `${ref}?lang=en`, headers: HOST });
    expect(page.body).toContain('Your access code');
    expect(page.body).toContain(`Code ending in ${t.code.slice(-4)}`);
    expect(page.body).toContain('Device 11:11:11:11:11:01');
    expect(page.body).toContain('Sign this device out');

    // Counting through ids or reusing another token's signature leads nowhere.
    const other = await f.newToken();
    const sig = ref.split('.')[1];
    const guessed = await f.app.inject({
      url: `/status/${other.id.toString(36)}.${sig}`,
      headers: HOST,
    });
    expect(guessed.statusCode).toBe(404);
    expect((await f.app.inject({ url: `/status/${t.id}`, headers: HOST })).statusCode).toBe(404);

    const signedOut = await f.app.inject({
      method: 'POST',
      url: `${ref}/sign-out`,
      ...form({ session: '11-11-11-11-11-01', lang: 'en' }),
    });
    expect(signedOut.statusCode).toBe(303);
    const after = await f.app.inject({ url: String(signedOut.headers.location), headers: HOST });
    expect(after.body).toContain('The device was signed out.');
    expect(after.body).toContain('No device is online with this code right now.');
  });

  it('counts a wrong code typed into the status lookup as a guess', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/status',
      ...form({ code: 'ZZZZ-ZZZZ' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('We do not know this code');
    expect((await f.services.lockouts.list()).map((l) => l.key)).toEqual(['ip:127.0.0.1']);
  });
});

describe('a code without a router (a QR card opened on mobile data)', () => {
  it('says how to get on instead of "You are online", keeps the code, and uses nothing', async () => {
    await f.services.settings.update({ wifiName: 'Harbour Guest' }, 'test');
    const t = await f.newToken({ minutes: 30 });
    const card = await f.app.inject({ url: `/t/${t.code}`, headers: HOST });
    const res = await redeem(hiddenFields(card.body), { code: formatCode(t.code) });
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).not.toContain('You are online');
    expect(decodeEntities(res.body)).toContain('not on the Wi-Fi network “Harbour Guest”');
    expect(res.body).toContain(`value="${formatCode(t.code)}"`);
    expect((await f.services.tokens.get(t.id)).state).toBe('unused');
    const bare = await f.app.inject({ url: '/', headers: HOST });
    const de = await redeem({ ...hiddenFields(bare.body), lang: 'de' }, { code: t.code });
    expect(decodeEntities(de.body)).toContain('nicht im WLAN „Harbour Guest“');
  });

  it('still hands a guest who came through a router over to it', async () => {
    const t = await f.newToken();
    const { hidden } = await arrive();
    const res = await redeem(hidden, { code: t.code });
    expect(res.statusCode).toBe(303);
  });
});

describe('languages shipped, enabled by default', () => {
  it('speaks German to a German phone on a fresh install', async () => {
    const { res } = await arrive({}, { 'accept-language': 'de-DE,de;q=0.9' });
    expect(res.body).toContain('<html lang="de">');
  });

  it('keeps the router signature valid when ?lang=de is added to its redirect', async () => {
    for (const path of [`${f.arrivalPath()}&lang=de`, f.arrivalPath().replace('?', '?lang=de&')]) {
      const res = await f.app.inject({ url: path, headers: HOST });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<html lang="de">');
      expect(hiddenFields(res.body).ctx).toBeDefined();
    }
  });
});

describe('languages', () => {
  beforeEach(async () => {
    await f.services.settings.update({ portalLanguages: 'en, de' }, 'test');
  });

  it('speaks German to a browser that asks for it, and offers a switch that keeps the context', async () => {
    const { res, hidden } = await arrive({}, { 'accept-language': 'de-AT,de;q=0.9,en;q=0.5' });
    expect(res.body).toContain('<html lang="de">');
    expect(res.body).toContain('Zugangscode');
    expect(hidden.lang).toBe('de');
    const link = /<a href="([^"]+)" lang="en"/.exec(res.body)?.[1];
    expect(link).toBeDefined();
    const en = await f.app.inject({
      url: decodeEntities(link!),
      headers: { ...HOST, 'accept-language': 'de' },
    });
    expect(en.body).toContain('<html lang="en">');
    expect(hiddenFields(en.body).ctx).toBe(hidden.ctx);
  });

  it('prefers the explicit choice and falls back to the venue default', async () => {
    const chosen = await f.app.inject({
      url: '/portal?lang=en',
      headers: { ...HOST, 'accept-language': 'de' },
    });
    expect(chosen.body).toContain('<html lang="en">');
    const fr = await f.app.inject({
      url: '/portal',
      headers: { ...HOST, 'accept-language': 'fr-FR,fr' },
    });
    expect(fr.body).toContain('<html lang="en">');
    await f.services.settings.update({ portalLanguages: 'de' }, 'test');
    const only = await f.app.inject({ url: '/portal?lang=en', headers: HOST });
    expect(only.body).toContain('<html lang="de">');
    expect(only.body).not.toContain('hreflang');
  });
});

describe('pages for captive browsers', () => {
  it('loads nothing from elsewhere and stays small', async () => {
    await f.services.settings.update({ portalLanguages: 'en,de', termsText: 'Be nice.' }, 'test');
    const t = await f.newToken({ maxDevices: 1, validUntil: '2026-03-10T18:00' });
    const { res: splash, hidden } = await arrive();
    const redirect = await redeem(hidden, { code: t.code, terms: 'yes' });
    const successUrl = new URL(location(redirect).searchParams.get('userurl') ?? '');
    const success = await f.app.inject({
      url: successUrl.pathname + successUrl.search,
      headers: HOST,
    });
    const statusHref = decodeEntities(/href="(\/status\/[^"]+)"/.exec(success.body)?.[1] ?? '');
    await reserveSlot(t.id, '11-11-11-11-11-01');
    const status = await f.app.inject({ url: statusHref, headers: HOST });
    const devicesFull = await redeem(hidden, { code: t.code, terms: 'yes' });
    const unknownCode = await redeem(hidden, { code: 'ZZZZ-ZZZZ', terms: 'yes' });
    const lookup = await f.app.inject({ url: '/status', headers: HOST });
    const q = new URLSearchParams({
      'link-login-only': 'http://10.5.50.1/login',
      mac: '30:39:26:86:CC:EA',
    });
    const mikrotik = await f.app.inject({ url: `/portal?${q}`, headers: HOST });
    const other = await f.newToken();
    const handoff = await redeem(hiddenFields(mikrotik.body), { code: other.code, terms: 'yes' });
    const pages = { splash, success, status, devicesFull, unknownCode, lookup, handoff };
    const weights: Record<string, number> = {};
    for (const [name, page] of Object.entries(pages)) {
      expect(page.statusCode, name).toBeLessThan(500);
      const body = page.body;
      weights[name] = Buffer.byteLength(body);
      expect(body, name).not.toMatch(
        /<link\b|<script\b[^>]*\bsrc=|<img\b[^>]*\bsrc="(?!data:)|@import|url\(/i,
      );
      expect(body, name).not.toMatch(
        /https?:\/\/(?!example\.com|10\.5\.50\.1\/login|portal\.test\/portal\/success)/,
      );
      expect(weights[name], name).toBeLessThan(8 * 1024);
    }
    expect(devicesFull.statusCode).toBe(409);
    expect(unknownCode.statusCode).toBe(400);
    expect(handoff.body).toContain('action="http://10.5.50.1/login"');
    console.log(`page weights (bytes): ${JSON.stringify(weights)}`);
  });

  it('sets no cookie and forbids caching on any guest page', async () => {
    const { res } = await arrive();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(T0).toBeGreaterThan(0);
  });
});
