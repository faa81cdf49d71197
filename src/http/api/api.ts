// Everything under /api: the OpenAPI document and its UI at /api/docs (served from
// swagger-ui's own files, nothing external), and version 1 of the JSON API at /api/v1,
// authenticated with API keys.

import { AjvCompiler } from '@fastify/ajv-compiler';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import { ERROR_CODES, PorticoError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { apiAuth } from '../plugins/api-auth.js';
import { apiKeyRoutes } from './api-keys.js';
import { auditRoutes } from './audit.js';
import { batchRoutes } from './batches.js';
import { bookingRoutes } from './bookings.js';
import { lockoutRoutes } from './lockouts.js';
import { feedRoutes } from './feeds.js';
import { nasRoutes } from './nas.js';
import { settingsRoutes } from './settings.js';
import { sessionRoutes } from './sessions.js';
import { tokenRoutes } from './tokens.js';
import { validationError } from './validation.js';

/** API_PREFIX is where the JSON API lives. */
export const API_PREFIX = '/api';

/** apiRoutes registers /api/docs and /api/v1 over `services`; register it with API_PREFIX. */
export const apiRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  // Fastify's default Ajv drops unknown fields silently, so a misspelt field in a PATCH would
  // look like success; here they are refused (400 naming them). Otherwise the same options.
  const compile = AjvCompiler()({}, { customOptions: { removeAdditional: false } });
  app.setValidatorCompiler((route) => compile(route));
  // Schema failures become PORTICO_BAD_INPUT naming the field, through the app's one handler.
  app.setSchemaErrorFormatter((errors, dataVar) =>
    validationError({ validation: errors, validationContext: dataVar }),
  );
  app.setNotFoundHandler(async (request) => {
    throw new PorticoError(
      ERROR_CODES.NOT_FOUND,
      `no such endpoint: ${request.method} ${request.url.split('?')[0]}; see /api/docs`,
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Portico API',
        version: '1',
        description:
          'Create, change, export and delete access tokens, watch and cut off sessions, manage routers and API keys. Authenticate with an API key that an admin creates (`portico apikey create` or POST /api/v1/api-keys): `Authorization: Bearer pk_...` or `X-API-Key: pk_...`. Staff keys may manage tokens, batches, sessions and lockouts; admin keys may also manage routers, settings and API keys. E-mail settings and templates, outgoing webhooks and staff accounts are in the dashboard only. Dates are ISO 8601; without an offset they are wall time in the venue\'s time zone. Errors are `{ "error": { "code", "message", "fields": [{ "field", "message" }] } }` with a stable code.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'pk_<prefix>_<secret>',
            description: 'API key in the Authorization header',
          },
          apiKeyHeader: {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-Key',
            description: 'The same API key in an X-API-Key header',
          },
        },
      },
      security: [{ bearer: [] }, { apiKeyHeader: [] }],
      tags: [
        { name: 'tokens', description: 'Access tokens (staff)' },
        { name: 'batches', description: 'Tokens made together for an event (staff)' },
        { name: 'sessions', description: 'Device sessions and disconnecting them (staff)' },
        { name: 'lockouts', description: 'Guessing defence (staff)' },
        { name: 'routers', description: 'RADIUS clients (admin)' },
        {
          name: 'settings',
          description: 'The Settings page: space, splash page, RADIUS defaults (admin)',
        },
        { name: 'api-keys', description: 'API keys (admin; /me for any key)' },
        { name: 'audit', description: 'Who did what (admin)' },
        {
          name: 'bookings',
          description: 'Bookings and visitors bring their own Wi-Fi tokens (staff)',
        },
        {
          name: 'feeds',
          description: 'Calendar (iCalendar) feeds whose events become bookings (admin)',
        },
      ],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    indexPrefix: API_PREFIX,
    staticCSP: true,
    // Only Portico's own origin: no https: wildcards or validator.swagger.io, and no
    // upgrade-insecure-requests, which would break the page on a plain-HTTP LAN address.
    // Swagger UI injects one <style> element at run time; styles (never scripts) may be inline.
    transformStaticCSP: (header: string) =>
      header
        .replace(/ https:/g, '')
        .replace(/ validator\.swagger\.io/g, '')
        .replace(/\s*upgrade-insecure-requests;?/g, '')
        .replace(/style-src 'self'/, "style-src 'self' 'unsafe-inline'"),
    uiConfig: { docExpansion: 'list', deepLinking: false, validatorUrl: null },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (v1) => {
      // API answers carry codes and secrets: no shared or browser cache may keep them.
      v1.addHook('onSend', async (_request, reply, payload) => {
        reply.header('cache-control', 'no-store');
        return payload;
      });
      await v1.register(apiAuth, { services });
      await v1.register(tokenRoutes, { services });
      await v1.register(batchRoutes, { services });
      await v1.register(sessionRoutes, { services });
      await v1.register(lockoutRoutes, { services });
      await v1.register(nasRoutes, { services });
      await v1.register(settingsRoutes, { services });
      await v1.register(apiKeyRoutes, { services });
      await v1.register(auditRoutes, { services });
      await v1.register(bookingRoutes, { services });
      await v1.register(feedRoutes, { services });
    },
    { prefix: '/v1' },
  );
};
