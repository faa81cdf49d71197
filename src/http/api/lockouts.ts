// /api/v1/lockouts: who is locked out for guessing codes or passwords, and lifting a lockout.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { formatIsoInZone } from '../../core/time.js';
import { ERROR_CODES, notFound, PorticoError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { isStaffLockoutKey } from '../../services/web-session-service.js';
import { apiActor } from '../plugins/api-auth.js';
import { isoOrNull } from './present.js';
import { errorResponses } from './schemas/common.js';
import { LockoutKeyParams, LockoutList } from './schemas/lockouts.js';

const tags = ['lockouts'];
const staff = { role: 'staff' as const };

/** lockoutRoutes registers the lockout endpoints over `services`. */
export const lockoutRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  app.get(
    '/lockouts',
    {
      config: staff,
      schema: {
        tags,
        summary: 'List lockouts',
        description: 'Keys locked now or with failed attempts in the current window, newest first.',
        response: { 200: LockoutList, ...errorResponses() },
      },
    },
    async () => {
      const tz = services.timeZone();
      return {
        lockouts: (await services.lockouts.list()).map((l) => ({
          ...l,
          firstFailedAt: formatIsoInZone(l.firstFailedAt, tz),
          lastFailedAt: formatIsoInZone(l.lastFailedAt, tz),
          lockedUntil: isoOrNull(l.lockedUntil, tz),
        })),
      };
    },
  );

  app.delete(
    '/lockouts/:key',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Clear a lockout',
        description:
          'Lifts the lockout and forgets the failures of this key. A staff sign-in key (`staff:`, `staff-ip:`) needs an admin key.',
        params: LockoutKeyParams,
        response: { 204: Type.Null({ description: 'Cleared' }), ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      if (isStaffLockoutKey(request.params.key) && request.apiKey?.role !== 'admin')
        throw new PorticoError(
          ERROR_CODES.FORBIDDEN,
          'clearing the lockout of a staff account or address needs an admin API key',
        );
      if (!(await services.lockouts.clear(request.params.key, apiActor(request))))
        throw notFound(`lockout ${request.params.key}`);
      return reply.status(204).send(null);
    },
  );
};
