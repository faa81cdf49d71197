import { describe, expect, it } from 'vitest';
import {
  MAX_URL_LENGTH,
  checkOriginalUrl,
  checkRouterUrl,
  inspectRouterUrl,
  isRouterLocalAddress,
  normaliseLoginHost,
  routerLoginRule,
} from '../../src/adapters/safe-url.js';

describe('checkOriginalUrl', () => {
  const accepted: [string, string][] = [
    ['http://example.com', 'http://example.com/'],
    ['https://example.com/a?b=c#d', 'https://example.com/a?b=c#d'],
    ['HTTP://EXAMPLE.COM/Path', 'http://example.com/Path'],
    ['http://10.0.0.1:8080/x', 'http://10.0.0.1:8080/x'],
    ['http://[2001:db8::1]/', 'http://[2001:db8::1]/'],
    // International host names come back in punycode so a look-alike cannot hide.
    ['http://bücher.de/', 'http://xn--bcher-kva.de/'],
    ['https://раураl.com/', 'https://xn--l-7sba6dbr.com/'],
    ['https://example.com/search?q=a@b', 'https://example.com/search?q=a@b'],
  ];
  it.each(accepted)('accepts %j', (raw, href) => {
    expect(checkOriginalUrl(raw)).toBe(href);
  });

  const refused: [string, string | undefined][] = [
    ['undefined', undefined],
    ['empty', ''],
    ['javascript', 'javascript:alert(1)'],
    ['javascript with tab', 'java\tscript:alert(1)'],
    ['javascript disguised as http path', 'javascript://example.com/%0aalert(1)'],
    ['data', 'data:text/html,<script>alert(1)</script>'],
    ['vbscript', 'vbscript:msgbox(1)'],
    ['file', 'file:///etc/passwd'],
    ['ftp', 'ftp://example.com/'],
    ['protocol-relative', '//evil.com/'],
    ['path only', '/welcome'],
    ['no slashes', 'http:evil.com'],
    ['one slash', 'http:/evil.com'],
    ['three slashes', 'http:///evil.com'],
    ['backslashes', 'http:\\\\evil.com'],
    ['backslash host trick', 'http://good.com\\@evil.com'],
    ['mixed slash', 'https:/\\evil.com'],
    ['userinfo', 'https://user:pass@good.com/'],
    ['user only', 'https://user@good.com/'],
    ['empty userinfo', 'http://@evil.com/'],
    ['encoded at is still userinfo', 'http://good.com%40evil.com@evil.com/'],
    ['newline in host', 'http://good.com\n.evil.com/'],
    ['space inside', 'http://good .com/'],
    ['surrounding spaces (adapters trim before checking)', ' https://example.com/ '],
    ['NUL', 'http://good.com/\u0000'],
    ['DEL', 'http://good.com/\u007f'],
    ['bad port', 'http://good.com:99999/'],
    ['empty host', 'http://:80/'],
    ['too long', `https://example.com/${'a'.repeat(MAX_URL_LENGTH)}`],
  ];
  it.each(refused)('refuses %s', (_name, raw) => {
    expect(checkOriginalUrl(raw)).toBeUndefined();
  });

  it('accepts a URL of exactly the maximum length and refuses one more character', () => {
    const base = 'https://example.com/';
    const exact = base + 'a'.repeat(MAX_URL_LENGTH - base.length);
    expect(checkOriginalUrl(exact)).toBe(exact);
    expect(checkOriginalUrl(exact + 'a')).toBeUndefined();
  });

  it('refuses a URL whose normalised form outgrows the limit', () => {
    const base = 'https://example.com/';
    // Each `é` is one character raw and six once percent-encoded.
    const raw = base + 'é'.repeat(400);
    expect(raw.length).toBeLessThan(MAX_URL_LENGTH);
    expect(checkOriginalUrl(raw)).toBeUndefined();
  });
});

describe('checkRouterUrl', () => {
  it('allows any http(s) host when no allow-list is set, or the list is empty', () => {
    expect(checkRouterUrl('http://10.5.50.1/login')).toBe('http://10.5.50.1/login');
    expect(checkRouterUrl('http://hotspot.lan/login', { allowedHosts: [] })).toBe(
      'http://hotspot.lan/login',
    );
    expect(checkRouterUrl('javascript:alert(1)')).toBeUndefined();
  });

  const allowedHosts = ['10.5.50.1', 'Login.Hotspot.Lan', 'bücher.de', '2001:db8::1'];
  const table: [string, boolean][] = [
    ['http://10.5.50.1/login', true],
    ['https://10.5.50.1:8443/login?dst=x', true],
    ['http://login.hotspot.lan/login', true],
    ['http://LOGIN.HOTSPOT.LAN/login', true],
    ['http://xn--bcher-kva.de/login', true],
    ['http://bücher.de/login', true],
    ['http://[2001:db8::1]:3990/logon', true],
    ['http://10.5.50.2/login', false],
    ['http://10.5.50.1.evil.com/login', false],
    ['http://evil.com/10.5.50.1', false],
    ['http://10.5.50.1@evil.com/login', false],
    ['http://evil.com#@10.5.50.1', false],
    ['http://evil.com\\@10.5.50.1/', false],
    ['http://login.hotspot.lan.evil.com/', false],
    ['http://login.hotspot.lan./login', false],
    ['//10.5.50.1/login', false],
    ['ftp://10.5.50.1/login', false],
  ];
  it.each(table)('with an allow-list, %j -> %s', (raw, ok) => {
    expect(checkRouterUrl(raw, { allowedHosts }) !== undefined).toBe(ok);
  });

  const meraki = { hostSuffix: '.network-auth.com', requireHttps: true };
  const merakiTable: [string, boolean][] = [
    ['https://n143.network-auth.com/splash/login?mauth=abc', true],
    ['https://N143.Network-Auth.com/splash/grant', true],
    ['http://n143.network-auth.com/splash/login', false],
    ['https://network-auth.com/splash/login', false],
    ['https://evilnetwork-auth.com/splash/login', false],
    ['https://n143.network-auth.com.evil.com/', false],
    ['https://evil.com/?x=.network-auth.com', false],
    ['https://evil.com/.network-auth.com', false],
    ['https://n143.network-auth.com@evil.com/', false],
  ];
  it.each(merakiTable)('Meraki rule, %j -> %s', (raw, ok) => {
    expect(checkRouterUrl(raw, meraki) !== undefined).toBe(ok);
  });
});

describe('router-local login URLs', () => {
  // Every form the WHATWG parser turns into an address, and the edges of each range.
  const local: [string, string][] = [
    ['loopback', 'http://127.0.0.1/login'],
    ['loopback top', 'http://127.255.255.254/login'],
    ['short loopback', 'http://127.1/login'],
    ['RFC 1918 10/8', 'http://10.5.50.1/login'],
    ['RFC 1918 172.16/12 low edge', 'http://172.16.0.1/login'],
    ['RFC 1918 172.16/12 high edge', 'http://172.31.255.254/login'],
    ['RFC 1918 192.168/16', 'http://192.168.88.1/login'],
    ['CGNAT low edge', 'http://100.64.0.1/login'],
    ['CGNAT high edge', 'http://100.127.255.254/login'],
    ['link-local', 'http://169.254.1.1/login'],
    ['https and a port', 'https://10.5.50.1:8443/login'],
    ['trailing dot', 'http://10.5.50.1./login'],
    ['hex octet', 'http://0x0a.5.50.1/login'],
    ['octal octets', 'http://0300.0250.0.1/login'],
    ['one decimal number', 'http://167772161/login'],
    ['one hex number', 'http://0xc0a80001/login'],
    ['two parts', 'http://10.1/login'],
    ['percent-encoded digits', 'http://%31%30.0.0.1/login'],
    ['full-width digits', 'http://１０.0.0.1/login'],
    ['IPv6 loopback', 'http://[::1]:3990/logon'],
    ['IPv6 loopback spelt out', 'http://[0:0:0:0:0:0:0:1]/logon'],
    ['IPv6 link-local', 'http://[fe80::1]/logon'],
    ['IPv6 link-local upper edge', 'http://[febf:ffff::1]/logon'],
    ['IPv6 ULA fc00::/7 (fd)', 'http://[fd00::1]/logon'],
    ['IPv6 ULA fc00::/7 (fc)', 'http://[FC00::1]/logon'],
    ['IPv4-mapped private, dotted', 'http://[::ffff:10.0.0.1]/login'],
    ['IPv4-mapped private, hex', 'http://[::ffff:c0a8:101]/login'],
  ];
  it.each(local)('accepts %s (%s)', (_name, raw) => {
    expect(checkRouterUrl(raw, { localOnly: true })).toBeDefined();
  });

  const outside: [string, string][] = [
    ['public IPv4', 'http://203.0.113.7/login'],
    ['just below 10/8', 'http://9.255.255.255/login'],
    ['just above 10/8', 'http://11.0.0.1/login'],
    ['just below 172.16/12', 'http://172.15.255.255/login'],
    ['just above 172.16/12', 'http://172.32.0.1/login'],
    ['just below CGNAT', 'http://100.63.255.255/login'],
    ['just above CGNAT', 'http://100.128.0.1/login'],
    ['192.169/16', 'http://192.169.0.1/login'],
    ['unspecified 0.0.0.0', 'http://0.0.0.0/login'],
    ['zero shorthand', 'http://0/login'],
    ['broadcast', 'http://255.255.255.255/login'],
    ['public as one decimal number', 'http://134744072/login'],
    ['public in hex', 'http://0x08080808/login'],
    ['public in octal', 'http://010.010.010.010/login'],
    ['host name', 'http://evil.example/login'],
    ['localhost by name', 'http://localhost/login'],
    ['host name that looks like a private address', 'http://10.0.0.1.nip.io/login'],
    ['host name ending in a private address', 'http://evil.example.10.0.0.1/login'],
    ['IPv6 unspecified', 'http://[::]/logon'],
    ['IPv6 global', 'http://[2001:db8::1]/logon'],
    ['just above fe80::/10', 'http://[fec0::1]/logon'],
    ['just below fc00::/7', 'http://[fbff::1]/logon'],
    ['IPv4-mapped public, dotted', 'http://[::ffff:8.8.8.8]/login'],
    ['IPv4-mapped public, hex', 'http://[::ffff:808:808]/login'],
    ['IPv4-compatible (deprecated) private', 'http://[::10.0.0.1]/login'],
    ['NAT64 with a private address inside', 'http://[64:ff9b::10.0.0.1]/login'],
    ['6to4 with a private address inside', 'http://[2002:a00:1::1]/login'],
    ['zone id', 'http://[fe80::1%25eth0]/logon'],
    ['private address behind userinfo', 'http://10.0.0.1@evil.example/login'],
    ['private address in the path', 'http://evil.example/10.0.0.1'],
    ['bad IPv4 (out of range part)', 'http://10.0.0.256/login'],
  ];
  it.each(outside)('refuses %s (%s)', (_name, raw) => {
    expect(checkRouterUrl(raw, { localOnly: true })).toBeUndefined();
  });

  it('normalises the address the guest is sent to, so what was checked is what is used', () => {
    expect(checkRouterUrl('http://0x0a.5.50.1/login', { localOnly: true })).toBe(
      'http://10.5.50.1/login',
    );
    expect(checkRouterUrl('http://[::ffff:10.0.0.1]/login', { localOnly: true })).toBe(
      'http://[::ffff:a00:1]/login',
    );
  });

  it('checks bare addresses too, in any spelling', () => {
    expect(isRouterLocalAddress('10.5.50.1')).toBe(true);
    expect(isRouterLocalAddress('fd00::1')).toBe(true);
    expect(isRouterLocalAddress('[fd00::1]')).toBe(true);
    expect(isRouterLocalAddress('::ffff:192.168.1.1')).toBe(true);
    expect(isRouterLocalAddress('8.8.8.8')).toBe(false);
    expect(isRouterLocalAddress('hotspot.lan')).toBe(false);
    expect(isRouterLocalAddress('')).toBe(false);
  });

  it('routerLoginRule holds the host to the NAS list when there is one, else to router-local', () => {
    expect(routerLoginRule(undefined)).toEqual({ localOnly: true });
    expect(routerLoginRule([])).toEqual({ localOnly: true });
    const listed = routerLoginRule(['login.hotspot.lan', '203.0.113.7']);
    expect(checkRouterUrl('http://login.hotspot.lan/login', listed)).toBeDefined();
    expect(checkRouterUrl('http://203.0.113.7/login', listed)).toBeDefined();
    // With a list, an unlisted private address is refused as well: the list is the whole truth.
    expect(checkRouterUrl('http://10.5.50.1/login', listed)).toBeUndefined();
    expect(checkRouterUrl('http://evil.example/login', listed)).toBeUndefined();
  });

  it('inspectRouterUrl names the refused host, or says the URL is malformed', () => {
    expect(inspectRouterUrl('http://EVIL.example:81/login', { localOnly: true })).toEqual({
      ok: false,
      reason: 'refused',
      host: 'evil.example',
    });
    expect(inspectRouterUrl('javascript:alert(1)', { localOnly: true })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(inspectRouterUrl('http://10.5.50.1/login', { localOnly: true })).toEqual({
      ok: true,
      href: 'http://10.5.50.1/login',
    });
  });
});

describe('normaliseLoginHost', () => {
  const table: [string, string | undefined][] = [
    ['login.hotspot.lan', 'login.hotspot.lan'],
    ['  Login.Hotspot.LAN ', 'login.hotspot.lan'],
    ['hotspot', 'hotspot'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['10.5.50.1', '10.5.50.1'],
    ['203.0.113.7', '203.0.113.7'],
    ['FD00:0:0::1', 'fd00::1'],
    ['[fd00::1]', 'fd00::1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['', undefined],
    ['login.hotspot.lan.', undefined],
    ['-bad.lan', undefined],
    ['a..b', undefined],
    ['evil.com/login', undefined],
    ['evil.com\\x', undefined],
    ['evil.com?x', undefined],
    ['evil%2ecom', undefined],
    ['two hosts', undefined],
    ['http://evil.com', undefined],
    ['user@evil.com', undefined],
    ['evil.com:80', undefined],
    ['under_score.lan', undefined],
    ['10.1', undefined],
    ['010.0.0.1', undefined],
    ['0x0a.0.0.1', undefined],
    ['0xc0a80001', undefined],
    ['10.0.0.256', undefined],
    [`${'a'.repeat(64)}.lan`, undefined],
  ];
  it.each(table)('%j -> %j', (text, host) => {
    expect(normaliseLoginHost(text)).toBe(host);
  });

  it('normalises hosts the way the login URL check compares them', () => {
    for (const raw of ['http://bücher.de/login', 'http://[fd00::1]/logon']) {
      const host = new URL(raw).hostname.replace(/^\[(.*)\]$/, '$1');
      const listed = normaliseLoginHost(host) ?? '';
      expect(checkRouterUrl(raw, routerLoginRule([listed]))).toBeDefined();
    }
  });
});
