// Everyday booking actions on the dashboard and the API: a booking entered by hand (its token
// made as a booking system's would be, the e-mail optional), cancelled from the list after a
// confirmation, and its confirmation e-mail resent, refused in words when it cannot be.

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { STAFF, makeAdmin, type AdminFixture, type Browser } from './admin-fixture.js';

let f: AdminFixture;
let b: Browser;
let csrf: string;
let key: string;
beforeEach(async () => {
  f = await makeAdmin();
  b = f.browser();
  await b.signIn(STAFF);
  csrf = await b.csrf();
  key = (await f.services.apiKeys.create({ name: 'desk', role: 'staff' }, 'test')).key;
});
afterEach(async () => {
  await f.close();
});

const api = async (method: 'GET' | 'POST', url: string, body?: object) => {
  const r = await f.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(body ? { payload: body } : {}),
  });
  return { status: r.statusCode, json: r.json() };
};
const outbox = async () => (await f.services.emails.list({ limit: 50 })).messages;

describe('manual booking form', () => {
  test('creates the booking with a token under Settings > Bookings and queues the e-mail', async () => {
    await f.services.bookingSettings.updateBookings(
      { enabled: false, graceBeforeMinutes: '10', graceAfterMinutes: '20', devices: '2' },
      'test',
    );
    const form = await b.get('/admin/bookings/new');
    expect(form.status).toBe(200);
    expect(form.body).toContain('10 min before the start to 20 min after the end');
    const r = await b.post('/admin/bookings/new', {
      _csrf: csrf,
      guestName: 'Ada <Lovelace>',
      guestEmail: 'ada@example.org',
      resource: 'Orion',
      start: '2026-12-03T09:00',
      end: '2026-12-03T11:00',
      attendees: '1',
      sendEmail: ['0', '1'],
    });
    expect(r.status).toBe(303);
    expect(r.location).toBe('/admin/bookings?done=added-mail');
    const [bk] = await f.services.bookings.list();
    expect(bk).toMatchObject({ origin: 'desk', kind: 'booking', guestName: 'Ada <Lovelace>' });
    const t = bk!.tokens[0]!;
    // Berlin is UTC+1: 09:00 minus 10 min grace is 07:50Z, 11:00 plus 20 min is 10:20Z.
    expect(t).toMatchObject({
      source: 'booking',
      maxDevices: 2,
      minutes: 150,
      validFrom: Date.parse('2026-12-03T07:50:00Z'),
      validUntil: Date.parse('2026-12-03T10:20:00Z'),
    });
    const mail = await outbox();
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ to: 'ada@example.org', status: 'queued' });
    const page = await b.get(r.location!);
    expect(page.body).toContain(
      'Booking added; its code is below and the confirmation is in the outbox.',
    );
    expect(page.body).toContain(t.displayCode);
    expect(page.body).toContain('Ada &lt;Lovelace&gt;');
  });

  test('without "E-mail the code" no e-mail is queued', async () => {
    const r = await b.post('/admin/bookings/new', {
      _csrf: csrf,
      guestName: 'Grace',
      guestEmail: 'grace@example.org',
      start: '2026-12-03T09:00',
      end: '2026-12-03T10:00',
      sendEmail: '0',
    });
    expect(r.location).toBe('/admin/bookings?done=added');
    expect((await f.services.bookings.list())[0]!.tokens).toHaveLength(1);
    expect(await outbox()).toHaveLength(0);
  });

  test('a bad form comes back with every error next to its field, and nothing is made', async () => {
    const r = await b.post('/admin/bookings/new', {
      _csrf: csrf,
      guestName: '',
      guestEmail: '',
      start: 'tomorrow',
      end: '2026-12-03T10:00',
      sendEmail: ['0', '1'],
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/id="e-guestName">Guest name is required/);
    expect(r.body).toMatch(/id="e-guestEmail">E-mail is needed to send the code by e-mail/);
    expect(r.body).toMatch(/id="e-start">From must be an ISO 8601 date-time/);
    expect(r.body).toContain('value="2026-12-03T10:00"');
    expect(await f.services.bookings.list()).toHaveLength(0);
    expect(await f.services.tokens.list({})).toMatchObject({ total: 0 });
  });

  test('refuses the form without the CSRF token', async () => {
    const r = await b.post('/admin/bookings/new', {
      guestName: 'Mallory',
      start: '2026-12-03T09:00',
      end: '2026-12-03T10:00',
    });
    expect(r.status).toBe(403);
    expect(await f.services.bookings.list()).toHaveLength(0);
  });
});

describe('cancel and resend from the list', () => {
  const addBooking = async (email: string | null) =>
    (
      await f.services.bookings.upsert(
        'api',
        `nx-${email ?? 'none'}`,
        {
          resource: 'Orion',
          start: '2026-12-03T09:00',
          end: '2026-12-03T11:00',
          guestName: 'Ada',
          guestEmail: email,
        },
        'test',
      )
    ).booking;

  test('cancel asks first, then revokes the code and writes the audit lines', async () => {
    const bk = await addBooking('ada@example.org');
    const list = await b.get('/admin/bookings');
    expect(list.body).toContain(`href="/admin/bookings/${bk.id}/cancel"`);
    const confirm = await b.get(`/admin/bookings/${bk.id}/cancel`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Cancel this booking?');
    expect(confirm.body).toContain(bk.tokens[0]!.displayCode);
    expect(confirm.body).toContain('The booking system is not told');
    // Looking at the confirmation changes nothing.
    expect((await f.services.bookings.getById(bk.id)).status).toBe('confirmed');
    expect((await b.post(`/admin/bookings/${bk.id}/cancel`, {})).status).toBe(403);
    const r = await b.post(`/admin/bookings/${bk.id}/cancel`, { _csrf: csrf });
    expect(r.location).toBe('/admin/bookings?done=cancelled');
    const after = await f.services.bookings.getById(bk.id);
    expect(after.status).toBe('cancelled');
    expect(after.tokens[0]!.state).toBe('revoked');
    const actions = (await f.services.audit.list(10)).map((e) => [e.action, e.actor]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['token.revoke', STAFF.username],
        ['booking.cancel', STAFF.username],
      ]),
    );
    const page = await b.get(r.location!);
    expect(page.body).toContain('Booking cancelled');
    // A cancelled booking offers neither action any more.
    expect(page.body).not.toContain(`/admin/bookings/${bk.id}/cancel`);
    expect((await b.get('/admin/bookings/12345/cancel')).status).toBe(404);
    expect((await b.get('/admin/bookings/abc/cancel')).status).toBe(404);
  });

  test('resend queues the confirmation with the code again', async () => {
    const bk = await addBooking('ada@example.org');
    expect(await outbox()).toHaveLength(1);
    const r = await b.post(`/admin/bookings/${bk.id}/resend`, { _csrf: csrf });
    expect(r.location).toBe('/admin/bookings?done=resent');
    const mail = await outbox();
    expect(mail).toHaveLength(2);
    expect(mail.every((m) => m.to === 'ada@example.org')).toBe(true);
    const full = await f.services.emails.get(mail[0]!.id);
    expect(full.text).toContain(bk.tokens[0]!.displayCode);
    expect((await f.services.audit.list(5)).map((e) => e.action)).toContain('booking.resend');
  });

  test('resend is refused in words without an address, when cancelled, or with e-mail off', async () => {
    const none = await addBooking(null);
    const list = await b.get('/admin/bookings');
    expect(list.body).not.toContain(`/admin/bookings/${none.id}/resend`);
    const r = await b.post(`/admin/bookings/${none.id}/resend`, { _csrf: csrf });
    expect(r.status).toBe(409);
    expect(r.body).toContain('Not sent: this booking has no e-mail address to send the code to.');

    const ada = await addBooking('ada@example.org');
    await f.services.bookings.cancelById(ada.id, 'test');
    const c = await b.post(`/admin/bookings/${ada.id}/resend`, { _csrf: csrf });
    expect(c.status).toBe(409);
    expect(c.body).toContain('was cancelled and its code no longer works');

    const grace = await addBooking('grace@example.org');
    await f.services.bookingSettings.updateEmail({ enabled: false }, 'test');
    const off = await api('POST', `/api/v1/bookings/${grace.id}/resend`);
    expect(off.status).toBe(409);
    expect(off.json.error.message).toMatch(/e-mail is off: turn it on in Settings > E-mail first/);
    expect(await outbox()).toHaveLength(2);
  });
});

describe('/api/v1/bookings by Portico id', () => {
  test('enters a booking, lists it, resends and cancels it', async () => {
    const bad = await api('POST', '/api/v1/bookings', {
      guestName: 'Ada',
      start: '2026-12-03T09:00',
      end: '2026-12-03T08:00',
      sendEmail: true,
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/end: must be after start/);
    expect(bad.json.error.message).toMatch(/guestEmail: is needed to send the code by e-mail/);

    const made = await api('POST', '/api/v1/bookings', {
      guestName: 'Ada',
      guestEmail: 'ada@example.org',
      start: '2026-12-03T09:00',
      end: '2026-12-03T11:00',
      sendEmail: true,
    });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({
      outcome: 'created',
      origin: 'desk',
      status: 'confirmed',
      emails: [{ status: 'queued' }],
    });
    expect(made.json.accessCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const listed = await api('GET', '/api/v1/bookings?limit=5');
    expect(listed.status).toBe(200);
    expect(listed.json.map((x: { id: number }) => x.id)).toEqual([made.json.id]);

    const resent = await api('POST', `/api/v1/bookings/${made.json.id}/resend`);
    expect(resent.status).toBe(202);
    expect(resent.json.emails).toHaveLength(2);

    const cancelled = await api('POST', `/api/v1/bookings/${made.json.id}/cancel`);
    expect(cancelled.json).toMatchObject({ outcome: 'cancelled', status: 'cancelled' });
    expect(cancelled.json.tokens[0].state).toBe('revoked');
    const again = await api('POST', `/api/v1/bookings/${made.json.id}/resend`);
    expect(again.status).toBe(409);
    expect((await api('POST', '/api/v1/bookings/0/cancel')).status).toBe(400);
    expect((await api('POST', '/api/v1/bookings/777/resend')).status).toBe(404);
  });
});
