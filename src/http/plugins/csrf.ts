// Cross-site request forgery defence for the dashboard's forms. A signed-in form carries the
// session's CSRF secret in its hidden `_csrf` field (or the `x-csrf-token` header for the small
// scripts); the sign-in form, which has no session yet, carries a random value that must match
// a cookie only this site can set (double submit). Anything else is refused with 403.

import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Services } from '../../services/services.js';
import { safeEqual } from '../../services/web-session-service.js';
import { ADMIN_PATH, secureCookies } from './staff-auth.js';

/** SIGN_IN_CSRF_COOKIE holds the sign-in form's double-submit value. */
export const SIGN_IN_CSRF_COOKIE = 'portico_signin';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** formToken returns the CSRF token a request presents, from the form body or the header. */
export function formToken(request: FastifyRequest): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const fromBody = body && typeof body === 'object' ? body._csrf : undefined;
  if (typeof fromBody === 'string') return fromBody;
  const header = request.headers['x-csrf-token'];
  return typeof header === 'string' ? header : undefined;
}

/**
 * signInCsrfToken returns the sign-in form's token, setting its cookie when the browser has
 * none yet.
 */
export function signInCsrfToken(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
): string {
  const have = request.cookies[SIGN_IN_CSRF_COOKIE];
  if (have && /^[A-Za-z0-9_-]{43}$/.test(have)) return have;
  const token = randomBytes(32).toString('base64url');
  reply.setCookie(SIGN_IN_CSRF_COOKIE, token, {
    path: `${ADMIN_PATH}/sign-in`,
    httpOnly: true,
    sameSite: 'strict',
    secure: secureCookies(services.config),
  });
  return token;
}

/** CsrfOptions are what the plugin needs. */
export type CsrfOptions = {
  services: Services;
  refuse: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
};

/**
 * csrf checks every state-changing request in its scope after the body is parsed; `refuse`
 * renders the 403 page.
 */
export const csrf = fp<CsrfOptions>(
  async (app, opts) => {
    app.addHook('preHandler', async (request, reply) => {
      if (!UNSAFE.has(request.method)) return;
      const token = formToken(request);
      const ok = request.staff
        ? opts.services.webSessions.verifyCsrf(request.staff, token)
        : request.routeOptions.config.public === true &&
          typeof token === 'string' &&
          typeof request.cookies[SIGN_IN_CSRF_COOKIE] === 'string' &&
          safeEqual(token, request.cookies[SIGN_IN_CSRF_COOKIE]);
      if (!ok) return opts.refuse(request, reply);
    });
  },
  { name: 'portico-csrf', fastify: '5.x', dependencies: ['portico-staff-auth'] },
);
