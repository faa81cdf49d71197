// Real Portico nodes for the several-nodes tests: `bin/portico.js serve` from the built
// dist/, each a process of its own on loopback ports chosen by the system, all on one
// PostgreSQL database. The test talks to them as routers and staff would: RADIUS over UDP,
// the HTTP API, and reads the database afterwards.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(process.cwd(), 'bin', 'portico.js');

/** ADMIN_PASSWORD is the first admin's password on every test node. */
export const ADMIN_PASSWORD = 'multinode-admin-pw';

/** PorticoNode is one running `portico serve` process. */
export type PorticoNode = {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly httpUrl: string;
  readonly ports: { auth: number; acct: number };
  /** output returns what the process printed so far (stdout and stderr). */
  output(): string;
  /** kill sends `signal` and resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
};

/**
 * startNode starts `portico serve` as node `name` on the PostgreSQL database `url` and
 * resolves once it prints where it listens; it rejects with the node's output when the
 * process ends first or does not come up within `timeoutMs`.
 */
export async function startNode(
  url: string,
  name: string,
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<PorticoNode> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('PORTICO_')) env[k] = v;
  Object.assign(env, {
    PORTICO_DATABASE_URL: url,
    PORTICO_DATABASE_POOL: '8',
    PORTICO_NODE_ID: name,
    PORTICO_HTTP_PORT: '0',
    PORTICO_RADIUS_HOST: '127.0.0.1',
    PORTICO_RADIUS_AUTH_PORT: '0',
    PORTICO_RADIUS_ACCT_PORT: '0',
    PORTICO_ADMIN_PASSWORD: ADMIN_PASSWORD,
    PORTICO_LOG_LEVEL: 'warn',
    PORTICO_TIMEZONE: 'UTC',
    ...opts.env,
  });
  const proc = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const ready = await new Promise<{ httpUrl: string; auth: number; acct: number } | string>(
    (resolve) => {
      const timer = setTimeout(
        () => resolve(`did not start within ${opts.timeoutMs ?? 90_000} ms`),
        opts.timeoutMs ?? 90_000,
      );
      const look = () => {
        const web = /web: +(http:\/\/\S+?)\/ /.exec(out);
        const radius = /auth (\d+)\/udp, accounting (\d+)\/udp/.exec(out);
        if (web && radius) {
          clearTimeout(timer);
          resolve({ httpUrl: web[1]!, auth: Number(radius[1]), acct: Number(radius[2]) });
        }
      };
      proc.stdout.on('data', look);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        resolve(`exited with ${code}`);
      });
    },
  );
  if (typeof ready === 'string') {
    proc.kill('SIGKILL');
    throw new Error(`node ${name} ${ready}:\n${out}`);
  }
  return {
    name,
    proc,
    httpUrl: ready.httpUrl,
    ports: { auth: ready.auth, acct: ready.acct },
    output: () => out,
    async kill(signal) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    },
  };
}

/** apiKey signs in nowhere: it is the header of an API key for the node's /api/v1. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
