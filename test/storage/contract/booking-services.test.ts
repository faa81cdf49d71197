// The bookings group's services over the store under test, compared with SQLite: bookings
// from the API and the desk, two calendar feeds polled over loopback, the e-mail outbox,
// the retention run with its per-day usage, and the reports. What is random by design (codes,
// Message-IDs, visitor ids) is masked before comparing; everything else must be equal.

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { CODE_ALPHABET } from '../../../src/core/code.js';
import { createServices } from '../../../src/services/services.js';
import { insertRow, onBoth, type Side } from './both.js';

const T0 = Date.UTC(2027, 2, 1, 9, 0); // Mon 1 Mar 2027, 10:00 in Berlin
const DAY = 86_400_000;
const config = loadConfig({ PORTICO_TIMEZONE: 'Europe/Berlin', PORTICO_DB: ':memory:' });

let server: Server;
let base = '';
beforeAll(async () => {
  const files = new Map(
    ['google-room', 'outlook-room'].map((n) => [
      `/${n}.ics`,
      readFileSync(`test/fixtures/ics/${n}.ics`, 'utf8'),
    ]),
  );
  server = createServer((req, res) => {
    const body = files.get(req.url ?? '');
    res.statusCode = body === undefined ? 404 : 200;
    res.setHeader('etag', '"v1"');
    res.end(body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const CODE = new RegExp(`\\b[${CODE_ALPHABET}]{4}-?[${CODE_ALPHABET}]{4}\\b`, 'g');

/** mask replaces what is random by design with placeholders. */
const mask = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value).replace(UUID, '<uuid>').replace(CODE, '<code>'));

/** seedOldUsage writes a token with sessions from 400 and 10 days ago, for retention. */
async function seedOldUsage(side: Side): Promise<void> {
  await insertRow(side, 'tokens', {
    id: 9000,
    code: 'OLDTOKEN',
    source: 'manual',
    created_at: T0 - 500 * DAY,
    first_used_at: T0 - 400 * DAY,
  });
  for (const [id, ago, seconds] of [
    [9001, 400, 600],
    [9002, 400, 60],
    [9003, 10, 120],
  ] as const)
    await insertRow(side, 'sessions', {
      id,
      token_id: 9000,
      status: 'closed',
      class: `old-${id}`,
      reserved_at: T0 - ago * DAY,
      started_at: T0 - ago * DAY,
      last_seen_at: T0 - ago * DAY + seconds * 1000,
      stopped_at: T0 - ago * DAY + seconds * 1000,
      session_seconds: seconds,
      input_octets: seconds * 10,
      output_octets: seconds * 100,
    });
}

describe('the bookings group over the store under test', () => {
  it('gives the same bookings, feeds, e-mails, retention and reports as on SQLite', async () => {
    const out = await onBoth(async (side) => {
      const clock = fixedClock(T0);
      const s = createServices({ store: side.store, clock, config, nodeId: 'node-t' });
      try {
        await s.bookingSettings.updateEmail({ enabled: true, from: 'wifi@venue.test' }, 'admin');
        const booking = (id: string, start: string, guestEmail: string | null) =>
          s.bookings.upsert(
            'api',
            id,
            {
              resource: 'Orion',
              start,
              end: '2027-03-05T18:00',
              guestName: `Guest ${id}`,
              guestEmail,
            },
            'api:test',
          );
        const created = [
          await booking('b-1', '2027-03-02T09:00', 'ada@example.org'),
          await booking('b-2', '2027-03-03T09:00', null),
          await booking('b-3', '2027-03-04T09:00', 'grace@example.org'),
        ];
        const updated = await booking('b-1', '2027-03-02T10:00', 'ada@example.org');
        const cancelled = await s.bookings.cancel('api', 'b-2', 'api:test');
        const visitor = await s.bookings.registerVisitor(
          { name: 'Grace', email: 'grace@example.org', expectedArrival: '2027-03-01T14:00' },
          'staff',
        );
        const google = await s.feeds.create(
          {
            name: 'Orion',
            url: `${base}/google-room.ics`,
            resource: 'Orion',
            horizonDays: 90,
            allowPrivateNetwork: true,
          },
          'admin',
        );
        const outlook = await s.feeds.create(
          {
            name: 'Board',
            url: `${base}/outlook-room.ics`,
            horizonDays: 90,
            skipFree: true,
            allowPrivateNetwork: true,
          },
          'admin',
        );
        const polls = [await s.ics.pollFeed(google.id), await s.ics.pollFeed(outlook.id)];
        const due = await s.ics.pollDue();
        await seedOldUsage(side);
        const retention = await s.retention.run();
        return mask({
          created,
          updated,
          cancelled,
          visitor,
          polls,
          due,
          feeds: await s.feeds.list(),
          bookings: await s.bookings.list({ limit: 500 }),
          visitors: await s.bookings.list({ kind: 'visitor' }),
          emails: await s.emails.list(),
          retention,
          lastRun: await s.retention.lastRun(),
          usage: await s.retention.usageByDay(),
          report: await s.reports.build({ period: 'custom', from: '2026-03-05', to: '2027-03-01' }),
        });
      } finally {
        await s.ics.stop();
      }
    });
    const o = out as {
      bookings: unknown[];
      polls: Array<{ ok: boolean }>;
      retention: { removed: { sessions: number } };
      usage: Array<{ day: string; sessions: number }>;
      emails: { counts: Record<string, number> };
    };
    expect(o.polls.map((p) => p.ok)).toEqual([true, true]);
    expect(o.bookings.length).toBeGreaterThan(10);
    expect(o.emails.counts.queued).toBeGreaterThan(1);
    expect(o.retention.removed.sessions).toBe(2);
    const oldDay = new Date(T0 - 400 * DAY).toISOString().slice(0, 10);
    expect(o.usage.find((d) => d.day === oldDay)?.sessions).toBe(2);
  });
});
