import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { migrate, schemaVersion } from '../../src/storage/migrations.js';

let db: Db | undefined;
afterEach(() => db?.close());

describe('migration 0002 (bookings)', () => {
  it('adds the booking, outbox and webhook tables to a version-1 file that has tokens', () => {
    db = openDatabase(':memory:', { migrate: false });
    migrate(db, 1);
    db.prepare(
      "INSERT INTO tokens (code, minutes, source, created_at) VALUES ('ABCDEFGH', 60, 'manual', 1)",
    ).run();
    migrate(db, 2);
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(2);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all() as string[];
    for (const t of [
      'bookings',
      'booking_tokens',
      'email_outbox',
      'webhooks',
      'webhook_deliveries',
      'webhook_attempts',
      'webhook_replays',
    ])
      expect(tables).toContain(t);
    db.prepare(
      "INSERT INTO bookings (kind, origin, external_id, start_at, end_at, created_at, updated_at) VALUES ('booking', 'api', 'b1', 10, 20, 1, 1)",
    ).run();
    db.prepare('INSERT INTO booking_tokens (booking_id, token_id) VALUES (1, 1)').run();
    // The same external id from the same origin is one booking.
    expect(() =>
      db!
        .prepare(
          "INSERT INTO bookings (kind, origin, external_id, start_at, end_at, created_at, updated_at) VALUES ('booking', 'api', 'b1', 10, 20, 1, 1)",
        )
        .run(),
    ).toThrow(/UNIQUE/);
    // An ICS occurrence may reuse the id: origins are separate name spaces.
    db.prepare(
      "INSERT INTO bookings (kind, origin, external_id, start_at, end_at, created_at, updated_at) VALUES ('booking', 'ics', 'b1', 10, 20, 1, 1)",
    ).run();
  });
});
