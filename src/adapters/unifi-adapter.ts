// UniFi external portal: the controller sends an unauthorised guest to
// `http://<portal>/guest/s/<site>/?ap=<AP MAC>&id=<client MAC>&t=<time>&url=<page>&ssid=<SSID>`
// (the splash route adds `site` from the path). There is no login URL to hand back to: the
// portal authorises the guest's MAC through the controller's API, so the hand-off asks the
// caller to do that for the token's time left and then show the success page.

import { normalizeMac } from '../core/mac.js';
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
import { dropUndefined, hasAny, readRaw, readText } from './router-params.js';
import { checkOriginalUrl } from './safe-url.js';

/** UNIFI_SITE is the shape of a UniFi site's short name (the `<site>` in /guest/s/<site>/). */
export const UNIFI_SITE = /^[A-Za-z0-9_.-]{1,64}$/;

function parse(request: RouterRequest, _opts: AdapterOptions): ParseResult {
  const { params } = request;
  const site = readText(params, 'site');
  if (site === undefined || !UNIFI_SITE.test(site))
    return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'the /guest/s/<site>/ path names no site');
  const mac = normalizeMac(readText(params, 'id'));
  if (!mac) return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'id (the client MAC) is required');
  const context: ClientContext = {
    adapter: 'unifi',
    mac,
    apMac: normalizeMac(readText(params, 'ap')),
    ssid: readText(params, 'ssid'),
    site,
    originalUrl: checkOriginalUrl(readRaw(params, 'url')),
  };
  return { ok: true, context: dropUndefined(context) };
}

function handOff(
  ctx: ClientContext,
  _credentials: Credentials,
  opts: AdapterOptions,
): HandOffResult {
  const mac = normalizeMac(ctx.mac);
  if (!mac) return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'no client MAC in the context');
  const apMac = normalizeMac(ctx.apMac);
  const nextUrl = checkOriginalUrl(ctx.originalUrl) ?? opts.defaultLandingUrl;
  return {
    ok: true,
    handOff: { kind: 'controller-authorize', mac, ...(apMac ? { apMac } : {}), nextUrl },
  };
}

/** unifiAdapter handles UniFi's external portal redirect and the controller hand-off. */
export const unifiAdapter: RouterAdapter = {
  name: 'unifi',
  matches: (params) => hasAny(params, ['site']) && hasAny(params, ['id']),
  parse,
  handOff,
};
