// The contract every router family implements: the parameters a router appends to the splash
// page URL go in, one normalised client context comes out, and after a code is accepted the
// adapter says how to hand the guest back to the router. Adapters are pure: no I/O, no clock.

import type { MacAddress } from '../core/mac.js';
import { inspectRouterUrl, routerLoginRule } from './safe-url.js';

/** ADAPTER_NAMES lists the router families Portico can hand a guest back to. */
export const ADAPTER_NAMES = [
  'coova',
  'mikrotik',
  'macauth',
  'pfsense',
  'unifi',
  'opennds',
  'generic',
] as const;

/** AdapterName is one of ADAPTER_NAMES. */
export type AdapterName = (typeof ADAPTER_NAMES)[number];

/** ROUTER_RESULTS lists what a router says about the guest's last login attempt. */
export const ROUTER_RESULTS = [
  'notyet',
  'success',
  'failed',
  'logoff',
  'already',
  'splash',
] as const;

/** RouterResult is one of ROUTER_RESULTS. */
export type RouterResult = (typeof ROUTER_RESULTS)[number];

/** ClientContext is what Portico knows about a guest from the router's redirect parameters. */
export type ClientContext = {
  adapter: AdapterName;
  mac?: MacAddress;
  ip?: string;
  nasId?: string;
  /** Raw Called-Station-Id style value the router sent (NAS MAC, `mac:ssid` or a name). */
  calledStation?: string;
  apMac?: MacAddress;
  ssid?: string;
  /** Where the hand-off goes; built only from router parameters that point at the router. */
  loginUrl?: string;
  /** Meraki click-through grant URL, already checked to be on `*.network-auth.com`. */
  grantUrl?: string;
  /** Lower-case hex. */
  challenge?: string;
  /** Lower-case hex of the one CHAP identifier byte (MikroTik). */
  chapId?: string;
  /** The router's id for this guest's session (openNDS: the hid). */
  sessionId?: string;
  /** pfSense captive portal zone (`$PORTAL_ZONE$`). */
  zone?: string;
  /** UniFi controller site (`/guest/s/<site>/`). */
  site?: string;
  /** openNDS fas_secure_enabled level the redirect came with (0, 1 or 2). */
  fasLevel?: 0 | 1 | 2;
  /** openNDS level 0 client token, sent in clear by the gateway; its hash is `sessionId`. */
  clientToken?: string;
  /** The page the guest wanted, already checked by checkOriginalUrl. */
  originalUrl?: string;
  routerResult?: RouterResult;
  /** Reply or error text from the router, plain text (escape it when rendering). */
  routerMessage?: string;
};

/** AuthMode is how the guest's password travels to the router: hashed (CHAP) or plain (PAP). */
export type AuthMode = 'chap' | 'pap';

/** AdapterOptions carries the per-NAS settings an adapter needs. */
export type AdapterOptions = {
  /** CoovaChilli / uspot `uamsecret`: when set, `md` must verify and CHAP uses it. */
  uamSecret?: string;
  /** openNDS `faskey`: decrypts level 2 parameters and makes the level 1/2 `tok`. */
  fasKey?: string;
  /** Unset follows the router (CHAP when it sends a challenge). */
  authMode?: AuthMode;
  /** Where the guest goes after login when the router gave no usable original URL. */
  defaultLandingUrl: string;
  /**
   * The hosts (names or IP literals) the router's own login URL may name; unset or empty
   * allows only router-local addresses (see routerLoginRule).
   */
  allowedRedirectHosts?: readonly string[];
};

/**
 * RouterRequest is what the splash page received from the router: the decoded parameters
 * (query or form body) and, for CoovaChilli's `md` check, the absolute URL exactly as the
 * router wrote it (the router's configured portal URL followed by the raw query string).
 */
export type RouterRequest = {
  params: Record<string, string>;
  rawUrl?: string;
};

/** ADAPTER_ERRORS lists the stable codes of the ways router parameters can be refused. */
export const ADAPTER_ERRORS = {
  MISSING_PARAM: 'ADAPTER_MISSING_PARAM',
  BAD_PARAM: 'ADAPTER_BAD_PARAM',
  MISSING_SIGNATURE: 'ADAPTER_MISSING_SIGNATURE',
  BAD_SIGNATURE: 'ADAPTER_BAD_SIGNATURE',
  /** The redirect is signed (`md`) but Portico has no UAM secret for the router. */
  NO_UAM_SECRET: 'ADAPTER_NO_UAM_SECRET',
  BAD_LOGIN_URL: 'ADAPTER_BAD_LOGIN_URL',
  LOGIN_HOST_REFUSED: 'ADAPTER_LOGIN_HOST_REFUSED',
  NO_CHALLENGE: 'ADAPTER_NO_CHALLENGE',
  BAD_CREDENTIALS: 'ADAPTER_BAD_CREDENTIALS',
  NO_FAS_KEY: 'ADAPTER_NO_FAS_KEY',
} as const;

/** AdapterErrorCode is one of the ADAPTER_ERRORS values. */
export type AdapterErrorCode = (typeof ADAPTER_ERRORS)[keyof typeof ADAPTER_ERRORS];

/**
 * AdapterError says why an adapter refused: a stable code, a message for the log and, for
 * LOGIN_HOST_REFUSED, the login URL's host that the NAS does not allow.
 */
export type AdapterError = { code: AdapterErrorCode; message: string; host?: string };

/** ParseResult is a client context, or the reason the router parameters were refused. */
export type ParseResult = { ok: true; context: ClientContext } | { ok: false; error: AdapterError };

/**
 * HandOff tells the caller how to send the guest back to the router after a code is accepted:
 * `redirect` sends the browser to `url` with GET; `form-post` renders an auto-submitting form
 * with `fields`; `bind-mac` means record a binding of `mac` to the token first, then redirect
 * to `nextUrl`; `controller-authorize` means authorise `mac` through the router's controller
 * API (UniFi), then redirect to `nextUrl`; `show-success` means the router needs nothing and
 * the success page links to `nextUrl`; `gateway-grant` means hold the device's slot for
 * `grant` first (the router asks no RADIUS server, so Portico checks the limits here), then
 * redirect to `url`.
 */
export type HandOff =
  | { kind: 'redirect'; url: string }
  | { kind: 'form-post'; url: string; fields: Record<string, string> }
  | { kind: 'bind-mac'; mac: MacAddress; nextUrl: string }
  | { kind: 'controller-authorize'; mac: MacAddress; apMac?: MacAddress; nextUrl: string }
  | { kind: 'show-success'; nextUrl: string }
  | { kind: 'gateway-grant'; url: string; grant: GatewayGrant };

/** GatewayGrant names the router session a `gateway-grant` hand-off opens for the guest. */
export type GatewayGrant = { sessionId: string; mac?: MacAddress; ip?: string };

/** HandOffResult is a hand-off, or the reason none can be built from this context. */
export type HandOffResult = { ok: true; handOff: HandOff } | { ok: false; error: AdapterError };

/** Credentials are what the guest's code becomes at the router (User-Name and password). */
export type Credentials = { username: string; password: string };

/** RouterAdapter is one router family: recognise, parse and hand back. */
export interface RouterAdapter {
  readonly name: AdapterName;
  /** Whether these parameters look like this router family's redirect. */
  matches(params: Record<string, string>): boolean;
  parse(request: RouterRequest, opts: AdapterOptions): ParseResult;
  handOff(ctx: ClientContext, credentials: Credentials, opts: AdapterOptions): HandOffResult;
}

/** adapterError returns a refused result with `code`, `message` and, when given, `host`. */
export function adapterError(
  code: AdapterErrorCode,
  message: string,
  host?: string,
): { ok: false; error: AdapterError } {
  return { ok: false, error: host === undefined ? { code, message } : { code, message, host } };
}

/** LoginUrlResult is a router login URL fit to receive the guest's code, or why not. */
export type LoginUrlResult = { ok: true; href: string } | { ok: false; error: AdapterError };

/**
 * checkLoginUrl returns the normalised href of the router's own login URL when it is a plain
 * http(s) URL on a host routerLoginRule allows for `opts`; otherwise BAD_LOGIN_URL, or
 * LOGIN_HOST_REFUSED with the host. `what` names the parameter in the message.
 */
export function checkLoginUrl(
  raw: string | undefined,
  opts: AdapterOptions,
  what: string,
): LoginUrlResult {
  const check = inspectRouterUrl(raw, routerLoginRule(opts.allowedRedirectHosts));
  if (check.ok) return { ok: true, href: check.href };
  if (check.reason === 'malformed')
    return adapterError(ADAPTER_ERRORS.BAD_LOGIN_URL, `${what} is not a plain http(s) URL`);
  return adapterError(
    ADAPTER_ERRORS.LOGIN_HOST_REFUSED,
    `${what} names ${check.host}, which is neither router-local nor one of the NAS's login hosts`,
    check.host,
  );
}
