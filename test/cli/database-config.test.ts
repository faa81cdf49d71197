// Choosing the database: PORTICO_DB (SQLite, the default) or PORTICO_DATABASE_URL (PostgreSQL),
// with the URL's password never shown, and the db commands that only make sense on SQLite.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { databaseLabel, loadConfig, redactUrl } from '../../src/config.js';
import { LATEST_VERSION } from '../../src/storage/migrations.js';
import { preflight } from '../../src/startup.js';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-dbcfg-'));
  env = { PORTICO_DB: join(dir, 'p.db'), PORTICO_TIMEZONE: 'UTC' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { env, out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** freePort returns a loopback TCP port nothing listens on (it was just released). */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const SECRET = 'pa55-w0rd-never-shown';

describe('database configuration', () => {
  it('keeps SQLite the default and takes a postgres:// or postgresql:// URL', () => {
    const c = loadConfig({ PORTICO_TIMEZONE: 'UTC' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.databasePool).toBe(10);
    expect(c.nodeId).toMatch(new RegExp(`:${process.pid}$`));
    for (const url of ['postgres://p@127.0.0.1/db', 'postgresql://p:x@db.example:6543/portico'])
      expect(loadConfig({ PORTICO_TIMEZONE: 'UTC', PORTICO_DATABASE_URL: url }).databaseUrl).toBe(
        url,
      );
    expect(
      loadConfig({ PORTICO_TIMEZONE: 'UTC', PORTICO_DATABASE_POOL: '32', PORTICO_NODE_ID: 'n1' }),
    ).toMatchObject({ databasePool: 32, nodeId: 'n1' });
  });

  it('refuses other URLs, a missing database name, a bad pool size, and never echoes the password', () => {
    const bad = (v: Record<string, string>) => {
      try {
        loadConfig({ PORTICO_TIMEZONE: 'UTC', ...v });
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(bad({ PORTICO_DATABASE_URL: `mysql://u:${SECRET}@h/db` })).toMatch(
      /PORTICO_DATABASE_URL=.*postgres:\/\/ or postgresql:\/\//,
    );
    expect(bad({ PORTICO_DATABASE_URL: `mysql://u:${SECRET}@h/db` })).not.toContain(SECRET);
    expect(bad({ PORTICO_DATABASE_URL: `postgres://u:${SECRET}@h` })).toMatch(
      /must name the database/,
    );
    expect(bad({ PORTICO_DATABASE_URL: `postgres://u:${SECRET}@h` })).not.toContain(SECRET);
    expect(bad({ PORTICO_DATABASE_URL: 'not a url' })).toMatch(/must be a URL/);
    expect(bad({ PORTICO_DATABASE_POOL: '0' })).toMatch(/PORTICO_DATABASE_POOL/);
    expect(bad({ PORTICO_NODE_ID: 'two words' })).toMatch(/PORTICO_NODE_ID/);
  });

  it('redacts the password and keeps the rest of the URL readable', () => {
    expect(redactUrl(`postgres://portico:${SECRET}@10.0.0.5:5432/portico`)).toBe(
      'postgres://portico:***@10.0.0.5:5432/portico',
    );
    expect(redactUrl('postgres://portico@10.0.0.5/portico')).toBe(
      'postgres://portico@10.0.0.5/portico',
    );
    expect(
      databaseLabel({ dbFile: 'x.db', databaseUrl: `postgres://a:${SECRET}@h/d` }),
    ).not.toContain(SECRET);
    expect(databaseLabel({ dbFile: 'x.db', databaseUrl: undefined })).toBe('x.db');
  });

  it('portico config shows the URL with its password as ***', async () => {
    env.PORTICO_DATABASE_URL = `postgres://portico:${SECRET}@127.0.0.1:5432/portico`;
    const r = await run('config');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /PORTICO_DATABASE_URL +postgres:\/\/portico:\*\*\*@127\.0\.0\.1:5432\/portico/,
    );
    expect(r.out).toMatch(/PORTICO_DATABASE_POOL +10/);
    expect(r.out).not.toContain(SECRET);
    delete env.PORTICO_DATABASE_URL;
    expect((await run('config')).out).toMatch(/PORTICO_DATABASE_URL +\(not set\)/);
    const help = await run('serve', '--help');
    expect(help.out).toContain('PORTICO_DATABASE_URL');
  });
});

describe('portico db on either backend', () => {
  it('db migrate on SQLite prints the versions applied, then that nothing is left', async () => {
    const first = await run('db', 'migrate', '--json');
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out)).toEqual({
      backend: 'sqlite',
      applied: Array.from({ length: LATEST_VERSION }, (_, i) => i + 1),
      schemaVersion: LATEST_VERSION,
    });
    const again = await run('db', 'migrate');
    expect(again.code).toBe(0);
    expect(again.out).toContain('nothing to apply');
  });

  it('db migrate refuses a database newer than this Portico with exit 1', async () => {
    expect((await run('db', 'migrate')).code).toBe(0);
    const db = new Database(env.PORTICO_DB as string);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    const r = await run('db', 'migrate');
    expect(r.code).toBe(1);
    expect(r.err).toContain('newer than this Portico');
  });

  it('db backup, restore and check on PostgreSQL exit 2 and point to pg_dump/pg_restore', async () => {
    env.PORTICO_DATABASE_URL = `postgres://portico:${SECRET}@127.0.0.1:1/portico`;
    for (const argv of [
      ['db', 'backup', join(dir, 'b.db')],
      ['db', 'restore', join(dir, 'b.db')],
      ['db', 'check'],
    ]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/pg_dump/);
      expect(r.err).toMatch(/pg_restore/);
      expect(r.err).not.toContain(SECRET);
    }
  });

  it('a serve against an unreachable PostgreSQL fails in one sentence without the password', async () => {
    const port = await freePort();
    env.PORTICO_DATABASE_URL = `postgres://portico:${SECRET}@127.0.0.1:${port}/portico`;
    env.PORTICO_HTTP_PORT = '0';
    env.PORTICO_RADIUS_AUTH_PORT = '0';
    env.PORTICO_RADIUS_ACCT_PORT = '0';
    const r = await run('serve');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `PostgreSQL server at 127\\.0\\.0\\.1:${port} cannot be reached.*PORTICO_DATABASE_URL`,
      ),
    );
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toContain(SECRET);
    await expect(preflight(loadConfig(env))).rejects.toThrow(/cannot be reached/);
  });
});
