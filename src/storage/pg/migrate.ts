// PostgreSQL migrations: the same numbered history as SQLite (each migration's `postgres`
// SQL), each applied in its own transaction together with its row in portico_schema. Several
// nodes starting at once take a session advisory lock first, so one migrates while the others
// wait and then find nothing left to do.

import type pg from 'pg';
import { ERROR_CODES, PorticoError } from '../../errors.js';
import { LATEST_VERSION, MIGRATIONS, newerSchemaError, type Migration } from '../migrations.js';

/** PG_MIGRATION_LOCK is the advisory lock key every node takes while it migrates. */
export const PG_MIGRATION_LOCK = 7_063_696_263_050_001;

/** PG_SCHEMA_TABLE names the table holding one row per applied migration. */
export const PG_SCHEMA_TABLE = 'portico_schema';

/** PgMigrateOptions choose what migratePg applies. */
export type PgMigrateOptions = {
  /** The version to stop at (default: the latest of `migrations`). */
  target?: number;
  /** The migrations to apply (tests pass their own); default MIGRATIONS. */
  migrations?: readonly Migration[];
};

const CREATE_SCHEMA_TABLE = `CREATE TABLE IF NOT EXISTS ${PG_SCHEMA_TABLE} (
  version    BIGINT PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

async function versionOf(db: Queryable): Promise<number> {
  const exists = await db.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
    PG_SCHEMA_TABLE,
  ]);
  if (exists.rows[0]?.t == null) return 0;
  const r = await db.query<{ v: string | number | null }>(
    `SELECT max(version) AS v FROM ${PG_SCHEMA_TABLE}`,
  );
  return Number(r.rows[0]?.v ?? 0);
}

/** pgSchemaVersion returns the database's schema version (0 when it was never migrated). */
export async function pgSchemaVersion(pool: Queryable): Promise<number> {
  return versionOf(pool);
}

/**
 * migratePg brings the database behind `pool` up to the target version and returns the
 * versions it applied; it throws PORTICO_MIGRATION when the database is newer than this build.
 * A failed migration is rolled back whole: the database stays at the version before it.
 */
export async function migratePg(pool: pg.Pool, opts: PgMigrateOptions = {}): Promise<number[]> {
  const migrations = opts.migrations ?? MIGRATIONS;
  const latest = opts.migrations ? migrations.length : LATEST_VERSION;
  const target = opts.target ?? latest;
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PG_MIGRATION_LOCK]);
    try {
      await client.query(CREATE_SCHEMA_TABLE);
      const current = await versionOf(client);
      if (current > latest) throw newerSchemaError(current, latest);
      const applied: number[] = [];
      for (const m of migrations) {
        if (m.version <= current || m.version > target) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.postgres);
          await client.query(
            `INSERT INTO ${PG_SCHEMA_TABLE} (version, name, applied_at) VALUES ($1, $2, $3)`,
            [m.version, m.name, Date.now()],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          throw new PorticoError(
            ERROR_CODES.MIGRATION,
            `upgrading the database from schema version ${current} failed at version ${m.version}: ${(err as Error).message}. ` +
              `The database is at version ${m.version - 1}; each step that completed was committed.`,
            { cause: err },
          );
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATION_LOCK]).catch(() => {
        broken = true;
      });
    }
  } finally {
    // A client whose unlock failed is dropped, so its session (and the lock) ends with it.
    client.release(broken);
  }
}
