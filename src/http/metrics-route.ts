// GET /metrics for Prometheus. Guests reach the same port as the splash page, so the route is
// closed unless the scraper proves itself: with the bearer token (PORTICO_METRICS_TOKEN), or
// by coming from an allowed address (PORTICO_METRICS_ALLOW, default loopback). A request that
// came through a reverse proxy Portico does not trust (it carries X-Forwarded-For) never
// passes by address: behind such a proxy every guest would look like loopback.

import { timingSafeEqual, createHash } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../services/services.js';

/** metricsAllowList returns a matcher for the allow-list entries of PORTICO_METRICS_ALLOW. */
export function metricsAllowList(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  const add = (addr: string, bits: number | undefined) => {
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, bits, family);
  };
  for (const e of entries) {
    if (e === 'loopback') {
      add('127.0.0.0', 8);
      add('::1', undefined);
    } else if (e === 'linklocal') {
      add('169.254.0.0', 16);
      add('fe80::', 10);
    } else if (e === 'uniquelocal') {
      add('10.0.0.0', 8);
      add('172.16.0.0', 12);
      add('192.168.0.0', 16);
      add('fc00::', 7);
    } else {
      const [addr, bits] = e.split('/');
      add(addr as string, bits === undefined ? undefined : Number(bits));
    }
  }
  return (address) => {
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** metricsRoutes registers GET /metrics over the services' metrics registry. */
export const metricsRoutes: FastifyPluginAsync<{ services: Services }> = async (app, opts) => {
  const { config, metrics } = opts.services;
  const allowed = metricsAllowList(config.metricsAllow);
  const token = config.metricsToken ? digest(config.metricsToken) : null;
  const behindTrustedProxy = config.trustProxy.length > 0;

  app.get('/metrics', async (request, reply) => {
    const auth = request.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    // Hashes have one length, so the comparison takes the same time whatever was sent.
    const byToken =
      token !== null && bearer !== undefined && timingSafeEqual(digest(bearer), token);
    const proxied = request.headers['x-forwarded-for'] !== undefined && !behindTrustedProxy;
    const byAddress = !proxied && allowed(request.ip);
    if (!byToken && !byAddress) {
      const status = token !== null ? 401 : 403;
      if (status === 401) void reply.header('www-authenticate', 'Bearer realm="metrics"');
      return reply.status(status).send({
        error: {
          code: status === 401 ? 'PORTICO_UNAUTHORIZED' : 'PORTICO_FORBIDDEN',
          message:
            status === 401
              ? 'send the metrics token: Authorization: Bearer PORTICO_METRICS_TOKEN'
              : 'this address may not read metrics: set PORTICO_METRICS_ALLOW or PORTICO_METRICS_TOKEN',
        },
      });
    }
    const text = await metrics.scrape();
    return reply
      .header('content-type', metrics.contentType)
      .header('cache-control', 'no-store')
      .send(text);
  });
};
