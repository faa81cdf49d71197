// What can be checked before Portico writes anything: the database (the SQLite file, or that
// the PostgreSQL server answers and takes the credentials) and the ports. A
// start that fails says in one sentence what is wrong and what to do (the stack only at
// PORTICO_LOG_LEVEL=debug), and leaves nothing created, bound or running behind it.

import Database from 'better-sqlite3';
import { createSocket } from 'node:dgram';
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { redactUrl, type Config } from './config.js';
import { ERROR_CODES, PorticoError } from './errors.js';

/** StartupConfig is the part of the configuration the start-up checks read. */
export type StartupConfig = Pick<
  Config,
  'dbFile' | 'httpHost' | 'httpPort' | 'radiusHost' | 'radiusAuthPort' | 'radiusAcctPort'
> &
  Partial<Pick<Config, 'databaseUrl'>>;

const fail = (message: string, cause?: unknown) =>
  new PorticoError(ERROR_CODES.STARTUP, message, cause === undefined ? {} : { cause });

const statOf = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

const writable = (path: string): boolean => {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * checkDatabaseFile throws PORTICO_STARTUP when `file` cannot be Portico's database: a
 * folder, a file this user may not write (or whose folder it may not write, where SQLite
 * keeps its -wal and -shm files), or a file that is not an SQLite database. It writes nothing.
 */
export function checkDatabaseFile(file: string): void {
  if (file === ':memory:') return;
  const st = statOf(file);
  if (!st) {
    let folder = dirname(file);
    while (!statOf(folder) && dirname(folder) !== folder) folder = dirname(folder);
    const f = statOf(folder);
    if (f && !f.isDirectory())
      throw fail(`PORTICO_DB (${file}) lies under ${folder}, which is a file, not a folder.`);
    if (!writable(folder))
      throw fail(
        `Cannot create the database ${file}: the folder ${folder} is not writable for this user; make it writable or set PORTICO_DB to a path that is.`,
      );
    return;
  }
  if (st.isDirectory())
    throw fail(
      `PORTICO_DB (${file}) is a folder, not a database file; name a file, for example ${join(file, 'portico.db')}.`,
    );
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw fail(
      `The database file ${file} is read-only for this user; make it readable and writable for the user Portico runs as (chmod/chown).`,
      err,
    );
  }
  if (!writable(dirname(file)))
    throw fail(
      `The folder of the database ${file} is not writable for this user; SQLite must create ${file}-wal and ${file}-shm next to it.`,
    );
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    throw fail(
      `${file} is not a usable SQLite database (${(err as Error).message}); restore it from a backup, or move it away so that Portico starts a new one.`,
      err,
    );
  } finally {
    db?.close();
  }
}

/** where returns the server part of a PostgreSQL URL (host:port), never its credentials. */
function where(url: string): { server: string; user: string; database: string } {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return {
      server: `${host}:${u.port || '5432'}`,
      user: decodeURIComponent(u.username) || 'the current user',
      database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    };
  } catch {
    return { server: 'the server', user: 'the user', database: 'the database' };
  }
}

/**
 * postgresMessage returns the one sentence for a PostgreSQL connection that failed: server
 * unreachable, password refused, database missing; undefined for other errors.
 */
export function postgresMessage(err: unknown, url: string): string | undefined {
  const e = err as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const code = String(e?.code ?? e?.errors?.[0]?.code ?? '');
  const w = where(url);
  const message = String(e?.message ?? '');
  if (
    ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(
      code,
    ) ||
    /timeout|terminated unexpectedly/i.test(message)
  )
    return `The PostgreSQL server at ${w.server} cannot be reached (${code || message}); start it, or correct the host and port in PORTICO_DATABASE_URL.`;
  if (code === '28P01' || code === '28000')
    return `PostgreSQL at ${w.server} refused the login of ${w.user} (${message}); correct the user and password in PORTICO_DATABASE_URL, or the server's pg_hba.conf.`;
  if (code === '3D000')
    return `The database ${w.database} does not exist on the PostgreSQL server at ${w.server}; create it (createdb -O ${w.user} ${w.database}) or name another in PORTICO_DATABASE_URL.`;
  return undefined;
}

/**
 * checkPostgres throws PORTICO_STARTUP when the PostgreSQL server of `url` cannot be reached,
 * refuses the login or has no such database. It connects once and writes nothing.
 */
export async function checkPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // A connection lost after the check is not this check's business.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw fail(
      postgresMessage(err, url) ??
        `Cannot use the PostgreSQL database ${redactUrl(url)}: ${(err as Error).message}.`,
      err,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** portMessage returns the sentence for a port Portico cannot listen on, by the error's code. */
function portMessage(
  err: NodeJS.ErrnoException,
  what: string,
  host: string,
  port: number,
  env: { port: string; host: string },
): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `The ${what} port ${port} on ${host} is already in use; stop the program using it or set ${env.port} to another port.`;
    case 'EACCES':
      return `This user may not listen on the ${what} port ${port} (ports below 1024 need privileges); set ${env.port} to a port from 1024 up, or grant the capability.`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${host} is not an address of this machine, so the ${what} port cannot listen there; set ${env.host}.`;
    default:
      return `Cannot listen on the ${what} port ${port} on ${host} (${err.message}); check ${env.host} and ${env.port}.`;
  }
}

/**
 * checkPort throws PORTICO_STARTUP when nothing may listen on `host`:`port` over TCP or bind
 * it over UDP (port 0: any port will do, nothing to check).
 */
async function checkPort(
  proto: 'tcp' | 'udp',
  host: string,
  port: number,
  what: string,
  env: { port: string; host: string },
): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const refuse = (err: NodeJS.ErrnoException) =>
      reject(fail(portMessage(err, what, host, port, env), err));
    if (proto === 'tcp') {
      const server = createServer();
      server.once('error', refuse);
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
      return;
    }
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.close();
      refuse(err);
    });
    socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve()));
  });
}

/**
 * preflight checks the database (file, or PostgreSQL server) and that the HTTP and RADIUS ports are free before
 * anything is created, and throws PORTICO_STARTUP with what to fix. The ports are checked
 * again when they are really bound (another program may take one in between).
 */
export async function preflight(config: StartupConfig): Promise<void> {
  if (config.databaseUrl !== undefined) await checkPostgres(config.databaseUrl);
  else checkDatabaseFile(config.dbFile);
  await checkPort('tcp', config.httpHost, config.httpPort, 'HTTP', {
    port: 'PORTICO_HTTP_PORT',
    host: 'PORTICO_HTTP_HOST',
  });
  const radius = { host: 'PORTICO_RADIUS_HOST' };
  await checkPort('udp', config.radiusHost, config.radiusAuthPort, 'RADIUS authentication', {
    ...radius,
    port: 'PORTICO_RADIUS_AUTH_PORT',
  });
  await checkPort('udp', config.radiusHost, config.radiusAcctPort, 'RADIUS accounting', {
    ...radius,
    port: 'PORTICO_RADIUS_ACCT_PORT',
  });
}

/**
 * startupError returns `err` as a PORTICO_STARTUP error with one sentence that says what to
 * do: a port taken after the checks, a database that turned out read-only, damaged or
 * locked. Errors Portico raised on purpose pass through.
 */
export function startupError(err: unknown, config: StartupConfig): PorticoError {
  if (err instanceof PorticoError) return err;
  const pgMessage =
    config.databaseUrl === undefined ? undefined : postgresMessage(err, config.databaseUrl);
  if (pgMessage !== undefined) return fail(pgMessage, err);
  const e = err as NodeJS.ErrnoException & { code?: string; address?: string; port?: number };
  const code = String(e?.code ?? '');
  if (code.startsWith('SQLITE_READONLY'))
    return fail(
      `The database ${config.dbFile} is read-only (${e.message}); make the file and its folder writable for the user Portico runs as.`,
      err,
    );
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'))
    return fail(
      `${config.dbFile} is not a usable SQLite database (${e.message}); restore it from a backup, or move it away so that Portico starts a new one.`,
      err,
    );
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return fail(
      `The database ${config.dbFile} is locked by another program (${e.message}); stop it, or is another Portico running on this file?`,
      err,
    );
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR'))
    return fail(`Cannot open or write the database ${config.dbFile} (${e.message}).`, err);
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const port = e.port ?? 0;
    const http = port === config.httpPort;
    return fail(
      portMessage(e, http ? 'HTTP' : 'RADIUS', e.address ?? '', port, {
        port: http ? 'PORTICO_HTTP_PORT' : 'PORTICO_RADIUS_AUTH_PORT / PORTICO_RADIUS_ACCT_PORT',
        host: http ? 'PORTICO_HTTP_HOST' : 'PORTICO_RADIUS_HOST',
      }),
      err,
    );
  }
  return fail(`Portico could not start: ${(e as Error)?.message ?? String(err)}`, err);
}
