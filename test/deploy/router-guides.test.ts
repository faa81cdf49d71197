// The router guides in deploy/routers/, checked two ways: each snippet has the settings it
// must have, and the redirect that configuration produces (built the way the vendor's source
// or manual builds it, from the values in the guide itself) gets a guest through Portico's
// splash page and handed back to the router the way the router expects (app.inject).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coovaChapResponse } from '../../src/adapters/coova-adapter.js';
import { mikrotikChapPassword } from '../../src/adapters/mikrotik-adapter.js';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import type { NasInput } from '../../src/services/nas-service.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { decodeEntities, form, hiddenFields } from '../http/portal-fixture.js';
import { startFakeController } from '../support/unifi-controller.js';
import { chilliUrlencode } from '../support/chilli-urlencode.js';

const PUBLIC_URL = 'https://wifi.example.org';
const HOST = { host: 'wifi.example.org' };
const guide = (name: string) =>
  readFileSync(new URL(`../../deploy/routers/${name}`, import.meta.url), 'utf8');

let db: Db;
let services: Services;
let app: FastifyInstance;

beforeEach(async () => {
  db = openDatabase(':memory:');
  const config = loadConfig({
    PORTICO_DB: ':memory:',
    PORTICO_PUBLIC_URL: PUBLIC_URL,
    PORTICO_SECRET_KEY: 's'.repeat(32),
  });
  services = createServices({ db, clock: fixedClock(Date.UTC(2026, 11, 4, 9)), config });
  app = await buildApp(services, { logger: pino({ level: 'silent' }) });
});
afterEach(async () => {
  await app.close();
  db.close();
});

async function addNas(input: NasInput) {
  await services.nas.add({ secret: 'radius-secret-1', ...input }, 'test');
}

async function newCode(): Promise<string> {
  const t = (await services.tokens.create({ minutes: 60 }, 'test')).tokens[0];
  if (!t) throw new Error('no token');
  return t.code;
}

const md5hex = (...parts: (string | Buffer)[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** arriveAndRedeem opens the splash page at `path`, types `code` and returns the answer. */
async function arriveAndRedeem(path: string, code: string) {
  const arrival = await app.inject({ url: path, headers: HOST });
  expect(arrival.statusCode, arrival.body).toBe(200);
  const hidden = hiddenFields(arrival.body);
  expect(hidden.ctx).toBeDefined();
  return app.inject({ method: 'POST', url: '/portal/redeem', ...form({ ...hidden, code }) });
}

/** postedForm returns the action and fields of the auto-submitting hand-off form. */
function postedForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)" id="handoff">/.exec(html)?.[1];
  if (!action) throw new Error('no hand-off form');
  return { action: decodeEntities(action), fields: hiddenFields(html) };
}

// Values of `KEY=value` lines (shell) or `option key 'value'` lines (UCI) in a guide.
const shellValue = (text: string, key: string) =>
  new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1]?.trim();
const uciValue = (text: string, key: string) =>
  new RegExp(`^\\s*option ${key} '([^']*)'`, 'm').exec(text)?.[1];

describe('every guide', () => {
  it.each(['coova-chilli.conf', 'uspot.uci', 'mikrotik.rsc', 'pfsense.md', 'unifi.md'])(
    '%s cites its sources and says what to do about Message-Authenticator',
    (name) => {
      const text = guide(name);
      expect(text).toMatch(/Follows /);
      expect(text).toContain('Message-Authenticator');
      expect(text).toContain('portico nas add');
    },
  );
});

describe('CoovaChilli (coova-chilli.conf)', () => {
  const text = guide('coova-chilli.conf');
  const nasId = shellValue(text, 'HS_NASID') ?? '';
  const uamSecret = shellValue(text, 'HS_UAMSECRET') ?? '';
  const uamServer = shellValue(text, 'HS_UAMFORMAT') ?? '';
  const CHALLENGE = '2f1d3c0e6a7b48599aa0b1c2d3e4f506';

  // redir.c bstring_buildurl + redir_md_param, for a guest 10.1.0.23 behind uamlisten 10.1.0.1.
  const redirect = (base: string) => {
    const url =
      `${base}?res=notyet&uamip=10.1.0.1&uamport=3990&challenge=${CHALLENGE}` +
      `&called=${chilliUrlencode('00-0D-B9-11-22-33')}&mac=${chilliUrlencode('02-11-22-33-44-55')}` +
      `&ip=10.1.0.23&nasid=${chilliUrlencode(nasId)}&sessionid=${chilliUrlencode('6614a6b300000001')}` +
      `&userurl=${chilliUrlencode('http://example.com/news')}`;
    return `${url}&md=${md5hex(url, uamSecret).toUpperCase()}`;
  };

  it('has the settings a working hotspot needs, in both spellings', () => {
    expect(nasId).not.toBe('');
    expect(uamSecret).not.toBe('');
    expect(shellValue(text, 'HS_UAMHOMEPAGE')).toBe('none');
    expect(shellValue(text, 'HS_COAPORT')).toBe('3799');
    expect(text).toMatch(/--uam-secret UAMSECRET/);
    for (const option of [
      'radiusserver1',
      'radiussecret',
      'radiusnasid',
      'uamserver',
      'uamsecret',
      'coaport',
    ])
      expect(text).toMatch(new RegExp(`^#\\s*option ${option} '`, 'm'));
    expect(text).not.toMatch(/option uamhomepage/);
  });

  async function handsOffWithChap(path: string) {
    await addNas({ name: nasId, address: '198.51.100.10', vendor: 'coova-chilli', uamSecret });
    const code = await newCode();
    const res = await arriveAndRedeem(path, code);
    expect(res.statusCode, res.body).toBe(303);
    const to = new URL(String(res.headers.location));
    expect(`${to.origin}${to.pathname}`).toBe('http://10.1.0.1:3990/logon');
    expect(to.searchParams.get('username')).toBe(code);
    expect(to.searchParams.get('response')).toBe(coovaChapResponse(code, CHALLENGE, uamSecret));
  }

  it('takes the guest from the uamserver redirect to /logon with the CHAP response', async () => {
    expect(uamServer.startsWith(`${PUBLIC_URL}/`)).toBe(true);
    await handsOffWithChap(redirect(uamServer).slice(PUBLIC_URL.length));
  });

  it('also takes the guest from a uamhomepage redirect (?loginurl=...)', async () => {
    const homepage = `${PUBLIC_URL}/`;
    const outer = `${homepage}?loginurl=${chilliUrlencode(redirect(uamServer))}`;
    await handsOffWithChap(outer.slice(PUBLIC_URL.length));
  });
});

describe('uspot (uspot.uci)', () => {
  const text = guide('uspot.uci');
  const o = (key: string) => uciValue(text, key) ?? '';

  it('has the options, firewall, DAS rule, whitelist and uhttpd instances uspot needs', () => {
    for (const key of ['challenge', 'nasid', 'uam_secret', 'uam_server', 'das_port'])
      expect(o(key), key).not.toBe('');
    expect(o('auth_mode')).toBe('uam');
    expect(o('final_redirect_url')).toBe('uam');
    expect(text).toMatch(/config zone\s+option name 'captive'/);
    expect(text).toMatch(/config ipset\s+option name 'uspot'\s+list match 'src_mac'/);
    const dae = /option name 'Allow-captive-DAE'([\s\S]*?)\n\n/.exec(text)?.[1] ?? '';
    expect(dae).toContain(`option src_ip '${o('auth_server')}'`);
    expect(dae).toContain(`option dest_port '${o('das_port')}'`);
    expect(text).toMatch(/config ipset\s+option name 'wlist'\s+list match 'dest_ip'/);
    expect(text).toContain(`list entry '${o('auth_server')}'`);
    expect(text).toMatch(/config uhttpd 'uam3990'[\s\S]*listen_http '10\.0\.0\.1:3990'/);
    expect(text).toContain("ucode_prefix '/logon=/usr/share/uspot/handler-uam.uc'");
    expect(text).toMatch(/--vendor openwrt --uam-secret UAMSECRET --no-message-authenticator/);
  });

  it('gets the guest from the uspot redirect to /logon and back to the success page', async () => {
    const nasId = o('nasid');
    const secret = o('uam_secret');
    await addNas({
      name: nasId,
      address: '198.51.100.20',
      vendor: 'openwrt',
      uamSecret: secret,
      requireMessageAuthenticator: false,
    });
    const code = await newCode();
    // portal.uc uam_url(): challenge = uam.md5(challenge, format_mac) and md = uam.md5(url,
    // uam_secret), both MD5(a ‖ b) in upper-case hex (uam.c); mac in `mac_format`.
    const mac = '02-11-22-33-44-55';
    expect(o('mac_format')).toBe('aa-bb-cc-dd-ee-ff');
    const challenge = md5hex(o('challenge'), mac).toUpperCase();
    const signed = (res: string, userurl: string) => {
      const url =
        `${o('uam_server')}?res=${res}&uamip=10.0.0.1&uamport=${o('uam_port')}` +
        `&challenge=${challenge}&mac=${mac}&ip=10.0.0.23&called=${o('nasmac')}` +
        `&nasid=${nasId}&sessionid=0123456789abcdef&userurl=${encodeURIComponent(userurl)}`;
      return `${url}&md=${md5hex(url, secret).toUpperCase()}`;
    };
    const res = await arriveAndRedeem(
      signed('notyet', 'http://example.com/').slice(PUBLIC_URL.length),
      code,
    );
    expect(res.statusCode, res.body).toBe(303);
    const to = new URL(String(res.headers.location));
    expect(`${to.origin}${to.pathname}`).toBe(`http://10.0.0.1:${o('uam_port')}/logon`);
    // handler-uam.uc: CHAP-Challenge = MD5(bin(challenge) ‖ uam_secret), response as given.
    expect(to.searchParams.get('response')).toBe(coovaChapResponse(code, challenge, secret));
    // With final_redirect_url 'uam', uspot returns `redir` as the success redirect's userurl.
    const redir = to.searchParams.get('redir') ?? '';
    expect(new URL(redir).pathname).toBe('/portal/success');
    const back = await app.inject({
      url: signed('success', redir).slice(PUBLIC_URL.length),
      headers: HOST,
    });
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain('You are online');
  });
});

describe('MikroTik (mikrotik.rsc)', () => {
  const text = guide('mikrotik.rsc');
  const identity = /^\/system identity set name=(\S+)/m.exec(text)?.[1] ?? '';

  it('sets the identity, a hotspot on its own profile, walled garden and the -esc page', () => {
    expect(identity).not.toBe('');
    const profile = /^add name=(\S+) .*use-radius=yes/m.exec(text)?.[1];
    expect(profile).toBeDefined();
    expect(text).toMatch(new RegExp(`^add name=\\S+ interface=\\S+ .*profile=${profile}`, 'm'));
    expect(text).toContain('html-directory=flash/hotspot');
    expect(text).toContain('/system/device-mode/update hotspot=yes');
    expect(text).toMatch(/\/radius incoming\s+set accept=yes port=3799/);
    expect(text).toMatch(/\/ip hotspot walled-garden\s+add dst-host=wifi\.example\.org/);
    for (const v of [
      'link-login-only',
      'link-orig',
      'mac',
      'chap-id',
      'chap-challenge',
      'identity',
      'server-name',
      'error',
    ])
      expect(text).toContain(`=$(${v}-esc)`);
  });

  it('gets the guest from login.html to a CHAP POST at link-login-only', async () => {
    await addNas({ name: identity, address: '198.51.100.30', vendor: 'mikrotik' });
    const code = await newCode();
    const page = /url=(https:\/\/wifi\.example\.org\/\?[^"]+)"/.exec(text)?.[1] ?? '';
    // RouterOS fills $(name-esc) with the URL-encoded value and $(name) with the plain one.
    const values: Record<string, string> = {
      'link-login-only': 'http://10.5.50.1/login',
      'link-orig': 'http://example.com/a?b=c',
      mac: '30:39:26:86:CC:EA',
      ip: '10.5.50.23',
      'chap-id': '\\371',
      'chap-challenge':
        '\\357\\015\\330\\013\\021\\234\\145\\245\\303\\253\\142\\246\\133\\175\\375\\316',
      identity,
      'server-name': 'hotspot1',
      error: '',
    };
    const url = page.replace(/\$\(([a-z-]+?)(-esc)?\)/g, (_m, name: string, esc?: string) => {
      const v = values[name] ?? '';
      return esc ? encodeURIComponent(v) : v;
    });
    const res = await arriveAndRedeem(url.slice(PUBLIC_URL.length), code);
    expect(res.statusCode, res.body).toBe(200);
    const posted = postedForm(res.body);
    expect(posted.action).toBe('http://10.5.50.1/login');
    const octets = (s: string) =>
      Buffer.from(
        s
          .split('\\')
          .slice(1)
          .map((o) => parseInt(o, 8)),
      ).toString('hex');
    expect(posted.fields.password).toBe(
      mikrotikChapPassword(
        code,
        octets(values['chap-id'] ?? ''),
        octets(values['chap-challenge'] ?? ''),
      ),
    );
    expect(posted.fields.username).toBe(code);
  });
});

describe('pfSense (pfsense.md)', () => {
  const text = guide('pfsense.md');
  const page = /```html\n([\s\S]*?)```/.exec(text)?.[1] ?? '';

  it('names the current settings and the page forwards pfSense’s variables in hidden fields', () => {
    for (const label of [
      'Authentication Server',
      'Disable Message Authenticator',
      'Send RADIUS accounting packets',
      'Send accounting updates',
      'Reauthenticate connected users every minute',
      'Use RADIUS Session-Timeout attributes',
      'Use RADIUS pfSense-Max-Total-Octets attribute',
      'Use RADIUS pfSense-Bandwidth-Max-Up and',
    ])
      expect(text).toContain(label);
    for (const v of ['PORTAL_ACTION', 'PORTAL_ZONE', 'PORTAL_REDIRURL', 'CLIENT_MAC', 'CLIENT_IP'])
      expect(page).toMatch(new RegExp(`type="hidden" name="[a-z_]+" value="\\$${v}\\$"`));
  });

  it('gets the guest from the portal page to pfSense’s accept POST', async () => {
    const nasId = /name="nasid" value="([^"]+)"/.exec(page)?.[1] ?? '';
    await addNas({ name: nasId, address: '198.51.100.40', vendor: 'pfsense' });
    const code = await newCode();
    // captiveportal.inc portal_reply_page: $PORTAL_ACTION$ as is, the rest htmlspecialchars'd.
    const html = (s: string) =>
      s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const served = page
      .replace('$PORTAL_ACTION$', 'http://192.168.1.1:8002/index.php?zone=guests')
      .replace('$PORTAL_ZONE$', html('guests'))
      .replace('$PORTAL_REDIRURL$', html('http://example.com/news?a=1&b="2"'))
      .replace('$CLIENT_MAC$', html('a4:83:e7:11:22:33'))
      .replace('$CLIENT_IP$', html('192.168.1.50'));
    // The browser submits the GET form: entity-decoded values, URL-encoded.
    const action = /<form method="get" action="([^"]+)"/.exec(served)?.[1] ?? '';
    const query = new URLSearchParams();
    for (const m of served.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g))
      query.append(m[1] as string, decodeEntities(m[2] as string));
    expect(action).toBe(`${PUBLIC_URL}/`);
    const res = await arriveAndRedeem(`/?${query}`, code);
    expect(res.statusCode, res.body).toBe(200);
    const posted = postedForm(res.body);
    expect(posted.action).toBe('http://192.168.1.1:8002/index.php?zone=guests');
    expect(posted.fields).toMatchObject({
      auth_user: code,
      auth_pass: code,
      zone: 'guests',
      accept: 'Continue',
    });
    expect(new URL(posted.fields.redirurl ?? '').pathname).toBe('/portal/success');
  });
});

describe('UniFi (unifi.md)', () => {
  const text = guide('unifi.md');
  const flag = (name: string) => new RegExp(`--${name} (\\S+)`).exec(text)?.[1] ?? '';

  it('configures the external portal and the controller account, and says where RADIUS comes from', () => {
    expect(text).toContain('External Portal Server');
    expect(text).toContain('/guest/s/<site>/');
    for (const f of [
      'controller-url',
      'controller-site',
      'controller-user',
      'controller-password-file',
    ])
      expect(flag(f), f).not.toBe('');
    expect(text).toContain('PORTICO_SECRET_KEY');
    expect(text).toMatch(/come from \*\*each access point\*\*/);
  });

  it('gets the guest from the controller redirect to authorize-guest on the controller', async () => {
    const site = flag('controller-site');
    const controller = await startFakeController({
      username: flag('controller-user'),
      password: 'pw-from-file',
      site,
    });
    try {
      await addNas({
        name: 'office-unifi',
        address: '192.0.2.50',
        vendor: 'unifi',
        controllerUrl: controller.url,
        controllerSite: site,
        controllerUsername: flag('controller-user'),
        controllerPassword: 'pw-from-file',
      });
      const code = await newCode();
      const q = new URLSearchParams({
        ap: 'f0:9f:c2:aa:bb:cc',
        id: 'a4:83:e7:11:22:33',
        t: '1764838800',
        url: 'http://example.com/',
        ssid: 'Guest',
      });
      const res = await arriveAndRedeem(`/guest/s/${site}/?${q}`, code);
      expect(res.statusCode, res.body).toBe(303);
      expect(controller.calls.map((c) => c.body)).toEqual([
        {
          cmd: 'authorize-guest',
          mac: 'a4:83:e7:11:22:33',
          minutes: 60,
          ap_mac: 'f0:9f:c2:aa:bb:cc',
        },
      ]);
    } finally {
      await controller.close();
    }
  });
});
