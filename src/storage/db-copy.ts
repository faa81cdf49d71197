// Copies a SQLite installation into an empty PostgreSQL database: the target is migrated to
// the same schema version, then every table is copied in foreign-key order inside one
// transaction on the target, in batches of multi-row inserts (one array per column, unnest),
// each identity sequence is set past the copied ids and the row counts are compared before the
// commit. The tables and columns are read from the SQLite file and checked against their
// PostgreSQL counterparts, so a new migration needs no change here.

import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { ERROR_CODES, PorticoError } from '../errors.js';
import { LATEST_VERSION, newerSchemaError, schemaVersion } from './migrations.js';
import { createPgPool } from './pg/connection.js';
import { migratePg, PG_SCHEMA_TABLE } from './pg/migrate.js';
import { readServerLock } from './server-lock.js';

/** CopyTableCount is one table's rows in the source and, after the copy, in the target. */
export type CopyTableCount = { table: string; rows: number };

/** CopyResult is what a copy did: the schema version, the rows per table (in copy order), the time. */
export type CopyResult = {
  schemaVersion: number;
  /** The migrations applied to the target before the copy. */
  applied: number[];
  tables: CopyTableCount[];
  rows: number;
  ms: number;
};

/** CopyOptions name the source file and the target URL. */
export type CopyOptions = {
  from: string;
  to: string;
  /** Rows per INSERT (default 5,000). */
  batchRows?: number;
  /** onTable is told when a table has been copied. */
  onTable?: (t: CopyTableCount) => void;
};

type SqliteTable = {
  name: string;
  columns: string[];
  /** The tables this one's foreign keys point to (itself excluded). */
  parents: string[];
  /** Whether the table has a rowid, so reading it in rowid order puts parents before children. */
  rowid: boolean;
};

type PgColumn = { name: string; type: string; identity: boolean };

const fail = (message: string, cause?: unknown) =>
  new PorticoError(ERROR_CODES.CONFLICT, message, cause === undefined ? undefined : { cause });

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** sqliteTables returns the file's tables with their columns and foreign-key parents. */
function sqliteTables(db: Database.Database): SqliteTable[] {
  const rows = db
    .prepare(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all() as Array<{ name: string; sql: string }>;
  return rows.map(({ name, sql }) => {
    const columns = (
      db.prepare(`PRAGMA table_xinfo(${ident(name)})`).all() as Array<{
        name: string;
        hidden: number;
      }>
    )
      // hidden 2 and 3 are generated columns: PostgreSQL computes its own.
      .filter((c) => c.hidden === 0)
      .map((c) => c.name);
    const parents = [
      ...new Set(
        (db.prepare(`PRAGMA foreign_key_list(${ident(name)})`).all() as Array<{ table: string }>)
          .map((f) => f.table)
          .filter((t) => t !== name),
      ),
    ];
    return { name, columns, parents, rowid: !/WITHOUT\s+ROWID/i.test(sql) };
  });
}

/** foreignKeyOrder returns the tables with every table after the tables it points to. */
function foreignKeyOrder(tables: SqliteTable[]): SqliteTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: SqliteTable[] = [];
  const visit = (t: SqliteTable, path: string[]) => {
    if (done.has(t.name)) return;
    if (path.includes(t.name))
      throw fail(`the foreign keys of ${[...path, t.name].join(' -> ')} form a cycle`);
    for (const p of t.parents) {
      const parent = byName.get(p);
      if (parent) visit(parent, [...path, t.name]);
    }
    done.add(t.name);
    out.push(t);
  };
  for (const t of tables) visit(t, []);
  return out;
}

/** pgColumns returns the target's tables in the public schema with their columns and types. */
async function pgColumns(client: pg.PoolClient): Promise<Map<string, Map<string, PgColumn>>> {
  const r = await client.query<{ t: string; c: string; type: string; identity: boolean }>(
    `SELECT c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS type,
            (a.attidentity <> '' OR pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL) AS identity
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attgenerated = ''`,
  );
  const out = new Map<string, Map<string, PgColumn>>();
  for (const row of r.rows) {
    if (row.t === PG_SCHEMA_TABLE) continue;
    let cols = out.get(row.t);
    if (!cols) out.set(row.t, (cols = new Map()));
    cols.set(row.c, { name: row.c, type: row.type, identity: row.identity });
  }
  return out;
}

/**
 * converter returns how a SQLite value becomes a value of the PostgreSQL column `type`:
 * integers stay numbers (booleans from 0/1), blobs become bytea, epoch milliseconds become
 * timestamps where a column is one; it throws for a type the copy does not know.
 */
function converter(table: string, column: string, type: string): (v: unknown) => unknown {
  const base = type.replace(/\(.*\)$/, '');
  switch (base) {
    case 'bigint':
    case 'integer':
    case 'smallint':
    case 'numeric':
    case 'real':
    case 'double precision':
      return (v) => (typeof v === 'bigint' ? v.toString() : v);
    case 'boolean':
      return (v) => (v === null ? null : typeof v === 'string' ? v : Number(v) !== 0);
    case 'bytea':
      return (v) => (v === null || Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
    case 'text':
    case 'character varying':
    case 'json':
    case 'jsonb':
    case 'uuid':
    case 'inet':
      return (v) => (v === null || typeof v === 'string' ? v : String(v));
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      return (v) => (typeof v === 'number' ? new Date(v).toISOString() : v);
    default:
      throw fail(
        `the PostgreSQL column ${table}.${column} has the type ${type}, which portico db copy does not know how to fill`,
      );
  }
}

/** openSource opens the SQLite file read-only and checks that it can be copied as it is. */
function openSource(file: string): Database.Database {
  if (!existsSync(file))
    throw new PorticoError(ERROR_CODES.BAD_INPUT, `--from ${file}: no such file`);
  const server = readServerLock(file);
  if (server)
    throw fail(
      `a Portico server (pid ${server.pid}) is using ${file}, and what it writes during the copy would be lost; stop it first (systemctl stop portico), or copy a backup taken with 'portico db backup'`,
    );
  let db: Database.Database;
  let version: number;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new PorticoError(ERROR_CODES.BAD_INPUT, `--from ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    version = schemaVersion(db);
  } catch (err) {
    db.close();
    throw new PorticoError(
      ERROR_CODES.BAD_INPUT,
      `--from ${file} is not a SQLite database (${(err as Error).message})`,
      { cause: err },
    );
  }
  if (version !== LATEST_VERSION) {
    db.close();
    if (version > LATEST_VERSION) throw newerSchemaError(version, LATEST_VERSION);
    throw new PorticoError(
      ERROR_CODES.MIGRATION,
      `${file} is at schema version ${version}, this Portico at ${LATEST_VERSION}; bring it up to date first (PORTICO_DB=${file} portico db migrate), then copy it`,
    );
  }
  return db;
}

/**
 * copySqliteToPostgres copies the SQLite installation `from` into the PostgreSQL database
 * `to` and returns the rows per table; it throws PORTICO_CONFLICT (nothing written) when the
 * target already holds data or a table has no counterpart there, PORTICO_MIGRATION when the
 * file's schema is not this Portico's, and the driver's error when the server fails.
 */
export async function copySqliteToPostgres(opts: CopyOptions): Promise<CopyResult> {
  const started = Date.now();
  const batchRows = opts.batchRows ?? 5_000;
  const source = openSource(opts.from);
  const pool = createPgPool(opts.to, { max: 1, applicationName: 'portico db copy' });
  try {
    const applied = await migratePg(pool);
    const client = await pool.connect();
    let broken = false;
    try {
      const tables = foreignKeyOrder(sqliteTables(source));
      const target = await pgColumns(client);
      const plans = tables.map((t) => {
        const cols = target.get(t.name);
        if (!cols)
          throw fail(
            `the table ${t.name} of ${opts.from} has no counterpart in the PostgreSQL database`,
          );
        const missing = t.columns.filter((c) => !cols.has(c));
        if (missing.length > 0)
          throw fail(
            `the PostgreSQL table ${t.name} lacks the column(s) ${missing.join(', ')} of ${opts.from}`,
          );
        const columns = t.columns.map((c) => cols.get(c) as PgColumn);
        return {
          table: t,
          columns,
          convert: columns.map((c) => converter(t.name, c.name, c.type)),
        };
      });
      const extra = [...target.keys()].filter((t) => !tables.some((s) => s.name === t));
      if (extra.length > 0)
        throw fail(
          `the PostgreSQL database has table(s) ${extra.join(', ')} that ${opts.from} lacks at the same schema version`,
        );

      await client.query('BEGIN');
      // No node writes while the copy runs; a node that tries waits for the commit.
      await client.query(
        `LOCK TABLE ${plans.map((p) => ident(p.table.name)).join(', ')} IN SHARE ROW EXCLUSIVE MODE`,
      );
      const filled: string[] = [];
      for (const p of plans) {
        const r = await client.query(`SELECT 1 FROM ${ident(p.table.name)} LIMIT 1`);
        if (r.rowCount) filled.push(p.table.name);
      }
      if (filled.length > 0)
        throw fail(
          `the PostgreSQL database already holds data (table ${filled.join(', ')}); copy into a new, empty database (createdb -O portico portico), or drop this one first`,
        );

      // One read transaction on the file: every table is read from the same snapshot.
      source.exec('BEGIN');
      const counts: CopyTableCount[] = [];
      try {
        for (const p of plans) {
          const name = ident(p.table.name);
          const colList = p.columns.map((c) => ident(c.name)).join(', ');
          const insert =
            `INSERT INTO ${name} (${colList})` +
            (p.columns.some((c) => c.identity) ? ' OVERRIDING SYSTEM VALUE' : '') +
            ` SELECT * FROM unnest(${p.columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')})`;
          const read = source
            .prepare(
              `SELECT ${p.table.columns.map(ident).join(', ')} FROM ${name}${p.table.rowid ? ' ORDER BY rowid' : ''}`,
            )
            .raw(true);
          let rows = 0;
          let batch: unknown[][] = p.columns.map(() => []);
          let inBatch = 0;
          const flush = async () => {
            if (inBatch === 0) return;
            try {
              await client.query(insert, batch);
            } catch (err) {
              throw fail(
                `PostgreSQL refused a row of ${p.table.name} between rows ${rows - inBatch + 1} and ${rows} (${(err as Error).message}); nothing was committed`,
                err,
              );
            }
            batch = p.columns.map(() => []);
            inBatch = 0;
          };
          // Rows are gathered synchronously; the iterator stays open across the awaits, and
          // nothing else runs on the file meanwhile.
          for (const row of read.iterate() as IterableIterator<unknown[]>) {
            for (let i = 0; i < row.length; i++)
              (batch[i] as unknown[]).push((p.convert[i] as (v: unknown) => unknown)(row[i]));
            rows++;
            if (++inBatch >= batchRows) await flush();
          }
          await flush();
          for (const c of p.columns.filter((x) => x.identity)) {
            // The next id the target hands out is past every copied one.
            await client.query(
              `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(max(${ident(c.name)}), 1), max(${ident(c.name)}) IS NOT NULL) FROM ${name}`,
              [name, c.name],
            );
          }
          counts.push({ table: p.table.name, rows });
          opts.onTable?.({ table: p.table.name, rows });
        }
        for (const c of counts) {
          const inSource = (
            source.prepare(`SELECT count(*) AS n FROM ${ident(c.table)}`).get() as { n: number }
          ).n;
          const r = await client.query<{ n: number }>(
            `SELECT count(*)::bigint AS n FROM ${ident(c.table)}`,
          );
          const inTarget = Number(r.rows[0]?.n ?? -1);
          if (inSource !== c.rows || inTarget !== c.rows)
            throw fail(
              `the row counts of ${c.table} disagree after the copy (SQLite ${inSource}, read ${c.rows}, PostgreSQL ${inTarget}); nothing was committed`,
            );
        }
      } finally {
        source.exec('COMMIT');
      }
      await client.query('COMMIT');
      return {
        schemaVersion: LATEST_VERSION,
        applied,
        tables: counts,
        rows: counts.reduce((n, c) => n + c.rows, 0),
        ms: Date.now() - started,
      };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  } finally {
    source.close();
    await pool.end().catch(() => undefined);
  }
}
