// MikroTik Hotspot with an external login page: the router's own login.html forwards
// `$(link-login-only)`, `$(link-orig)`, `$(mac)`, `$(chap-id)`, `$(chap-challenge)` and friends
// to the splash page (usually as an auto-submitted form). The guest goes back with a POST to
// link-login-only, the password hashed the way RouterOS's login.html does it with md5.js.

import { createHash } from 'node:crypto';
import { normalizeMac } from '../core/mac.js';
import {
  ADAPTER_ERRORS,
  adapterError,
  checkLoginUrl,
  type AdapterOptions,
  type ClientContext,
  type Credentials,
  type HandOffResult,
  type ParseResult,
  type RouterAdapter,
  type RouterRequest,
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

const MAX_CHALLENGE_BYTES = 64;

/**
 * decodeMikrotikOctal returns the bytes of a RouterOS octal-escaped string such as
 * `\371\032`, read with the JavaScript string-literal rules login.html relies on (`\ooo` up
 * to 0o377, a backslash before any other character keeps that character), or undefined when
 * a character does not fit in one byte.
 */
export function decodeMikrotikOctal(escaped: string): Buffer | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped.charCodeAt(i);
    if (escaped[i] !== '\\') {
      if (ch > 0xff) return undefined;
      bytes.push(ch);
      continue;
    }
    const octal = /^[0-3][0-7]{0,2}|^[4-7][0-7]?/.exec(escaped.slice(i + 1));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += octal[0].length;
      continue;
    }
    const next = escaped.charCodeAt(i + 1);
    if (Number.isNaN(next) || next > 0xff) return undefined;
    bytes.push(next);
    i += 1;
  }
  return Buffer.from(bytes);
}

/**
 * mikrotikChapPassword returns the `password` login.html posts in HTTP-CHAP mode:
 * hexMD5(chap-id ‖ password ‖ chap-challenge), where md5.js keeps the low byte of each
 * character of the password.
 */
export function mikrotikChapPassword(
  password: string,
  chapIdHex: string,
  challengeHex: string,
): string {
  return createHash('md5')
    .update(Buffer.from(chapIdHex, 'hex'))
    .update(Buffer.from(password, 'latin1'))
    .update(Buffer.from(challengeHex, 'hex'))
    .digest('hex');
}

function readExact(params: Record<string, string>, key: string): string | undefined {
  const value = Object.hasOwn(params, key) ? params[key] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// `-esc` variables are URL-encoded; posted through a form they arrive encoded once more.
// Values are not trimmed: a challenge byte may be a printable space.
function readEscaped(params: Record<string, string>, key: string): string | undefined {
  const plain = readExact(params, key);
  if (plain !== undefined) return plain;
  const escaped = readExact(params, `${key}-esc`);
  if (escaped === undefined || !/%[0-9A-Fa-f]{2}/.test(escaped)) return escaped;
  try {
    return decodeURIComponent(escaped);
  } catch {
    return undefined;
  }
}

function parse(request: RouterRequest, opts: AdapterOptions): ParseResult {
  const { params } = request;
  const rawLogin =
    readEscaped(params, 'link-login-only')?.trim() || readEscaped(params, 'link-login')?.trim();
  if (!rawLogin) return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'link-login-only is required');
  // The guest's code goes to this URL: only the router's own address, or a host staff listed.
  const login = checkLoginUrl(rawLogin, opts, 'link-login-only');
  if (!login.ok) return login;

  const rawId = readEscaped(params, 'chap-id');
  const rawChallenge = readEscaped(params, 'chap-challenge');
  let chapId: string | undefined;
  let challenge: string | undefined;
  if (rawId !== undefined || rawChallenge !== undefined) {
    const id = rawId === undefined ? undefined : decodeMikrotikOctal(rawId);
    const chal = rawChallenge === undefined ? undefined : decodeMikrotikOctal(rawChallenge);
    if (!id || id.length !== 1 || !chal || chal.length === 0 || chal.length > MAX_CHALLENGE_BYTES) {
      return adapterError(
        ADAPTER_ERRORS.BAD_PARAM,
        'chap-id must be one byte and chap-challenge 1-64 bytes',
      );
    }
    chapId = id.toString('hex');
    challenge = chal.toString('hex');
  }

  const error = readText(params, 'error', MAX_MESSAGE_LENGTH);
  const context: ClientContext = {
    adapter: 'mikrotik',
    mac: normalizeMac(readEscaped(params, 'mac')?.trim()),
    ip: readIp(params, 'ip'),
    nasId: readText(params, 'identity'),
    // RouterOS sends the hotspot server name as Called-Station-Id; keep the two in step.
    calledStation: readText(params, 'server-name'),
    loginUrl: login.href,
    chapId,
    challenge,
    sessionId: readText(params, 'session-id'),
    originalUrl: checkOriginalUrl(
      readEscaped(params, 'link-orig')?.trim() ?? readRaw(params, 'dst'),
    ),
    routerResult: error === undefined ? 'notyet' : 'failed',
    routerMessage: error,
  };
  return { ok: true, context: dropUndefined(context) };
}

function handOff(
  ctx: ClientContext,
  credentials: Credentials,
  opts: AdapterOptions,
): HandOffResult {
  // The NAS's login hosts may have changed since the guest arrived.
  const login = checkLoginUrl(ctx.loginUrl, opts, 'link-login-only');
  if (!login.ok) return login;
  const { username, password } = credentials;
  if (username === '' || password === '') {
    return adapterError(ADAPTER_ERRORS.BAD_CREDENTIALS, 'username and password must not be empty');
  }
  const hasChap =
    ctx.chapId !== undefined &&
    ctx.challenge !== undefined &&
    /^[0-9a-f]{2}$/.test(ctx.chapId) &&
    /^(?:[0-9a-f]{2})+$/.test(ctx.challenge);

  // Like login.html's `$(if chap-id)`: the router decides, unless the NAS is pinned to a mode.
  let sent: string;
  if (opts.authMode === 'pap') {
    sent = password;
  } else if (hasChap) {
    sent = mikrotikChapPassword(password, ctx.chapId ?? '', ctx.challenge ?? '');
  } else if (opts.authMode === 'chap') {
    return adapterError(
      ADAPTER_ERRORS.NO_CHALLENGE,
      'CHAP is required but the router sent no chap-id',
    );
  } else {
    sent = password;
  }

  const fields = {
    username,
    password: sent,
    dst: checkOriginalUrl(ctx.originalUrl) ?? opts.defaultLandingUrl,
    popup: 'true',
  };
  return { ok: true, handOff: { kind: 'form-post', url: login.href, fields } };
}

/** mikrotikAdapter handles MikroTik Hotspot external login pages and the link-login POST. */
export const mikrotikAdapter: RouterAdapter = {
  name: 'mikrotik',
  matches: (params) =>
    hasAny(params, [
      'link-login-only',
      'link-login',
      'link-login-only-esc',
      'link-login-esc',
      'chap-id',
    ]),
  parse,
  handOff,
};
