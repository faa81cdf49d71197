// Who is signed in to the dashboard. Every route in the scope needs a signed-in admin unless
// its config says `role: 'staff'` or `public: true`, so a page that forgets to say is closed
// rather than open. Pages answer a stranger with the sign-in page, and a too-low role with 403.

import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import type { Services } from '../../services/services.js';
import type { StaffIdentity } from '../../services/web-session-service.js';
import type { StaffRole } from '../../storage/staff-repo.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** staff is who signed in to the dashboard (set on /admin routes), or null. */
    staff: StaffIdentity | null;
  }
  interface FastifyContextConfig {
    /** role is the least role a route needs; admin when not given. */
    role?: StaffRole;
    /** public marks a route that needs no sign-in. */
    public?: boolean;
  }
}

/** STAFF_COOKIE is the name of the dashboard session cookie. */
export const STAFF_COOKIE = 'portico_staff';

/** ADMIN_PATH is where the dashboard lives; its cookies are scoped to it. */
export const ADMIN_PATH = '/admin';

/** secureCookies returns whether staff cookies carry the Secure flag under `config`. */
export function secureCookies(config: Pick<Config, 'cookieSecure' | 'publicUrl'>): boolean {
  if (config.cookieSecure === 'always') return true;
  if (config.cookieSecure === 'never') return false;
  return config.publicUrl.startsWith('https:');
}

/** setStaffCookie hands the browser its session id: HttpOnly, SameSite=Lax, path /admin. */
export function setStaffCookie(reply: FastifyReply, sessionId: string, config: Config): void {
  reply.setCookie(STAFF_COOKIE, sessionId, {
    path: ADMIN_PATH,
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookies(config),
  });
}

/** clearStaffCookie tells the browser to forget its session id. */
export function clearStaffCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(STAFF_COOKIE, {
    path: ADMIN_PATH,
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookies(config),
  });
}

/** staffActor returns the audit-log actor for a signed-in request. */
export function staffActor(request: FastifyRequest): string {
  return request.staff?.username ?? 'unknown';
}

/** StaffAuthOptions are what the plugin needs. */
export type StaffAuthOptions = {
  services: Services;
  forbidden: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
};

/**
 * staffAuth resolves the session cookie on every request in its scope and refuses routes the
 * visitor may not see: a stranger is sent to sign in (GET) or gets 401, a staff user on an
 * admin page gets the 403 page from `forbidden`.
 */
export const staffAuth = fp<StaffAuthOptions>(
  async (app, opts) => {
    app.decorateRequest('staff', null);
    app.addHook('onRequest', async (request, reply) => {
      request.staff = await opts.services.webSessions.resolve(request.cookies[STAFF_COOKIE]);
      const config = request.routeOptions.config;
      if (config.public === true || request.routeOptions.url === undefined) return;
      if (!request.staff) {
        if (request.cookies[STAFF_COOKIE] !== undefined)
          clearStaffCookie(reply, opts.services.config);
        if (request.method === 'GET' || request.method === 'HEAD') {
          const next = encodeURIComponent(request.url);
          return reply.redirect(`${ADMIN_PATH}/sign-in?next=${next}`, 303);
        }
        return reply.redirect(`${ADMIN_PATH}/sign-in?expired=1`, 303);
      }
      const needed = config.role ?? 'admin';
      if (needed === 'admin' && request.staff.role !== 'admin') {
        return opts.forbidden(request, reply);
      }
    });
  },
  { name: 'portico-staff-auth', fastify: '5.x' },
);
