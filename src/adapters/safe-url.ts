// Every URL a router hands us is attacker-controlled: anyone can craft a splash link. These
// checks decide which of them Portico may show as a link or send the guest's code to. They
// work on the raw text as well as on the parsed URL because browsers repair input (a
// backslash becomes a slash, tabs vanish, `http:evil.com` gains its slashes) and we refuse
// anything whose meaning depends on that repair.

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

/** RouterUrlRule narrows which hosts a login URL may point at. */
export type RouterUrlRule = {
  /** Exact host names or IP literals; unset or empty allows any host. */
  allowedHosts?: readonly string[];
  /** The host must end with this suffix, e.g. `.network-auth.com`. */
  hostSuffix?: string;
  requireHttps?: boolean;
};

function normaliseHost(host: string): string | undefined {
  try {
    return new URL(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}/`)
      .hostname;
  } catch {
    return undefined;
  }
}

/**
 * checkRouterUrl returns the normalised href of a login URL that passes checkOriginalUrl and
 * `rule` (host allow-list, host suffix, https), or undefined when the guest's code must not
 * be sent there.
 */
export function checkRouterUrl(
  raw: string | undefined,
  rule: RouterUrlRule = {},
): string | undefined {
  const url = parseHttpUrl(raw);
  if (!url) return undefined;
  if (rule.requireHttps && url.protocol !== 'https:') return undefined;
  if (rule.hostSuffix !== undefined && !url.hostname.endsWith(rule.hostSuffix.toLowerCase()))
    return undefined;
  if (rule.allowedHosts && rule.allowedHosts.length > 0) {
    const allowed = rule.allowedHosts.map(normaliseHost);
    if (!allowed.includes(url.hostname)) return undefined;
  }
  return url.href;
}
