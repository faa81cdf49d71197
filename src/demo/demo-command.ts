// The `portico demo` command: starts the demo, prints where to click and which codes to type,
// and runs until Ctrl+C.

import { parseArgs } from 'node:util';
import pino from 'pino';
import { demoBanner, startDemo } from './demo.js';

/** DEMO_HELP is the --help text of `portico demo`. */
export const DEMO_HELP = `Usage: portico demo [--port N] [--db FILE] [--interim SECONDS]

Tries the whole guest journey on this machine, no router needed. Starts Portico (web and
RADIUS on free loopback ports, so it runs beside a Portico that is already running) with a demo router and three demo tokens, plus a
simulated CoovaChilli Wi-Fi gateway on loopback. Open the printed device link in a browser:
the gateway sends you to the splash page, takes the code back over real RADIUS (CHAP), sends
accounting while you are "online", and obeys Session-Timeout and Disconnect.

  --port N            Portico's web port (default: a free one, printed at the start)
  --db FILE           keep the demo database in FILE (default: a fresh temporary one)
  --interim SECONDS   how often the gateway reports usage (default 15)
Staff sign in at /admin as admin with password portico-demo (or PORTICO_ADMIN_PASSWORD).
`;

/** DemoIo is where the command reads its environment and writes its output. */
export type DemoIo = {
  env: Record<string, string | undefined>;
  out: (s: string) => void;
  err: (s: string) => void;
};

/**
 * runDemoCommand runs `portico demo` with `argv` (after the word demo) until SIGINT or
 * SIGTERM and resolves to the exit code: 2 for bad arguments, 1 when it cannot start.
 */
export async function runDemoCommand(argv: string[], io: DemoIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        db: { type: 'string' },
        interim: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    io.err(
      `portico: ${(err as Error).message.split('\n')[0]}\nRun 'portico demo --help' for the options.\n`,
    );
    return 2;
  }
  if (values.help) return (io.out(DEMO_HELP), 0);
  const number = (name: string, v: unknown, min: number, max: number, dflt: number) => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!/^\d+$/.test(String(v)) || n < min || n > max)
      throw new RangeError(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  let port: number;
  let interim: number;
  try {
    port = number('port', values.port, 0, 65535, 0);
    interim = number('interim', values.interim, 1, 3600, 15);
  } catch (err) {
    io.err(`portico: ${(err as Error).message}\n`);
    return 2;
  }
  const logger = pino({ level: io.env.PORTICO_LOG_LEVEL ?? 'warn' });
  let demo;
  try {
    demo = await startDemo({
      httpPort: port,
      interimSeconds: interim,
      env: io.env,
      logger,
      gatewayLog: (line) => io.out(`gateway: ${line}\n`),
      ...(typeof values.db === 'string' ? { dbFile: values.db } : {}),
    });
  } catch (err) {
    const inUse = (err as { code?: string }).code === 'EADDRINUSE';
    io.err(
      `portico: the demo could not start: ${(err as Error).message}\n${inUse ? `Port ${port} is taken (a running Portico?): leave out --port and the demo picks a free one.\n` : ''}`,
    );
    return 1;
  }
  io.out(demoBanner(demo));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await demo.close();
  io.out('Demo stopped.\n');
  return 0;
}
