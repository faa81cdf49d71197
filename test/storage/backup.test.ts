import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import {
  backupDatabase,
  checkDatabase,
  restoreDatabase,
  rotateBackups,
} from '../../src/storage/backup.js';
import { openDatabase, PRE_MIGRATION_MARK } from '../../src/storage/database.js';
import {
  LATEST_VERSION,
  MIGRATIONS,
  migrate,
  schemaVersion,
} from '../../src/storage/migrations.js';
import {
  acquireServerLock,
  readServerLock,
  serverLockFile,
} from '../../src/storage/server-lock.js';

const dirs: string[] = [];
const tmpDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-backup-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function auditCount(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function addAudit(db: Database.Database, n: number): void {
  const insert = db.prepare(
    "INSERT INTO audit_log (at, actor, action, target_type, target_id, details) VALUES (?, 'test', 'x', NULL, NULL, '{}')",
  );
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(i);
  })();
}

/** sleeper starts a process that stays alive, so its pid stands for "a running server". */
function sleeper() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
    stdio: 'ignore',
  });
  return child;
}

describe('backupDatabase', () => {
  it('copies everything committed, from an open database, and passes the check', () => {
    const dir = tmpDir();
    const file = join(dir, 'p.db');
    const db = openDatabase(file);
    addAudit(db, 250);
    // The writer keeps its connection open with the rows still in the WAL.
    const target = join(dir, 'copy.db');
    const r = backupDatabase(file, target);
    expect(r.schemaVersion).toBe(LATEST_VERSION);
    expect(r.bytes).toBeGreaterThan(0);
    expect(auditCount(target)).toBe(250);
    expect(checkDatabase(target)).toMatchObject({ ok: true, integrity: [], foreignKeys: [] });
    db.close();
  });

  it('never overwrites a file and never writes onto the database itself', () => {
    const dir = tmpDir();
    const file = join(dir, 'p.db');
    openDatabase(file).close();
    writeFileSync(join(dir, 'taken.db'), 'keep me');
    expect(() => backupDatabase(file, join(dir, 'taken.db'))).toThrow(
      expect.objectContaining({ code: ERROR_CODES.BAD_INPUT }),
    );
    expect(() => backupDatabase(file, file)).toThrow(
      expect.objectContaining({ code: ERROR_CODES.BAD_INPUT }),
    );
    expect(() => backupDatabase(join(dir, 'missing.db'), join(dir, 'x.db'))).toThrow(
      expect.objectContaining({ code: ERROR_CODES.NOT_FOUND }),
    );
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('checkDatabase', () => {
  it('reports rows whose parent is missing', () => {
    const dir = tmpDir();
    const file = join(dir, 'p.db');
    const db = openDatabase(file);
    db.pragma('foreign_keys = OFF');
    db.prepare('INSERT INTO token_coverage (token_id, start_at, end_at) VALUES (999, 0, 1)').run();
    db.close();
    const r = checkDatabase(file);
    expect(r.ok).toBe(false);
    expect(r.foreignKeys.map((f) => f.table)).toContain('token_coverage');
  });

  it('reports a damaged file', () => {
    const dir = tmpDir();
    const file = join(dir, 'bad.db');
    writeFileSync(file, Buffer.alloc(8192, 7));
    expect(() => checkDatabase(file)).toThrow();
  });
});

describe('restoreDatabase', () => {
  it('puts the backup in place and keeps the file it replaces', () => {
    const dir = tmpDir();
    const file = join(dir, 'p.db');
    const db = openDatabase(file);
    addAudit(db, 3);
    db.close();
    const backup = join(dir, 'b.db');
    backupDatabase(file, backup);
    const later = openDatabase(file);
    addAudit(later, 10);
    later.close();

    const r = restoreDatabase(file, backup, Date.UTC(2026, 11, 4, 1, 30));
    expect(r.previous).toBe(`${file}.before-restore-20261204T013000.000Z`);
    expect(auditCount(file)).toBe(3);
    expect(auditCount(r.previous as string)).toBe(13);
    expect(existsSync(`${file}.restoring`)).toBe(false);
  });

  it('refuses while a server process holds the database, and works once it is gone', async () => {
    const dir = tmpDir();
    const file = join(dir, 'p.db');
    openDatabase(file).close();
    const backup = join(dir, 'b.db');
    backupDatabase(file, backup);
    const child = sleeper();
    await new Promise((r) => child.once('spawn', r));
    writeFileSync(serverLockFile(file), `${child.pid}\n`);
    try {
      expect(readServerLock(file)).toEqual({ pid: child.pid });
      expect(() => restoreDatabase(file, backup)).toThrow(
        expect.objectContaining({ code: ERROR_CODES.CONFLICT }),
      );
      expect(() => acquireServerLock(file)).toThrow(
        expect.objectContaining({ code: ERROR_CODES.CONFLICT }),
      );
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    // The pid file is stale now: a crashed server never blocks a restore or the next start.
    expect(readServerLock(file)).toBeNull();
    expect(restoreDatabase(file, backup).restored).toBe(file);
    const lock = acquireServerLock(file);
    expect(existsSync(serverLockFile(file))).toBe(true);
    lock.release();
    expect(existsSync(serverLockFile(file))).toBe(false);
  });

  it('refuses a backup that is not a Portico database or is newer than this build', () => {
    const dir = tmpDir();
    const file = join(dir, 'p.db');
    openDatabase(file).close();
    const empty = join(dir, 'empty.db');
    new Database(empty).close();
    expect(() => restoreDatabase(file, empty)).toThrow(
      expect.objectContaining({ code: ERROR_CODES.BAD_INPUT }),
    );
    const newer = join(dir, 'newer.db');
    const n = openDatabase(newer);
    n.pragma(`user_version = ${LATEST_VERSION + 1}`);
    n.close();
    expect(() => restoreDatabase(file, newer)).toThrow(
      expect.objectContaining({ code: ERROR_CODES.BAD_INPUT }),
    );
  });
});

describe('upgrades', () => {
  it('keeps a copy of the file before migrating it, and rotates the copies', () => {
    const dir = tmpDir();
    const file = join(dir, 'p.db');
    for (let round = 0; round < 4; round++) {
      for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
      const db = new Database(file);
      migrate(db, LATEST_VERSION - 1);
      addAudit(db, round + 1);
      db.close();
      const up = openDatabase(file);
      expect(schemaVersion(up)).toBe(LATEST_VERSION);
      up.close();
    }
    const copies = readdirSync(dir).filter((f) => f.startsWith(`p.db${PRE_MIGRATION_MARK}`));
    expect(copies).toHaveLength(3);
    const newest = join(dir, copies.sort().at(-1) as string);
    const copy = new Database(newest, { readonly: true });
    expect(schemaVersion(copy)).toBe(LATEST_VERSION - 1);
    copy.close();
    expect(auditCount(newest)).toBe(4);
  });

  it('takes no copy of a new file or of a file already current', () => {
    const dir = tmpDir();
    const file = join(dir, 'p.db');
    openDatabase(file).close();
    openDatabase(file).close();
    expect(readdirSync(dir).filter((f) => f.includes(PRE_MIGRATION_MARK))).toEqual([]);
  });

  it('names the kept copy when a migration fails, and leaves the file at its version', () => {
    const dir = tmpDir();
    const file = join(dir, 'p.db');
    const db = new Database(file);
    migrate(db, 2);
    addAudit(db, 5);
    db.close();
    const broken = [
      ...MIGRATIONS.slice(0, 3),
      {
        version: 4,
        name: 'broken',
        sql: 'CREATE TABLE tokens (x INTEGER) STRICT;',
        postgres: 'CREATE TABLE tokens (x BIGINT);',
      },
    ];
    let message = '';
    try {
      openDatabase(file, { migrations: broken });
    } catch (err) {
      expect(err).toMatchObject({ code: ERROR_CODES.MIGRATION });
      message = (err as Error).message;
    }
    const kept = readdirSync(dir).find((f) => f.includes(PRE_MIGRATION_MARK));
    expect(kept).toBeDefined();
    expect(message).toContain(join(dir, kept as string));
    expect(message).toContain('failed at version 4');
    expect(message).toContain('portico db restore');
    const after = new Database(file, { readonly: true });
    expect(schemaVersion(after)).toBe(3);
    after.close();
    const copy = new Database(join(dir, kept as string), { readonly: true });
    expect(schemaVersion(copy)).toBe(2);
    copy.close();
  });

  it('refuses to start on a file newer than this build, and copies nothing', () => {
    const dir = tmpDir();
    const file = join(dir, 'p.db');
    const db = openDatabase(file);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(
      expect.objectContaining({
        code: ERROR_CODES.MIGRATION,
        message: expect.stringContaining('newer than this Portico'),
      }),
    );
    expect(readdirSync(dir).filter((f) => f.includes(PRE_MIGRATION_MARK))).toEqual([]);
  });
});

describe('rotateBackups', () => {
  it('keeps the newest N files with the prefix and leaves others alone', () => {
    const dir = tmpDir();
    for (const f of [
      'p-20260101T000000Z.db',
      'p-20260102T000000Z.db',
      'p-20260103T000000Z.db',
      'other.db',
    ])
      writeFileSync(join(dir, f), '');
    expect(rotateBackups(dir, 'p-', 2)).toEqual(['p-20260101T000000Z.db']);
    expect(readdirSync(dir).sort()).toEqual([
      'other.db',
      'p-20260102T000000Z.db',
      'p-20260103T000000Z.db',
    ]);
  });
});

describe('restoreDatabase into a new place', () => {
  it('creates the folder, and leaves no claim behind', () => {
    const dir = tmpDir();
    const file = join(dir, 'p.db');
    openDatabase(file).close();
    const backup = join(dir, 'b.db');
    backupDatabase(file, backup);
    const fresh = join(dir, 'new', 'place', 'p.db');
    expect(restoreDatabase(fresh, backup).previous).toBeNull();
    expect(checkDatabase(fresh).ok).toBe(true);
    expect(existsSync(serverLockFile(fresh))).toBe(false);
  });
});
