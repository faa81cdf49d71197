import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/database.js';
import {
  LATEST_VERSION,
  MIGRATIONS,
  migrate,
  schemaVersion,
} from '../../src/storage/migrations.js';

const dirs: string[] = [];
const tmpFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-mig-'));
  dirs.push(dir);
  return join(dir, 'p.db');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** schemaOf returns every table, index and trigger definition, comparable across files. */
function schemaOf(db: Database.Database): string[] {
  return (
    db
      .prepare(
        "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
      )
      .all() as Array<{ type: string; name: string; sql: string | null }>
  ).map((r) => `${r.type} ${r.name}: ${(r.sql ?? '').replace(/\s+/g, ' ')}`);
}

describe('migrations', () => {
  it('numbers migrations 1..N without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });

  it('brings an empty database to the current schema', () => {
    const file = tmpFile();
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const strict = db
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE '%STRICT%' AND name NOT LIKE 'sqlite_%'",
      )
      .all();
    expect(strict).toEqual([]);
    db.close();
  });

  it.each(MIGRATIONS.map((m) => m.version - 1))(
    'brings a database at version %i, with rows, to the same schema as a fresh one',
    (from) => {
      const fresh = openDatabase(':memory:');
      const db = openDatabase(tmpFile(), { migrate: false });
      migrate(db, from);
      expect(schemaVersion(db)).toBe(from);
      if (from >= 1) {
        db.prepare(
          "INSERT INTO tokens (code, minutes, source, created_at) VALUES ('ABCD2345', 60, 'manual', 1)",
        ).run();
      }
      migrate(db);
      expect(schemaVersion(db)).toBe(LATEST_VERSION);
      expect(schemaOf(db)).toEqual(schemaOf(fresh));
      if (from >= 1) {
        expect(db.prepare('SELECT code, minutes FROM tokens').all()).toEqual([
          { code: 'ABCD2345', minutes: 60 },
        ]);
      }
      db.close();
      fresh.close();
    },
  );

  it('refuses a database written by a newer Portico', () => {
    const file = tmpFile();
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(file)).toThrowError(
      expect.objectContaining({ code: 'PORTICO_MIGRATION' }),
    );
  });

  it('leaves the file at the previous version when a migration fails half-way', () => {
    const db = openDatabase(':memory:', { migrate: false });
    migrate(db, 0);
    db.exec('CREATE TABLE tokens (x INTEGER) STRICT');
    expect(() => migrate(db)).toThrow();
    expect(schemaVersion(db)).toBe(0);
    expect(
      db.prepare("SELECT COUNT(*) AS n FROM sqlite_schema WHERE name = 'settings'").get(),
    ).toEqual({ n: 0 });
    db.close();
  });
});
