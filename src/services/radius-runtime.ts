// Starts the RADIUS side of a running Portico: the UDP server with the handler, the
// Disconnect/CoA client, and the cut-off scheduler and worker; and stops them in order.

import type { Clock } from '../clock.js';
import { createDynamicAuthorizationClient } from '../radius/dynamic-authorization.js';
import type { RetryPolicy } from '../radius/dynamic-authorization.js';
import { createRadiusServer } from '../radius/server.js';
import type { CutoffService } from './cutoff-service.js';
import type { HandlerLogger, RadiusService } from './radius-service.js';

/** RadiusRuntimeLogger is a pino-like logger that can make children per component. */
export type RadiusRuntimeLogger = HandlerLogger & { child(bindings: object): HandlerLogger };

/** RadiusRuntime is a started RADIUS side: its ports and how to stop it. */
export type RadiusRuntime = {
  ports: { auth: number; acct: number };
  close(): Promise<void>;
};

/**
 * startRadiusRuntime binds the auth and accounting sockets, hands their requests to the
 * RADIUS handler, and starts the cut-off scheduler and worker; it rejects when a port is
 * taken (nothing is left running then).
 */
export async function startRadiusRuntime(
  services: { clock: Clock; radius: RadiusService; cutoff: CutoffService },
  opts: {
    host: string;
    authPort: number;
    acctPort: number;
    logger: RadiusRuntimeLogger;
    /** Scheduler period in ms; default 5 s. */
    cutoffIntervalMs?: number;
    /** Disconnect/CoA retransmission; default RFC 5080's. */
    retry?: Partial<RetryPolicy>;
  },
): Promise<RadiusRuntime> {
  const { radius, cutoff, clock } = services;
  const log = opts.logger.child({ component: 'radius' });
  const server = createRadiusServer({
    host: opts.host,
    authPort: opts.authPort,
    acctPort: opts.acctPort,
    lookupClient: (address) => radius.lookupClient(address),
    handler: (request) => radius.handler(request),
    logger: log,
    now: () => clock.now(),
    receiveBufferSize: 4 * 1024 * 1024,
  });
  const das = createDynamicAuthorizationClient({
    logger: opts.logger.child({ component: 'coa' }),
    now: () => clock.now(),
    ...(opts.retry ? { retry: opts.retry } : {}),
  });
  radius.attach(log, () => server.metrics());
  let ports: { auth: number; acct: number };
  try {
    ports = await server.listen();
  } catch (err) {
    await das.close();
    throw err;
  }
  cutoff.attach(das, opts.logger.child({ component: 'cutoff' }));
  try {
    await cutoff.start(opts.cutoffIntervalMs);
  } catch (err) {
    // A database that refuses the first write (read-only, say): nothing stays bound.
    await cutoff.stop();
    await server.close();
    await das.close();
    throw err;
  }
  return {
    ports,
    async close() {
      // No new packets, then the batch in hand; then the scheduler and worker, whose
      // requests still waiting for a NAS end when the client closes (re-sent after restart).
      await server.close();
      await radius.idle();
      const stopping = cutoff.stop();
      await das.close();
      await stopping;
    },
  };
}
