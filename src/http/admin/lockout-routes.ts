// Lockouts: who is locked out for guessing codes or passwords, and clearing one (for a guest
// at the desk who mistyped too often).

import type { FastifyPluginAsync } from 'fastify';
import { GUESS_BUDGET, SHARED_KEY_POLICY } from '../../services/lockout-service.js';
import { isStaffLockoutKey } from '../../services/web-session-service.js';
import { staffActor } from '../plugins/staff-auth.js';
import { formBody, str, type AdminOptions } from './pages.js';

/** lockoutRoutes registers the lockouts page (staff and admins). */
export const lockoutRoutes: FastifyPluginAsync<AdminOptions> = async (app, { services, pages }) => {
  const staffOnly = { config: { role: 'staff' as const } };

  app.get<{ Querystring: { cleared?: string } }>('/lockouts', staffOnly, async (request, reply) =>
    pages.render(request, reply, 'lockouts', {
      title: 'Lockouts',
      // Staff may clear a guest's lockout, but only an admin a staff account's or address's.
      lockouts: (await services.lockouts.list()).map((l) => ({
        ...l,
        clearable: !isStaffLockoutKey(l.key) || request.staff?.role === 'admin',
      })),
      policy: services.lockouts.policy,
      shared: SHARED_KEY_POLICY,
      budget: GUESS_BUDGET,
      notice:
        request.query.cleared === '1'
          ? 'Lockout cleared.'
          : request.query.cleared === '0'
            ? 'That lockout had already ended.'
            : '',
    }),
  );

  app.post('/lockouts/clear', staffOnly, async (request, reply) => {
    const key = str(formBody(request).key).slice(0, 300);
    if (isStaffLockoutKey(key) && request.staff?.role !== 'admin')
      return pages.error(
        request,
        reply,
        403,
        'Admins only',
        'Only an admin can clear the lockout of a staff account or address.',
      );
    const cleared = key !== '' && (await services.lockouts.clear(key, staffActor(request)));
    return reply.redirect(`/admin/lockouts?cleared=${cleared ? 1 : 0}`, 303);
  });
};
