// The reports page: charged minutes and data over a period, peaks, busy hours, first uses,
// batches, routers and top tokens, each as an SVG chart or table with its CSV export.

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { TOKEN_SOURCES } from '../../core/token.js';
import { formatBytes } from '../../core/describe.js';
import {
  REPORT_CSVS,
  reportCsv,
  reportMinutes,
  type ReportCsv,
} from '../../services/report-csv.js';
import {
  REPORT_PERIODS,
  type Report,
  type ReportPeriod,
  type ReportQuery,
} from '../../services/report-service.js';
import { badInput } from '../../errors.js';
import { barChart, heatMap } from './charts.js';
import { fieldErrors, type AdminOptions } from './pages.js';
import { queryString } from './token-routes.js';

type Query = {
  period?: string;
  from?: string;
  to?: string;
  batch?: string;
  source?: string;
  router?: string;
  report?: string;
  bom?: string;
};

const ID = /^\d{1,9}$/;

/** reportQuery reads the reports' query string; throws PORTICO_BAD_INPUT naming the field. */
function reportQuery(q: Query): ReportQuery {
  const period = (q.period || '7d') as ReportPeriod;
  const fields: Array<{ field: string; message: string }> = [];
  const id = (name: 'batch' | 'router', v: string | undefined): number | undefined => {
    if (v === undefined || v === '') return undefined;
    if (!ID.test(v)) fields.push({ field: name, message: 'must be a number' });
    return Number(v);
  };
  const out: ReportQuery = {
    period,
    from: q.from || undefined,
    to: q.to || undefined,
    batchId: id('batch', q.batch),
    nasId: id('router', q.router),
    source: q.source || undefined,
  };
  if (fields.length) throw badInput(fields);
  return out;
}

const linkParams = (q: ReportQuery) => ({
  period: q.period,
  from: q.period === 'custom' ? q.from : undefined,
  to: q.period === 'custom' ? q.to : undefined,
  batch: q.batchId,
  source: q.source,
  router: q.nasId,
});

const charts = (r: Report) => ({
  usage: barChart({
    id: 'c-usage',
    title: r.hourly ? `Online minutes per hour, ${r.fromDate}` : 'Online minutes per day',
    yLabel: 'minutes',
    data: r.usage.map((u) => ({
      label: r.hourly ? u.label : u.date.slice(5),
      value: reportMinutes(u.ms),
    })),
  }),
  data: barChart({
    id: 'c-data',
    title: r.hourly ? 'Data used per hour' : 'Data used per day',
    yLabel: 'MB',
    data: r.usage.map((u) => ({
      label: r.hourly ? u.label : u.date.slice(5),
      value: Math.round(u.bytes / 1e5) / 10,
    })),
    format: (v) => String(Math.round(v * 10) / 10),
  }),
  peaks: barChart({
    id: 'c-peaks',
    title: 'Most devices online at once, per day',
    yLabel: 'devices',
    data: r.peaks.map((p) => ({ label: p.date.slice(5), value: p.devices })),
  }),
  heat: heatMap({
    id: 'c-heat',
    title: 'Busy hours: online minutes by weekday and hour',
    values: r.heat.map((row) => row.map(reportMinutes)),
    format: (v) => `${v} min`,
  }),
  redeemed: barChart({
    id: 'c-redeemed',
    title: 'Tokens used for the first time, per day',
    yLabel: 'tokens',
    data: r.redeemed.map((d) => ({ label: d.date.slice(5), value: d.total })),
  }),
});

/** reportRoutes registers the reports page and its CSV exports. */
export const reportRoutes: FastifyPluginAsync<AdminOptions> = async (app, { services, pages }) => {
  const staffOnly = { config: { role: 'staff' as const } };
  const options = async () => ({
    periods: REPORT_PERIODS,
    sources: TOKEN_SOURCES,
    batches: await services.batches.list(200),
    routers: (await services.nas.list()).map((n) => ({ id: n.id, name: n.name })),
  });

  app.get<{ Querystring: Query }>('/reports', staffOnly, async (request, reply) => {
    let query: ReportQuery = { period: '7d' };
    try {
      query = reportQuery(request.query);
      const report = await services.reports.build(query);
      const params = linkParams(query);
      return pages.render(request, reply, 'reports', {
        title: 'Reports',
        wide: true,
        report,
        query,
        charts: charts(report),
        ...(await options()),
        minutes: reportMinutes,
        mb: (bytes: number) => formatBytes(bytes),
        csvLink: (name: ReportCsv) =>
          `/admin/reports/export.csv${queryString({ ...params, report: name })}`,
        csvNames: REPORT_CSVS,
      });
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return pages.render(
        request,
        reply,
        'reports',
        {
          title: 'Reports',
          wide: true,
          report: null,
          query,
          errors,
          values: request.query,
          ...(await options()),
        },
        400,
      );
    }
  });

  app.get<{ Querystring: Query }>(
    '/reports/export.csv',
    staffOnly,
    async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
      const name = request.query.report as ReportCsv;
      if (!REPORT_CSVS.includes(name))
        throw badInput([{ field: 'report', message: `one of ${REPORT_CSVS.join(', ')}` }]);
      const query = reportQuery(request.query);
      const report = await services.reports.build(query);
      reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="report-${name}-${report.fromDate}-${report.toDate}.csv"`,
        );
      return reply.send(reportCsv(report, name, { bom: request.query.bom === '1' }));
    },
  );
};
