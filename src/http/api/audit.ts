// /api/v1/audit: who created, exported, changed, revoked or deleted what (admin keys).

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { formatIsoInZone } from '../../core/time.js';
import type { Services } from '../../services/services.js';
import { errorResponses, IsoDateTime, Nullable } from './schemas/common.js';

/** auditRoutes registers the audit log endpoint over `services`. */
export const auditRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit log',
        description: 'Entries newest first.',
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
            offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            entries: Type.Array(
              Type.Object({
                id: Type.Integer(),
                at: IsoDateTime,
                actor: Type.String({ examples: ['api:Nexudus#3', 'alice', 'cli'] }),
                action: Type.String({ examples: ['tokens.bulk_create', 'tokens.export'] }),
                targetType: Nullable(Type.String()),
                targetId: Nullable(Type.String()),
                details: Nullable(Type.Record(Type.String(), Type.Unknown())),
              }),
            ),
            limit: Type.Integer(),
            offset: Type.Integer(),
          }),
          ...errorResponses(400, 403),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const offset = request.query.offset ?? 0;
      const tz = services.timeZone();
      return {
        entries: (await services.audit.list(limit, offset)).map((e) => ({
          ...e,
          at: formatIsoInZone(e.at, tz),
        })),
        limit,
        offset,
      };
    },
  );
};
