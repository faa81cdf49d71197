import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  coovaAdapter,
  coovaChapChallenge,
  coovaChapResponse,
  coovaPapPassword,
  verifyCoovaMd,
} from '../../src/adapters/coova-adapter.js';
import type { AdapterOptions, ClientContext, HandOff } from '../../src/adapters/router-adapter.js';
import { chilliUrlencode } from '../support/chilli-urlencode.js';

const SECRET = 'testing123';
const CHALLENGE = '2f1d3c0e6a7b48599aa0b1c2d3e4f506';
const PASSWORD = '7KQ4M2XD';
const PORTAL = 'http://portal.example/splash';

// The redirect CoovaChilli 1.9 builds (bstring_buildurl): res, uamip, uamport, challenge,
// called, mac, ip, nasid, sessionid, userurl, then md over everything before `&md=`.
const QUERY =
  'res=notyet&uamip=10.1.0.1&uamport=3990&challenge=2f1d3c0e6a7b48599aa0b1c2d3e4f506' +
  '&called=AA-BB-CC-DD-EE-01&mac=02-11-22-33-44-55&ip=10.1.0.23&nasid=nas01' +
  '&sessionid=6614a6b300000001&userurl=http%3A%2F%2Fexample.com%2Fnews';
// Known answer, computed outside Node:
//   printf %s "http://portal.example/splash?<QUERY>testing123" | md5sum | tr a-f A-F
const MD = '399F23AC6E7737472E6D330603B62170';
const SIGNED_URL = `${PORTAL}?${QUERY}&md=${MD}`;

function paramsOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

function md5(...parts: (Buffer | string)[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

const base: AdapterOptions = { defaultLandingUrl: 'https://portico.example/welcome' };
const withSecret: AdapterOptions = { ...base, uamSecret: SECRET };

function parseOk(rawUrl: string, opts: AdapterOptions): ClientContext {
  const result = coovaAdapter.parse({ params: paramsOf(rawUrl), rawUrl }, opts);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}`);
  return result.context;
}

function handOffUrl(ctx: ClientContext, opts: AdapterOptions): URL {
  const result = coovaAdapter.handOff(ctx, { username: PASSWORD, password: PASSWORD }, opts);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}`);
  const handOff: HandOff = result.handOff;
  if (handOff.kind !== 'redirect') throw new Error(`expected redirect, got ${handOff.kind}`);
  return new URL(handOff.url);
}

describe('coova parse', () => {
  it('turns the CoovaChilli redirect into a context', () => {
    expect(parseOk(SIGNED_URL, withSecret)).toEqual({
      adapter: 'coova',
      mac: '02-11-22-33-44-55',
      ip: '10.1.0.23',
      nasId: 'nas01',
      calledStation: 'AA-BB-CC-DD-EE-01',
      apMac: 'aa-bb-cc-dd-ee-01',
      loginUrl: 'http://10.1.0.1:3990/logon',
      challenge: CHALLENGE,
      sessionId: '6614a6b300000001',
      originalUrl: 'http://example.com/news',
      routerResult: 'notyet',
    });
  });

  it('reads uspot parameters (lower-case MAC format, ssid, reply)', () => {
    const url =
      `${PORTAL}?res=failed&uamip=192.168.2.1&uamport=3990&challenge=${CHALLENGE.toUpperCase()}` +
      '&mac=aabbccddeeff&ip=192.168.2.20&called=00:11:22:33:44:55&nasid=uspot1' +
      '&sessionid=abcd&ssid=Cafe%20Guest&timeleft=600&reply=Code%20expired&lang=de';
    const ctx = parseOk(url, base);
    expect(ctx).toMatchObject({
      mac: 'aa-bb-cc-dd-ee-ff',
      challenge: CHALLENGE,
      ssid: 'Cafe Guest',
      routerResult: 'failed',
      routerMessage: 'Code expired',
      loginUrl: 'http://192.168.2.1:3990/logon',
    });
    expect(ctx.originalUrl).toBeUndefined();
  });

  it('treats an empty userurl (first redirect after a new lease) as no original URL', () => {
    const ctx = parseOk(`${PORTAL}?res=notyet&uamip=10.1.0.1&uamport=3990&userurl=`, base);
    expect(ctx.originalUrl).toBeUndefined();
  });

  it('drops an unsafe userurl but keeps the rest', () => {
    const ctx = parseOk(
      `${PORTAL}?res=notyet&uamip=10.1.0.1&uamport=3990&userurl=javascript%3Aalert(1)`,
      base,
    );
    expect(ctx.originalUrl).toBeUndefined();
    expect(ctx.loginUrl).toBe('http://10.1.0.1:3990/logon');
  });

  it('strips control characters from the reply text', () => {
    const ctx = parseOk(
      `${PORTAL}?res=failed&uamip=10.1.0.1&uamport=3990&reply=Bad%0D%0Acode`,
      base,
    );
    expect(ctx.routerMessage).toBe('Badcode');
  });

  const badLogin: [string, string, string][] = [
    ['host name as uamip', 'uamip=evil.com&uamport=3990', 'ADAPTER_BAD_PARAM'],
    ['URL as uamip', 'uamip=http%3A%2F%2Fevil.com&uamport=3990', 'ADAPTER_BAD_PARAM'],
    ['uamip with port', 'uamip=10.1.0.1%3A80&uamport=3990', 'ADAPTER_BAD_PARAM'],
    ['uamport not a number', 'uamip=10.1.0.1&uamport=80%2Fevil', 'ADAPTER_BAD_LOGIN_URL'],
    ['uamport 0', 'uamip=10.1.0.1&uamport=0', 'ADAPTER_BAD_LOGIN_URL'],
    ['uamport too big', 'uamip=10.1.0.1&uamport=65536', 'ADAPTER_BAD_LOGIN_URL'],
    ['no uamip', 'uamport=3990', 'ADAPTER_MISSING_PARAM'],
    ['no uamport', 'uamip=10.1.0.1', 'ADAPTER_MISSING_PARAM'],
    ['short challenge', 'uamip=10.1.0.1&uamport=3990&challenge=abcd', 'ADAPTER_BAD_PARAM'],
  ];
  it.each(badLogin)('refuses %s', (_name, query, code) => {
    const url = `${PORTAL}?res=notyet&${query}`;
    const result = coovaAdapter.parse({ params: paramsOf(url), rawUrl: url }, base);
    expect(result).toMatchObject({ ok: false, error: { code } });
  });

  it('accepts an IPv6 uamip and brackets it in the logon URL', () => {
    const ctx = parseOk(`${PORTAL}?res=notyet&uamip=fd00%3A%3A1&uamport=3990`, base);
    expect(ctx.loginUrl).toBe('http://[fd00::1]:3990/logon');
  });

  it('applies the NAS allow-list to uamip', () => {
    const url = `${PORTAL}?res=notyet&uamip=10.1.0.1&uamport=3990`;
    const allowed = { ...base, allowedRedirectHosts: ['10.1.0.1'] };
    const other = { ...base, allowedRedirectHosts: ['10.9.9.9'] };
    expect(coovaAdapter.parse({ params: paramsOf(url) }, allowed).ok).toBe(true);
    expect(coovaAdapter.parse({ params: paramsOf(url) }, other)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_LOGIN_HOST_REFUSED', host: '10.1.0.1' },
    });
  });

  // Without login hosts the logon URL must be the router's own, router-local address.
  const uamips: [string, string, string | undefined][] = [
    ['private IPv4', '192.168.182.1', 'http://192.168.182.1:3990/logon'],
    ['CGNAT', '100.64.0.1', 'http://100.64.0.1:3990/logon'],
    ['loopback', '127.0.0.1', 'http://127.0.0.1:3990/logon'],
    ['IPv6 ULA', 'fd00::1', 'http://[fd00::1]:3990/logon'],
    ['IPv4-mapped private', '::ffff:10.1.0.1', 'http://[::ffff:a01:1]:3990/logon'],
    ['public IPv4', '203.0.113.7', undefined],
    ['public IPv6', '2001:db8::1', undefined],
    ['IPv4-mapped public', '::ffff:203.0.113.7', undefined],
    ['unspecified', '0.0.0.0', undefined],
  ];
  it.each(uamips)('without login hosts, uamip %s (%s) -> %s', (_name, uamip, href) => {
    const url = `${PORTAL}?res=notyet&uamip=${encodeURIComponent(uamip)}&uamport=3990`;
    const result = coovaAdapter.parse({ params: paramsOf(url), rawUrl: url }, base);
    if (href === undefined) {
      expect(result).toMatchObject({ ok: false, error: { code: 'ADAPTER_LOGIN_HOST_REFUSED' } });
    } else {
      expect(result).toMatchObject({ ok: true, context: { loginUrl: href } });
    }
  });

  it('accepts a public uamip once it is one of the NAS login hosts', () => {
    const url = `${PORTAL}?res=notyet&uamip=203.0.113.7&uamport=3990&challenge=${CHALLENGE}`;
    const listed = { ...base, allowedRedirectHosts: ['203.0.113.7'] };
    const ctx = parseOk(url, listed);
    expect(handOffUrl(ctx, listed).origin).toBe('http://203.0.113.7:3990');
    expect(coovaAdapter.handOff(ctx, { username: 'u', password: 'p' }, base)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_LOGIN_HOST_REFUSED', host: '203.0.113.7' },
    });
  });
});

describe('coova md', () => {
  it('verifies the known-answer md (upper-case hex, as redir_md_param writes it)', () => {
    expect(verifyCoovaMd(SIGNED_URL, SECRET).status).toBe('ok');
    expect(verifyCoovaMd(`${PORTAL}?${QUERY}&md=${MD.toLowerCase()}`, SECRET).status).toBe('ok');
  });

  it('matches md computed here from the formula MD5(url-before-&md= ‖ secret)', () => {
    const url = `${PORTAL}?res=already&uamip=10.0.0.1&uamport=3990&reply=Hello%20there`;
    const md = md5(url, SECRET).toString('hex').toUpperCase();
    expect(verifyCoovaMd(`${url}&md=${md}`, SECRET).status).toBe('ok');
  });

  it('returns the parameters of the signed URL, not of anything after md', () => {
    const check = verifyCoovaMd(`${SIGNED_URL}#frag`, SECRET);
    expect(check).toMatchObject({ status: 'ok', params: { uamip: '10.1.0.1', res: 'notyet' } });
  });

  const bad: [string, string | undefined, string][] = [
    ['no raw URL', undefined, 'missing'],
    ['no md', `${PORTAL}?${QUERY}`, 'missing'],
    ['wrong secret', SIGNED_URL, 'bad-secret'],
    ['tampered uamip', SIGNED_URL.replace('uamip=10.1.0.1', 'uamip=10.1.0.9'), 'bad'],
    ['tampered userurl', SIGNED_URL.replace('example.com', 'evil.com'), 'bad'],
    ['different portal host', SIGNED_URL.replace('portal.example', 'evil.example'), 'bad'],
    ['parameter appended after md', `${SIGNED_URL}&uamip=6.6.6.6`, 'bad'],
    ['short md', `${PORTAL}?${QUERY}&md=${MD.slice(0, 30)}`, 'bad'],
    ['non-hex md', `${PORTAL}?${QUERY}&md=${'Z'.repeat(32)}`, 'bad'],
  ];
  it.each(bad)('%s', (_name, url, expected) => {
    const secret = expected === 'bad-secret' ? 'other-secret' : SECRET;
    expect(verifyCoovaMd(url, secret).status).toBe(expected === 'bad-secret' ? 'bad' : expected);
  });

  it('refuses to parse a redirect with a bad or missing md when a secret is set', () => {
    const tampered = SIGNED_URL.replace('uamip=10.1.0.1', 'uamip=10.1.0.9');
    expect(
      coovaAdapter.parse({ params: paramsOf(tampered), rawUrl: tampered }, withSecret),
    ).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_BAD_SIGNATURE' },
    });
    const unsigned = `${PORTAL}?${QUERY}`;
    expect(
      coovaAdapter.parse({ params: paramsOf(unsigned), rawUrl: unsigned }, withSecret),
    ).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_MISSING_SIGNATURE' },
    });
    expect(coovaAdapter.parse({ params: paramsOf(SIGNED_URL) }, withSecret)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_MISSING_SIGNATURE' },
    });
  });

  it('refuses a signed redirect when no UAM secret is set: its CHAP could never match', () => {
    const noSecret = base;
    expect(
      coovaAdapter.parse({ params: paramsOf(SIGNED_URL), rawUrl: SIGNED_URL }, noSecret),
    ).toMatchObject({ ok: false, error: { code: 'ADAPTER_NO_UAM_SECRET' } });
    const unsigned = `${PORTAL}?${QUERY}`;
    expect(
      coovaAdapter.parse({ params: paramsOf(unsigned), rawUrl: unsigned }, noSecret),
    ).toMatchObject({ ok: true });
  });

  it('trusts only the signed URL, not separately supplied parameters', () => {
    const forged = { ...paramsOf(SIGNED_URL), uamip: '6.6.6.6' };
    const result = coovaAdapter.parse({ params: forged, rawUrl: SIGNED_URL }, withSecret);
    expect(result).toMatchObject({ ok: true, context: { loginUrl: 'http://10.1.0.1:3990/logon' } });
  });
});

describe('coova uamhomepage (loginurl)', () => {
  // redir.c with uamhomepage set: `<homepage>?loginurl=<redir_urlencode(uamserver URL)>`.
  const HOMEPAGE = 'http://portal.example/welcome';
  const wrapped = (inner: string) => `${HOMEPAGE}?loginurl=${chilliUrlencode(inner)}`;

  it('unwraps loginurl, verifies its md and reads the context it carries', () => {
    const outer = wrapped(SIGNED_URL);
    expect(coovaAdapter.matches(paramsOf(outer))).toBe(true);
    expect(parseOk(outer, withSecret)).toEqual(parseOk(SIGNED_URL, withSecret));
  });

  it('refuses a loginurl whose md does not match, or that has none, when a secret is set', () => {
    const bad = wrapped(SIGNED_URL.replace('nasid=nas01', 'nasid=nas02'));
    expect(coovaAdapter.parse({ params: paramsOf(bad), rawUrl: bad }, withSecret)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_BAD_SIGNATURE' },
    });
    const unsigned = wrapped(`${PORTAL}?${QUERY}`);
    expect(
      coovaAdapter.parse({ params: paramsOf(unsigned), rawUrl: unsigned }, withSecret),
    ).toMatchObject({ ok: false, error: { code: 'ADAPTER_MISSING_SIGNATURE' } });
  });

  it('reads uspot res=reject as a failed login', () => {
    const url = `${PORTAL}?${QUERY.replace('res=notyet', 'res=reject')}`;
    expect(parseOk(url, base).routerResult).toBe('failed');
  });
});

describe('coova CHAP and PAP', () => {
  // Known answers, computed with md5sum and xxd (see the shell lines) and checked by hand:
  //   newchal  = md5(bin(2f1d…f506) ‖ "testing123")          = 0dfd68a904be23364fcb80e54821cd9b
  //   CHAP     = md5(0x00 ‖ "7KQ4M2XD" ‖ newchal)              = bc249c5950e65c7ce6ac47a2bce8c403
  //   CHAP, no secret: md5(0x00 ‖ "7KQ4M2XD" ‖ bin(2f1d…f506)) = 0abf9236ea5bc01bab01af4cf42caccc
  //   PAP      = "7KQ4M2XD" XOR newchal[0..7]: '7' 0x37 ^ 0x0d = 0x3a, 'K' 0x4b ^ 0xfd = 0xb6, …
  //            = 3ab6399d498c7b72
  //   PAP, no secret: 0x37 ^ 0x2f = 0x18, 0x4b ^ 0x1d = 0x56, … = 18566d3a2749101d
  const NEWCHAL = '0dfd68a904be23364fcb80e54821cd9b';

  it('derives newchal as MD5(challenge bytes ‖ secret), or the challenge without a secret', () => {
    expect(coovaChapChallenge(CHALLENGE, SECRET).toString('hex')).toBe(NEWCHAL);
    expect(coovaChapChallenge(CHALLENGE).toString('hex')).toBe(CHALLENGE);
  });

  it('matches the known-answer vectors', () => {
    expect(coovaChapResponse(PASSWORD, CHALLENGE, SECRET)).toBe('bc249c5950e65c7ce6ac47a2bce8c403');
    expect(coovaChapResponse(PASSWORD, CHALLENGE)).toBe('0abf9236ea5bc01bab01af4cf42caccc');
    expect(coovaPapPassword(PASSWORD, CHALLENGE, SECRET)).toBe('3ab6399d498c7b72');
    expect(coovaPapPassword(PASSWORD, CHALLENGE)).toBe('18566d3a2749101d');
  });

  it('repeats newchal for PAP passwords longer than 16 bytes', () => {
    // 20 × 'A' (0x41): bytes 16-19 reuse newchal bytes 0-3, so the hex repeats.
    expect(coovaPapPassword('A'.repeat(20), CHALLENGE, SECRET)).toBe(
      '4cbc29e845ff62770e8ac1a409608cda4cbc29e8',
    );
  });

  it('matches the formulas recomputed here for random challenges', () => {
    for (let i = 0; i < 20; i++) {
      const challenge = createHash('md5').update(`c${i}`).digest('hex');
      const password = `code-${i}-ü`;
      const newchal = md5(Buffer.from(challenge, 'hex'), SECRET);
      expect(coovaChapResponse(password, challenge, SECRET)).toBe(
        md5(Buffer.from([0]), Buffer.from(password, 'utf8'), newchal).toString('hex'),
      );
      const plain = Buffer.from(password, 'utf8');
      const xored = Buffer.from(plain.map((b, j) => b ^ (newchal[j % 16] ?? 0)));
      expect(coovaPapPassword(password, challenge, SECRET)).toBe(xored.toString('hex'));
    }
  });

  it('hands off with CHAP by default: GET /logon with username, response, userurl and redir', () => {
    const url = handOffUrl(parseOk(SIGNED_URL, withSecret), withSecret);
    expect(url.origin + url.pathname).toBe('http://10.1.0.1:3990/logon');
    // `userurl` for chilli, `redir` for uspot's res=success redirect.
    expect([...url.searchParams]).toEqual([
      ['username', PASSWORD],
      ['response', 'bc249c5950e65c7ce6ac47a2bce8c403'],
      ['userurl', 'http://example.com/news'],
      ['redir', 'http://example.com/news'],
    ]);
  });

  it('hands off with CHAP without a UAM secret', () => {
    const url = `${PORTAL}?${QUERY}`;
    const handed = handOffUrl(parseOk(url, base), base);
    expect(handed.searchParams.get('response')).toBe('0abf9236ea5bc01bab01af4cf42caccc');
  });

  it('hands off with PAP when the NAS is set to PAP', () => {
    const pap = { ...withSecret, authMode: 'pap' as const };
    const url = handOffUrl(parseOk(SIGNED_URL, pap), pap);
    expect(url.searchParams.get('password')).toBe('3ab6399d498c7b72');
    expect(url.searchParams.has('response')).toBe(false);
  });

  it('sends the plain password for PAP when the router sends no challenge (nochallenge)', () => {
    const pap = { ...base, authMode: 'pap' as const };
    const url = handOffUrl(parseOk(`${PORTAL}?res=notyet&uamip=10.1.0.1&uamport=3990`, pap), pap);
    expect(url.searchParams.get('password')).toBe(PASSWORD);
  });

  it('refuses CHAP without a challenge', () => {
    const ctx = parseOk(`${PORTAL}?res=notyet&uamip=10.1.0.1&uamport=3990`, base);
    expect(coovaAdapter.handOff(ctx, { username: 'u', password: 'p' }, base)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_NO_CHALLENGE' },
    });
  });

  it('percent-encodes values (coova does not decode + as a space) and uses the landing page', () => {
    const ctx = parseOk(
      `${PORTAL}?res=notyet&uamip=10.1.0.1&uamport=3990&challenge=${CHALLENGE}`,
      base,
    );
    const result = coovaAdapter.handOff(ctx, { username: 'a b&c', password: 'x' }, base);
    expect(result).toMatchObject({ ok: true, handOff: { kind: 'redirect' } });
    const url = result.ok && result.handOff.kind === 'redirect' ? result.handOff.url : '';
    expect(url).toContain('username=a%20b%26c&');
    expect(url).toContain(`userurl=${encodeURIComponent(base.defaultLandingUrl)}`);
  });

  it('refuses empty or oversized credentials', () => {
    const ctx = parseOk(SIGNED_URL, withSecret);
    for (const credentials of [
      { username: '', password: 'x' },
      { username: 'x', password: '' },
      { username: 'x', password: 'p'.repeat(129) },
      { username: 'u'.repeat(256), password: 'x' },
    ]) {
      expect(coovaAdapter.handOff(ctx, credentials, withSecret)).toMatchObject({
        ok: false,
        error: { code: 'ADAPTER_BAD_CREDENTIALS' },
      });
    }
  });

  it('refuses a tampered context whose login URL is not an IP /logon', () => {
    const ctx = parseOk(SIGNED_URL, withSecret);
    for (const loginUrl of [
      'http://evil.com:3990/logon',
      'http://10.1.0.1:3990/evil',
      'javascript:alert(1)',
      undefined,
    ]) {
      expect(
        coovaAdapter.handOff({ ...ctx, loginUrl }, { username: 'u', password: 'p' }, withSecret),
      ).toMatchObject({
        ok: false,
        error: { code: 'ADAPTER_BAD_LOGIN_URL' },
      });
    }
  });

  it('refuses a tampered context whose logon address is public', () => {
    const ctx = { ...parseOk(SIGNED_URL, withSecret), loginUrl: 'http://203.0.113.7:3990/logon' };
    expect(coovaAdapter.handOff(ctx, { username: 'u', password: 'p' }, withSecret)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_LOGIN_HOST_REFUSED' },
    });
  });

  it('falls back to the landing page when a tampered context carries an unsafe original URL', () => {
    const ctx = { ...parseOk(SIGNED_URL, withSecret), originalUrl: 'javascript:alert(1)' };
    expect(handOffUrl(ctx, withSecret).searchParams.get('userurl')).toBe(base.defaultLandingUrl);
  });
});
