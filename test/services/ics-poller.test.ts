import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const T0 = Date.UTC(2026, 10, 30, 8, 0); // Mon 30 Nov 2026
const config: Config = loadConfig({ PORTICO_TIMEZONE: 'Europe/Berlin', PORTICO_DB: ':memory:' });
const cal = (...events: string[][]) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Rooms//EN',
    ...events.flatMap((e) => ['BEGIN:VEVENT', ...e, 'END:VEVENT']),
    'END:VCALENDAR',
    '',
  ].join('\r\n');

const weekly = [
  'UID:weekly-1',
  'SUMMARY:Yoga',
  'LOCATION:Studio',
  'DTSTART;TZID=Europe/Berlin:20261201T180000',
  'DTEND;TZID=Europe/Berlin:20261201T190000',
  'RRULE:FREQ=WEEKLY;COUNT=3',
  'ATTENDEE;CN=Ada:mailto:ada@example.org',
];
const single = [
  'UID:single-1',
  'SUMMARY:Board',
  'LOCATION:Orion',
  'DTSTART:20261202T090000Z',
  'DTEND:20261202T110000Z',
  'ATTENDEE;CN=Grace:mailto:grace@example.org',
  'ATTENDEE;CN=Alan:mailto:alan@example.org',
];
const other = ['UID:other-1', 'SUMMARY:Call', 'DTSTART:20261203T090000Z', 'DTEND:20261203T093000Z'];

let db: Db;
let s: Services;
let clock: ReturnType<typeof fixedClock>;
let server: Server;
let feed = '';
let status = 200;
let url = '';
let feedId = 0;

beforeEach(async () => {
  db = openDatabase(':memory:');
  clock = fixedClock(T0);
  s = createServices({ db, clock, config });
  server = createServer((_req, res) => {
    res.statusCode = status;
    res.setHeader('content-type', 'text/calendar');
    res.end(feed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rooms.ics`;
  feedId = (await s.feeds.create({ name: 'Rooms', url, allowPrivateNetwork: true }, 'admin')).id;
});
afterEach(async () => {
  await s.ics.stop();
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  db.close();
});

const icsBookings = async () =>
  (await s.bookings.list()).filter((b) => b.origin === 'ics').sort((a, b) => a.startAt - b.startAt);

describe('ICS feed import', () => {
  it('turns each occurrence into a booking with a token, and follows moves, cancellations and removals', async () => {
    feed = cal(weekly, single, other);
    const first = await s.ics.pollFeed(feedId);
    expect(first).toMatchObject({ ok: true, events: 3, occurrences: 5, created: 5 });
    let list = await icsBookings();
    expect(list.map((b) => [b.externalId, b.resource, b.attendees])).toEqual([
      [`${feedId}/weekly-1@20261201T170000Z`, 'Studio', 1],
      [`${feedId}/single-1`, 'Orion', 2],
      [`${feedId}/other-1`, 'Call', 1],
      [`${feedId}/weekly-1@20261208T170000Z`, 'Studio', 1],
      [`${feedId}/weekly-1@20261215T170000Z`, 'Studio', 1],
    ]);
    expect(list.every((b) => b.tokens.length === 1 && b.tokens[0]!.source === 'booking')).toBe(
      true,
    );
    expect(list[1]).toMatchObject({ guestName: 'Grace', guestEmail: 'grace@example.org' });

    // Polling the same feed again changes nothing.
    expect(await s.ics.pollFeed(feedId)).toMatchObject({
      ok: true,
      created: 0,
      updated: 0,
      cancelled: 0,
      unchanged: 5,
    });

    // Next feed: the single event moves by an hour, the second yoga class is cancelled by an
    // override, and the call is gone from the feed.
    const movedSingle = single.map((l) =>
      l.startsWith('DTSTART')
        ? 'DTSTART:20261202T100000Z'
        : l.startsWith('DTEND')
          ? 'DTEND:20261202T120000Z'
          : l,
    );
    feed = cal(
      weekly,
      [
        'UID:weekly-1',
        'RECURRENCE-ID;TZID=Europe/Berlin:20261208T180000',
        'STATUS:CANCELLED',
        'DTSTART;TZID=Europe/Berlin:20261208T180000',
      ],
      movedSingle,
    );
    expect(await s.ics.pollFeed(feedId)).toMatchObject({
      ok: true,
      updated: 1,
      cancelled: 2,
      unchanged: 2,
    });
    list = await icsBookings();
    const by = Object.fromEntries(list.map((b) => [b.externalId, b]));
    expect(by[`${feedId}/single-1`]!.tokens[0]).toMatchObject({
      validFrom: Date.UTC(2026, 11, 2, 10, 0) - 15 * 60_000,
      validUntil: Date.UTC(2026, 11, 2, 12, 0) + 15 * 60_000,
      state: 'scheduled',
    });
    expect(by[`${feedId}/other-1`]).toMatchObject({ status: 'cancelled' });
    expect(by[`${feedId}/other-1`]!.tokens[0]!.state).toBe('revoked');
    expect(by[`${feedId}/weekly-1@20261208T170000Z`]!.tokens[0]!.state).toBe('revoked');
    expect(by[`${feedId}/weekly-1@20261201T170000Z`]!.tokens[0]!.state).toBe('scheduled');
    expect(await s.feeds.get(feedId)).toMatchObject({
      lastFetchAt: T0,
      lastOutcome: 'imported',
      eventsSeen: 3,
      bookingsChanged: 3,
      lastError: null,
    });
  });

  it('keeps past bookings that dropped out of the feed, and changes nothing when the feed fails', async () => {
    feed = cal(single, other);
    await s.ics.pollFeed(feedId);
    clock.set(Date.UTC(2026, 11, 2, 13, 0)); // the board meeting is over
    feed = cal(other);
    expect(await s.ics.pollFeed(feedId)).toMatchObject({ ok: true, cancelled: 0 });
    expect((await s.bookings.get('ics', `${feedId}/single-1`)).status).toBe('confirmed');

    status = 500;
    feed = cal();
    expect(await s.ics.pollFeed(feedId)).toMatchObject({
      ok: false,
      error: 'the server answered HTTP 500',
    });
    status = 200;
    feed = 'this is not a calendar';
    expect(await s.ics.pollFeed(feedId)).toMatchObject({
      ok: false,
      error: 'the address does not serve an iCalendar feed (no BEGIN:VCALENDAR)',
    });
    expect((await s.bookings.get('ics', `${feedId}/other-1`)).status).toBe('confirmed');
    expect(await s.feeds.get(feedId)).toMatchObject({
      lastOutcome: 'failed',
      lastError: 'the address does not serve an iCalendar feed (no BEGIN:VCALENDAR)',
    });
  });

  it('reads no feed on schedule while booking tokens are off, nor a feed that is switched off', async () => {
    feed = cal(single);
    await s.bookingSettings.updateBookings({ enabled: false }, 'admin');
    expect(await s.ics.pollDue()).toBe(0);
    await s.bookingSettings.updateBookings({ enabled: true }, 'admin');
    await s.feeds.update(
      feedId,
      { name: 'Rooms', url, allowPrivateNetwork: true, enabled: false },
      'admin',
    );
    expect(await s.ics.pollDue()).toBe(0);
    expect(await icsBookings()).toHaveLength(0);
    await s.feeds.update(feedId, { name: 'Rooms', url, allowPrivateNetwork: true }, 'admin');
    expect(await s.ics.pollDue()).toBe(1);
    // Claimed: not due again until its interval has passed.
    expect(await s.ics.pollDue()).toBe(0);
    clock.advance(15 * 60_000);
    expect(await s.ics.pollDue()).toBe(1);
    expect(await icsBookings()).toHaveLength(1);
  });

  it('cancels the upcoming bookings of a feed that is deleted', async () => {
    feed = cal(single, other);
    await s.ics.pollFeed(feedId);
    expect(await s.feeds.remove(feedId, 'admin')).toEqual({ cancelled: 2 });
    expect((await icsBookings()).map((b) => [b.status, b.tokens[0]!.state])).toEqual([
      ['cancelled', 'revoked'],
      ['cancelled', 'revoked'],
    ]);
    expect(await s.feeds.list()).toHaveLength(0);
  });

  it('keeps the bookings when the feed suddenly has no events at all', async () => {
    feed = cal(weekly, single);
    expect((await s.ics.pollFeed(feedId)).ok).toBe(true);
    const before = (await icsBookings()).filter((b) => b.status === 'confirmed').length;
    expect(before).toBeGreaterThan(0);
    feed = cal();
    const r = await s.ics.pollFeed(feedId);
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/no events at all/) });
    expect((await icsBookings()).filter((b) => b.status === 'confirmed')).toHaveLength(before);
    // A feed that still has events but drops one does cancel it.
    feed = cal(weekly);
    expect((await s.ics.pollFeed(feedId)).ok).toBe(true);
    expect((await icsBookings()).filter((b) => b.status === 'confirmed').length).toBeLessThan(
      before,
    );
  });
});
