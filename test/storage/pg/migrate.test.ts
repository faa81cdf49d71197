// PostgreSQL migrations as several nodes meet them: a database newer than this build is
// refused, a failed step leaves the previous version, and nodes migrating at the same time
// take turns under the advisory lock, so each migration is applied exactly once.

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { LATEST_VERSION, MIGRATIONS } from '../../../src/storage/migrations.js';
import { createPgPool } from '../../../src/storage/pg/connection.js';
import { PG_MIGRATION_LOCK, migratePg, pgSchemaVersion } from '../../../src/storage/pg/migrate.js';
import { createTestDatabase } from '../../support/test-store.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** pool returns a pool on `url` that is ended after the file's tests. */
function pool(url: string): pg.Pool {
  const p = createPgPool(url, { max: 2 });
  cleanups.push(() => p.end());
  return p;
}

/** emptyDatabase creates an empty database and returns its URL. */
async function emptyDatabase(): Promise<string> {
  const d = await createTestDatabase({ empty: true });
  cleanups.push(d.drop);
  return d.url;
}

const tableExists = async (p: pg.Pool, name: string) =>
  (await p.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [name])).rows[0]?.t != null;

describe('migratePg', () => {
  it('brings an empty database to the latest version, and then has nothing to do', async () => {
    const p = pool(await emptyDatabase());
    expect(await pgSchemaVersion(p)).toBe(0);
    expect(await migratePg(p)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await pgSchemaVersion(p)).toBe(LATEST_VERSION);
    expect(await migratePg(p)).toEqual([]);
    const rows = await p.query('SELECT version, name FROM portico_schema ORDER BY version');
    expect(rows.rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  it('refuses a database written by a newer Portico, with the SQLite wording', async () => {
    const p = pool(await emptyDatabase());
    await migratePg(p);
    await p.query(
      "INSERT INTO portico_schema (version, name, applied_at) VALUES ($1, 'future', 1)",
      [LATEST_VERSION + 1],
    );
    await expect(migratePg(p)).rejects.toMatchObject({
      code: 'PORTICO_MIGRATION',
      message: `database schema version ${LATEST_VERSION + 1} is newer than this Portico (${LATEST_VERSION}); upgrade Portico`,
    });
    expect(await pgSchemaVersion(p)).toBe(LATEST_VERSION + 1);
  });

  it('rolls a failing migration back whole and leaves the version before it', async () => {
    const p = pool(await emptyDatabase());
    const broken = [
      ...MIGRATIONS.slice(0, 2),
      {
        version: 3,
        name: 'broken',
        sql: '',
        postgres: 'CREATE TABLE half_done (x BIGINT); CREATE TABLE tokens (x BIGINT);',
      },
    ];
    await expect(migratePg(p, { migrations: broken })).rejects.toMatchObject({
      code: 'PORTICO_MIGRATION',
      message: expect.stringContaining('failed at version 3') as string,
    });
    expect(await pgSchemaVersion(p)).toBe(2);
    expect(await tableExists(p, 'half_done')).toBe(false);
    // The lock went with the failed run: the real migrations go on from version 2.
    expect(await migratePg(p)).toEqual(MIGRATIONS.slice(2).map((m) => m.version));
  });

  it('lets nodes that start together take turns: each migration is applied once', async () => {
    const url = await emptyDatabase();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    cleanups.push(() => holder.end());
    // Hold the lock so that both nodes are certainly waiting on it at the same moment.
    await holder.query('SELECT pg_advisory_lock($1)', [PG_MIGRATION_LOCK]);
    const nodes = [pool(url), pool(url)];
    const runs = nodes.map((p) => migratePg(p));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const waiting = await holder.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
      );
      if (waiting.rows[0]?.n === 2) break;
      if (Date.now() > deadline)
        throw new Error('the two nodes never waited on the migration lock');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await tableExists(nodes[0]!, 'settings')).toBe(false);
    await holder.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATION_LOCK]);
    const applied = await Promise.all(runs);
    expect(applied.flat().sort((a, b) => a - b)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(applied.map((a) => a.length).sort((a, b) => a - b)).toEqual([0, LATEST_VERSION]);
    const rows = await holder.query<{ n: number }>('SELECT count(*)::int AS n FROM portico_schema');
    expect(rows.rows[0]?.n).toBe(LATEST_VERSION);
  });
});
