// CoovaChilli and uspot (OpenWrt) UAM: the router redirects to the splash page with `res`,
// `uamip`, `uamport`, `challenge` and friends, signed with `md` when a UAM secret is set,
// and takes the guest back at `http://uamip:uamport/logon`. The formulas follow coova's
// src/redir.c and doc/hotspotlogin.cgi; uspot's portal.uc builds the same URL and `md`.
// With a `uamhomepage` set, chilli wraps that whole URL in `<homepage>?loginurl=…`.

import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { normalizeMac, parseCalledStationId } from '../core/mac.js';
import {
  ADAPTER_ERRORS,
  ROUTER_RESULTS,
  adapterError,
  checkLoginUrl,
  type AdapterOptions,
  type ClientContext,
  type Credentials,
  type HandOffResult,
  type LoginUrlResult,
  type ParseResult,
  type RouterAdapter,
  type RouterRequest,
  type RouterResult,
} from './router-adapter.js';
import {
  MAX_MESSAGE_LENGTH,
  dropUndefined,
  hasAny,
  readIp,
  readRaw,
  readText,
} from './router-params.js';
import { checkOriginalUrl } from './safe-url.js';

// coova's chilli_limits.h: RADIUS_PWSIZE and REDIR_USERNAMESIZE (with its NUL).
const MAX_PAP_PASSWORD_BYTES = 128;
const MAX_USERNAME_BYTES = 255;
const CHALLENGE_HEX = /^[0-9a-f]{32}$/i;
const MD_HEX = /^[0-9a-f]{32}$/i;

function md5(...parts: Buffer[]): Buffer {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** CoovaMdCheck is the outcome of verifyCoovaMd; `params` are read from the signed URL. */
export type CoovaMdCheck =
  { status: 'ok'; params: Record<string, string> } | { status: 'missing' } | { status: 'bad' };

/**
 * verifyCoovaMd checks the `md` that CoovaChilli (redir_md_param) and uspot append last to the
 * redirect: upper-case hex MD5 of everything before `&md=` (portal URL, `?` and the encoded
 * query) followed by the UAM secret. It returns the parameters of the signed part on success,
 * `missing` when there is no `md`, and `bad` when it does not match (compared in constant
 * time, either hex case).
 */
export function verifyCoovaMd(rawUrl: string | undefined, uamSecret: string): CoovaMdCheck {
  if (!rawUrl) return { status: 'missing' };
  const url = rawUrl.split('#', 1)[0] ?? '';
  const at = url.lastIndexOf('&md=');
  if (at < 0) return { status: 'missing' };
  const signed = url.slice(0, at);
  const given = url.slice(at + '&md='.length);
  if (!MD_HEX.test(given)) return { status: 'bad' };
  const expected = md5(Buffer.from(signed, 'utf8'), Buffer.from(uamSecret, 'utf8'));
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return { status: 'bad' };
  const query = signed.indexOf('?');
  const params: Record<string, string> = {};
  if (query >= 0) {
    for (const [key, value] of new URLSearchParams(signed.slice(query + 1))) {
      if (!Object.hasOwn(params, key)) params[key] = value;
    }
  }
  return { status: 'ok', params };
}

/**
 * coovaChapChallenge returns the challenge the router puts in CHAP-Challenge:
 * MD5(bin(challenge) ‖ uamsecret) with a secret, the challenge bytes themselves without.
 */
export function coovaChapChallenge(challengeHex: string, uamSecret?: string): Buffer {
  const challenge = Buffer.from(challengeHex, 'hex');
  return uamSecret ? md5(challenge, Buffer.from(uamSecret, 'utf8')) : challenge;
}

/** coovaChapResponse returns the `response` for /logon: hex MD5(0x00 ‖ password ‖ newchal). */
export function coovaChapResponse(
  password: string,
  challengeHex: string,
  uamSecret?: string,
): string {
  const newchal = coovaChapChallenge(challengeHex, uamSecret);
  return md5(Buffer.from([0]), Buffer.from(password, 'utf8'), newchal).toString('hex');
}

/**
 * coovaPapPassword returns the `password` for /logon: hex of the password XOR newchal, with
 * newchal repeated to the password's length and the result cut to it (hotspotlogin.cgi).
 */
export function coovaPapPassword(
  password: string,
  challengeHex: string,
  uamSecret?: string,
): string {
  const newchal = coovaChapChallenge(challengeHex, uamSecret);
  const plain = Buffer.from(password, 'utf8');
  const out = Buffer.alloc(plain.length);
  for (let i = 0; i < plain.length; i++)
    out[i] = (plain[i] ?? 0) ^ (newchal[i % newchal.length] ?? 0);
  return out.toString('hex');
}

function isRouterResult(value: string | undefined): value is RouterResult {
  return (ROUTER_RESULTS as readonly string[]).includes(value ?? '');
}

// uspot says `reject` where chilli says `failed` (uspot README, "UAM interface").
function readRouterResult(params: Record<string, string>): RouterResult | undefined {
  const res = readText(params, 'res');
  if (res === 'reject') return 'failed';
  return isRouterResult(res) ? res : undefined;
}

/**
 * unwrapCoovaLoginUrl returns the redirect that CoovaChilli's `uamhomepage` wraps: with a
 * homepage set, chilli sends the guest to `<homepage>?loginurl=<uamserver URL>` (redir.c,
 * percent-encoded by redir_urlencode), and that inner URL carries the UAM parameters and
 * its own `md`, so it becomes the parameters and the raw URL to verify. A request without
 * `loginurl`, or with its own `uamip`, comes back unchanged.
 */
export function unwrapCoovaLoginUrl(request: RouterRequest): RouterRequest {
  const inner = readRaw(request.params, 'loginurl');
  if (inner === undefined || hasAny(request.params, ['uamip'])) return request;
  const url = inner.split('#', 1)[0] ?? '';
  const query = url.indexOf('?');
  const params: Record<string, string> = {};
  if (query >= 0) {
    for (const [key, value] of new URLSearchParams(url.slice(query + 1))) {
      if (!Object.hasOwn(params, key)) params[key] = value;
    }
  }
  return { params, rawUrl: inner };
}

// The logon URL is built from an IP literal and a port number only, never a host name, so a
// crafted redirect cannot point the guest's credentials anywhere but an address, and that
// address must be router-local or one of the NAS's login hosts.
function buildLoginUrl(uamip: string, uamport: string, opts: AdapterOptions): LoginUrlResult {
  const port = /^[0-9]{1,5}$/.test(uamport) ? Number(uamport) : 0;
  if (port < 1 || port > 65535)
    return adapterError(ADAPTER_ERRORS.BAD_LOGIN_URL, 'uamport is not a port number');
  const host = isIP(uamip) === 6 ? `[${uamip}]` : uamip;
  return checkLoginUrl(`http://${host}:${port}/logon`, opts, 'uamip');
}

// A context may have travelled through a form; the login URL is checked again before use.
function recheckLoginUrl(loginUrl: string | undefined, opts: AdapterOptions): LoginUrlResult {
  const unusable = adapterError(
    ADAPTER_ERRORS.BAD_LOGIN_URL,
    'no usable uamip:uamport in the context',
  );
  if (!loginUrl) return unusable;
  let url: URL;
  try {
    url = new URL(loginUrl);
  } catch {
    return unusable;
  }
  if (url.pathname !== '/logon' || url.search !== '' || url.hash !== '') return unusable;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0) return unusable;
  return buildLoginUrl(host, url.port || '80', opts);
}

function parse(routerRequest: RouterRequest, opts: AdapterOptions): ParseResult {
  const request = unwrapCoovaLoginUrl(routerRequest);
  let params = request.params;
  if (opts.uamSecret) {
    const check = verifyCoovaMd(request.rawUrl, opts.uamSecret);
    if (check.status === 'missing') {
      return adapterError(
        ADAPTER_ERRORS.MISSING_SIGNATURE,
        'a UAM secret is set but the redirect has no md',
      );
    }
    if (check.status === 'bad') {
      return adapterError(
        ADAPTER_ERRORS.BAD_SIGNATURE,
        'the redirect md does not match the UAM secret',
      );
    }
    params = check.params;
  } else if (params.md !== undefined) {
    // The router signs with a uamsecret Portico does not know: its CHAP would never match,
    // so every code would look wrong. Refuse before the guest types one.
    return adapterError(
      ADAPTER_ERRORS.NO_UAM_SECRET,
      'the redirect is signed (md) but no UAM secret is set for this router',
    );
  }

  const rawIp = readText(params, 'uamip');
  const rawPort = readText(params, 'uamport');
  if (rawIp === undefined || rawPort === undefined) {
    return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'uamip and uamport are required');
  }
  const uamip = readIp(params, 'uamip');
  if (uamip === undefined)
    return adapterError(ADAPTER_ERRORS.BAD_PARAM, 'uamip is not an IP address');
  const login = buildLoginUrl(uamip, rawPort, opts);
  if (!login.ok) return login;

  const challenge = readText(params, 'challenge');
  if (challenge !== undefined && !CHALLENGE_HEX.test(challenge)) {
    return adapterError(ADAPTER_ERRORS.BAD_PARAM, 'challenge is not 16 bytes of hex');
  }

  const called = readText(params, 'called');
  const calledParts = parseCalledStationId(called);
  const context: ClientContext = {
    adapter: 'coova',
    mac: normalizeMac(readText(params, 'mac')),
    ip: readIp(params, 'ip'),
    nasId: readText(params, 'nasid'),
    calledStation: called,
    apMac: calledParts.apMac,
    ssid: readText(params, 'ssid') ?? calledParts.ssid,
    loginUrl: login.href,
    challenge: challenge?.toLowerCase(),
    sessionId: readText(params, 'sessionid'),
    originalUrl: checkOriginalUrl(readRaw(params, 'userurl')),
    routerResult: readRouterResult(params),
    routerMessage: readText(params, 'reply', MAX_MESSAGE_LENGTH),
  };
  return { ok: true, context: dropUndefined(context) };
}

function handOff(
  ctx: ClientContext,
  credentials: Credentials,
  opts: AdapterOptions,
): HandOffResult {
  const login = recheckLoginUrl(ctx.loginUrl, opts);
  if (!login.ok) return login;
  const { username, password } = credentials;
  if (username === '' || Buffer.byteLength(username, 'utf8') > MAX_USERNAME_BYTES) {
    return adapterError(
      ADAPTER_ERRORS.BAD_CREDENTIALS,
      'username is empty or too long for CoovaChilli',
    );
  }
  if (password === '' || Buffer.byteLength(password, 'utf8') > MAX_PAP_PASSWORD_BYTES) {
    return adapterError(
      ADAPTER_ERRORS.BAD_CREDENTIALS,
      'password is empty or longer than 128 bytes',
    );
  }
  const challenge =
    ctx.challenge !== undefined && CHALLENGE_HEX.test(ctx.challenge) ? ctx.challenge : undefined;
  const mode = opts.authMode ?? 'chap';

  const query: [string, string][] = [['username', username]];
  if (challenge !== undefined) {
    query.push(
      mode === 'chap'
        ? ['response', coovaChapResponse(password, challenge, opts.uamSecret)]
        : ['password', coovaPapPassword(password, challenge, opts.uamSecret)],
    );
  } else if (mode === 'pap') {
    // Coova's `nochallenge` mode: no challenge in the redirect, the password travels plain.
    query.push(['password', password]);
  } else {
    return adapterError(ADAPTER_ERRORS.NO_CHALLENGE, 'CHAP needs the challenge from the redirect');
  }
  const next = checkOriginalUrl(ctx.originalUrl) ?? opts.defaultLandingUrl;
  // chilli sends the guest on to `userurl`; uspot (final_redirect_url 'uam') reads `redir`
  // and returns it as the `userurl` of its res=success redirect (handler-uam.uc, portal.uc).
  query.push(['userurl', next], ['redir', next]);

  // redir_urldecode does not turn `+` into a space, so every value is percent-encoded.
  const qs = query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return { ok: true, handOff: { kind: 'redirect', url: `${login.href}?${qs}` } };
}

/** coovaAdapter handles CoovaChilli and uspot UAM redirects and the /logon hand-off. */
export const coovaAdapter: RouterAdapter = {
  name: 'coova',
  matches: (params) =>
    (hasAny(params, ['uamip']) && hasAny(params, ['res', 'challenge', 'uamport'])) ||
    (hasAny(params, ['loginurl']) && /[?&]uamip=/.test(params.loginurl ?? '')),
  parse,
  handOff,
};
