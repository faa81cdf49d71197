// API key authentication for /api/v1: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
// Every route is admin-only unless its config says `role: 'staff'`, so a route that forgets
// to say is closed rather than open.

import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ERROR_CODES, PorticoError } from '../../errors.js';
import type { ApiKeyAuth, ApiKeyView } from '../../services/api-key-service.js';
import type { Services } from '../../services/services.js';
import type { StaffRole } from '../../storage/staff-repo.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** apiKey is the key that authenticated this request (set on /api/v1 routes). */
    apiKey: ApiKeyView | null;
  }
  interface FastifyContextConfig {
    /** role is the least role a route needs; admin when not given. */
    role?: StaffRole;
  }
}

const REFUSALS: Record<Exclude<ApiKeyAuth, { ok: true }>['reason'], string> = {
  missing: 'send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"',
  malformed: 'the API key is malformed; copy the whole key, which starts with pk_',
  unknown: 'the API key is not known; ask an admin for a new one',
  revoked: 'the API key was revoked; ask an admin for a new one',
};

/** presentedKey returns the API key a request carries, from either header, or undefined. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header.trim() : undefined;
}

/** apiActor returns the audit-log actor for a request's API key: `api:<name>#<id>`. */
export function apiActor(request: FastifyRequest): string {
  const k = request.apiKey;
  return k ? `api:${k.name}#${k.id}` : 'api:unknown';
}

/**
 * apiAuth authenticates every route in the scope it is registered in: 401 PORTICO_UNAUTHORIZED
 * without a good key, 403 PORTICO_FORBIDDEN when the key's role is too low.
 */
export const apiAuth = fp<{ services: Services }>(
  async (app, opts) => {
    app.decorateRequest('apiKey', null);
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const config = request.routeOptions.config;
      const auth = await opts.services.apiKeys.authenticate(presentedKey(request));
      if (!auth.ok) {
        reply.header('www-authenticate', 'Bearer realm="portico-api"');
        throw new PorticoError(ERROR_CODES.UNAUTHORIZED, REFUSALS[auth.reason]);
      }
      request.apiKey = auth.key;
      const needed = config.role ?? 'admin';
      if (needed === 'admin' && auth.key.role !== 'admin') {
        throw new PorticoError(
          ERROR_CODES.FORBIDDEN,
          `this needs an admin API key; the key "${auth.key.name}" has role ${auth.key.role}`,
        );
      }
    });
  },
  { name: 'portico-api-auth', fastify: '5.x' },
);
