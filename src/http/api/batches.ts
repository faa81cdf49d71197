// /api/v1/batches: the tokens made together for an event, looked up or deleted as one.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { formatIsoInZone } from '../../core/time.js';
import type { Services } from '../../services/services.js';
import { apiActor } from '../plugins/api-auth.js';
import { presentBatch } from './present.js';
import { errorResponses, IdParams, IsoDateTime } from './schemas/common.js';
import { BatchSchema } from './schemas/tokens.js';

const tags = ['batches'];
const staff = { role: 'staff' as const };

/** batchRoutes registers the batch endpoints over `services`. */
export const batchRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  app.get(
    '/batches',
    {
      config: staff,
      schema: {
        tags,
        summary: 'List recent batches',
        description: 'The newest batches that still have tokens, newest first.',
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            batches: Type.Array(
              Type.Object({
                id: Type.Integer(),
                name: Type.String(),
                createdAt: IsoDateTime,
                tokens: Type.Integer({ description: 'Tokens not deleted' }),
              }),
            ),
          }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const tz = services.timeZone();
      return {
        batches: (await services.batches.list(request.query.limit ?? 50)).map((b) => ({
          ...b,
          createdAt: formatIsoInZone(b.createdAt, tz),
        })),
      };
    },
  );

  app.get(
    '/batches/:id',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Show a batch',
        description:
          'The batch with how many of its tokens are in each state. List its tokens with GET /tokens?batch=ID, export them with GET /tokens/export.csv?batch=ID.',
        params: IdParams,
        response: { 200: BatchSchema, ...errorResponses(404) },
      },
    },
    async (request) =>
      presentBatch(await services.batches.get(request.params.id), services.timeZone()),
  );

  app.delete(
    '/batches/:id',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Delete a whole batch',
        description:
          'Deletes every token of the batch in one transaction; their live sessions are disconnected and usage history is kept.',
        params: IdParams,
        response: {
          200: Type.Object({ deleted: Type.Integer({ description: 'Tokens deleted' }) }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => services.batches.remove(request.params.id, apiActor(request)),
  );
};
