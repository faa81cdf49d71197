// The calendar corpus (test/fixtures/ics: Google, Outlook, Nextcloud exports) served over
// HTTP on loopback, read by three feeds, with every booking window written out by hand.
// Venue zone Europe/Berlin: CET (UTC+1) until Sun 28 Mar 2027 02:00, CEST (UTC+2) after.
// New York: EST (UTC-5) until Sun 14 Mar 2027, EDT (UTC-4) after.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const T0 = Date.UTC(2027, 2, 1, 9, 0); // Mon 1 Mar 2027, 10:00 in Berlin
const config: Config = loadConfig({ PORTICO_TIMEZONE: 'Europe/Berlin', PORTICO_DB: ':memory:' });
const corpus = (name: string) => readFileSync(`test/fixtures/ics/${name}.ics`, 'utf8');

let db: Db;
let s: Services;
let server: Server;
let base = '';
const files = new Map<string, string>();
const seen: IncomingHttpHeaders[] = [];
let honourConditional = true;

beforeEach(async () => {
  db = openDatabase(':memory:');
  s = createServices({ db, clock: fixedClock(T0), config });
  files.set('/google.ics', corpus('google-room'));
  files.set('/outlook.ics', corpus('outlook-room'));
  files.set('/nextcloud.ics', corpus('nextcloud-room'));
  seen.length = 0;
  honourConditional = true;
  server = createServer((req, res) => {
    seen.push(req.headers);
    const body = files.get(req.url ?? '');
    if (body === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
    if (honourConditional && req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.setHeader('content-type', 'text/calendar; charset=utf-8');
    res.setHeader('etag', etag);
    res.setHeader('last-modified', 'Fri, 26 Feb 2027 12:00:00 GMT');
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await s.ics.stop();
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  db.close();
});

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16) + 'Z';

/** windows returns a feed's bookings as [start, end, status, resource, guest] by start. */
const windows = async (feedId: number) =>
  (await s.bookings.list({ limit: 500 }))
    .filter((b) => b.externalId.startsWith(`${feedId}/`))
    .sort((a, b) => a.startAt - b.startAt || a.externalId.localeCompare(b.externalId))
    .map((b) => [iso(b.startAt), iso(b.endAt), b.status, b.resource, b.guestName]);

const addFeeds = async () => {
  const google = await s.feeds.create(
    {
      name: 'Orion (Google)',
      url: `${base}/google.ics`,
      resource: 'Orion',
      horizonDays: 90,
      allowPrivateNetwork: true,
      policy: { tokensPer: 'attendee' },
    },
    'admin',
  );
  const outlook = await s.feeds.create(
    {
      name: 'Boardroom (Outlook)',
      url: `${base}/outlook.ics`,
      horizonDays: 90,
      skipFree: true,
      allowPrivateNetwork: true,
    },
    'admin',
  );
  const nextcloud = await s.feeds.create(
    {
      name: 'Studio (Nextcloud)',
      url: `${base}/nextcloud.ics`,
      resource: 'Studio',
      horizonDays: 90,
      skipPrivate: true,
      allowPrivateNetwork: true,
    },
    'admin',
  );
  return {
    google: google.id,
    outlook: outlook.id,
    nextcloud: nextcloud.id,
  };
};

/** snapshot returns every row a poll could write, to prove a quiet poll writes nothing. */
const snapshot = () =>
  Object.fromEntries(
    ['bookings', 'booking_tokens', 'tokens', 'audit_log', 'email_outbox', 'webhook_deliveries'].map(
      (t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()],
    ),
  );

describe('calendar feeds over HTTP', () => {
  it('reads a Google Calendar room: moved and cancelled occurrences, all-day, DST, a New York series, attendees', async () => {
    const { google } = await addFeeds();
    const r = await s.ics.pollFeed(google);
    expect(r).toMatchObject({ ok: true, events: 7, notModified: false, created: 11 });
    expect(await windows(google)).toEqual([
      ['2027-03-02T08:30Z', '2027-03-02T09:00Z', 'confirmed', 'Orion', 'Ada Lovelace'],
      ['2027-03-04T14:00Z', '2027-03-04T15:00Z', 'confirmed', 'Orion', 'Alan Turing'],
      ['2027-03-09T08:30Z', '2027-03-09T09:00Z', 'confirmed', 'Orion', 'Ada Lovelace'],
      // All-day 10–11 March: midnight to midnight in Berlin (CET).
      ['2027-03-09T23:00Z', '2027-03-11T23:00Z', 'confirmed', 'Orion', 'Strategy offsite'],
      // 09:00 New York: EST before 14 March, EDT after.
      ['2027-03-10T14:00Z', '2027-03-10T15:00Z', 'confirmed', 'Orion', 'Katherine Johnson'],
      // Moved from 09:30 to 14:00.
      ['2027-03-16T13:00Z', '2027-03-16T13:30Z', 'confirmed', 'Orion', 'Ada Lovelace'],
      ['2027-03-17T13:00Z', '2027-03-17T14:00Z', 'confirmed', 'Orion', 'Katherine Johnson'],
      ['2027-03-24T13:00Z', '2027-03-24T14:00Z', 'confirmed', 'Orion', 'Katherine Johnson'],
      // 22:00 CET to 06:00 CEST: seven hours, not eight.
      ['2027-03-27T21:00Z', '2027-03-28T04:00Z', 'confirmed', 'Orion', 'Night Desk'],
      // 09:30 Berlin after the change is 07:30 UTC. The 23 March one was cancelled.
      ['2027-03-30T07:30Z', '2027-03-30T08:00Z', 'confirmed', 'Orion', 'Ada Lovelace'],
      ['2027-04-06T07:30Z', '2027-04-06T08:00Z', 'confirmed', 'Orion', 'Ada Lovelace'],
    ]);
    const standUp = await s.bookings.get(
      'ics',
      `${google}/4k1m9f0l2q7g3r5s8t6u0v1w2x@google.com@20270302T083000Z`,
    );
    // The room (CUTYPE=RESOURCE) is not a guest; one token per attendee, each e-mailed theirs.
    expect(standUp.guests).toEqual([
      { name: 'Ada Lovelace', email: 'ada@example.org' },
      { name: 'Grace Hopper', email: 'grace@example.org' },
    ]);
    expect(standUp.tokens).toHaveLength(2);
    expect(standUp.tokens[0]).toMatchObject({
      validFrom: Date.UTC(2027, 2, 2, 8, 15),
      validUntil: Date.UTC(2027, 2, 2, 9, 15),
    });
    const mails = db
      .prepare('SELECT to_address, text FROM email_outbox WHERE booking_id = ? ORDER BY id')
      .all(standUp.id) as Array<{ to_address: string; text: string }>;
    expect(mails.map((m) => m.to_address)).toEqual(['ada@example.org', 'grace@example.org']);
    expect(mails[0]!.text).toContain(standUp.tokens[0]!.displayCode);
    expect(mails[0]!.text).not.toContain(standUp.tokens[1]!.displayCode);
    expect(mails[1]!.text).toContain(standUp.tokens[1]!.displayCode);
    // Dorothy declined: the New York sync has one guest and one token.
    const nyc = await s.bookings.get('ics', `${google}/9nyc-sync-2027@google.com@20270310T140000Z`);
    expect(nyc).toMatchObject({ attendees: 1, guestEmail: 'katherine@example.com' });
    expect(nyc.tokens).toHaveLength(1);
    // Organiser-only: the organiser is the guest.
    expect(await s.bookings.get('ics', `${google}/2interview2027@google.com`)).toMatchObject({
      guestName: 'Alan Turing',
      guestEmail: 'alan@example.org',
    });
  });

  it('reads an Outlook publish with Windows zone names, second-Tuesday and last-weekday rules, skipping free time', async () => {
    const { outlook } = await addFeeds();
    expect(await s.ics.pollFeed(outlook)).toMatchObject({ ok: true, events: 5, skipped: 1 });
    expect(await windows(outlook)).toEqual([
      ['2027-03-09T09:00Z', '2027-03-09T11:00Z', 'confirmed', 'Boardroom', 'Board meeting'],
      // Mon/Wed/Fri until 26 March 08:00 UTC; Wednesday 24th is an EXDATE.
      ['2027-03-22T08:00Z', '2027-03-22T09:00Z', 'confirmed', 'Boardroom', 'Hot desk: Grace'],
      ['2027-03-26T08:00Z', '2027-03-26T09:00Z', 'confirmed', 'Boardroom', 'Hot desk: Grace'],
      ['2027-03-31T14:00Z', '2027-03-31T15:00Z', 'confirmed', 'Boardroom', 'Month-end close'],
      // Outlook.com's display-name TZID, read through the feed's own VTIMEZONE.
      ['2027-04-01T11:00Z', '2027-04-01T13:00Z', 'confirmed', 'Boardroom', 'Hopper, Grace'],
      ['2027-04-13T08:00Z', '2027-04-13T10:00Z', 'confirmed', 'Boardroom', 'Board meeting'],
      ['2027-04-30T14:00Z', '2027-04-30T15:00Z', 'confirmed', 'Boardroom', 'Month-end close'],
      ['2027-05-11T08:00Z', '2027-05-11T10:00Z', 'confirmed', 'Boardroom', 'Board meeting'],
    ]);
  });

  it('reads a Nextcloud subscription: EXDATE, RDATE, a moved and an un-cancelled occurrence, all-day across DST', async () => {
    const { nextcloud } = await addFeeds();
    expect(await s.ics.pollFeed(nextcloud)).toMatchObject({ ok: true, events: 6, skipped: 1 });
    const expected = [
      ['2027-03-04T17:00Z', '2027-03-04T18:00Z', 'confirmed', 'Studio', 'Mary Jackson'],
      // Floating time is the venue's.
      ['2027-03-05T09:00Z', '2027-03-05T10:00Z', 'confirmed', 'Studio', 'Open studio'],
      // Thursday 18th moved to Friday 19th, and 30 minutes longer; the 11th is an EXDATE.
      ['2027-03-19T17:00Z', '2027-03-19T18:30Z', 'confirmed', 'Studio', 'Mary Jackson'],
      // All-day 27–28 March: from midnight CET to midnight CEST, 47 hours.
      ['2027-03-26T23:00Z', '2027-03-28T22:00Z', 'confirmed', 'Studio', 'Conference weekend'],
      // The RDATE (a Tuesday), then the last Thursday, both in CEST.
      ['2027-03-30T16:00Z', '2027-03-30T17:00Z', 'confirmed', 'Studio', 'Mary Jackson'],
      ['2027-04-01T16:00Z', '2027-04-01T17:00Z', 'confirmed', 'Studio', 'Mary Jackson'],
    ];
    expect(await windows(nextcloud)).toEqual(expected);

    // The calendar takes the 25 March cancellation back, cancels it again, then restores it.
    const original = corpus('nextcloud-room');
    const restored = original.replace('STATUS:CANCELLED', 'STATUS:CONFIRMED');
    const id = `${nextcloud}/8f3a6c2e-1b4d-4e5f-9a7b-0c1d2e3f4a5b@20270325T170000Z`;
    files.set('/nextcloud.ics', restored);
    expect(await s.ics.pollFeed(nextcloud)).toMatchObject({ ok: true, created: 1 });
    expect(await s.bookings.get('ics', id)).toMatchObject({
      startAt: Date.UTC(2027, 2, 25, 17, 0),
      endAt: Date.UTC(2027, 2, 25, 18, 0),
      status: 'confirmed',
    });
    files.set('/nextcloud.ics', original);
    expect(await s.ics.pollFeed(nextcloud)).toMatchObject({ ok: true, cancelled: 1 });
    const cancelled = await s.bookings.get('ics', id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.tokens.map((t) => t.state)).toEqual(['revoked']);
    files.set('/nextcloud.ics', restored);
    expect(await s.ics.pollFeed(nextcloud)).toMatchObject({ ok: true, updated: 1 });
    const back = await s.bookings.get('ics', id);
    expect(back.status).toBe('confirmed');
    expect(back.tokens.map((t) => t.state)).toEqual(['revoked', 'scheduled']);
    const audit = db
      .prepare("SELECT details FROM audit_log WHERE action = 'booking.update' AND target_id = ?")
      .all(String(back.id)) as Array<{ details: string }>;
    expect(JSON.parse(audit.at(-1)!.details)).toMatchObject({ reinstated: true });
  });

  it('fetches conditionally, and a second poll that changes nothing writes nothing', async () => {
    const feeds = await addFeeds();
    expect(await s.ics.pollDue()).toBe(3);
    const before = snapshot();
    expect(before.bookings!.length).toBe(11 + 8 + 6);

    // The server answers 304 to the validators it handed out.
    for (const id of Object.values(feeds)) {
      expect(await s.ics.pollFeed(id)).toMatchObject({
        ok: true,
        notModified: true,
        created: 0,
        updated: 0,
        cancelled: 0,
      });
    }
    expect(seen.slice(-3).map((h) => h['if-none-match'])).toEqual([
      expect.stringMatching(/^"[0-9a-f]{40}"$/),
      expect.stringMatching(/^"[0-9a-f]{40}"$/),
      expect.stringMatching(/^"[0-9a-f]{40}"$/),
    ]);
    expect(seen.at(-1)!['if-modified-since']).toBe('Fri, 26 Feb 2027 12:00:00 GMT');
    expect(snapshot()).toEqual(before);
    expect(await s.feeds.get(feeds.google)).toMatchObject({
      lastOutcome: 'not-modified',
      eventsSeen: 7,
      bookingsChanged: 0,
      lastError: null,
    });

    // A server that ignores the validators sends the same calendar again: still nothing.
    honourConditional = false;
    for (const id of Object.values(feeds))
      expect(await s.ics.pollFeed(id)).toMatchObject({
        ok: true,
        notModified: false,
        created: 0,
        updated: 0,
        cancelled: 0,
      });
    expect(snapshot()).toEqual(before);
  });

  it("keeps each feed's own status: last fetch, events seen, bookings changed, last error", async () => {
    const { google, outlook } = await addFeeds();
    await s.ics.pollFeed(google);
    files.delete('/outlook.ics');
    await s.ics.pollFeed(outlook);
    expect(await s.feeds.get(outlook)).toMatchObject({
      lastOutcome: 'failed',
      lastError: 'the server has no calendar at this address (HTTP 404)',
    });
    expect(await s.feeds.get(google)).toMatchObject({
      lastFetchAt: T0,
      eventsSeen: 7,
      bookingsChanged: 11,
    });
  });
});
