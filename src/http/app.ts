// The Fastify app as a plugin tree. It never listens by itself: main.ts does, and tests use
// app.inject. Plugins are registered explicitly here so the load order is visible.

import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import view from '@fastify/view';
import { Eta } from 'eta';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { VIEWS_DIR } from '../paths.js';
import { PorticoError } from '../errors.js';
import { adminRoutes } from './admin/admin-routes.js';
import { API_PREFIX, apiRoutes } from './api/api.js';
import { portalRoutes } from './portal/portal-routes.js';
import { openndsRoutes } from './routers/opennds-routes.js';
import { requestSerializer } from './request-log.js';
import { bookingWebhookRoutes } from './webhooks/bookings.js';
import type { Services } from '../services/services.js';

/** buildApp returns the HTTP app over `services`, ready to inject into or listen. */
export async function buildApp(
  services: Services,
  opts: { logger?: FastifyBaseLogger } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger
      ? {
          loggerInstance: opts.logger.child({}, { serializers: { req: requestSerializer } }),
        }
      : { logger: false }),
    // Behind a reverse proxy the guest's address (for lockouts and logs) comes from
    // X-Forwarded-For, but only when the request arrives from a proxy staff named.
    trustProxy:
      services.config.trustProxy.length > 0 ? services.config.trustProxy.join(',') : false,
    bodyLimit: 1_048_576,
  });

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof PorticoError && err.statusCode !== undefined) {
      return reply
        .status(err.statusCode)
        .send({ error: { code: err.code, message: err.message, fields: err.fields } });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.status(status).send({
        error: {
          code: (err as { code?: string }).code ?? 'PORTICO_BAD_REQUEST',
          message: (err as Error).message,
        },
      });
    }
    request.log.error({ err }, 'request failed');
    return reply
      .status(500)
      .send({ error: { code: 'PORTICO_INTERNAL', message: 'internal error' } });
  });

  await app.register(formbody, { bodyLimit: 1_048_576 });
  await app.register(cookie);
  // Templates escape every interpolation (<%= %>) by default; <%~ %> is for trusted HTML only.
  await app.register(view, {
    engine: { eta: new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true }) },
    templates: VIEWS_DIR,
  });

  // Route plugins, one area per file, in load order:
  await app.register(apiRoutes, { prefix: API_PREFIX, services });
  await app.register(adminRoutes, { prefix: '/admin', services });
  await app.register(portalRoutes, { services });
  await app.register(openndsRoutes, { services });
  await app.register(bookingWebhookRoutes, { prefix: '/webhooks', services });

  // RADIUS counters (decisions, drops, batches, latency) for monitoring; no secrets in them.
  app.get('/healthz', async () => ({
    ok: true,
    now: services.clock.now(),
    radius: services.radiusStats(),
    // Routers whose guests cannot sign in because their UAM secret does not match.
    signInProblems: services.portal.signInProblems(),
    coa: {
      routersBackedOff: services.cutoff.routerHealth().filter((r) => r.state !== 'ok').length,
    },
  }));
  return app;
}
