// RADIUS MAC authentication (UniFi, Meraki, Aruba): the router redirects with the
// client MAC; the splash page binds that MAC to the token and the router's next
// Access-Request, with the MAC as User-Name, is accepted. Meraki's sign-on splash posts the
// code to its cloud instead, and its click-through grants through base_grant_url.

import { normalizeMac, type MacAddress } from '../core/mac.js';
import {
  ADAPTER_ERRORS,
  adapterError,
  type AdapterOptions,
  type ClientContext,
  type Credentials,
  type HandOffResult,
  type ParseResult,
  type RouterAdapter,
  type RouterRequest,
} from './router-adapter.js';
import { dropUndefined, hasAny, readIp, readRaw, readText } from './router-params.js';
import { checkOriginalUrl, checkRouterUrl, type RouterUrlRule } from './safe-url.js';

// Meraki's login_url and base_grant_url are always its cloud, e.g. n143.network-auth.com.
const MERAKI_RULE: RouterUrlRule = { hostSuffix: '.network-auth.com', requireHttps: true };

// Client MAC: UniFi `id`, Meraki `client_mac`, Aruba and MAC-only portal pages `mac`.
const MAC_KEYS = ['id', 'client_mac', 'mac'] as const;
const IP_KEYS = ['client_ip', 'ip'] as const;
// Access point MAC: UniFi `ap`, Meraki sign-on `ap_mac`, click-through `node_mac`, Aruba `apmac`.
const AP_KEYS = ['ap', 'ap_mac', 'node_mac', 'apmac'] as const;
// Original URL: UniFi and Aruba `url`, Meraki `continue_url`/`user_continue_url`, `redirurl`.
const URL_KEYS = ['url', 'continue_url', 'user_continue_url', 'redirurl'] as const;

function readMac(params: Record<string, string>, keys: readonly string[]): MacAddress | undefined {
  for (const key of keys) {
    const mac = normalizeMac(readText(params, key));
    if (mac) return mac;
  }
  return undefined;
}

function firstIp(params: Record<string, string>): string | undefined {
  for (const key of IP_KEYS) {
    const ip = readIp(params, key);
    if (ip) return ip;
  }
  return undefined;
}

function parse(request: RouterRequest, _opts: AdapterOptions): ParseResult {
  const { params } = request;
  const rawLogin = readRaw(params, 'login_url');
  const loginUrl = rawLogin === undefined ? undefined : checkRouterUrl(rawLogin, MERAKI_RULE);
  const rawGrant = readRaw(params, 'base_grant_url');
  const grantUrl = rawGrant === undefined ? undefined : checkRouterUrl(rawGrant, MERAKI_RULE);
  if ((rawLogin !== undefined && !loginUrl) || (rawGrant !== undefined && !grantUrl)) {
    return adapterError(
      ADAPTER_ERRORS.BAD_LOGIN_URL,
      'Meraki URLs must be https on *.network-auth.com',
    );
  }

  const mac = readMac(params, MAC_KEYS);
  if (!mac && !loginUrl) {
    return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'MAC authentication needs the client MAC');
  }

  const context: ClientContext = {
    adapter: 'macauth',
    mac,
    ip: firstIp(params),
    apMac: readMac(params, AP_KEYS),
    ssid: readText(params, ['ssid', 'essid']),
    loginUrl,
    grantUrl,
    originalUrl: checkOriginalUrl(
      URL_KEYS.map((k) => readRaw(params, k)).find((v) => v !== undefined),
    ),
  };
  return { ok: true, context: dropUndefined(context) };
}

function handOff(
  ctx: ClientContext,
  credentials: Credentials,
  opts: AdapterOptions,
): HandOffResult {
  const next = checkOriginalUrl(ctx.originalUrl) ?? opts.defaultLandingUrl;

  if (ctx.loginUrl !== undefined) {
    const loginUrl = checkRouterUrl(ctx.loginUrl, MERAKI_RULE);
    if (!loginUrl)
      return adapterError(ADAPTER_ERRORS.BAD_LOGIN_URL, 'login_url is not on *.network-auth.com');
    if (credentials.username === '' || credentials.password === '') {
      return adapterError(
        ADAPTER_ERRORS.BAD_CREDENTIALS,
        'username and password must not be empty',
      );
    }
    // Meraki sign-on: the cloud, not the AP, sends a PAP Access-Request with these.
    const fields = {
      username: credentials.username,
      password: credentials.password,
      success_url: next,
    };
    return { ok: true, handOff: { kind: 'form-post', url: loginUrl, fields } };
  }

  const mac = normalizeMac(ctx.mac);
  if (!mac)
    return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'MAC authentication needs the client MAC');

  let nextUrl = next;
  if (ctx.grantUrl !== undefined) {
    const grant = checkRouterUrl(ctx.grantUrl, MERAKI_RULE);
    if (!grant)
      return adapterError(
        ADAPTER_ERRORS.BAD_LOGIN_URL,
        'base_grant_url is not on *.network-auth.com',
      );
    const url = new URL(grant);
    url.searchParams.set('continue_url', next);
    nextUrl = url.href;
  }
  return { ok: true, handOff: { kind: 'bind-mac', mac, nextUrl } };
}

/** macAuthAdapter handles UniFi, Meraki and Aruba redirects for RADIUS MAC auth. */
export const macAuthAdapter: RouterAdapter = {
  name: 'macauth',
  matches: (params) =>
    hasAny(params, [
      'client_mac',
      'base_grant_url',
      'login_url',
      'continue_url',
      'user_continue_url',
    ]) ||
    (hasAny(params, ['id']) && hasAny(params, ['ap', 't'])) ||
    (hasAny(params, ['mac']) &&
      hasAny(params, ['essid', 'apname', 'switchip', 'zone', 'redirurl'])),
  parse,
  handOff,
};
