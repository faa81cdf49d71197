import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { BOOKING_DEFAULTS } from '../../src/services/booking-settings.js';
import { endOfLocalDay, planTokens } from '../../src/services/booking-service.js';
import { createServices, type Services } from '../../src/services/services.js';
import { signatureHeader } from '../../src/services/webhook-signature.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const T0 = Date.UTC(2026, 11, 1, 8, 0);
const H = 3_600_000;
const config: Config = loadConfig({
  PORTICO_TIMEZONE: 'Europe/Berlin',
  PORTICO_DB: ':memory:',
  PORTICO_PUBLIC_URL: 'https://wifi.venue.test',
});
// 2026-12-03 09:00 and 11:00 in Berlin (UTC+1).
const START = Date.UTC(2026, 11, 3, 8, 0);
const END = Date.UTC(2026, 11, 3, 10, 0);

let db: Db;
let s: Services;
let clock: ReturnType<typeof fixedClock>;

beforeEach(() => {
  db = openDatabase(':memory:');
  clock = fixedClock(T0);
  s = createServices({ db, clock, config });
});
afterEach(() => db.close());

const input = {
  resource: 'Orion',
  start: '2026-12-03T09:00:00+01:00',
  end: '2026-12-03T11:00:00+01:00',
  guestName: 'Ada',
  guestEmail: 'ada@example.org',
  attendees: 3,
};
const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;

describe('token plan', () => {
  it.each([
    [
      'defaults: window with grace, minutes = its length',
      {},
      1,
      START - 15 * 60_000,
      END + 15 * 60_000,
      150,
      2,
    ],
    [
      'fixed block of minutes',
      { fixedMinutes: 60 },
      1,
      START - 15 * 60_000,
      END + 15 * 60_000,
      60,
      2,
    ],
    [
      'devices per attendee on one token',
      { devicesPer: 'attendee' },
      1,
      START - 15 * 60_000,
      END + 15 * 60_000,
      150,
      6,
    ],
    [
      'one token per attendee',
      { tokensPer: 'attendee', graceBeforeMinutes: 0, graceAfterMinutes: 30 },
      3,
      START,
      END + 30 * 60_000,
      150,
      2,
    ],
  ] as const)('%s', (_name, policy, n, from, until, minutes, devices) => {
    expect(
      planTokens({ startAt: START, endAt: END, attendees: 3 }, { ...BOOKING_DEFAULTS, ...policy }),
    ).toEqual({ count: n, validFrom: from, validUntil: until, minutes, maxDevices: devices });
  });

  it('ends a visitor day at local midnight, also across a DST change', () => {
    expect(endOfLocalDay(Date.UTC(2026, 11, 3, 22, 30), 'Europe/Berlin')).toBe(
      Date.UTC(2026, 11, 3, 23, 0),
    );
    expect(endOfLocalDay(Date.UTC(2026, 2, 29, 8, 0), 'Europe/Berlin')).toBe(
      Date.UTC(2026, 2, 29, 22, 0),
    );
  });
});

describe('booking intake', () => {
  it('creates a booking token and the confirmation e-mail in one go, and a resend changes nothing', async () => {
    const r = await s.bookings.upsert('api', 'bk-1', input, 'api:test');
    expect(r.outcome).toBe('created');
    const [t] = r.booking.tokens;
    expect(r.booking.tokens).toHaveLength(1);
    expect(t).toMatchObject({
      source: 'booking',
      validFrom: START - 15 * 60_000,
      validUntil: END + 15 * 60_000,
      minutes: 150,
      maxDevices: 2,
      state: 'scheduled',
      link: `https://wifi.venue.test/t/${t!.code}`,
    });
    expect(t!.displayCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(r.booking.emails).toHaveLength(1);

    const again = await s.bookings.upsert('api', 'bk-1', { ...input }, 'api:test');
    expect(again.outcome).toBe('unchanged');
    expect(again.booking.tokens.map((x) => x.code)).toEqual([t!.code]);
    expect(count('SELECT COUNT(*) AS n FROM tokens')).toBe(1);
    expect(count('SELECT COUNT(*) AS n FROM email_outbox')).toBe(1);
  });

  it('moves the token window when the booking moves, and tells the guest', async () => {
    const r = await s.bookings.upsert('api', 'bk-1', input, 'api:test');
    const moved = await s.bookings.upsert(
      'api',
      'bk-1',
      { ...input, start: '2026-12-04T14:00:00+01:00', end: '2026-12-04T17:00:00+01:00' },
      'api:test',
      'replace',
    );
    expect(moved.outcome).toBe('updated');
    expect(moved.booking.tokens[0]).toMatchObject({
      id: r.booking.tokens[0]!.id,
      validFrom: Date.UTC(2026, 11, 4, 13, 0) - 15 * 60_000,
      validUntil: Date.UTC(2026, 11, 4, 16, 0) + 15 * 60_000,
      minutes: 210,
    });
    expect(moved.booking.emails).toHaveLength(2);
    expect((await s.emails.get(moved.booking.emails[1]!.id)).subject).toMatch(/^Updated: /);
  });

  it('revokes the tokens when the booking is cancelled; a late resend does not revive it', async () => {
    await s.bookings.upsert('api', 'bk-1', input, 'api:test');
    const c = await s.bookings.cancel('api', 'bk-1', 'api:test');
    expect(c.outcome).toBe('cancelled');
    expect(c.booking.status).toBe('cancelled');
    expect(c.booking.tokens[0]!.state).toBe('revoked');
    expect((await s.bookings.cancel('api', 'bk-1', 'api:test')).outcome).toBe('unchanged');
    expect((await s.bookings.upsert('api', 'bk-1', input, 'api:test')).outcome).toBe('unchanged');
    expect((await s.bookings.get('api', 'bk-1')).tokens[0]!.state).toBe('revoked');
    await expect(s.bookings.upsert('api', 'bk-1', input, 'api:test', 'replace')).rejects.toThrow(
      expect.objectContaining({ code: 'PORTICO_CONFLICT' }),
    );
    await expect(s.bookings.cancel('api', 'nope', 'api:test')).rejects.toThrow(
      expect.objectContaining({ code: 'PORTICO_NOT_FOUND' }),
    );
  });

  it('gives one token per attendee and follows a changed attendee count', async () => {
    await s.bookingSettings.updateBookings({ tokensPer: 'attendee' }, 'admin');
    const r = await s.bookings.upsert('api', 'bk-2', input, 'api:test');
    expect(r.booking.tokens).toHaveLength(3);
    expect(new Set(r.booking.tokens.map((t) => t.batchId)).size).toBe(1);
    const fewer = await s.bookings.upsert('api', 'bk-2', { ...input, attendees: 2 }, 'api:test');
    expect(fewer.booking.tokens.map((t) => t.state)).toEqual(['scheduled', 'scheduled', 'revoked']);
    const more = await s.bookings.upsert('api', 'bk-2', { ...input, attendees: 4 }, 'api:test');
    expect(more.booking.tokens.filter((t) => t.state !== 'revoked')).toHaveLength(4);
    // One e-mail (the first); the count changes did not move the booking.
    expect(more.booking.emails).toHaveLength(1);
  });

  it('creates no token while booking tokens are off, and one when they are back on', async () => {
    await s.bookingSettings.updateBookings({ enabled: false }, 'admin');
    const r = await s.bookings.upsert('api', 'bk-3', input, 'api:test');
    expect(r.booking.tokens).toHaveLength(0);
    expect(r.booking.emails).toHaveLength(0);
    await s.bookingSettings.updateBookings({ enabled: 'on' }, 'admin');
    const again = await s.bookings.upsert('api', 'bk-3', input, 'api:test');
    expect(again.outcome).toBe('updated');
    expect(again.booking.tokens).toHaveLength(1);
    expect(again.booking.emails).toHaveLength(1);
  });

  it('names every bad field and keeps nothing', async () => {
    await expect(
      s.bookings.upsert(
        'api',
        'bk-4',
        { start: 'tomorrow', end: '2026-12-03T08:00', guestEmail: 'not-an-address', attendees: 0 },
        'api:test',
      ),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'PORTICO_BAD_INPUT',
        fields: [
          expect.objectContaining({ field: 'start' }),
          expect.objectContaining({ field: 'guestEmail' }),
          expect.objectContaining({ field: 'attendees' }),
        ],
      }),
    );
    await expect(
      s.bookings.upsert('api', 'bk-4', { ...input, end: input.start }, 'api:test'),
    ).rejects.toThrow(
      expect.objectContaining({ fields: [expect.objectContaining({ field: 'end' })] }),
    );
    expect(count('SELECT COUNT(*) AS n FROM bookings')).toBe(0);
  });

  it('rolls the booking back when its token cannot be made', async () => {
    await s.bookingSettings.updateBookings({ fixedMinutes: 10 }, 'admin');
    db.exec(
      "CREATE TRIGGER no_tokens BEFORE INSERT ON tokens BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    await expect(s.bookings.upsert('api', 'bk-5', input, 'api:test')).rejects.toThrow('disk full');
    expect(count('SELECT COUNT(*) AS n FROM bookings')).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM email_outbox')).toBe(0);
  });
});

describe('visitors', () => {
  it('gives a visitor a token from the expected arrival to the end of that day, e-mailed', async () => {
    const r = await s.bookings.registerVisitor(
      { name: 'Grace Hopper', email: 'grace@example.org', expectedArrival: '2026-12-03T14:30' },
      'desk',
    );
    expect(r.booking).toMatchObject({ kind: 'visitor', origin: 'desk', guestName: 'Grace Hopper' });
    expect(r.booking.tokens[0]).toMatchObject({
      source: 'visitor',
      validFrom: Date.UTC(2026, 11, 3, 13, 30),
      validUntil: Date.UTC(2026, 11, 3, 23, 0),
      minutes: 570,
    });
    expect((await s.emails.get(r.booking.emails[0]!.id)).subject).toBe(
      'Your Wi-Fi access at Portico',
    );
    await expect(s.bookings.registerVisitor({ name: '', email: 'x' }, 'desk')).rejects.toThrow(
      expect.objectContaining({
        fields: [
          expect.objectContaining({ field: 'name' }),
          expect.objectContaining({ field: 'email' }),
        ],
      }),
    );
  });
});

describe('signed incoming webhook', () => {
  const secret = 'a-shared-secret-of-some-length';
  const body = (event: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ event, booking: { id: 'wh-1', ...input, ...extra } });

  beforeEach(async () => {
    await s.bookingSettings.updateBookings({ webhookSecret: secret }, 'admin');
  });

  it('applies a signed event once; the same request again is a replay and changes nothing', async () => {
    const b = body('booking.created');
    const sig = signatureHeader(secret, clock.now(), b);
    const r = await s.bookings.handleWebhook(b, sig);
    expect(r).toMatchObject({ ok: true, outcome: 'created' });
    clock.advance(1000);
    expect(await s.bookings.handleWebhook(b, sig)).toEqual({ ok: false, reason: 'replayed' });
    expect(count('SELECT COUNT(*) AS n FROM bookings')).toBe(1);
  });

  it('refuses tampered, stale, unsigned and wrongly keyed requests and changes nothing', async () => {
    const b = body('booking.created');
    const sig = signatureHeader(secret, clock.now(), b);
    expect(await s.bookings.handleWebhook(body('booking.created', { attendees: 9 }), sig)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(
      await s.bookings.handleWebhook(b, signatureHeader('another-secret-entirely', clock.now(), b)),
    ).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(
      await s.bookings.handleWebhook(b, signatureHeader(secret, clock.now() - 6 * 60_000, b)),
    ).toMatchObject({ ok: false, reason: 'stale' });
    expect(await s.bookings.handleWebhook(b, undefined)).toMatchObject({
      ok: false,
      reason: 'missing',
    });
    expect(await s.bookings.handleWebhook(b, 't=abc,v1=zz')).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(count('SELECT COUNT(*) AS n FROM bookings')).toBe(0);
  });

  it('moves and cancels through signed events', async () => {
    const send = (b: string) =>
      s.bookings.handleWebhook(b, signatureHeader(secret, clock.now(), b));
    await send(body('booking.created'));
    clock.advance(1000);
    const moved = await send(body('booking.updated', { end: '2026-12-03T12:00:00+01:00' }));
    expect(moved).toMatchObject({ ok: true, outcome: 'updated' });
    expect((await s.bookings.get('api', 'wh-1')).tokens[0]!.validUntil).toBe(END + H + 15 * 60_000);
    clock.advance(1000);
    expect(
      await send(JSON.stringify({ event: 'booking.cancelled', booking: { id: 'wh-1' } })),
    ).toMatchObject({
      ok: true,
      outcome: 'cancelled',
    });
    expect((await s.bookings.get('api', 'wh-1')).tokens[0]!.state).toBe('revoked');
  });

  it('is off without a secret', async () => {
    await s.bookingSettings.updateBookings({ webhookSecret: '' }, 'admin');
    const b = body('booking.created');
    expect(await s.bookings.handleWebhook(b, signatureHeader(secret, clock.now(), b))).toEqual({
      ok: false,
      reason: 'disabled',
    });
  });
});
