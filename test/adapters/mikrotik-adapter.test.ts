import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeMikrotikOctal,
  mikrotikAdapter,
  mikrotikChapPassword,
} from '../../src/adapters/mikrotik-adapter.js';
import type { AdapterOptions, ClientContext } from '../../src/adapters/router-adapter.js';

const CHAP_ID = '\\375';
const CHAP_CHALLENGE =
  '\\371\\032\\254\\017\\200\\041\\101\\377\\000\\143\\052\\266\\324\\011\\333\\156';

// What RouterOS's login.html forwards to an external page (form fields, already decoded).
const PARAMS: Record<string, string> = {
  mac: '30:39:26:86:CC:EA',
  ip: '10.5.50.23',
  username: '',
  'link-login': 'http://10.5.50.1/login?dst=http%3A%2F%2Fexample.com%2F',
  'link-orig': 'http://example.com/',
  error: '',
  'chap-id': CHAP_ID,
  'chap-challenge': CHAP_CHALLENGE,
  'link-login-only': 'http://10.5.50.1/login',
  'link-orig-esc': 'http%3A%2F%2Fexample.com%2F',
  'mac-esc': '30%3A39%3A26%3A86%3ACC%3AEA',
  identity: 'MikroTik',
  'server-name': 'hotspot1',
};

const opts: AdapterOptions = { defaultLandingUrl: 'https://portico.example/welcome' };

function parseOk(params: Record<string, string>, o: AdapterOptions = opts): ClientContext {
  const result = mikrotikAdapter.parse({ params }, o);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}`);
  return result.context;
}

describe('decodeMikrotikOctal', () => {
  const table: [string, string | undefined][] = [
    ['\\375', 'fd'],
    ['\\000\\001\\377', '0001ff'],
    ['\\0', '00'],
    ['\\101B', '4142'],
    // JavaScript reads at most the octal digits that stay below 0o400.
    ['\\400', '2030'],
    ['\\\\', '5c'],
    ['\\"', '22'],
    ['abc', '616263'],
    ['', ''],
    ['\\', undefined],
    ['\u0100', undefined],
  ];
  it.each(table)('%j -> %s', (escaped, hex) => {
    expect(decodeMikrotikOctal(escaped)?.toString('hex')).toBe(hex);
  });
});

describe('mikrotik CHAP', () => {
  // Known answer, computed with the shell's own octal escapes, outside Node:
  //   printf '\375''7KQ4M2XD''\371\032\254\017\200\041\101\377\000\143\052\266\324\011\333\156' | md5sum
  //   = d7ecedf896926a5f28f655114b400ad2
  // chap-id \375 is 0xfd; the challenge bytes are f91aac0f802141ff00632ab6d409db6e.
  it('matches the known-answer vector', () => {
    expect(mikrotikChapPassword('7KQ4M2XD', 'fd', 'f91aac0f802141ff00632ab6d409db6e')).toBe(
      'd7ecedf896926a5f28f655114b400ad2',
    );
  });

  it('matches hexMD5(chap-id + password + chap-challenge) recomputed here', () => {
    for (let i = 0; i < 20; i++) {
      const id = Buffer.from([i * 13]);
      const challenge = createHash('md5').update(`c${i}`).digest();
      const expected = createHash('md5')
        .update(Buffer.concat([id, Buffer.from(`PW${i}`), challenge]))
        .digest('hex');
      expect(mikrotikChapPassword(`PW${i}`, id.toString('hex'), challenge.toString('hex'))).toBe(
        expected,
      );
    }
  });
});

describe('mikrotik parse', () => {
  it('turns the login.html fields into a context with decoded CHAP values', () => {
    expect(parseOk(PARAMS)).toEqual({
      adapter: 'mikrotik',
      mac: '30-39-26-86-cc-ea',
      ip: '10.5.50.23',
      nasId: 'MikroTik',
      calledStation: 'hotspot1',
      loginUrl: 'http://10.5.50.1/login',
      chapId: 'fd',
      challenge: 'f91aac0f802141ff00632ab6d409db6e',
      originalUrl: 'http://example.com/',
      routerResult: 'notyet',
    });
  });

  it('accepts the -esc forms alone, URL-encoded once more by a form post', () => {
    const ctx = parseOk({
      'link-login-only-esc': 'http%3A%2F%2F10.5.50.1%2Flogin',
      'link-orig-esc': 'http%3A%2F%2Fexample.com%2Fpage%3Fa%3D1',
      'mac-esc': '30%3A39%3A26%3A86%3ACC%3AEA',
      'chap-id': CHAP_ID,
      'chap-challenge': CHAP_CHALLENGE,
    });
    expect(ctx).toMatchObject({
      loginUrl: 'http://10.5.50.1/login',
      originalUrl: 'http://example.com/page?a=1',
      mac: '30-39-26-86-cc-ea',
    });
  });

  it('falls back to link-login and keeps its dst query', () => {
    const { 'link-login-only': _drop, ...rest } = PARAMS;
    expect(parseOk(rest).loginUrl).toBe('http://10.5.50.1/login?dst=http%3A%2F%2Fexample.com%2F');
  });

  it('reports the router error as a failed result with its text', () => {
    const ctx = parseOk({ ...PARAMS, error: 'invalid username or password' });
    expect(ctx).toMatchObject({
      routerResult: 'failed',
      routerMessage: 'invalid username or password',
    });
  });

  it('works in HTTP-PAP mode, where the router sends no CHAP values', () => {
    const { 'chap-id': _i, 'chap-challenge': _c, ...pap } = PARAMS;
    const ctx = parseOk(pap);
    expect(ctx.chapId).toBeUndefined();
    expect(ctx.challenge).toBeUndefined();
  });

  const refused: [string, Record<string, string>, string][] = [
    ['no login link', { 'link-login-only': '', 'link-login': '' }, 'ADAPTER_MISSING_PARAM'],
    [
      'javascript login link',
      { 'link-login-only': 'javascript:alert(1)' },
      'ADAPTER_BAD_LOGIN_URL',
    ],
    ['protocol-relative login', { 'link-login-only': '//evil.com/login' }, 'ADAPTER_BAD_LOGIN_URL'],
    [
      'credentials in login',
      { 'link-login-only': 'http://a:b@10.5.50.1/login' },
      'ADAPTER_BAD_LOGIN_URL',
    ],
    ['chap-id of two bytes', { 'chap-id': '\\375\\001' }, 'ADAPTER_BAD_PARAM'],
    ['chap-id without challenge', { 'chap-challenge': '' }, 'ADAPTER_BAD_PARAM'],
    ['undecodable challenge', { 'chap-challenge': '\\371\u0100' }, 'ADAPTER_BAD_PARAM'],
  ];
  it.each(refused)('refuses %s', (_name, change, code) => {
    expect(mikrotikAdapter.parse({ params: { ...PARAMS, ...change } }, opts)).toMatchObject({
      ok: false,
      error: { code },
    });
  });

  it('drops an unsafe link-orig', () => {
    expect(parseOk({ ...PARAMS, 'link-orig': 'javascript:alert(1)' }).originalUrl).toBeUndefined();
  });

  it('holds link-login-only to the NAS allow-list', () => {
    const allow = { ...opts, allowedRedirectHosts: ['10.5.50.1', 'login.hotspot.lan'] };
    expect(parseOk(PARAMS, allow).loginUrl).toBe('http://10.5.50.1/login');
    expect(
      parseOk({ ...PARAMS, 'link-login-only': 'http://login.hotspot.lan/login' }, allow).loginUrl,
    ).toBe('http://login.hotspot.lan/login');
    expect(
      mikrotikAdapter.parse(
        { params: { ...PARAMS, 'link-login-only': 'http://evil.com/login' } },
        allow,
      ),
    ).toMatchObject({ ok: false, error: { code: 'ADAPTER_LOGIN_HOST_REFUSED', host: 'evil.com' } });
  });

  // Without login hosts the code may only go to the router's own (router-local) address.
  const withoutList: [string, string, string | undefined][] = [
    ['a private IP', 'http://192.168.88.1/login', 'http://192.168.88.1/login'],
    ['a CGNAT IP over https', 'https://100.64.1.1/login', 'https://100.64.1.1/login'],
    ['a private IP written in hex', 'http://0xc0a85801/login', 'http://192.168.88.1/login'],
    ['a public IP', 'http://203.0.113.7/login', undefined],
    ['a public IP written as one number', 'http://3405803783/login', undefined],
    ['a public IP mapped into IPv6', 'http://[::ffff:203.0.113.7]/login', undefined],
    ['a host name (the hotspot dns-name)', 'http://login.hotspot.lan/login', undefined],
    ['a public host name', 'http://evil.example/login', undefined],
  ];
  it.each(withoutList)('without login hosts, link-login-only on %s -> %s', (_n, raw, href) => {
    const result = mikrotikAdapter.parse({ params: { ...PARAMS, 'link-login-only': raw } }, opts);
    if (href === undefined) {
      expect(result).toMatchObject({ ok: false, error: { code: 'ADAPTER_LOGIN_HOST_REFUSED' } });
    } else {
      expect(result).toMatchObject({ ok: true, context: { loginUrl: href } });
    }
  });

  it('accepts a public link-login-only once its host is listed, and nothing else then', () => {
    const listed = { ...opts, allowedRedirectHosts: ['203.0.113.7', 'login.hotspot.lan'] };
    const publicLogin = { ...PARAMS, 'link-login-only': 'http://203.0.113.7/login' };
    expect(parseOk(publicLogin, listed).loginUrl).toBe('http://203.0.113.7/login');
    expect(
      parseOk({ ...PARAMS, 'link-login-only': 'http://LOGIN.hotspot.lan/login' }, listed).loginUrl,
    ).toBe('http://login.hotspot.lan/login');
    expect(
      mikrotikAdapter.parse(
        { params: { ...PARAMS, 'link-login-only': 'http://10.9.9.9/' } },
        listed,
      ),
    ).toMatchObject({ ok: false, error: { code: 'ADAPTER_LOGIN_HOST_REFUSED', host: '10.9.9.9' } });
  });

  it('refuses a public link-login only fallback too', () => {
    const { 'link-login-only': _drop, ...rest } = PARAMS;
    expect(
      mikrotikAdapter.parse(
        { params: { ...rest, 'link-login': 'http://evil.example/login' } },
        opts,
      ),
    ).toMatchObject({ ok: false, error: { code: 'ADAPTER_LOGIN_HOST_REFUSED' } });
  });
});

describe('mikrotik hand-off', () => {
  const credentials = { username: '7KQ4M2XD', password: '7KQ4M2XD' };

  it('POSTs username, hashed password, dst and popup to link-login-only', () => {
    expect(mikrotikAdapter.handOff(parseOk(PARAMS), credentials, opts)).toEqual({
      ok: true,
      handOff: {
        kind: 'form-post',
        url: 'http://10.5.50.1/login',
        fields: {
          username: '7KQ4M2XD',
          password: 'd7ecedf896926a5f28f655114b400ad2',
          dst: 'http://example.com/',
          popup: 'true',
        },
      },
    });
  });

  it('sends the plain password when the NAS is set to PAP', () => {
    const result = mikrotikAdapter.handOff(parseOk(PARAMS), credentials, {
      ...opts,
      authMode: 'pap',
    });
    expect(result).toMatchObject({ ok: true, handOff: { fields: { password: '7KQ4M2XD' } } });
  });

  it('follows the router to plain text when it sends no CHAP values and no mode is pinned', () => {
    const { 'chap-id': _i, 'chap-challenge': _c, ...pap } = PARAMS;
    const result = mikrotikAdapter.handOff(parseOk(pap), credentials, opts);
    expect(result).toMatchObject({ ok: true, handOff: { fields: { password: '7KQ4M2XD' } } });
  });

  it('refuses to downgrade when the NAS is pinned to CHAP but the router sent no challenge', () => {
    const { 'chap-id': _i, 'chap-challenge': _c, ...pap } = PARAMS;
    const chap = { ...opts, authMode: 'chap' as const };
    expect(mikrotikAdapter.handOff(parseOk(pap), credentials, chap)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_NO_CHALLENGE' },
    });
  });

  it('uses the landing page when there is no original URL', () => {
    const { 'link-orig': _o, 'link-orig-esc': _e, ...rest } = PARAMS;
    const result = mikrotikAdapter.handOff(parseOk(rest), credentials, opts);
    expect(result).toMatchObject({
      ok: true,
      handOff: { fields: { dst: opts.defaultLandingUrl } },
    });
  });

  it('re-checks a tampered login URL against the allow-list', () => {
    const allow = { ...opts, allowedRedirectHosts: ['10.5.50.1'] };
    const ctx = { ...parseOk(PARAMS, allow), loginUrl: 'http://evil.com/login' };
    expect(mikrotikAdapter.handOff(ctx, credentials, allow)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_LOGIN_HOST_REFUSED', host: 'evil.com' },
    });
  });

  it('re-checks the login URL against the router-local rule when the NAS lists no hosts', () => {
    const listed = { ...opts, allowedRedirectHosts: ['203.0.113.7'] };
    const ctx = parseOk({ ...PARAMS, 'link-login-only': 'http://203.0.113.7/login' }, listed);
    expect(mikrotikAdapter.handOff(ctx, credentials, listed)).toMatchObject({
      ok: true,
      handOff: { url: 'http://203.0.113.7/login' },
    });
    // Staff emptied the list after the guest arrived: the public host no longer gets the code.
    expect(mikrotikAdapter.handOff(ctx, credentials, opts)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_LOGIN_HOST_REFUSED', host: '203.0.113.7' },
    });
  });
});
