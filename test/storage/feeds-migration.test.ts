import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrations.js';

let db: Db | undefined;
afterEach(() => db?.close());

const setting = (key: string, value: unknown) =>
  db!.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(key, JSON.stringify(value));
const booking = (origin: string, externalId: string) =>
  db!
    .prepare(
      "INSERT INTO bookings (kind, origin, external_id, start_at, end_at, created_at, updated_at) VALUES ('booking', ?, ?, 10, 20, 1, 1)",
    )
    .run(origin, externalId);

describe('migration 0010 (feeds)', () => {
  it('turns the single feed setting into the first feed and its bookings into that feed’s', () => {
    db = openDatabase(':memory:', { migrate: false });
    migrate(db, 9);
    setting('bookings.icsUrl', 'https://rooms.example.org/orion.ics');
    setting('bookings.icsPollMinutes', 10);
    setting('bookings.icsLastPoll', { ok: true, at: 1 });
    setting('bookings.graceBeforeMinutes', 5);
    booking('ics', 'weekly-1@20261201T170000Z');
    booking('api', 'b1');
    db.prepare(
      "INSERT INTO webhooks (url, events, secret, created_at) VALUES ('https://h', '[]', 's', 1)",
    ).run();
    migrate(db, 10);
    expect(
      db
        .prepare('SELECT name, url, poll_minutes, horizon_days, allow_private_network FROM feeds')
        .all(),
    ).toEqual([
      {
        name: 'Booking feed',
        url: 'https://rooms.example.org/orion.ics',
        poll_minutes: 10,
        horizon_days: 60,
        allow_private_network: 0,
      },
    ]);
    expect(
      db.prepare('SELECT origin, external_id, guests FROM bookings ORDER BY id').all(),
    ).toEqual([
      { origin: 'ics', external_id: '1/weekly-1@20261201T170000Z', guests: '[]' },
      { origin: 'api', external_id: 'b1', guests: '[]' },
    ]);
    expect(db.prepare('SELECT key FROM settings ORDER BY key').pluck().all()).toEqual([
      'bookings.graceBeforeMinutes',
    ]);
    expect(db.prepare('SELECT allow_private_network FROM webhooks').pluck().get()).toBe(0);
  });

  it('makes no feed when none was set', () => {
    db = openDatabase(':memory:', { migrate: false });
    migrate(db, 9);
    setting('bookings.icsUrl', null);
    booking('ics', 'old');
    migrate(db, 10);
    expect(db.prepare('SELECT count(*) FROM feeds').pluck().get()).toBe(0);
    expect(db.prepare('SELECT external_id FROM bookings').pluck().get()).toBe('old');
  });
});
