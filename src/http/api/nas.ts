// /api/v1/nas: routers (RADIUS clients). Admin keys only; secrets are returned once, when set.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { generateSecret } from '../../services/nas-service.js';
import type { Services } from '../../services/services.js';
import { apiActor } from '../plugins/api-auth.js';
import { presentNas } from './present.js';
import { errorResponses, IdParams } from './schemas/common.js';
import { NasCreateBody, NasList, NasSchema, NasUpdateBody, NasWithSecret } from './schemas/nas.js';

const tags = ['routers'];

/** nasRoutes registers the router endpoints over `services`. */
export const nasRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const tz = () => services.timeZone();

  app.get(
    '/nas',
    {
      schema: {
        tags,
        summary: 'List routers',
        description: 'Every router, without secrets.',
        response: { 200: NasList, ...errorResponses(403) },
      },
    },
    async () => ({ nas: (await services.nas.list()).map((n) => presentNas(n, tz())) }),
  );

  app.post(
    '/nas',
    {
      schema: {
        tags,
        summary: 'Add a router',
        description:
          'Registers a router by the address it sends RADIUS from. The shared secret is returned this once (generated when not given).',
        body: NasCreateBody,
        response: { 201: NasWithSecret, ...errorResponses(400, 403, 409) },
      },
    },
    async (request, reply) => {
      const n = await services.nas.add(request.body, apiActor(request));
      return reply.status(201).send({ nas: presentNas(n, tz()), secret: n.secret });
    },
  );

  app.get(
    '/nas/:id',
    {
      schema: {
        tags,
        summary: 'Show a router',
        description: 'Includes when the router last spoke to Portico (lastSeenAt).',
        params: IdParams,
        response: { 200: NasSchema, ...errorResponses(403, 404) },
      },
    },
    async (request) => presentNas(await services.nas.get(request.params.id), tz()),
  );

  app.patch(
    '/nas/:id',
    {
      schema: {
        tags,
        summary: 'Change a router',
        description: 'Omitted fields keep their value.',
        params: IdParams,
        body: NasUpdateBody,
        response: { 200: NasSchema, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (request) => {
      const n = await services.nas.update(request.params.id, request.body, apiActor(request));
      // What the splash page saw was about the old settings.
      services.portal.clearSignInProblems(n.id);
      return presentNas(n, tz());
    },
  );

  app.post(
    '/nas/:id/secret',
    {
      schema: {
        tags,
        summary: "Regenerate a router's shared secret",
        description:
          'Sets a new random shared secret and returns it this once; the router must be given it too.',
        params: IdParams,
        response: { 200: NasWithSecret, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const secret = generateSecret();
      const n = await services.nas.update(request.params.id, { secret }, apiActor(request));
      return { nas: presentNas(n, tz()), secret };
    },
  );

  app.delete(
    '/nas/:id',
    {
      schema: {
        tags,
        summary: 'Remove a router',
        params: IdParams,
        response: {
          204: Type.Null({ description: 'Removed' }),
          ...errorResponses(403, 404),
        },
      },
    },
    async (request, reply) => {
      await services.nas.remove(request.params.id, apiActor(request));
      return reply.status(204).send(null);
    },
  );
};
