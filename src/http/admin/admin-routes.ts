// The staff dashboard under /admin: sign-in, CSRF defence and HTML error pages for the whole
// area, then one route plugin per section, in the order the menu shows them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { PorticoError } from '../../errors.js';
import { packageRoot } from '../../paths.js';
import type { Services } from '../../services/services.js';
import { csrf } from '../plugins/csrf.js';
import { staffAuth } from '../plugins/staff-auth.js';
import { accountRoutes } from './account-routes.js';
import { auditRoutes } from './audit-routes.js';
import { bookingsRoutes } from './bookings-routes.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { lockoutRoutes } from './lockout-routes.js';
import { createPages } from './pages.js';
import { reportRoutes } from './report-routes.js';
import { routerRoutes } from './router-routes.js';
import { sessionRoutes } from './session-routes.js';
import { settingsRoutes } from './settings-routes.js';
import { tokenRoutes } from './token-routes.js';
import { userRoutes } from './user-routes.js';

const PUBLIC_DIR = join(packageRoot(), 'public');

// Nothing on the dashboard loads from elsewhere; images may be inline data: URLs (logo, QR).
const CSP = [
  "default-src 'none'",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** adminRoutes registers the staff dashboard; mount it with prefix `/admin`. */
export const adminRoutes: FastifyPluginAsync<{ services: Services }> = async (app, opts) => {
  const { services } = opts;
  const pages = createPages(services);

  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  // Hooks cannot return a page: they send it, and Fastify stops there.
  const refuseWith =
    (title: string, message: string) => async (request: FastifyRequest, reply: FastifyReply) =>
      reply.send(await pages.error(request, reply, 403, title, message));
  await app.register(staffAuth, {
    services,
    forbidden: refuseWith(
      'Admins only',
      'This page is for admins. Ask an admin if you need something changed here.',
    ),
  });
  await app.register(csrf, {
    services,
    refuse: refuseWith(
      'Form refused',
      'This form did not carry a valid security token, so nothing was changed. It may be from an old tab or another site. Go back, reload the page and try again.',
    ),
  });

  app.setErrorHandler(async (err, request, reply) => {
    if (err instanceof PorticoError && err.statusCode !== undefined) {
      const title = err.statusCode === 404 ? 'Not found' : 'Cannot do that';
      return pages.error(request, reply, err.statusCode, title, err.message);
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return pages.error(request, reply, status, 'Bad request', (err as Error).message);
    }
    request.log.error({ err }, 'dashboard request failed');
    return pages.error(
      request,
      reply,
      500,
      'Something went wrong',
      'Portico could not finish this. Nothing secret was shown; the details are in the server log.',
    );
  });
  app.setNotFoundHandler(async (request, reply) =>
    pages.error(request, reply, 404, 'Not found', 'There is no such page in the dashboard.'),
  );

  const assets: Record<string, { type: string; body: string }> = {
    'admin.css': {
      type: 'text/css; charset=utf-8',
      body: readFileSync(join(PUBLIC_DIR, 'admin.css'), 'utf8'),
    },
    'admin.js': {
      type: 'text/javascript; charset=utf-8',
      body: readFileSync(join(PUBLIC_DIR, 'admin.js'), 'utf8'),
    },
  };
  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    { config: { public: true } },
    async (request, reply) => {
      const { name } = request.params;
      const asset = Object.hasOwn(assets, name) ? assets[name] : undefined;
      if (!asset) return pages.error(request, reply, 404, 'Not found', 'No such file.');
      reply.header('cache-control', 'public, max-age=300');
      return reply.type(asset.type).send(asset.body);
    },
  );

  const area = { services, pages };
  await app.register(accountRoutes, area);
  await app.register(dashboardRoutes, area);
  await app.register(tokenRoutes, area);
  await app.register(sessionRoutes, area);
  await app.register(bookingsRoutes, area);
  await app.register(reportRoutes, area);
  await app.register(routerRoutes, area);
  await app.register(settingsRoutes, area);
  await app.register(userRoutes, area);
  await app.register(lockoutRoutes, area);
  await app.register(auditRoutes, area);
};
