// Every URL a router hands us is attacker-controlled: anyone can craft a splash link. These
// checks decide which of them Portico may show as a link or send the guest's code to. They
// work on the raw text as well as on the parsed URL because browsers repair input (a
// backslash becomes a slash, tabs vanish, `http:evil.com` gains its slashes) and we refuse
// anything whose meaning depends on that repair.

import { BlockList, isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/** MAX_URL_LENGTH is the longest URL accepted, CoovaChilli's REDIR_USERURLSIZE. */
export const MAX_URL_LENGTH = 2048;

// Control characters, space, DEL and backslash: the WHATWG parser strips or rewrites them.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE_CHARS = /[\u0000-\u0020\u007f\\]/;
// A scheme, two slashes and a host that does not start with another slash.
const ABSOLUTE_HTTP = /^https?:\/\/[^/?#]/i;

function parseHttpUrl(raw: string | undefined): URL | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) return undefined;
  if (UNSAFE_CHARS.test(raw) || !ABSOLUTE_HTTP.test(raw)) return undefined;
  const authority = raw.slice(raw.indexOf('//') + 2).split(/[/?#]/, 1)[0] ?? '';
  if (authority.includes('@')) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '' || url.hostname === '') return undefined;
  if (url.href.length > MAX_URL_LENGTH) return undefined;
  return url;
}

/**
 * checkOriginalUrl returns the normalised href of an absolute `http:`/`https:` URL without
 * credentials, at most MAX_URL_LENGTH long (international host names in punycode), or
 * undefined when the guest must not be sent there.
 */
export function checkOriginalUrl(raw: string | undefined): string | undefined {
  return parseHttpUrl(raw)?.href;
}

/** RouterUrlRule narrows which hosts a login URL may point at; every part set must hold. */
export type RouterUrlRule = {
  /** Exact host names or IP literals; unset or empty allows any host. */
  allowedHosts?: readonly string[];
  /** The host must end with this suffix, e.g. `.network-auth.com`. */
  hostSuffix?: string;
  requireHttps?: boolean;
  /** The host must be an IP literal of a router-local range (see isRouterLocalAddress). */
  localOnly?: boolean;
};

// Where a router's own login page can live: addresses a guest's browser reaches only from
// inside the network. A public address, or any host name, could be anyone's server.
const ROUTER_LOCAL = new BlockList();
for (const [prefix, bits] of [
  ['127.0.0.0', 8], // loopback
  ['10.0.0.0', 8], // RFC 1918
  ['172.16.0.0', 12], // RFC 1918
  ['192.168.0.0', 16], // RFC 1918
  ['100.64.0.0', 10], // RFC 6598 shared address space (CGNAT)
  ['169.254.0.0', 16], // RFC 3927 link-local
] as const) {
  ROUTER_LOCAL.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::1', 128], // loopback
  ['fe80::', 10], // link-local
  ['fc00::', 7], // RFC 4193 unique local
] as const) {
  ROUTER_LOCAL.addSubnet(prefix, bits, 'ipv6');
}

function normaliseHost(host: string): string | undefined {
  try {
    return new URL(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}/`)
      .hostname;
  } catch {
    return undefined;
  }
}

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * normaliseLoginHost returns `text` as a login URL's host compares (lower case, punycode,
 * IPv6 compressed and without brackets) when it is an IP literal or a DNS host name, or
 * undefined for anything else, including names the URL parser would read as an IPv4 address.
 */
export function normaliseLoginHost(text: string): string | undefined {
  const bare = text.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) !== 0) return normaliseHost(bare)?.replace(/^\[(.*)\]$/, '$1');
  // domainToASCII reads a URL's host out of its input; only a bare name may come in.
  if (/[\s/\\?#@:%[\]]/.test(bare)) return undefined;
  const ascii = domainToASCII(bare);
  if (ascii === '' || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (!labels.every((label) => HOST_LABEL.test(label))) return undefined;
  // WHATWG reads a name whose last label is a number (`10.1`, `0x0a`) as an IPv4 address.
  return /^(?:[0-9]+|0x[0-9a-f]*)$/.test(labels.at(-1) ?? '') ? undefined : ascii;
}

/**
 * isRouterLocalAddress returns true when `host` (an IP literal in any form the WHATWG URL
 * parser accepts: `0x0a.1`, `167772161`, `[::ffff:10.0.0.1]`, ...) lies in loopback, RFC 1918,
 * CGNAT 100.64/10, link-local or IPv6 unique-local space; false for host names and for every
 * other address, including IPv4 addresses embedded in other IPv6 ranges.
 */
export function isRouterLocalAddress(host: string): boolean {
  const normal = normaliseHost(host)?.replace(/^\[(.*)\]$/, '$1');
  if (normal === undefined) return false;
  const family = isIP(normal);
  if (family === 0) return false;
  // BlockList matches an IPv4-mapped IPv6 address (::ffff:a.b.c.d) against the IPv4 ranges.
  return ROUTER_LOCAL.check(normal, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * routerLoginRule returns the rule for a router's own login URL (MikroTik link-login-only,
 * CoovaChilli uamip): on one of `allowedHosts` when the NAS lists any, else router-local.
 */
export function routerLoginRule(allowedHosts: readonly string[] | undefined): RouterUrlRule {
  return allowedHosts && allowedHosts.length > 0 ? { allowedHosts } : { localOnly: true };
}

/**
 * RouterUrlCheck is the outcome of inspectRouterUrl: the normalised href, or why not, with
 * the parsed host when the URL was well formed but its host (or scheme) broke the rule.
 */
export type RouterUrlCheck =
  | { ok: true; href: string }
  | { ok: false; reason: 'malformed' }
  | { ok: false; reason: 'refused'; host: string };

/**
 * inspectRouterUrl checks a login URL like checkRouterUrl and says why it failed: `malformed`
 * when checkOriginalUrl would refuse it, `refused` with the host when `rule` does.
 */
export function inspectRouterUrl(
  raw: string | undefined,
  rule: RouterUrlRule = {},
): RouterUrlCheck {
  const url = parseHttpUrl(raw);
  if (!url) return { ok: false, reason: 'malformed' };
  const refused = { ok: false, reason: 'refused', host: url.hostname } as const;
  if (rule.requireHttps && url.protocol !== 'https:') return refused;
  if (rule.hostSuffix !== undefined && !url.hostname.endsWith(rule.hostSuffix.toLowerCase()))
    return refused;
  if (rule.allowedHosts && rule.allowedHosts.length > 0) {
    const allowed = rule.allowedHosts.map(normaliseHost);
    if (!allowed.includes(url.hostname)) return refused;
  }
  if (rule.localOnly && !isRouterLocalAddress(url.hostname)) return refused;
  return { ok: true, href: url.href };
}

/**
 * checkRouterUrl returns the normalised href of a login URL that passes checkOriginalUrl and
 * `rule` (host allow-list, host suffix, https, router-local), or undefined when the guest's
 * code must not be sent there.
 */
export function checkRouterUrl(
  raw: string | undefined,
  rule: RouterUrlRule = {},
): string | undefined {
  const check = inspectRouterUrl(raw, rule);
  return check.ok ? check.href : undefined;
}
