// The router's side of a guest visit. The first request carries the router's parameters
// (CoovaChilli's uamip/challenge/md, MikroTik's link-login-only, ...); the matching adapter
// turns them into a client context, which then travels from page to page sealed in a hidden
// field or a `ctx` query parameter: no cookies, and no way to change it on the way.

import type { FastifyRequest } from 'fastify';
import { adapterByName, selectAdapter } from '../../adapters/registry.js';
import type {
  AdapterErrorCode,
  AdapterOptions,
  ClientContext,
  HandOffResult,
} from '../../adapters/router-adapter.js';
import type { RouterProfile } from '../../services/portal-service.js';
import type { Services } from '../../services/services.js';

/** CONTEXT_TTL_MS is how long a sealed router context stays usable (a splash left open). */
export const CONTEXT_TTL_MS = 12 * 3_600_000;

/** Arrival is a guest's router context, the router it came through and its sealed form. */
export type Arrival = { ctx: ClientContext; nasId: number | null; sealed: string };

/** ArrivalResult is an arrival, or the adapter's reason for refusing the router's parameters. */
export type ArrivalResult = { ok: true; arrival: Arrival } | { ok: false; code: AdapterErrorCode };

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

/** adapterOptions returns the per-router settings an adapter needs. */
export function adapterOptions(profile: RouterProfile | undefined, origin: string): AdapterOptions {
  return {
    ...(profile?.uamSecret ? { uamSecret: profile.uamSecret } : {}),
    defaultLandingUrl: `${origin}/`,
  };
}

function sealArrival(services: Services, ctx: ClientContext, nasId: number | null): Arrival {
  // What the router said about the last attempt belongs to this page view only.
  const { routerResult: _r, routerMessage: _m, ...kept } = ctx;
  const sealed = services.portal.seal('router-context', { c: kept, n: nasId }, CONTEXT_TTL_MS);
  return { ctx, nasId, sealed };
}

/** openArrival returns the arrival sealed in `sealed`, or undefined when it is not valid. */
export function openArrival(services: Services, sealed: string | undefined): Arrival | undefined {
  const data = services.portal.open('router-context', sealed) as Sealed | undefined;
  if (!data || typeof data.c !== 'object' || data.c === null) return undefined;
  return {
    ctx: data.c,
    nasId: typeof data.n === 'number' ? data.n : null,
    sealed: sealed as string,
  };
}

/**
 * readArrival returns the guest's router context from a splash request: a sealed `ctx`
 * parameter when present, else the router's parameters read by the adapter of the router
 * they name (or that they look like). CoovaChilli's `md` is checked against the URL as the
 * browser asked for it and as the public URL spells it.
 */
export function readArrival(
  services: Services,
  request: FastifyRequest,
  params: Record<string, string>,
): ArrivalResult {
  if (params.ctx !== undefined) {
    const arrival = openArrival(services, params.ctx);
    return arrival ? { ok: true, arrival } : { ok: false, code: 'ADAPTER_BAD_SIGNATURE' };
  }
  const profile = services.portal.routerProfile({
    nasId: params.nasid ?? params.identity,
    address: params.uamip,
  });
  const adapter = selectAdapter(profile?.vendor, params);
  const origin = portalOrigin(services, request);
  const opts = adapterOptions(profile, origin);
  const candidates = [...new Set([origin, new URL(services.config.publicUrl).origin])];
  let code: AdapterErrorCode = 'ADAPTER_BAD_PARAM';
  for (const base of candidates) {
    const parsed = adapter.parse({ params, rawUrl: `${base}${request.url}` }, opts);
    if (parsed.ok)
      return { ok: true, arrival: sealArrival(services, parsed.context, profile?.id ?? null) };
    code = parsed.error.code;
    if (code !== 'ADAPTER_BAD_SIGNATURE') break;
  }
  return { ok: false, code };
}

/** handOffFor returns how to send the guest back to their router with `code` as credentials. */
export function handOffFor(
  services: Services,
  request: FastifyRequest,
  arrival: Arrival,
  code: string,
  successUrl: string,
): HandOffResult {
  const profile =
    arrival.nasId === null ? undefined : services.portal.routerProfileById(arrival.nasId);
  const opts = adapterOptions(profile, portalOrigin(services, request));
  // The router sends the guest on to `originalUrl` after login: make that our success page,
  // which links on to the page they first asked for.
  const ctx: ClientContext = { ...arrival.ctx, originalUrl: successUrl };
  return adapterByName(arrival.ctx.adapter).handOff(ctx, { username: code, password: code }, opts);
}
