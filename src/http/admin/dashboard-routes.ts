// The dashboard home: devices online now, today's use against the last week, tokens per
// state, routers that have gone quiet, failing e-mails and webhooks, the last staff actions.

import type { FastifyPluginAsync } from 'fastify';
import { TOKEN_STATES } from '../../core/token.js';
import { reportMinutes } from '../../services/report-csv.js';
import { barChart } from './charts.js';
import type { AdminOptions } from './pages.js';

/** QUIET_MIN_MS is the least silence after which a router counts as not heard from. */
export const QUIET_MIN_MS = 15 * 60_000;

/** dashboardRoutes registers the dashboard home page. */
export const dashboardRoutes: FastifyPluginAsync<AdminOptions> = async (
  app,
  { services, pages },
) => {
  app.get('/', { config: { role: 'staff' } }, async (request, reply) => {
    const { counts, total } = await services.tokens.list({}, { limit: 1 });
    const now = services.clock.now();
    const week = await services.reports.build({ period: '7d' });
    const today = week.usage.at(-1) ?? { ms: 0, date: week.toDate, label: '', bytes: 0 };
    const todayReport = await services.reports.build({ period: 'today' });
    // A router reports every interim interval; three missed in a row means something is off.
    const quietAfter = Math.max(
      QUIET_MIN_MS,
      3 * 1000 * services.settings.value('interimIntervalSeconds'),
    );
    const routers = await services.nas.list();
    const isAdmin = request.staff?.role === 'admin';
    return pages.render(request, reply, 'dashboard', {
      title: 'Dashboard',
      states: TOKEN_STATES,
      counts,
      total,
      online: services.sessions
        ? (await services.sessions.listLive({ limit: 1 })).total
        : counts.online,
      routers,
      quietRouters: routers.filter((r) => r.lastSeenAt === null || now - r.lastSeenAt > quietAfter),
      batches: await services.batches.list(5),
      tokensToday: todayReport.totals.tokens,
      redeemedToday: todayReport.totals.redeemed,
      minutesToday: reportMinutes(today.ms),
      minutesWeekAverage: reportMinutes(week.totals.ms / week.usage.length),
      weekChart: barChart({
        id: 'c-week',
        title: 'Online minutes per day, last 7 days',
        yLabel: 'minutes',
        data: week.usage.map((u) => ({ label: u.date.slice(5), value: reportMinutes(u.ms) })),
        width: 320,
        height: 110,
        small: true,
      }),
      week: week.usage,
      emailsFailing: (await services.emails.list({ limit: 1 })).counts.failed,
      webhooksFailing: (await services.webhooks.deliveryCounts()).failed,
      audit: isAdmin ? await services.audit.list(5) : [],
    });
  });

  // What /healthz leaves out, for staff: RADIUS counters (decisions, drops, batches, latency,
  // the server's packet counts), each router's Disconnect/CoA state and sign-in problems.
  app.get('/healthz', { config: { role: 'staff' } }, async () => ({
    ok: true,
    now: services.clock.now(),
    radius: services.radiusStats(),
    coa: await services.cutoff.routerHealth(),
    // Routers whose guests cannot sign in because their UAM secret does not match.
    signInProblems: services.portal.signInProblems(),
  }));
};
