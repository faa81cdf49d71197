// A throwaway PostgreSQL 15 server: its own cluster in a temporary folder, on 127.0.0.1 at a
// free port, its socket in the same folder, trust authentication for the `portico` role.
// Tests run it with durability turned off (the data is gone after the run anyway); the
// benchmarks run it durable, as production would. Root cannot run PostgreSQL, so as root the
// server runs as the `postgres` user. Plain JavaScript so that both the TypeScript tests
// (through test/support/postgres.ts) and the .mjs benchmarks start it the same way.
//
// The server is started under a small shell that waits on its standard input: when the
// starting process ends, however it ends (even SIGKILL), the pipe closes and the shell shuts
// the server down. Folders of runs whose process is gone are removed by the next start.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** PG_BIN is the folder of Debian's PostgreSQL 15 programs (PORTICO_PG_BIN overrides it). */
export const PG_BIN = process.env.PORTICO_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** PG_ROLE is the superuser role of a throwaway server. */
export const PG_ROLE = 'portico';

const DIR_PREFIX = 'portico-pg-';

// Tests throw the data away, so the server need not make it durable.
const NOT_DURABLE = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };

const isRoot = () => process.getuid?.() === 0;

/** asServerUser returns the command line that runs `cmd args` as the server's user. */
function asServerUser(cmd, args) {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function ids(user) {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(`user ${user} is missing: install Debian's postgresql package`);
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** removeStaleServers removes the folders (and stops the servers) of runs that are gone. */
export function removeStaleServers() {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    let owner = 0;
    try {
      owner = Number(readFileSync(join(dir, 'owner'), 'utf8'));
    } catch {
      continue; // being created right now, or not ours
    }
    if (!owner || alive(owner)) continue;
    try {
      const server = Number(
        readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      if (server && alive(server)) process.kill(server, 'SIGQUIT');
    } catch {
      /* no server running there */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

async function waitReady(url, child, log) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`PostgreSQL exited while starting:\n${readLog(log)}`);
    }
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await c.connect();
      await c.end();
      return;
    } catch (err) {
      await c.end().catch(() => {});
      if (Date.now() > deadline) {
        throw new Error(
          `PostgreSQL did not accept connections in 60 s (${String(err)}):\n${readLog(log)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function readLog(log) {
  try {
    return readFileSync(log, 'utf8').slice(-4000);
  } catch {
    return '(no log)';
  }
}

// Waits on stdin; when it closes, asks the server for a fast shutdown and waits for it.
const WATCHDOG =
  'exec 2>>"$1/log"; shift; "$@" & pid=$!; cat >/dev/null; kill -INT $pid; wait $pid';

/**
 * startPostgres initialises and starts a server in a new temporary folder and resolves when
 * it accepts connections; it throws when PostgreSQL is not installed or does not start.
 * `durable` keeps PostgreSQL's default fsync and synchronous commit (benchmarks); `settings`
 * are more `-c name=value` server settings.
 */
export async function startPostgres(opts = {}) {
  const postgres = join(PG_BIN, 'postgres');
  if (!existsSync(postgres)) {
    throw new Error(
      `${postgres} is missing: install Debian's postgresql package (apt-get install postgresql)`,
    );
  }
  removeStaleServers();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(join(dir, 'owner'), String(process.pid));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const settings = {
    ...(opts.durable ? {} : NOT_DURABLE),
    listen_addresses: '127.0.0.1',
    max_connections: '300',
    autovacuum: 'off',
    log_min_messages: 'warning',
    ...opts.settings,
  };
  try {
    if (isRoot()) {
      const { uid, gid } = ids('postgres');
      spawnSync('chown', ['-R', `${uid}:${gid}`, dir]);
    }
    const data = join(dir, 'data');
    const [cmd, args] = asServerUser(join(PG_BIN, 'initdb'), [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      PG_ROLE,
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    const init = spawnSync(cmd, args, { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const [sh, shArgs] = asServerUser('sh', [
        '-c',
        WATCHDOG,
        'watchdog',
        dir,
        postgres,
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
      ]);
      const child = spawn(sh, shArgs, { stdio: ['pipe', 'ignore', 'ignore'] });
      // Neither the server nor its pipe keeps this process alive; its end stops the server.
      child.unref();
      child.stdin?.unref?.();
      const url = (database = 'postgres') => `postgres://${PG_ROLE}@127.0.0.1:${port}/${database}`;
      try {
        await waitReady(url(), child, join(dir, 'log'));
      } catch (err) {
        child.stdin?.end();
        if (attempt < 3) continue; // the port was taken meanwhile
        throw err;
      }
      const exited = new Promise((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      return {
        port,
        dir,
        pid: () => {
          try {
            return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
          } catch {
            return 0;
          }
        },
        url,
        /** socketUrl is the URL of `database` over the server's Unix socket in its folder. */
        socketUrl: (database = 'postgres') =>
          `postgres:///${database}?host=${encodeURIComponent(dir)}&port=${port}&user=${PG_ROLE}`,
        async stop() {
          child.stdin?.end();
          let timer;
          await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
          clearTimeout(timer);
          cleanup();
        },
      };
    }
  } catch (err) {
    cleanup();
    throw err;
  }
}
