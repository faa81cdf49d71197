// The two dialects of every migration give the same schema: after each version, SQLite and
// PostgreSQL have the same tables, columns (type, nullability, default), primary and unique
// keys, foreign keys and named indexes (with their columns, uniqueness and partial-ness).

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/storage/database.js';
import { LATEST_VERSION, MIGRATIONS, migrate } from '../../../src/storage/migrations.js';
import { migratePg, pgSchemaVersion } from '../../../src/storage/pg/migrate.js';
import { createPgPool } from '../../../src/storage/pg/connection.js';
import { createTestDatabase } from '../../support/test-store.js';

type Schema = Record<
  string,
  {
    columns: string[];
    primaryKey: string;
    uniqueKeys: string[];
    foreignKeys: string[];
    indexes: string[];
  }
>;

const TYPES: Record<string, string> = { INTEGER: 'bigint', TEXT: 'text' };

/** sqliteSchema describes the SQLite schema in the comparable form. */
function sqliteSchema(db: Db): Schema {
  const out: Schema = {};
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .pluck()
    .all() as string[];
  for (const t of tables) {
    const cols = db.prepare(`PRAGMA table_info(${t})`).all() as Array<{
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }>;
    // A rowid table's TEXT PRIMARY KEY accepts NULL in SQLite (a documented quirk); the
    // repositories never write one, and PostgreSQL's primary keys are NOT NULL.
    const columns = cols.map(
      (c) =>
        `${c.name} ${TYPES[c.type] ?? c.type} ${c.notnull || c.pk ? 'not null' : 'null'} default ${c.dflt_value ?? '-'}`,
    );
    const primaryKey = cols
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name)
      .join(',');
    const uniqueKeys: string[] = [];
    const indexes: string[] = [];
    for (const ix of db.prepare(`PRAGMA index_list(${t})`).all() as Array<{
      name: string;
      unique: number;
      origin: string;
      partial: number;
    }>) {
      const info = db.prepare(`PRAGMA index_xinfo(${ix.name})`).all() as Array<{
        name: string | null;
        key: number;
        coll: string;
      }>;
      const keyCols = info
        .filter((c) => c.key === 1)
        .map((c) => (c.coll === 'NOCASE' ? `lower(${c.name})` : String(c.name)))
        .join(',');
      if (ix.origin === 'u') uniqueKeys.push(keyCols);
      else if (ix.origin === 'c')
        indexes.push(
          `${ix.name} (${keyCols})${ix.unique ? ' unique' : ''}${ix.partial ? ' partial' : ''}`,
        );
    }
    const foreignKeys = (
      db.prepare(`PRAGMA foreign_key_list(${t})`).all() as Array<{
        table: string;
        from: string;
        to: string;
        on_delete: string;
      }>
    ).map((f) => `${f.from} -> ${f.table}(${f.to}) on delete ${f.on_delete.toLowerCase()}`);
    out[t] = {
      columns,
      primaryKey,
      uniqueKeys: uniqueKeys.sort(),
      foreignKeys: foreignKeys.sort(),
      indexes: indexes.sort(),
    };
  }
  return out;
}

/** pgDefault writes a PostgreSQL column default as SQLite's pragma shows it. */
function pgDefault(d: string | null): string {
  if (d === null) return '-';
  return d.replace(/::(text|bigint|integer)$/, '');
}

const FK_ACTIONS: Record<string, string> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

/** pgSchema describes the PostgreSQL schema (public, without portico_schema) the same way. */
async function pgSchema(client: pg.Client): Promise<Schema> {
  const out: Schema = {};
  const tables = (
    await client.query<{ t: string }>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'portico_schema' ORDER BY 1",
    )
  ).rows.map((r) => r.t);
  for (const t of tables) {
    const cols = (
      await client.query<{
        column_name: string;
        data_type: string;
        is_nullable: string;
        column_default: string | null;
      }>(
        "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        [t],
      )
    ).rows;
    const columns = cols.map(
      (c) =>
        `${c.column_name} ${c.data_type} ${c.is_nullable === 'YES' ? 'null' : 'not null'} default ${pgDefault(c.column_default)}`,
    );
    const ixs = (
      await client.query<{
        name: string;
        unique: boolean;
        primary: boolean;
        partial: boolean;
        constraint: boolean;
        cols: string[];
      }>(
        `SELECT c.relname AS name, i.indisunique AS unique, i.indisprimary AS primary,
                i.indpred IS NOT NULL AS partial,
                EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) AS constraint,
                ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
                      FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS cols
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid = $1::regclass`,
        [t],
      )
    ).rows;
    let primaryKey = '';
    const uniqueKeys: string[] = [];
    const indexes: string[] = [];
    for (const ix of ixs) {
      const keyCols = ix.cols.join(',');
      if (ix.primary) primaryKey = keyCols;
      // A unique key is a UNIQUE constraint, or a unique index named as one (`…_key`): the
      // case-insensitive keys, on lower(column), that stand for SQLite's COLLATE NOCASE UNIQUE.
      else if (ix.constraint || (ix.unique && !ix.partial && ix.name.endsWith('_key')))
        uniqueKeys.push(keyCols);
      else
        indexes.push(
          `${ix.name} (${keyCols})${ix.unique ? ' unique' : ''}${ix.partial ? ' partial' : ''}`,
        );
    }
    const foreignKeys = (
      await client.query<{ def: string; from: string; table: string; to: string; del: string }>(
        `SELECT a.attname AS from, f.relname AS table, fa.attname AS to, k.confdeltype AS del
         FROM pg_constraint k
         JOIN pg_class f ON f.oid = k.confrelid
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
         JOIN pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = k.confkey[1]
         WHERE k.contype = 'f' AND k.conrelid = $1::regclass`,
        [t],
      )
    ).rows.map((f) => `${f.from} -> ${f.table}(${f.to}) on delete ${FK_ACTIONS[f.del] ?? f.del}`);
    out[t] = {
      columns,
      primaryKey,
      uniqueKeys: uniqueKeys.sort(),
      foreignKeys: foreignKeys.sort(),
      indexes: indexes.sort(),
    };
  }
  return out;
}

const dropped: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const drop of dropped) await drop();
});

/** freshDatabase creates an empty database on the test server and returns its URL. */
async function freshDatabase(): Promise<string> {
  const d = await createTestDatabase({ empty: true });
  dropped.push(d.drop);
  return d.url;
}

describe('PostgreSQL migrations', () => {
  it('give the same schema as SQLite after every version', async () => {
    const pool = createPgPool(await freshDatabase(), { max: 2 });
    const client = new pg.Client({ connectionString: pool.options.connectionString });
    await client.connect();
    const db = openDatabase(':memory:', { migrate: false });
    try {
      for (const m of MIGRATIONS) {
        migrate(db, m.version);
        expect(await migratePg(pool, { target: m.version })).toEqual([m.version]);
        expect(await pgSchemaVersion(pool)).toBe(m.version);
        const expected = sqliteSchema(db);
        expect(Object.keys(expected).length).toBeGreaterThan(0);
        expect({ version: m.version, schema: await pgSchema(client) }).toEqual({
          version: m.version,
          schema: expected,
        });
      }
      expect(await pgSchemaVersion(pool)).toBe(LATEST_VERSION);
      expect(await migratePg(pool)).toEqual([]);
    } finally {
      db.close();
      await client.end();
      await pool.end();
    }
  });

  it('move the single feed setting into the first feed (0010), as SQLite does', async () => {
    const pool = createPgPool(await freshDatabase(), { max: 2 });
    try {
      await migratePg(pool, { target: 9 });
      const put = (key: string, value: unknown) =>
        pool.query('INSERT INTO settings (key, value) VALUES ($1, $2)', [
          key,
          JSON.stringify(value),
        ]);
      await put('bookings.icsUrl', 'https://rooms.example.org/orion.ics');
      await put('bookings.icsPollMinutes', 10);
      await put('bookings.icsLastPoll', { ok: true, at: 1 });
      await put('bookings.graceBeforeMinutes', 5);
      for (const [origin, id] of [
        ['ics', 'weekly-1@20261201T170000Z'],
        ['api', 'b1'],
      ]) {
        await pool.query(
          "INSERT INTO bookings (kind, origin, external_id, start_at, end_at, created_at, updated_at) VALUES ('booking', $1, $2, 10, 20, 1, 1)",
          [origin, id],
        );
      }
      await pool.query(
        "INSERT INTO webhooks (url, events, secret, created_at) VALUES ('https://h', '[]', 's', 1)",
      );
      const before = Date.now();
      await migratePg(pool, { target: 10 });
      const feeds = await pool.query(
        'SELECT name, url, poll_minutes, horizon_days, allow_private_network, created_at FROM feeds',
      );
      expect(feeds.rows).toEqual([
        {
          name: 'Booking feed',
          url: 'https://rooms.example.org/orion.ics',
          poll_minutes: 10,
          horizon_days: 60,
          allow_private_network: 0,
          created_at: expect.any(Number) as number,
        },
      ]);
      expect(feeds.rows[0].created_at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(
        (await pool.query('SELECT origin, external_id, guests FROM bookings ORDER BY id')).rows,
      ).toEqual([
        { origin: 'ics', external_id: '1/weekly-1@20261201T170000Z', guests: '[]' },
        { origin: 'api', external_id: 'b1', guests: '[]' },
      ]);
      expect((await pool.query('SELECT key FROM settings ORDER BY key')).rows).toEqual([
        { key: 'bookings.graceBeforeMinutes' },
      ]);
      expect((await pool.query('SELECT allow_private_network FROM webhooks')).rows).toEqual([
        { allow_private_network: 0 },
      ]);
    } finally {
      await pool.end();
    }
  });

  it('copy each CoA job its session’s router (0008)', async () => {
    const pool = createPgPool(await freshDatabase(), { max: 2 });
    try {
      await migratePg(pool, { target: 7 });
      await pool.query(
        "INSERT INTO nas_clients (name, address, secret, created_at) VALUES ('r1', '10.0.0.1', 's', 1)",
      );
      await pool.query("INSERT INTO tokens (code, source, created_at) VALUES ('C', 'manual', 1)");
      await pool.query(
        "INSERT INTO sessions (token_id, nas_id, status, class, reserved_at) VALUES (1, 1, 'live', 'c1', 1)",
      );
      await pool.query(
        "INSERT INTO coa_jobs (session_id, kind, reason, created_at) VALUES (1, 'disconnect', 'staff', 1)",
      );
      await migratePg(pool, { target: 8 });
      expect((await pool.query('SELECT nas_id FROM coa_jobs')).rows).toEqual([{ nas_id: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
