// pfSense captive portal with Portico's portal page: the page pfSense serves (deploy/routers/
// pfsense.md) forwards `$PORTAL_ACTION$`, `$PORTAL_ZONE$`, `$PORTAL_REDIRURL$`, `$CLIENT_MAC$`
// and `$CLIENT_IP$` to the splash page as a GET form, so the browser undoes pfSense's HTML
// escaping and URL-encodes the values. After a code passes, the browser posts it back to the
// portal action as `auth_user`/`auth_pass` with `accept`, which is when pfSense's index.php
// asks RADIUS (src/usr/local/captiveportal/index.php: `$_POST['accept']`).

import { normalizeMac } from '../core/mac.js';
import {
  ADAPTER_ERRORS,
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
} from './router-adapter.js';
import { dropUndefined, hasAny, readIp, readRaw, readText } from './router-params.js';
import { checkOriginalUrl } from './safe-url.js';

/** PFSENSE_ACTION_PARAM is the parameter Portico's pfSense page puts `$PORTAL_ACTION$` in. */
export const PFSENSE_ACTION_PARAM = 'portal_action';

// pfSense stores zone names lower-cased, of letters, digits and underscores
// (services_captiveportal_zones_edit.php).
const ZONE = /^[a-z0-9_]{1,64}$/;

// $PORTAL_ACTION$ is `http(s)://<interface address or HTTPS name>[:port]/index.php?zone=<zone>`
// (captiveportal.inc, portal_reply_page): only that shape, on a host the NAS allows.
function checkAction(raw: string | undefined, opts: AdapterOptions, zone: string): LoginUrlResult {
  const checked = checkLoginUrl(raw, opts, PFSENSE_ACTION_PARAM);
  if (!checked.ok) return checked;
  const url = new URL(checked.href);
  if (url.pathname !== '/index.php' || url.hash !== '' || url.searchParams.get('zone') !== zone) {
    return adapterError(
      ADAPTER_ERRORS.BAD_LOGIN_URL,
      `${PFSENSE_ACTION_PARAM} is not the zone's /index.php?zone=${zone}`,
    );
  }
  return checked;
}

function parse(request: RouterRequest, opts: AdapterOptions): ParseResult {
  const { params } = request;
  const zone = readText(params, 'zone')?.toLowerCase();
  if (zone === undefined || !ZONE.test(zone))
    return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'zone ($PORTAL_ZONE$) is required');
  const action = checkAction(readRaw(params, PFSENSE_ACTION_PARAM), opts, zone);
  if (!action.ok) return action;
  const context: ClientContext = {
    adapter: 'pfsense',
    mac: normalizeMac(readText(params, 'mac')),
    ip: readIp(params, 'ip'),
    nasId: readText(params, 'nasid'),
    loginUrl: action.href,
    zone,
    originalUrl: checkOriginalUrl(readRaw(params, 'redirurl')),
  };
  return { ok: true, context: dropUndefined(context) };
}

function handOff(
  ctx: ClientContext,
  credentials: Credentials,
  opts: AdapterOptions,
): HandOffResult {
  const zone = ctx.zone ?? '';
  if (!ZONE.test(zone)) return adapterError(ADAPTER_ERRORS.MISSING_PARAM, 'no zone in the context');
  // The NAS's login hosts may have changed since the guest arrived.
  const action = checkAction(ctx.loginUrl, opts, zone);
  if (!action.ok) return action;
  if (credentials.username === '' || credentials.password === '') {
    return adapterError(ADAPTER_ERRORS.BAD_CREDENTIALS, 'username and password must not be empty');
  }
  const fields = {
    auth_user: credentials.username,
    auth_pass: credentials.password,
    zone,
    // pfSense sends the guest here after the login unless the zone has its own
    // "After authentication Redirection URL".
    redirurl: checkOriginalUrl(ctx.originalUrl) ?? opts.defaultLandingUrl,
    accept: 'Continue',
  };
  return { ok: true, handOff: { kind: 'form-post', url: action.href, fields } };
}

/** pfsenseAdapter handles pfSense captive portal pages and the `accept` POST back to them. */
export const pfsenseAdapter: RouterAdapter = {
  name: 'pfsense',
  matches: (params) => hasAny(params, [PFSENSE_ACTION_PARAM]) && hasAny(params, ['zone']),
  parse,
  handOff,
};
