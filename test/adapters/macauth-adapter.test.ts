import { describe, expect, it } from 'vitest';
import { macAuthAdapter } from '../../src/adapters/macauth-adapter.js';
import type { AdapterOptions, ClientContext } from '../../src/adapters/router-adapter.js';

const opts: AdapterOptions = { defaultLandingUrl: 'https://portico.example/welcome' };
const credentials = { username: '7KQ4M2XD', password: '7KQ4M2XD' };

function q(query: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(query));
}

function parseOk(params: Record<string, string>): ClientContext {
  const result = macAuthAdapter.parse({ params }, opts);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}`);
  return result.context;
}

// The redirects each vendor documents (UniFi external portal, Meraki EXCAP sign-on and
// click-through, Aruba Instant ECP, a pfSense portal page forwarding its $VARIABLES$).
const UNIFI = q(
  'ap=f0:9f:c2:aa:bb:cc&id=a4:83:e7:11:22:33&t=1700000000' +
    '&url=http://www.msftconnecttest.com%2Fredirect&ssid=Cafe%20Guest',
);
const MERAKI_SIGN_ON = q(
  'login_url=https%3A%2F%2Fn143.network-auth.com%2Fsplash%2Flogin%3Fmauth%3DMMabc' +
    '&continue_url=http%3A%2F%2Fexample.com%2F&ap_mac=00:18:0a:12:34:56&ap_name=Lobby' +
    '&ap_tags=&client_mac=a4:83:e7:11:22:33&client_ip=10.0.5.23',
);
const MERAKI_CLICK = q(
  'base_grant_url=https%3A%2F%2Fn143.network-auth.com%2Fsplash%2Fgrant' +
    '&user_continue_url=http%3A%2F%2Fexample.com%2Fnews&node_id=149624921787028' +
    '&node_mac=88:15:44:aa:bb:cc&gateway_id=149624921787028&client_ip=10.110.154.195' +
    '&client_mac=60:e4:44:11:22:33',
);
const ARUBA = q(
  'cmd=login&mac=a4:83:e7:11:22:33&essid=Guest&ip=192.168.10.23&apname=AP-Lobby' +
    '&apmac=70:3a:0e:aa:bb:cc&vcname=instant-C4:42&switchip=securelogin.arubanetworks.com' +
    '&url=http%3A%2F%2Fexample.com%2F',
);
const PFSENSE = q(
  'mac=A4-83-E7-11-22-33&ip=192.168.1.50&zone=guests&redirurl=http%3A%2F%2Fexample.com%2F',
);

describe('macauth parse', () => {
  it('reads UniFi', () => {
    expect(parseOk(UNIFI)).toEqual({
      adapter: 'macauth',
      mac: 'a4-83-e7-11-22-33',
      apMac: 'f0-9f-c2-aa-bb-cc',
      ssid: 'Cafe Guest',
      originalUrl: 'http://www.msftconnecttest.com/redirect',
    });
  });

  it('reads Meraki sign-on', () => {
    expect(parseOk(MERAKI_SIGN_ON)).toEqual({
      adapter: 'macauth',
      mac: 'a4-83-e7-11-22-33',
      ip: '10.0.5.23',
      apMac: '00-18-0a-12-34-56',
      loginUrl: 'https://n143.network-auth.com/splash/login?mauth=MMabc',
      originalUrl: 'http://example.com/',
    });
  });

  it('reads Meraki click-through', () => {
    expect(parseOk(MERAKI_CLICK)).toEqual({
      adapter: 'macauth',
      mac: '60-e4-44-11-22-33',
      ip: '10.110.154.195',
      apMac: '88-15-44-aa-bb-cc',
      grantUrl: 'https://n143.network-auth.com/splash/grant',
      originalUrl: 'http://example.com/news',
    });
  });

  it('reads Aruba', () => {
    expect(parseOk(ARUBA)).toEqual({
      adapter: 'macauth',
      mac: 'a4-83-e7-11-22-33',
      ip: '192.168.10.23',
      apMac: '70-3a-0e-aa-bb-cc',
      ssid: 'Guest',
      originalUrl: 'http://example.com/',
    });
  });

  it('reads pfSense', () => {
    expect(parseOk(PFSENSE)).toEqual({
      adapter: 'macauth',
      mac: 'a4-83-e7-11-22-33',
      ip: '192.168.1.50',
      originalUrl: 'http://example.com/',
    });
  });

  it.each(['a4:83:e7:11:22:33', 'A4-83-E7-11-22-33', 'a483e7112233', 'A483.E711.2233'])(
    'accepts the MAC spelling %s',
    (mac) => {
      expect(parseOk({ id: mac, ap: 'f0:9f:c2:aa:bb:cc' }).mac).toBe('a4-83-e7-11-22-33');
    },
  );

  it('needs a client MAC unless Meraki sign-on posts the code itself', () => {
    expect(macAuthAdapter.parse({ params: { ...UNIFI, id: 'not-a-mac' } }, opts)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_MISSING_PARAM' },
    });
    const { client_mac: _m, ...noMac } = MERAKI_SIGN_ON;
    expect(macAuthAdapter.parse({ params: noMac }, opts).ok).toBe(true);
  });

  const badMeraki: [string, string][] = [
    ['login_url', 'https://evil.com/splash/login'],
    ['login_url', 'http://n143.network-auth.com/splash/login'],
    ['login_url', 'https://n143.network-auth.com.evil.com/splash/login'],
    ['base_grant_url', 'https://evilnetwork-auth.com/splash/grant'],
    ['base_grant_url', 'javascript:alert(1)'],
  ];
  it.each(badMeraki)('refuses a Meraki %s of %j', (key, value) => {
    expect(macAuthAdapter.parse({ params: { ...MERAKI_CLICK, [key]: value } }, opts)).toMatchObject(
      {
        ok: false,
        error: { code: 'ADAPTER_BAD_LOGIN_URL' },
      },
    );
  });

  it('drops unsafe original URLs', () => {
    expect(parseOk({ ...UNIFI, url: '//evil.com/' }).originalUrl).toBeUndefined();
    expect(parseOk({ ...PFSENSE, redirurl: 'javascript:alert(1)' }).originalUrl).toBeUndefined();
  });
});

describe('macauth hand-off', () => {
  it('binds the MAC, then sends the guest to the original URL', () => {
    expect(macAuthAdapter.handOff(parseOk(UNIFI), credentials, opts)).toEqual({
      ok: true,
      handOff: {
        kind: 'bind-mac',
        mac: 'a4-83-e7-11-22-33',
        nextUrl: 'http://www.msftconnecttest.com/redirect',
      },
    });
  });

  it('binds the MAC, then sends the guest to the landing page when there is no original URL', () => {
    const { redirurl: _r, ...rest } = PFSENSE;
    expect(macAuthAdapter.handOff(parseOk(rest), credentials, opts)).toMatchObject({
      ok: true,
      handOff: { kind: 'bind-mac', nextUrl: opts.defaultLandingUrl },
    });
  });

  it('binds the MAC, then grants Meraki click-through with continue_url', () => {
    const result = macAuthAdapter.handOff(parseOk(MERAKI_CLICK), credentials, opts);
    expect(result).toEqual({
      ok: true,
      handOff: {
        kind: 'bind-mac',
        mac: '60-e4-44-11-22-33',
        nextUrl:
          'https://n143.network-auth.com/splash/grant?continue_url=http%3A%2F%2Fexample.com%2Fnews',
      },
    });
  });

  it('posts the code to Meraki sign-on login_url with success_url', () => {
    expect(macAuthAdapter.handOff(parseOk(MERAKI_SIGN_ON), credentials, opts)).toEqual({
      ok: true,
      handOff: {
        kind: 'form-post',
        url: 'https://n143.network-auth.com/splash/login?mauth=MMabc',
        fields: { username: '7KQ4M2XD', password: '7KQ4M2XD', success_url: 'http://example.com/' },
      },
    });
  });

  it('re-checks tampered contexts', () => {
    const click = parseOk(MERAKI_CLICK);
    expect(
      macAuthAdapter.handOff({ ...click, grantUrl: 'https://evil.com/grant' }, credentials, opts),
    ).toMatchObject({ ok: false, error: { code: 'ADAPTER_BAD_LOGIN_URL' } });
    expect(
      macAuthAdapter.handOff({ ...click, loginUrl: 'https://evil.com/login' }, credentials, opts),
    ).toMatchObject({ ok: false, error: { code: 'ADAPTER_BAD_LOGIN_URL' } });
    const { mac: _m, ...noMac } = parseOk(UNIFI);
    expect(macAuthAdapter.handOff(noMac, credentials, opts)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_MISSING_PARAM' },
    });
    expect(
      macAuthAdapter.handOff({ ...parseOk(UNIFI), originalUrl: 'javascript:x' }, credentials, opts),
    ).toMatchObject({ ok: true, handOff: { nextUrl: opts.defaultLandingUrl } });
  });
});
