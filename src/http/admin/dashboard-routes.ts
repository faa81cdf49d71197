// The dashboard home: tokens per state, devices online now, routers and when they last spoke.

import type { FastifyPluginAsync } from 'fastify';
import { TOKEN_STATES } from '../../core/token.js';
import type { AdminOptions } from './pages.js';

/** dashboardRoutes registers the dashboard home page. */
export const dashboardRoutes: FastifyPluginAsync<AdminOptions> = async (
  app,
  { services, pages },
) => {
  app.get('/', { config: { role: 'staff' } }, async (request, reply) => {
    const { counts, total } = services.tokens.list({}, { limit: 1 });
    return pages.render(request, reply, 'dashboard', {
      title: 'Dashboard',
      states: TOKEN_STATES,
      counts,
      total,
      online: services.sessions ? services.sessions.listLive({ limit: 1 }).total : counts.online,
      routers: services.nas.list(),
      batches: services.batches.list(5),
    });
  });

  // What /healthz leaves out, for staff: RADIUS counters (decisions, drops, batches, latency,
  // the server's packet counts), each router's Disconnect/CoA state and sign-in problems.
  app.get('/healthz', { config: { role: 'staff' } }, async () => ({
    ok: true,
    now: services.clock.now(),
    radius: services.radiusStats(),
    coa: services.cutoff.routerHealth(),
    // Routers whose guests cannot sign in because their UAM secret does not match.
    signInProblems: services.portal.signInProblems(),
  }));
};
