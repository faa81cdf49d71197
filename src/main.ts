// Wires config, database, services, HTTP and RADIUS into one running Portico, and takes it
// down again in the reverse order. main.ts owns the database and closes it last.

import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { buildApp } from './http/app.js';
import { openStore, type OpenedStore } from './storage/open-store.js';
import { createServices, type Services } from './services/services.js';
import { startRadiusRuntime } from './services/radius-runtime.js';
import { preflight, startupError } from './startup.js';

/** Running is a started Portico: where it listens, its services, and how to stop it. */
export type Running = {
  services: Services;
  httpUrl: string;
  /** The RADIUS ports bound (useful when configured as 0). */
  radiusPorts: { auth: number; acct: number };
  close(): Promise<void>;
};

/**
 * createLogger returns the process logger at the configured level: one JSON object per line
 * (for journald and log shippers), or with `logFormat: 'pretty'` coloured lines for a terminal.
 */
export function createLogger(
  config: Pick<Config, 'logLevel'> & { logFormat?: Config['logFormat'] },
  /** Where lines go (tests); default standard output. */
  out?: NodeJS.WritableStream,
): Logger {
  const options = {
    level: config.logLevel,
    redact: {
      paths: [
        '*.secret',
        '*.password',
        'secret',
        'password',
        'req.headers.cookie',
        'req.headers.authorization',
      ],
      censor: '***',
    },
  };
  if (config.logFormat !== 'pretty') return out ? pino(options, out) : pino(options);
  return pino(
    options,
    pretty({
      ...(out ? { destination: out } : {}),
      colorize: out === undefined && process.stdout.isTTY === true,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    }),
  );
}

/**
 * startPortico checks the database (file or server) and the ports, then opens and migrates it,
 * makes sure a first admin exists, starts HTTP, RADIUS and the workers and returns a handle.
 * It throws PORTICO_STARTUP (one sentence saying what to fix) when any step fails, after
 * stopping whatever it had started; when a check fails, nothing has been written.
 */
export async function startPortico(
  config: Config,
  opts: {
    logger: Logger;
    clock?: Clock;
    onFirstAdmin?: (u: { username: string; generatedPassword?: string }) => void;
  },
): Promise<Running> {
  const clock = opts.clock ?? systemClock;
  const log = opts.logger;
  await preflight(config);
  let checkpointed: (ms: number, failed: boolean) => void = () => undefined;
  let opened: OpenedStore;
  try {
    opened = await openStore(config, {
      server: {
        onCheckpointError: (message) => log.warn({ message }, 'WAL checkpoint failed'),
        onCheckpoint: (ms, failed) => checkpointed(ms, failed),
      },
    });
  } catch (err) {
    throw startupError(err, config);
  }
  const services = createServices({ store: opened.store, clock, config });
  checkpointed = services.metrics.hooks.checkpoint;
  const closers: Array<() => Promise<void> | void> = [];
  /** stopAll runs the closers last-first; one that fails does not keep the others from running. */
  const stopAll = async () => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        log.warn({ err }, 'a part of Portico did not stop cleanly');
      }
    }
    closers.length = 0;
  };
  try {
    await services.settings.refresh();
    const first = await services.staff.ensureFirstAdmin(config.adminUser, config.adminPassword);
    if (first) opts.onFirstAdmin?.(first);

    const app = await buildApp(services, { logger: log.child({ component: 'http' }) });
    await app.listen({ host: config.httpHost, port: config.httpPort });
    closers.push(() => app.close());
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.httpPort;
    const host = config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost;

    // RADIUS stops before HTTP (closers run in reverse): no packet is taken that cannot finish.
    const radius = await startRadiusRuntime(services, {
      host: config.radiusHost,
      authPort: config.radiusAuthPort,
      acctPort: config.radiusAcctPort,
      logger: log,
    });
    closers.push(() => radius.close());

    // Guests let on through a controller (UniFi) are charged by a ticker, not by accounting.
    const controllerLog = log.child({ component: 'controllers' });
    services.controllers.start(30_000, (err) =>
      controllerLog.warn({ err }, 'controller pass failed'),
    );
    closers.push(() => services.controllers.stop());

    // E-mail and webhook outboxes and the booking feed; stopped first, before RADIUS and HTTP.
    const bookingLog = log.child({ component: 'bookings' });
    closers.push(async () => {
      await services.ics.stop();
      await services.emails.worker.stop();
      await services.webhooks.worker.stop();
    });
    services.emails.worker.start({
      onError: (err) => bookingLog.warn({ err }, 'e-mail outbox failed'),
    });
    services.webhooks.worker.start({
      onError: (err) => bookingLog.warn({ err }, 'webhook outbox failed'),
    });
    // The feed URL may carry a secret, so only the error is logged.
    services.ics.start({
      onError: (err, feed) =>
        bookingLog.warn({ err, feed: feed.name }, 'calendar feed poll failed'),
    });
    // Retention: a minute after start, then daily.
    closers.push(() => services.retention.stop());
    services.retention.start({
      onError: (err) => log.warn({ err }, 'retention run failed'),
      onRun: (r) => log.info({ removed: r.removed }, 'retention run'),
    });

    return {
      services,
      httpUrl: `http://${host}:${port}`,
      radiusPorts: radius.ports,
      async close() {
        await stopAll();
        await opened.close();
      },
    };
  } catch (err) {
    await stopAll();
    await opened.close().catch(() => undefined);
    throw startupError(err, config);
  }
}
