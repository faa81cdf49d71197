// Numbered, append-only migrations. Each runs with its `PRAGMA user_version` bump in one
// transaction, so a crash leaves the file at the previous version, never half-way.
// Every timestamp column (`*_at`) holds milliseconds since the Unix epoch, UTC.

import type Database from 'better-sqlite3';
import { ERROR_CODES, PorticoError } from '../errors.js';
import { MIGRATION_0001 } from './migrations/0001-initial.js';
import { MIGRATION_0002 } from './migrations/0002-bookings.js';
import { MIGRATION_0003 } from './migrations/0003-radius-sessions.js';
import { MIGRATION_0004 } from './migrations/0004-nas-login-hosts.js';
import { MIGRATION_0005 } from './migrations/0005-event-marks.js';
import { MIGRATION_0006 } from './migrations/0006-nas-controller.js';
import { MIGRATION_0007 } from './migrations/0007-nas-fas-key.js';
import { MIGRATION_0008 } from './migrations/0008-coa-routers.js';
import { MIGRATION_0009 } from './migrations/0009-report-indexes.js';
import { MIGRATION_0010 } from './migrations/0010-feeds.js';
import { MIGRATION_0011 } from './migrations/0011-usage-days.js';
import { MIGRATION_0012 } from './migrations/0012-coa-leases.js';
import { MIGRATION_0013 } from './migrations/0013-outbox-claims.js';
import { MIGRATION_0014 } from './migrations/0014-leases.js';
import { MIGRATION_0015 } from './migrations/0015-staff-language.js';

/**
 * Migration is one schema step: the version it brings the database to, its SQLite `sql` and
 * its `postgres` SQL, which give both engines the same tables, columns, constraints and indexes.
 */
export type Migration = { version: number; name: string; sql: string; postgres: string };

/** MIGRATIONS lists every migration in order; append, never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  MIGRATION_0001,
  MIGRATION_0002,
  MIGRATION_0003,
  MIGRATION_0004,
  MIGRATION_0005,
  MIGRATION_0006,
  MIGRATION_0007,
  MIGRATION_0008,
  MIGRATION_0009,
  MIGRATION_0010,
  MIGRATION_0011,
  MIGRATION_0012,
  MIGRATION_0013,
  MIGRATION_0014,
  MIGRATION_0015,
];

/** LATEST_VERSION is the schema version this build of Portico writes. */
export const LATEST_VERSION = MIGRATIONS.length;

/** schemaVersion returns the file's `PRAGMA user_version`. */
export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** newerSchemaError returns the PORTICO_MIGRATION error for a database newer than this build. */
export function newerSchemaError(current: number, latest: number): PorticoError {
  return new PorticoError(
    ERROR_CODES.MIGRATION,
    `database schema version ${current} is newer than this Portico (${latest}); upgrade Portico`,
  );
}

/**
 * migrate brings the database up to `target` (default: the latest) and returns the versions
 * it applied; it throws PORTICO_MIGRATION when the file is newer than this build.
 */
export function migrate(
  db: Database.Database,
  target = LATEST_VERSION,
  migrations: readonly Migration[] = MIGRATIONS,
): number[] {
  const current = schemaVersion(db);
  const latest = migrations.length;
  if (current > latest) throw newerSchemaError(current, latest);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
