// The audit log (admins only): who created, printed, exported, changed, revoked or deleted
// what, newest first, in plain words; filtered by who, what and dates, and exported as CSV.

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { formatIsoInZone } from '../../core/time.js';
import { AUDIT_AREAS, type AuditArea } from '../../services/audit-service.js';
import { csvCell } from '../../services/csv-export.js';
import { dateRange, type AdminOptions } from './pages.js';
import { queryString } from './token-routes.js';

const PAGE = 100;
const CSV_MAX = 100_000;

type Query = Record<string, string | undefined>;

/** auditRoutes registers the audit log page and its CSV export. */
export const auditRoutes: FastifyPluginAsync<AdminOptions> = async (app, { services, pages }) => {
  /** filterOf reads the filters of a request, with a message for each one that is wrong. */
  const filterOf = (request: FastifyRequest<{ Querystring: Query }>) => {
    const q = request.query;
    const tz = services.timeZone();
    const errors: Record<string, string> = {};
    const filter: { actor?: string; area?: AuditArea; since?: number; until?: number } = {};
    if (q.who) filter.actor = q.who;
    if (q.what) {
      if (Object.hasOwn(AUDIT_AREAS, q.what)) filter.area = q.what as AuditArea;
      else errors.what = 'is not one of the listed kinds';
    }
    const range = dateRange(q, tz);
    for (const e of range.errors) errors[e.field] = e.message;
    if (range.since !== undefined) filter.since = range.since;
    if (range.until !== undefined) filter.until = range.until;
    const values = {
      who: q.who ?? '',
      what: q.what ?? '',
      since: q.since ?? '',
      until: q.until ?? '',
    };
    return { filter, errors, values };
  };

  app.get<{ Querystring: Query }>('/audit', async (request, reply) => {
    const page =
      request.query.page && /^\d{1,6}$/.test(request.query.page)
        ? Math.max(1, Number(request.query.page))
        : 1;
    const { filter, errors, values } = filterOf(request);
    const ok = Object.keys(errors).length === 0;
    // One extra entry says whether there is a next page without counting the whole log.
    const entries = ok ? await services.audit.search(filter, PAGE + 1, (page - 1) * PAGE) : [];
    const link = (p: number) =>
      `/admin/audit${queryString({ ...values, page: p > 1 ? p : undefined })}`;
    return pages.render(
      request,
      reply,
      'audit',
      {
        title: 'Audit log',
        wide: true,
        entries: entries.slice(0, PAGE),
        page,
        hasNext: entries.length > PAGE,
        newer: link(page - 1),
        older: link(page + 1),
        csvHref: `/admin/audit.csv${queryString(values)}`,
        actors: await services.audit.actors(),
        areas: Object.entries(AUDIT_AREAS).map(([value, a]) => ({ value, label: a.label })),
        values,
        errors,
      },
      ok ? 200 : 400,
    );
  });

  app.get<{ Querystring: Query }>('/audit.csv', async (request, reply) => {
    const { filter, errors } = filterOf(request);
    if (Object.keys(errors).length > 0)
      return reply
        .status(400)
        .type('text/plain')
        .send(
          Object.entries(errors)
            .map(([k, m]) => `${k} ${m}`)
            .join('\n'),
        );
    const tz = services.timeZone();
    const lines = ['when,who,what,on,details,action\r\n'];
    for (const e of await services.audit.search(filter, CSV_MAX))
      lines.push(
        [formatIsoInZone(e.at, tz), e.actor, e.what, e.on, e.detail, e.action]
          .map(csvCell)
          .join(',') + '\r\n',
      );
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="portico-audit.csv"')
      .send(lines.join(''));
  });
};
