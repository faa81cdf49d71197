// The Fastify app as a plugin tree. It never listens by itself: main.ts does, and tests use
// app.inject. Plugins are registered explicitly here so the load order is visible.

import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import view from '@fastify/view';
import { Eta } from 'eta';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createServer } from 'node:http';
import { VIEWS_DIR } from '../paths.js';
import { ERROR_CODES, PorticoError } from '../errors.js';
import { adminRoutes } from './admin/admin-routes.js';
import { API_PREFIX, apiRoutes } from './api/api.js';
import { metricsRoutes } from './metrics-route.js';
import { portalRoutes } from './portal/portal-routes.js';
import { openndsRoutes } from './routers/opennds-routes.js';
import { requestId, requestSerializer } from './request-log.js';
import { bookingWebhookRoutes } from './webhooks/bookings.js';
import type { Services } from '../services/services.js';

/** HttpLimits bound what a slow or greedy client can hold of the HTTP server. */
export type HttpLimits = {
  /** Time for a request's headers to arrive, from the connection's first byte. */
  headersTimeoutMs: number;
  /** Time for a whole request (headers and body) to arrive. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** How long a connection may be silent before it is closed. */
  idleTimeoutMs: number;
  /** Open connections at most; more are closed at once. */
  maxConnections: number;
  /** How often Node checks connections against the header and request timeouts. */
  checkIntervalMs: number;
};

/** HTTP_LIMITS are the defaults, listed in the README's security section. */
export const HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  maxConnections: 1_024,
  checkIntervalMs: 1_000,
};

/** frameworkErrorCode returns the PORTICO_* code for a 4xx that Fastify itself answered. */
function frameworkErrorCode(status: number): string {
  if (status === 401) return ERROR_CODES.UNAUTHORIZED;
  if (status === 403) return ERROR_CODES.FORBIDDEN;
  if (status === 404) return ERROR_CODES.NOT_FOUND;
  if (status === 429) return ERROR_CODES.RATE_LIMITED;
  return ERROR_CODES.BAD_INPUT;
}

/** frameworkErrorMessage returns what to fix for one of Fastify's own 4xx refusals. */
function frameworkErrorMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `the request body is not valid JSON (${e.message ?? 'unreadable'}); send a JSON object`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `${e.message ?? 'unsupported content type'}; send content-type: application/json`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the request body is too large (at most 1 MB)';
    default:
      return e.message ?? 'bad request';
  }
}

/** buildApp returns the HTTP app over `services`, ready to inject into or listen. */
export async function buildApp(
  services: Services,
  opts: { logger?: FastifyBaseLogger; httpLimits?: Partial<HttpLimits> } = {},
): Promise<FastifyInstance> {
  const limits: HttpLimits = { ...HTTP_LIMITS, ...opts.httpLimits };
  const app = Fastify({
    // Slow clients (headers trickled a line at a time, bodies never finished, connections
    // left open) are cut off instead of piling up; the server is made here because the
    // check interval can only be set when it is created.
    serverFactory: (handler) => {
      const server = createServer(
        {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          connectionsCheckingInterval: limits.checkIntervalMs,
        },
        handler,
      );
      server.maxConnections = limits.maxConnections;
      return server;
    },
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
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
    // One log line per request (onResponse below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
  });

  // The correlation id goes back to the client, so a guest's or a proxy's report names it.
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof PorticoError && err.statusCode !== undefined) {
      return reply
        .status(err.statusCode)
        .send({ error: { code: err.code, message: err.message, fields: err.fields } });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // Fastify's own refusals (broken JSON, a wrong content type, a body too large) answer
      // with a PORTICO_* code like every other error, as the API docs promise.
      return reply.status(status).send({
        error: { code: frameworkErrorCode(status), message: frameworkErrorMessage(err) },
      });
    }
    request.log.error({ err }, 'request failed');
    return reply
      .status(500)
      .send({ error: { code: 'PORTICO_INTERNAL', message: 'internal error' } });
  });

  // Prometheus: every answered request by its route pattern (/t/:code, never the URL, which
  // would carry codes and make the label set unbounded) and status.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        req: request,
        route: request.routeOptions.url ?? null,
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    services.metrics.hooks.http(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime,
    );
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
  await app.register(metricsRoutes, { services });

  // Open to anyone (load balancers, supervisors), so small, fixed in size and cheap: whether
  // Portico answers and whether a router is paused. Counters are behind sign-in
  // (/admin/healthz).
  app.get('/healthz', async () => ({
    ok: true,
    now: services.clock.now(),
    // How many sign-in problems (a router's UAM secret that does not match) are open.
    signInProblems: services.portal.signInProblems().length,
    coa: {
      routersBackedOff: (await services.cutoff.routerHealth()).filter((r) => r.state !== 'ok')
        .length,
    },
  }));
  return app;
}
