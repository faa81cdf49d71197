// The audit log (admins only): who created, printed, exported, changed, revoked or deleted
// what, newest first.

import type { FastifyPluginAsync } from 'fastify';
import type { AdminOptions } from './pages.js';

const PAGE = 100;

/** auditRoutes registers the audit log page. */
export const auditRoutes: FastifyPluginAsync<AdminOptions> = async (app, { services, pages }) => {
  app.get<{ Querystring: { page?: string } }>('/audit', async (request, reply) => {
    const page =
      request.query.page && /^\d{1,6}$/.test(request.query.page)
        ? Math.max(1, Number(request.query.page))
        : 1;
    // One extra entry says whether there is a next page without counting the whole log.
    const entries = services.audit.list(PAGE + 1, (page - 1) * PAGE);
    return pages.render(request, reply, 'audit', {
      title: 'Audit log',
      wide: true,
      entries: entries.slice(0, PAGE),
      page,
      hasNext: entries.length > PAGE,
    });
  });
};
