import { describe, expect, it } from 'vitest';
import { MAX_URL_LENGTH, checkOriginalUrl, checkRouterUrl } from '../../src/adapters/safe-url.js';

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
