// The endpoint openNDS gateways report to: Portico's BinAuth script (deploy/routers/opennds/)
// posts each authentication, poll and deauthentication here and acts on the one-line answer.
// Reports are signed with a key derived from the router's faskey; anything else is refused
// with a status the script treats as "deny" (auth_client) or "try again later".

import type { FastifyInstance } from 'fastify';
import type { BinauthReport } from '../../services/opennds-service.js';
import type { Services } from '../../services/services.js';
import { flatParams } from '../portal/router-context.js';

const STATUS = {
  'bad-report': 400,
  'unknown-router': 404,
  'bad-signature': 403,
  'clock-skew': 403,
} as const;

/** openndsRoutes registers POST /opennds/binauth, the openNDS BinAuth report endpoint. */
export async function openndsRoutes(app: FastifyInstance, opts: { services: Services }) {
  const { services } = opts;
  app.post('/opennds/binauth', async (request, reply) => {
    const p = flatParams(request.body);
    const report: BinauthReport = {
      gateway: p.gw,
      method: p.method,
      mac: p.mac,
      ip: p.ip,
      token: p.token,
      start: p.start,
      end: p.end,
      in: p.in,
      out: p.out,
      ts: p.ts,
      sig: p.sig,
    };
    const out = await services.opennds.report(report, request.ip);
    reply.header('cache-control', 'no-store').type('text/plain; charset=utf-8');
    if (out.ok) {
      request.log.info(
        { gateway: p.gw ?? null, method: p.method, answer: out.answer.split(' ', 1)[0] },
        'openNDS BinAuth report',
      );
      return `${out.answer}\n`;
    }
    // Never the token or the signature: enough to find the misconfigured router.
    request.log.warn(
      { gateway: p.gw?.slice(0, 64) ?? null, from: request.ip, reason: out.reason },
      `openNDS BinAuth report refused: ${out.message}`,
    );
    return reply.status(STATUS[out.reason]).send(`refused ${out.reason}: ${out.message}\n`);
  });
}
