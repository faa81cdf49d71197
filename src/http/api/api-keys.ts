// /api/v1/api-keys: admins create, list and revoke keys; /api/v1/me tells a key about itself.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../services/services.js';
import { apiActor } from '../plugins/api-auth.js';
import { presentApiKey } from './present.js';
import {
  ApiKeyCreateBody,
  ApiKeyCreated,
  ApiKeyList,
  ApiKeySchema,
  MeSchema,
} from './schemas/api-keys.js';
import { errorResponses, IdParams } from './schemas/common.js';

const tags = ['api-keys'];

/** apiKeyRoutes registers the API key endpoints over `services`. */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const tz = () => services.timeZone();

  app.get(
    '/me',
    {
      config: { role: 'staff' },
      schema: {
        tags,
        summary: 'The key making this request',
        description: 'Its name, prefix and role: a cheap way to check a key works.',
        response: { 200: MeSchema, ...errorResponses() },
      },
    },
    async (request) => {
      const { id, name, prefix, role } = await services.apiKeys.get(request.apiKey?.id ?? 0);
      return { id, name, prefix, role };
    },
  );

  app.get(
    '/api-keys',
    {
      schema: {
        tags,
        summary: 'List API keys',
        description: 'Every key, revoked ones included; never the keys themselves.',
        response: { 200: ApiKeyList, ...errorResponses(403) },
      },
    },
    async () => ({ apiKeys: (await services.apiKeys.list()).map((k) => presentApiKey(k, tz())) }),
  );

  app.post(
    '/api-keys',
    {
      schema: {
        tags,
        summary: 'Create an API key',
        description:
          'Returns the key this once: `pk_` + 8-character prefix + `_` + 43-character secret. Only its SHA-256 hash is stored.',
        body: ApiKeyCreateBody,
        response: { 201: ApiKeyCreated, ...errorResponses(400, 403) },
      },
    },
    async (request, reply) => {
      const r = await services.apiKeys.create(request.body, apiActor(request));
      return reply.status(201).send({ apiKey: presentApiKey(r.apiKey, tz()), key: r.key });
    },
  );

  app.post(
    '/api-keys/:id/revoke',
    {
      schema: {
        tags,
        summary: 'Revoke an API key',
        description: 'The key is refused from now on (401). Revoking twice changes nothing.',
        params: IdParams,
        response: { 200: ApiKeySchema, ...errorResponses(403, 404) },
      },
    },
    async (request) =>
      presentApiKey(await services.apiKeys.revoke(request.params.id, apiActor(request)), tz()),
  );
};
