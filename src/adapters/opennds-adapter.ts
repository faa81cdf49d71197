// openNDS (OpenWrt's captive portal) with Portico as its Forwarding Authentication Service.
// openNDS has no RADIUS: it sends the guest here with its FAS parameters and lets the guest
// on when the browser comes back to its auth directory with the right `tok`. What each
// fas_secure_enabled level sends follows openNDS 9.10's src/http_microhttpd.c
// (construct_querystring, encode_and_redirect_to_splashpage, try_to_authenticate):
//
// - 0: `?authaction=http://GW:PORT/AUTHDIR/?clientip=IP&gatewayname=NAME&tok=TOKEN&redir=URL`,
//   the client token in clear and no MAC;
// - 1: `?fas=BASE64` of `hid=…, clientip=…, clientmac=…, gatewayname=…, gatewayaddress=…,
//   originurl=…, …` (comma-space separated, values URL-encoded); the answer is
//   `tok=sha256(hid + faskey)`;
// - 2: the same list AES-256-CBC encrypted with the faskey (PHP openssl: the key NUL-padded
//   to 32 bytes, the IV the 16 characters of `iv`, base64 twice), plus `authdir`.
//
// Level 3 is level 2 over https with the authmon daemon fetching the grant from the FAS;
// Portico does not serve it (see deploy/routers/opennds/README.md).

import { createDecipheriv, createHash } from 'node:crypto';
import { normalizeMac } from '../core/mac.js';
import {
  ADAPTER_ERRORS,
  adapterError,
  checkLoginUrl,
  type AdapterOptions,
  type ClientContext,
  type HandOffResult,
  type ParseResult,
  type RouterAdapter,
  type RouterRequest,
} from './router-adapter.js';
import { dropUndefined, hasAny, MAX_TEXT_LENGTH, readRaw, readText } from './router-params.js';
import { checkOriginalUrl } from './safe-url.js';

/** OPENNDS_DEFAULT_AUTHDIR is openNDS's `authdir` when the parameters do not name one. */
export const OPENNDS_DEFAULT_AUTHDIR = 'opennds_auth';

const HID = /^[0-9a-f]{64}$/;
const CLIENT_TOKEN = /^[0-9a-f]{8,64}$/i;
const AUTHDIR = /^[A-Za-z0-9_-]{1,64}$/;
const IV = /^[0-9a-f]{16}$/i;
const GATEWAY_ADDRESS = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/;
// openNDS appends " Node:<gateway MAC>" unless enable_serial_number_suffix is 0.
const SERIAL_SUFFIX = /\s*Node:[0-9a-f]{12}\s*$/i;
const MAX_FAS_LENGTH = 4096;

/** sha256Hex returns the lower-case hex SHA-256 of `text` (what openNDS's sha256sum prints). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** openndsHid returns the hid openNDS derives from a client token: sha256(token). */
export function openndsHid(clientToken: string): string {
  return sha256Hex(clientToken);
}

/** openndsRhid returns the `tok` a FAS at level 1 or 2 answers with: sha256(hid + faskey). */
export function openndsRhid(hid: string, fasKey: string): string {
  return sha256Hex(hid + fasKey);
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** gatewayNameOf returns the configured gateway name without openNDS's serial suffix. */
export function gatewayNameOf(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const name = decodeComponent(raw).replace(SERIAL_SUFFIX, '').trim();
  return name === '' ? undefined : name.slice(0, MAX_TEXT_LENGTH);
}

// `name=value, name=value, ...`: values are URL-encoded by openNDS and hold no ", ".
function parseFasList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(', ')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    if (!Object.hasOwn(out, key)) out[key] = part.slice(eq + 1);
  }
  return out;
}

// Browsers and openNDS leave base64's `+` unescaped in the query, so it arrives as a space.
const base64Of = (value: string) => value.replace(/ /g, '+');

/** decodeFasLevel1 returns the parameters of a level 1 `fas` value, or undefined. */
export function decodeFasLevel1(fas: string): Record<string, string> | undefined {
  if (fas.length > MAX_FAS_LENGTH) return undefined;
  const text = Buffer.from(base64Of(fas), 'base64').toString('utf8');
  const params = parseFasList(text);
  return params.hid !== undefined ? params : undefined;
}

/**
 * decryptFasLevel2 returns the parameters of a level 2 `fas` value encrypted under `fasKey`
 * with `iv`, or undefined when it does not decrypt to openNDS's list (a wrong key).
 */
export function decryptFasLevel2(
  fas: string,
  iv: string,
  fasKey: string,
): Record<string, string> | undefined {
  if (fas.length > MAX_FAS_LENGTH || !IV.test(iv)) return undefined;
  // PHP's openssl_encrypt pads a short key with NUL bytes and cuts a long one.
  const key = Buffer.alloc(32);
  Buffer.from(fasKey, 'utf8').copy(key, 0, 0, 32);
  try {
    const inner = Buffer.from(base64Of(fas), 'base64').toString('latin1');
    const cipherText = Buffer.from(inner, 'base64');
    const decipher = createDecipheriv('aes-256-cbc', key, Buffer.from(iv, 'latin1'));
    const text = Buffer.concat([decipher.update(cipherText), decipher.final()]).toString('utf8');
    const params = parseFasList(text);
    return params.hid !== undefined && HID.test(params.hid) ? params : undefined;
  } catch {
    return undefined;
  }
}

/**
 * openndsGatewayName returns the gateway name an openNDS redirect names in the clear (levels
 * 0 and 1), to find the router before anything is checked; undefined at level 2 or for
 * other routers.
 */
export function openndsGatewayName(params: Record<string, string>): string | undefined {
  if (readText(params, 'iv') !== undefined) return undefined;
  const fas = readRaw(params, 'fas');
  if (fas !== undefined) return gatewayNameOf(decodeFasLevel1(fas)?.gatewayname);
  if (readText(params, 'tok') !== undefined) return gatewayNameOf(readRaw(params, 'gatewayname'));
  return undefined;
}

function loginUrlOf(gatewayAddress: string | undefined, authdir: string, opts: AdapterOptions) {
  const m = gatewayAddress === undefined ? null : GATEWAY_ADDRESS.exec(gatewayAddress);
  if (!m || !AUTHDIR.test(authdir))
    return adapterError(
      ADAPTER_ERRORS.BAD_PARAM,
      'gatewayaddress is not IPv4[:port] or authdir is bad',
    );
  const port = m[2] === undefined ? 80 : Number(m[2]);
  if (port < 1 || port > 65535)
    return adapterError(ADAPTER_ERRORS.BAD_PARAM, 'gatewayaddress has a bad port');
  return checkLoginUrl(`http://${m[1]}:${port}/${authdir}/`, opts, 'gatewayaddress');
}

function fromList(list: Record<string, string>, level: 1 | 2, opts: AdapterOptions): ParseResult {
  const hid = list.hid ?? '';
  if (!HID.test(hid)) return adapterError(ADAPTER_ERRORS.BAD_PARAM, 'hid is not a SHA-256 hex');
  const login = loginUrlOf(list.gatewayaddress, list.authdir ?? OPENNDS_DEFAULT_AUTHDIR, opts);
  if (!login.ok) return login;
  const ip = list.clientip;
  const context: ClientContext = {
    adapter: 'opennds',
    mac: normalizeMac(list.clientmac),
    ip: ip !== undefined && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? ip : undefined,
    nasId: gatewayNameOf(list.gatewayname),
    loginUrl: login.href,
    sessionId: hid,
    fasLevel: level,
    originalUrl: checkOriginalUrl(
      list.originurl === undefined ? undefined : decodeComponent(list.originurl),
    ),
  };
  return { ok: true, context: dropUndefined(context) };
}

function parseLevel0(params: Record<string, string>, opts: AdapterOptions): ParseResult {
  const tok = readText(params, 'tok') ?? '';
  if (!CLIENT_TOKEN.test(tok))
    return adapterError(ADAPTER_ERRORS.BAD_PARAM, 'tok is not an openNDS client token');
  let action: URL;
  try {
    action = new URL(readRaw(params, 'authaction') ?? '');
  } catch {
    return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'level 0 needs authaction');
  }
  const authdir = action.pathname.replace(/^\/|\/$/g, '');
  const login = loginUrlOf(action.host, authdir, opts);
  if (!login.ok) return login;
  const ip = action.searchParams.get('clientip') ?? undefined;
  const context: ClientContext = {
    adapter: 'opennds',
    ip: ip !== undefined && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? ip : undefined,
    nasId: gatewayNameOf(readRaw(params, 'gatewayname')),
    loginUrl: login.href,
    sessionId: openndsHid(tok.toLowerCase()),
    clientToken: tok.toLowerCase(),
    fasLevel: 0,
    originalUrl: checkOriginalUrl(readRaw(params, 'redir')),
  };
  return { ok: true, context: dropUndefined(context) };
}

function parse(request: RouterRequest, opts: AdapterOptions): ParseResult {
  const { params } = request;
  const fas = readRaw(params, 'fas');
  if (fas === undefined) return parseLevel0(params, opts);
  const iv = readText(params, 'iv');
  if (iv === undefined) {
    const list = decodeFasLevel1(fas);
    if (!list) return adapterError(ADAPTER_ERRORS.BAD_PARAM, 'fas is not openNDS level 1 data');
    return fromList(list, 1, opts);
  }
  if (!opts.fasKey)
    return adapterError(ADAPTER_ERRORS.NO_FAS_KEY, 'level 2 needs the faskey to decrypt fas');
  const list = decryptFasLevel2(fas, iv, opts.fasKey);
  if (!list)
    return adapterError(ADAPTER_ERRORS.BAD_SIGNATURE, 'fas does not decrypt with the faskey');
  return fromList(list, 2, opts);
}

function handOff(ctx: ClientContext, _credentials: unknown, opts: AdapterOptions): HandOffResult {
  // Portico checks BinAuth's reports with a key derived from the faskey at every level.
  if (!opts.fasKey)
    return adapterError(ADAPTER_ERRORS.NO_FAS_KEY, 'the router has no faskey set in Portico');
  const hid = ctx.sessionId ?? '';
  if (!HID.test(hid)) return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'no hid in the context');
  let loginUrl: URL;
  try {
    loginUrl = new URL(ctx.loginUrl ?? '');
  } catch {
    return adapterError(ADAPTER_ERRORS.BAD_LOGIN_URL, 'no usable auth URL in the context');
  }
  const login = loginUrlOf(loginUrl.host, loginUrl.pathname.replace(/^\/|\/$/g, ''), opts);
  if (!login.ok) return login;
  let tok: string;
  if (ctx.fasLevel === 0) {
    if (ctx.clientToken === undefined || openndsHid(ctx.clientToken) !== hid)
      return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'no client token in the context');
    tok = ctx.clientToken;
  } else {
    tok = openndsRhid(hid, opts.fasKey);
  }
  // openNDS redirects to `redir` once it has let the device on (after BinAuth agreed).
  const redir = checkOriginalUrl(ctx.originalUrl) ?? opts.defaultLandingUrl;
  const url = `${login.href}?tok=${tok}&redir=${encodeURIComponent(redir)}`;
  return {
    ok: true,
    handOff: {
      kind: 'gateway-grant',
      url,
      grant: {
        sessionId: hid,
        ...(ctx.mac === undefined ? {} : { mac: ctx.mac }),
        ...(ctx.ip === undefined ? {} : { ip: ctx.ip }),
      },
    },
  };
}

/** openndsAdapter handles openNDS FAS redirects (levels 0, 1, 2) and the auth-dir hand-off. */
export const openndsAdapter: RouterAdapter = {
  name: 'opennds',
  matches: (params) =>
    (hasAny(params, ['fas']) && !hasAny(params, ['uamip', 'link-login-only'])) ||
    (hasAny(params, ['tok']) && hasAny(params, ['authaction', 'gatewayname'])),
  parse,
  handOff,
};
