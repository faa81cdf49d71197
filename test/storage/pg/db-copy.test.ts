// portico db copy: a SQLite installation with 100,000 tokens and their history, copied to
// PostgreSQL, gives the same answers there: `portico tokens list --json` (the real CLI, once
// on each database), every token's usage through the token service, and the usage report.
// A target that holds data and a file of another schema version are refused untouched.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli.js';
import { fixedClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { createServices } from '../../../src/services/services.js';
import { openDatabase } from '../../../src/storage/database.js';
import { createPgPool } from '../../../src/storage/pg/connection.js';
import { migratePg } from '../../../src/storage/pg/migrate.js';
import { createPgStore } from '../../../src/storage/pg/store.js';
import { createStore } from '../../../src/storage/store.js';
import { LATEST_VERSION } from '../../../src/storage/migrations.js';
import { createTestDatabase } from '../../support/test-store.js';

const TOKENS = 100_000;
const DAY = 86_400_000;
// The history ends a day before the test runs, and no validity window ends near now, so the
// two CLI runs (a second or two apart) derive the same states.
const NOW = Date.now();
const T0 = NOW - 40 * DAY;

const BIN = join(import.meta.dirname, '../../../bin/portico.js');
let dir: string;
let file: string;
const drops: Array<() => Promise<void>> = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-copy-'));
});
afterAll(async () => {
  for (const d of drops) await d();
  rmSync(dir, { recursive: true, force: true });
});

/** seed writes an installation's worth of rows straight into the SQLite file, in one transaction. */
function seed(path: string): void {
  const db = openDatabase(path);
  try {
    db.transaction(() => {
      db.prepare("INSERT INTO settings (key, value) VALUES ('timeZone', ?)").run(
        JSON.stringify('Europe/Berlin'),
      );
      db.prepare(
        "INSERT INTO staff_users (username, password_hash, role, created_at) VALUES ('Ada', 'scrypt$x', 'admin', ?)",
      ).run(T0);
      const nas = db.prepare(
        'INSERT INTO nas_clients (name, address, secret, vendor, require_message_authenticator, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      nas.run('lobby', '10.0.0.1', 's3cret', 'mikrotik', 1, T0);
      nas.run('garden', '10.0.0.2', 'it\'s "quoted"\\', 'coova-chilli', 0, T0);
      const batch = db.prepare(
        "INSERT INTO batches (name, source, created_by, created_at) VALUES (?, 'bulk', 'Ada', ?)",
      );
      for (let b = 1; b <= 3; b++) batch.run(`Conference day ${b}`, T0 + b);
      const token = db.prepare(
        `INSERT INTO tokens (id, code, minutes, valid_from, valid_until, max_devices, description, batch_id, source, created_by, created_at, used_ms, used_bytes, first_used_at, last_used_at, revoked_at, deleted_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const session = db.prepare(
        `INSERT INTO sessions (token_id, nas_id, status, class, acct_session_id, device_mac, reserved_at, started_at, last_seen_at, updated_at, stopped_at, session_seconds, input_octets, output_octets, interim_interval, terminate_cause, closed_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 300, ?, ?)`,
      );
      const cover = db.prepare(
        'INSERT INTO token_coverage (token_id, start_at, end_at) VALUES (?, ?, ?)',
      );
      for (let id = 1; id <= TOKENS; id++) {
        const created = T0 + id * 10;
        const used = id % 3 !== 0;
        const minutes = 30 + (id % 5) * 30;
        // Every seventh used token has run out; the others used a part.
        const usedMs = used ? (id % 7 === 0 ? minutes * 60_000 : (id % 29) * 60_000) : 0;
        const start = T0 + DAY + (id % 30) * DAY + (id % 600) * 1000;
        token.run(
          id,
          `C${id.toString(36).toUpperCase().padStart(7, '0')}`,
          minutes,
          id % 11 === 0 ? T0 : null,
          id % 11 === 0 ? NOW + 30 * DAY : id % 13 === 0 ? T0 + 2 * DAY : null,
          1 + (id % 3),
          id % 17 === 0 ? `Room ${id % 40} – «guest»` : '',
          id % 4 === 0 ? null : ((id % 4) as number),
          id % 4 === 0 ? 'manual' : 'bulk',
          'Ada',
          created,
          usedMs,
          used ? id * 1000 : 0,
          used ? start : null,
          used ? start + usedMs : null,
          id % 97 === 0 ? start + DAY : null,
          id % 101 === 0 ? start + DAY : null,
        );
        if (!used) continue;
        const live = id % 1000 === 1;
        session.run(
          id,
          1 + (id % 2),
          live ? 'live' : 'closed',
          `cls-${id}`,
          `acct-${id}`,
          `02-00-00-${(id >> 16).toString(16).padStart(2, '0')}-${((id >> 8) & 255).toString(16).padStart(2, '0')}-${(id & 255).toString(16).padStart(2, '0')}`,
          start - 500,
          start,
          start + usedMs,
          start + usedMs,
          live ? null : start + usedMs,
          usedMs / 1000,
          id * 400,
          id * 600,
          live ? null : 'User-Request',
          live ? null : 'accounting',
        );
        if (usedMs > 0) cover.run(id, start, start + usedMs);
      }
      const day = db.prepare(
        'INSERT INTO usage_days (day, sessions, session_seconds, input_octets, output_octets) VALUES (?, ?, ?, ?, ?)',
      );
      for (let d = 0; d < 30; d++)
        day.run(
          new Date(T0 - (d + 1) * DAY).toISOString().slice(0, 10),
          10 + d,
          3600 * d,
          d * 1e6,
          d * 2e6,
        );
      const booking = db.prepare(
        `INSERT INTO bookings (kind, origin, external_id, resource, start_at, end_at, guest_name, guest_email, created_at, updated_at)
         VALUES ('booking', 'api', ?, 'Room A', ?, ?, ?, ?, ?, ?)`,
      );
      const link = db.prepare('INSERT INTO booking_tokens (booking_id, token_id) VALUES (?, ?)');
      for (let b = 1; b <= 500; b++) {
        const r = booking.run(
          `b-${b}`,
          T0 + (b * DAY) / 20,
          T0 + (b * DAY) / 20 + 3_600_000,
          `Guest ${b}`,
          `g${b}@example.org`,
          T0,
          T0,
        );
        link.run(r.lastInsertRowid, b * 7);
      }
      const audit = db.prepare(
        "INSERT INTO audit_log (at, actor, action, target_type, target_id, details) VALUES (?, 'Ada', 'token.create', 'token', ?, ?)",
      );
      for (let i = 1; i <= 2000; i++) audit.run(T0 + i, String(i), JSON.stringify({ minutes: i }));
      db.prepare(
        "INSERT INTO coa_jobs (session_id, nas_id, kind, reason, state, attempts, created_at, finished_at) VALUES (1, 2, 'disconnect', 'staff', 'ack', 1, ?, ?)",
      ).run(T0 + DAY, T0 + DAY + 40);
    })();
  } finally {
    db.close();
  }
}

/** cli runs bin/portico.js with `args` on the database `env` names and returns its output. */
function cli(
  args: string[],
  db: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('PORTICO_')) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...env, ...db },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out, err });
    });
  });
}

/** run runs `portico args` in this process and returns the exit code and what it printed. */
async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { env: {}, out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

async function emptyDatabase(): Promise<string> {
  const d = await createTestDatabase({ empty: true });
  drops.push(d.drop);
  return d.url;
}

describe('portico db copy', () => {
  let url: string;
  let copied: { code: number; out: string; err: string };

  beforeAll(async () => {
    file = join(dir, 'portico.db');
    seed(file);
    url = await emptyDatabase();
    copied = await run(['db', 'copy', '--from', file, '--to', url, '--json']);
  }, 120_000);

  it('copies every table with its row count, and sets the id sequences past the copied ids', async () => {
    expect(copied.err).toBe('');
    expect(copied.code).toBe(0);
    const r = JSON.parse(copied.out) as {
      schemaVersion: number;
      applied: number[];
      tables: Array<{ table: string; rows: number }>;
    };
    expect(r.schemaVersion).toBe(LATEST_VERSION);
    expect(r.applied).toHaveLength(LATEST_VERSION);
    const rows = Object.fromEntries(r.tables.map((t) => [t.table, t.rows]));
    expect(rows).toMatchObject({
      tokens: TOKENS,
      batches: 3,
      nas_clients: 2,
      booking_tokens: 500,
      audit_log: 2000,
    });
    expect(rows.sessions).toBe(TOKENS - Math.floor(TOKENS / 3));
    // Parents before children.
    const at = (t: string) => r.tables.findIndex((x) => x.table === t);
    expect(at('batches')).toBeLessThan(at('tokens'));
    expect(at('tokens')).toBeLessThan(at('sessions'));
    expect(at('sessions')).toBeLessThan(at('coa_jobs'));
    expect(at('bookings')).toBeLessThan(at('booking_tokens'));

    const pool = createPgPool(url, { max: 1 });
    try {
      const next = await pool.query<{ id: number }>(
        "INSERT INTO tokens (code, source, created_at) VALUES ('NEXT', 'manual', 1) RETURNING id",
      );
      expect(next.rows[0]?.id).toBe(TOKENS + 1);
      const nas = await pool.query<{ secret: string }>(
        "SELECT secret FROM nas_clients WHERE name = 'garden'",
      );
      expect(nas.rows[0]?.secret).toBe('it\'s "quoted"\\');
      await pool.query("DELETE FROM tokens WHERE code = 'NEXT'");
    } finally {
      await pool.end();
    }
  });

  it('gives the same `portico tokens list --json` on PostgreSQL as on SQLite', async () => {
    for (const args of [
      ['tokens', 'list', '--json', '--limit', '1000'],
      ['tokens', 'list', '--json', '--state', 'depleted', '--limit', '1000'],
      ['tokens', 'list', '--json', '--batch', 'Conference day 2', '--limit', '500'],
    ]) {
      const [onSqlite, onPg] = await Promise.all([
        cli(args, { PORTICO_DB: file }),
        cli(args, { PORTICO_DATABASE_URL: url }),
      ]);
      expect(onSqlite.err).toBe('');
      expect(onPg.err).toBe('');
      const a = JSON.parse(onSqlite.out) as { total: number; tokens: unknown[] };
      expect(a.tokens.length).toBeGreaterThan(100);
      expect(JSON.parse(onPg.out)).toEqual(a);
    }
  }, 60_000);

  it('gives every token the same usage, and the same usage report, through the services', async () => {
    const clock = fixedClock(NOW);
    const config = loadConfig({});
    const db = openDatabase(file, { migrate: false });
    const pool = createPgPool(url, { max: 2 });
    try {
      const onSqlite = createServices({ store: createStore(db), clock, config });
      const onPg = createServices({ store: createPgStore(pool), clock, config });
      const usage = async (s: typeof onSqlite) => {
        // The stored time zone (Europe/Berlin) writes the sentences, as on a server.
        expect((await s.settings.refresh()).timeZone).toBe('Europe/Berlin');
        const out: unknown[] = [];
        for await (const t of s.tokens.iterate({})) out.push(t);
        return out;
      };
      const a = await usage(onSqlite);
      expect(a).toHaveLength(TOKENS - Math.floor(TOKENS / 101));
      expect(await usage(onPg)).toEqual(a);
      const q = {
        period: 'custom' as const,
        from: new Date(T0).toISOString().slice(0, 10),
        to: new Date(NOW).toISOString().slice(0, 10),
      };
      const report = await onSqlite.reports.build(q);
      expect(report.totals.ms).toBeGreaterThan(0);
      expect(await onPg.reports.build(q)).toEqual(report);
    } finally {
      db.close();
      await pool.end();
    }
  }, 60_000);

  it('refuses a target that already holds data, naming the table, and writes nothing', async () => {
    const r = await run(['db', 'copy', '--from', file, '--to', url]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/already holds data \(table [a-z_, ]*tokens/);
    const pool = createPgPool(url, { max: 1 });
    try {
      const n = await pool.query<{ n: number }>('SELECT count(*)::bigint AS n FROM tokens');
      expect(n.rows[0]?.n).toBe(TOKENS);
    } finally {
      await pool.end();
    }
  });

  it('refuses a file whose schema is newer or older than this Portico, before touching the target', async () => {
    const target = await emptyDatabase();
    for (const [version, message] of [
      [LATEST_VERSION + 1, /newer than this Portico/],
      [LATEST_VERSION - 1, /portico db migrate/],
    ] as const) {
      const other = join(dir, `v${version}.db`);
      const db = openDatabase(other, { migrate: false });
      db.pragma(`user_version = ${version}`);
      db.close();
      const r = await run(['db', 'copy', '--from', other, '--to', target]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
    }
    const client = new pg.Client({ connectionString: target });
    await client.connect();
    try {
      const t = await client.query("SELECT to_regclass('tokens') AS t");
      expect(t.rows[0]).toEqual({ t: null });
    } finally {
      await client.end();
    }
  });

  it('exits 2 on bad arguments, and never shows the password', async () => {
    const secret = 'hunter2-secret';
    for (const args of [
      ['db', 'copy', '--to', url],
      ['db', 'copy', '--from', file],
      ['db', 'copy', '--from', file, '--to', `mysql://portico:${secret}@127.0.0.1/portico`],
      ['db', 'copy', '--from', file, '--to', `postgres://portico:${secret}@127.0.0.1:5999`],
      ['db', 'copy', '--from', join(dir, 'missing.db'), '--to', url],
      ['db', 'copy', '--from', file, '--to', url, 'extra'],
    ]) {
      const r = await run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(/\S/);
      expect(r.err).not.toContain(secret);
    }
    const unreachable = await run([
      'db',
      'copy',
      '--from',
      file,
      '--to',
      `postgres://portico:${secret}@127.0.0.1:1/portico`,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(/cannot be reached/);
    expect(unreachable.err).not.toContain(secret);
    const help = await run(['db', 'copy', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--from FILE/);
  });
});

describe('portico db copy over a table it was never told about', () => {
  it('copies it from the two schemas alone: blobs to bytea, 0/1 to boolean, epoch ms to timestamptz, after the tokens it points to', async () => {
    const other = join(dir, 'extra.db');
    const db = openDatabase(other);
    db.exec(`
      CREATE TABLE aa_notes (
        id         INTEGER PRIMARY KEY,
        token_id   INTEGER NOT NULL REFERENCES tokens (id),
        body       BLOB,
        pinned     INTEGER NOT NULL CHECK (pinned IN (0, 1)),
        written_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO tokens (id, code, source, created_at) VALUES (7, 'X7', 'manual', 1);
      INSERT INTO aa_notes (id, token_id, body, pinned, written_at) VALUES
        (40, 7, x'00ff10', 1, 1764806400000), (41, 7, NULL, 0, 1764806400001);
    `);
    db.close();
    const target = await emptyDatabase();
    // The target gets its counterpart as a future migration would give it.
    const pool = createPgPool(target, { max: 1 });
    try {
      await migratePg(pool);
    } finally {
      await pool.end();
    }
    const admin = new pg.Client({ connectionString: target });
    await admin.connect();
    try {
      await admin.query(`CREATE TABLE aa_notes (
        id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        token_id   BIGINT NOT NULL REFERENCES tokens (id),
        body       BYTEA,
        pinned     BOOLEAN NOT NULL,
        written_at TIMESTAMPTZ NOT NULL
      )`);
      const r = await run(['db', 'copy', '--from', other, '--to', target]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^ {2}aa_notes +2$/m);
      expect(r.out).toMatch(/^ {2}tokens +1$/m);
      expect(r.out).toMatch(/row counts checked/);
      const rows = await admin.query(
        'SELECT id, token_id, body, pinned, written_at FROM aa_notes ORDER BY id',
      );
      expect(rows.rows).toEqual([
        {
          id: '40',
          token_id: '7',
          body: Buffer.from([0, 255, 16]),
          pinned: true,
          written_at: new Date(1764806400000),
        },
        { id: '41', token_id: '7', body: null, pinned: false, written_at: new Date(1764806400001) },
      ]);
      const next = await admin.query(
        'INSERT INTO aa_notes (token_id, pinned, written_at) VALUES (7, false, now()) RETURNING id',
      );
      expect(next.rows[0]?.id).toBe('42');
    } finally {
      await admin.end();
    }
  });

  it('refuses a table that has no counterpart on PostgreSQL, naming it', async () => {
    const other = join(dir, 'extra2.db');
    const db = openDatabase(other);
    db.exec('CREATE TABLE zz_orphans (id INTEGER PRIMARY KEY) STRICT');
    db.close();
    const r = await run(['db', 'copy', '--from', other, '--to', await emptyDatabase()]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the table zz_orphans of .* has no counterpart/);
  });
});
