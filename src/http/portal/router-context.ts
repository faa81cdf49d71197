// The router's side of a guest visit. The first request carries the router's parameters
// (CoovaChilli's uamip/challenge/md, MikroTik's link-login-only, ...); the matching adapter
// turns them into a client context, which then travels from page to page sealed in a hidden
// field or a `ctx` query parameter: no cookies, and no way to change it on the way.

import type { FastifyRequest } from 'fastify';
import { unwrapCoovaLoginUrl } from '../../adapters/coova-adapter.js';
import { openndsGatewayName } from '../../adapters/opennds-adapter.js';
import { adapterByName, selectAdapter } from '../../adapters/registry.js';
import type {
  AdapterError,
  AdapterErrorCode,
  AdapterOptions,
  ClientContext,
  HandOff,
} from '../../adapters/router-adapter.js';
import type { RouterProfile, SignInProblem } from '../../services/portal-service.js';
import type { Services } from '../../services/services.js';

/** CONTEXT_TTL_MS is how long a sealed router context stays usable (a splash left open). */
export const CONTEXT_TTL_MS = 12 * 3_600_000;

/** Arrival is a guest's router context, the router it came through and its sealed form. */
export type Arrival = { ctx: ClientContext; nasId: number | null; sealed: string };

/**
 * RouterRefusal is why the router's parameters or hand-off were refused: the adapter's code,
 * and for a login URL on a host the NAS does not allow, that host and the NAS's name. A
 * redirect whose signature does not fit the router's UAM secret in Portico also names the
 * sign-in problem and the router (its id, or what the redirect called it).
 */
export type RouterRefusal = {
  code: AdapterErrorCode;
  host?: string;
  nas?: string;
  signIn?: { reason: SignInProblem['reason']; nasId: number | null; nas: string };
};

/** SIGN_IN_PROBLEMS maps the adapter codes of a UAM secret mismatch to the problem staff see. */
const SIGN_IN_PROBLEMS: Partial<Record<AdapterErrorCode, SignInProblem['reason']>> = {
  ADAPTER_NO_UAM_SECRET: 'no-uam-secret',
  ADAPTER_BAD_SIGNATURE: 'md-mismatch',
  ADAPTER_MISSING_SIGNATURE: 'md-missing',
};

/** OPENNDS_SIGN_IN_PROBLEMS maps the openNDS adapter's faskey refusals likewise. */
const OPENNDS_SIGN_IN_PROBLEMS: Partial<Record<AdapterErrorCode, SignInProblem['reason']>> = {
  ADAPTER_NO_FAS_KEY: 'no-fas-key',
  ADAPTER_BAD_SIGNATURE: 'fas-key-mismatch',
};

/** signInProblemOf returns the sign-in problem an adapter's refusal shows staff, if any. */
function signInProblemOf(
  adapter: string,
  code: AdapterErrorCode,
): SignInProblem['reason'] | undefined {
  return adapter === 'opennds' ? OPENNDS_SIGN_IN_PROBLEMS[code] : SIGN_IN_PROBLEMS[code];
}

/** ArrivalResult is an arrival, or the adapter's reason for refusing the router's parameters. */
export type ArrivalResult = { ok: true; arrival: Arrival } | ({ ok: false } & RouterRefusal);

/** HandOffOutcome is how to send the guest back to the router, or why that is refused. */
export type HandOffOutcome = { ok: true; handOff: HandOff } | ({ ok: false } & RouterRefusal);

type Sealed = { c: ClientContext; n: number | null };

/** flatParams returns a query or form object as single string values (first of repeats). */
export function flatParams(source: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof source !== 'object' || source === null) return out;
  for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string') out[k] = first;
  }
  return out;
}

/**
 * portalOrigin returns the origin guests reach Portico at: the configured public URL when the
 * request came to its host, else the request's own host (a router on the LAN may use an IP).
 */
export function portalOrigin(services: Services, request: FastifyRequest): string {
  const configured = new URL(services.config.publicUrl);
  const host = request.host;
  if (!host || host === configured.host) return configured.origin;
  return `${request.protocol}://${host}`;
}

/**
 * adapterOptions returns the per-router settings an adapter needs; for an unknown router no
 * login hosts, so its login URL must be router-local.
 */
export function adapterOptions(profile: RouterProfile | undefined, origin: string): AdapterOptions {
  return {
    ...(profile?.uamSecret ? { uamSecret: profile.uamSecret } : {}),
    ...(profile?.fasKey ? { fasKey: profile.fasKey } : {}),
    ...(profile ? { allowedRedirectHosts: profile.loginHosts } : {}),
    defaultLandingUrl: `${origin}/`,
  };
}

function refusal(error: AdapterError, profile: RouterProfile | undefined): RouterRefusal {
  return {
    code: error.code,
    ...(error.host === undefined ? {} : { host: error.host }),
    ...(profile ? { nas: profile.name } : {}),
  };
}

async function sealArrival(
  services: Services,
  ctx: ClientContext,
  nasId: number | null,
): Promise<Arrival> {
  // What the router said about the last attempt belongs to this page view only.
  const { routerResult: _r, routerMessage: _m, ...kept } = ctx;
  const sealed = await services.portal.seal(
    'router-context',
    { c: kept, n: nasId },
    CONTEXT_TTL_MS,
  );
  return { ctx, nasId, sealed };
}

/** openArrival returns the arrival sealed in `sealed`, or undefined when it is not valid. */
export async function openArrival(
  services: Services,
  sealed: string | undefined,
): Promise<Arrival | undefined> {
  const data = (await services.portal.open('router-context', sealed)) as Sealed | undefined;
  if (!data || typeof data.c !== 'object' || data.c === null) return undefined;
  return {
    ctx: data.c,
    nasId: typeof data.n === 'number' ? data.n : null,
    sealed: sealed as string,
  };
}

/**
 * withoutLangParam returns a request URL without its `lang=` query parameters, everything else
 * byte for byte as the browser sent it (a router's signature covers exactly those bytes).
 */
export function withoutLangParam(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const [query, ...hash] = url.slice(q + 1).split('#');
  const kept = (query ?? '').split('&').filter((pair) => !/^lang(=|$)/.test(pair));
  const rest = hash.length > 0 ? `#${hash.join('#')}` : '';
  return kept.length === 0
    ? `${url.slice(0, q)}${rest}`
    : `${url.slice(0, q)}?${kept.join('&')}${rest}`;
}

/**
 * readArrival returns the guest's router context from a splash request: a sealed `ctx`
 * parameter when present, else the router's parameters read by the adapter of the router
 * they name (or that they look like). CoovaChilli's `md` is checked against the URL as the
 * browser asked for it and as the public URL spells it, or against the `loginurl` that
 * chilli's homepage redirect wraps.
 */
export async function readArrival(
  services: Services,
  request: FastifyRequest,
  params: Record<string, string>,
): Promise<ArrivalResult> {
  if (params.ctx !== undefined) {
    const arrival = await openArrival(services, params.ctx);
    return arrival ? { ok: true, arrival } : { ok: false, code: 'ADAPTER_BAD_SIGNATURE' };
  }
  // A language switch (`lang=`) added to the router's redirect is ours, not the router's: it
  // is left out of the parameters and of the URL whose signature is checked.
  const { lang: _lang, ...fromRouter } = params;
  // CoovaChilli with a uamhomepage wraps its redirect in `loginurl`; the router is named inside.
  const wrapped = unwrapCoovaLoginUrl({ params: fromRouter });
  const routerParams = wrapped.params;
  const profile = await services.portal.routerProfile({
    nasId: routerParams.nasid ?? routerParams.identity ?? openndsGatewayName(routerParams),
    address: routerParams.uamip,
    site: routerParams.site,
  });
  const adapter = selectAdapter(profile?.vendor, routerParams);
  const origin = portalOrigin(services, request);
  if (!profile && adapter.name === 'opennds' && params.iv !== undefined) {
    // Level 2 encrypts even the gateway name: the router is the one whose faskey opens it.
    const routers = await services.portal.openndsProfiles();
    for (const candidate of routers) {
      const parsed = adapter.parse({ params }, adapterOptions(candidate, origin));
      if (parsed.ok)
        return { ok: true, arrival: await sealArrival(services, parsed.context, candidate.id) };
    }
    if (routers.length > 0) {
      const nas = 'an openNDS gateway (level 2)';
      return {
        ok: false,
        code: 'ADAPTER_BAD_SIGNATURE',
        signIn: { reason: 'fas-key-mismatch', nasId: null, nas },
      };
    }
  }
  const opts = adapterOptions(profile, origin);
  const rawUrls =
    wrapped.rawUrl !== undefined
      ? [wrapped.rawUrl]
      : [...new Set([origin, new URL(services.config.publicUrl).origin])].map(
          (base) => `${base}${withoutLangParam(request.url)}`,
        );
  let error: AdapterError = { code: 'ADAPTER_BAD_PARAM', message: 'not parsed' };
  for (const rawUrl of rawUrls) {
    const parsed = adapter.parse({ params: routerParams, rawUrl }, opts);
    if (parsed.ok)
      return {
        ok: true,
        arrival: await sealArrival(services, parsed.context, profile?.id ?? null),
      };
    error = parsed.error;
    if (error.code !== 'ADAPTER_BAD_SIGNATURE') break;
  }
  const reason = signInProblemOf(adapter.name, error.code);
  const named =
    profile?.name ?? params.nasid ?? params.uamip ?? openndsGatewayName(params) ?? 'unknown router';
  return {
    ok: false,
    ...refusal(error, profile),
    ...(reason ? { signIn: { reason, nasId: profile?.id ?? null, nas: named.slice(0, 64) } } : {}),
  };
}

/**
 * handOffFor returns how to send the guest back to their router with `code` as credentials,
 * checked against the router's settings as they are now, or why not.
 */
export async function handOffFor(
  services: Services,
  request: FastifyRequest,
  arrival: Arrival,
  code: string,
  successUrl: string,
): Promise<HandOffOutcome> {
  const profile =
    arrival.nasId === null ? undefined : await services.portal.routerProfileById(arrival.nasId);
  const opts = adapterOptions(profile, portalOrigin(services, request));
  // The router sends the guest on to `originalUrl` after login: make that our success page,
  // which links on to the page they first asked for.
  const ctx: ClientContext = { ...arrival.ctx, originalUrl: successUrl };
  const result = adapterByName(arrival.ctx.adapter).handOff(
    ctx,
    { username: code, password: code },
    opts,
  );
  if (result.ok) return result;
  const reason = signInProblemOf(arrival.ctx.adapter, result.error.code);
  const named = profile?.name ?? arrival.ctx.nasId ?? 'unknown router';
  return {
    ok: false,
    ...refusal(result.error, profile),
    ...(reason ? { signIn: { reason, nasId: profile?.id ?? null, nas: named.slice(0, 64) } } : {}),
  };
}
