// The booking pages of the dashboard through app.inject: visitor form, Settings > Bookings,
// the e-mail template editor with its preview and placeholder check, the outbox and webhooks.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ADMIN, STAFF, makeAdmin, type AdminFixture, type Browser } from './admin-fixture.js';

let f: AdminFixture;
let b: Browser;
let csrf: string;
beforeEach(async () => {
  f = await makeAdmin();
  b = f.browser();
  await b.signIn(ADMIN);
  csrf = await b.csrf();
});
afterEach(async () => {
  await f.close();
});

describe('bookings and visitors', () => {
  test('the desk registers a visitor and sees the code and the queued e-mail', async () => {
    const desk = f.browser();
    await desk.signIn(STAFF);
    const token = await desk.csrf();
    const r = await desk.post('/admin/bookings/visitors', {
      _csrf: token,
      name: 'Grace <Hopper>',
      email: 'grace@example.org',
      expectedArrival: '2026-12-01T14:00',
    });
    expect(r.status).toBe(303);
    expect(r.location).toBe('/admin/bookings?registered=1');
    const page = await desk.get('/admin/bookings?registered=1');
    expect(page.status).toBe(200);
    const v = (await f.services.bookings.list({ kind: 'visitor' }))[0]!;
    expect(page.body).toContain(v.tokens[0]!.displayCode);
    expect(page.body).toContain('Grace &lt;Hopper&gt;');
    expect(page.body).toMatch(/badge s-pending">queued/);
    // Staff do not get the admin-only settings.
    expect((await desk.get('/admin/bookings/settings')).status).toBe(403);
  });

  test('a bad visitor form is shown again with the error next to the field', async () => {
    const r = await b.post('/admin/bookings/visitors', { _csrf: csrf, name: '', email: 'nope' });
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/id="e-name">Name is required/);
    expect(r.body).toMatch(/id="e-email">E-mail must be an e-mail address/);
    expect(await f.services.bookings.list()).toHaveLength(0);
  });

  test('refuses a form without the CSRF token', async () => {
    const r = await b.post('/admin/bookings/visitors', { name: 'Mallory' });
    expect(r.status).toBe(403);
    expect(await f.services.bookings.list()).toHaveLength(0);
  });
});

describe('Settings > Bookings', () => {
  test('saves the token policy and makes a webhook secret that is shown once', async () => {
    const r = await b.post('/admin/bookings/settings', {
      _csrf: csrf,
      enabled: ['0', '1'],
      graceBeforeMinutes: '5',
      graceAfterMinutes: '30',
      fixedMinutes: '',
      devices: '3',
      devicesPer: 'attendee',
      tokensPer: 'booking',
    });
    expect(r.location).toBe('/admin/bookings/settings?saved=1');
    expect(await f.services.bookingSettings.bookings()).toMatchObject({
      enabled: true,
      graceBeforeMinutes: 5,
      graceAfterMinutes: 30,
      fixedMinutes: null,
      devices: 3,
      devicesPer: 'attendee',
    });

    const bad = await b.post('/admin/bookings/settings', {
      _csrf: csrf,
      enabled: '0',
      graceBeforeMinutes: '-1',
      devices: 'many',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/Grace before the start \(minutes\) must be a whole number/);
    expect((await f.services.bookingSettings.bookings()).enabled).toBe(true);

    const secret = await b.post('/admin/bookings/settings/webhook-secret', { _csrf: csrf });
    const shown = /id="new-secret">([^<]+)</.exec(secret.body)?.[1];
    expect(shown).toMatch(/^whsec_/);
    expect((await f.services.bookingSettings.bookings()).webhookSecret).toBe(shown);
    expect((await b.get('/admin/bookings/settings')).body).not.toContain(shown);
  });
});

describe('Calendar feeds', () => {
  const ICS = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'BEGIN:VEVENT',
    'UID:board@rooms',
    'SUMMARY:Board',
    'DTSTART:20991202T090000Z',
    'DTEND:20991202T110000Z',
    'ATTENDEE;CN=Ada:mailto:ada@example.org',
    'ATTENDEE;CN=Grace:mailto:grace@example.org',
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');
  let server: Server;
  let url = '';
  beforeEach(async () => {
    server = createServer((_req, res) => res.end(ICS));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orion.ics`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  });

  const form = (extra: Record<string, string | string[]> = {}) => ({
    _csrf: csrf,
    name: 'Orion',
    url,
    resource: 'Room Orion',
    pollMinutes: '10',
    horizonDays: '36500',
    skipFree: '0',
    skipPrivate: ['0', '1'],
    enabled: ['0', '1'],
    allowPrivateNetwork: ['0', '1'],
    'policy.tokensPer': 'attendee',
    'policy.devices': '',
    'policy.devicesPer': '',
    'policy.graceBeforeMinutes': '0',
    'policy.graceAfterMinutes': '',
    ...extra,
  });

  test('adds, reads, shows, changes and deletes a feed; the bookings page shows its status', async () => {
    const bad = await b.post(
      '/admin/bookings/feeds',
      form({ url: 'ftp://x', 'policy.devices': 'lots', horizonDays: '30' }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/Feed URL must be an absolute http\(s\) URL/);
    expect(bad.body).toMatch(/id="e-policy.devices">Devices must be a whole number from 1 to 1000/);
    const blocked = await b.post(
      '/admin/bookings/feeds',
      form({ allowPrivateNetwork: '0', horizonDays: '30' }),
    );
    expect(blocked.status).toBe(400);
    expect(blocked.body).toContain(
      'is a loopback address (this machine); Portico connects there only when &quot;allow private addresses&quot; is ticked',
    );
    expect(await f.services.feeds.list()).toHaveLength(0);

    const r = await b.post('/admin/bookings/feeds', form({ horizonDays: '730' }));
    expect(r.status).toBe(303);
    const feed = (await f.services.feeds.list())[0]!;
    expect(r.location).toBe(`/admin/bookings/feeds/${feed.id}?added=1`);
    expect(feed).toMatchObject({
      name: 'Orion',
      resource: 'Room Orion',
      pollMinutes: 10,
      skipPrivate: true,
      skipFree: false,
      allowPrivateNetwork: true,
      policy: { tokensPer: 'attendee', graceBeforeMinutes: 0 },
    });
    const read = await b.post(`/admin/bookings/feeds/${feed.id}/poll`, { _csrf: csrf });
    expect(read.status).toBe(200);
    expect(read.body).toContain('Feed read: 1 events, 0 bookings in the window');

    // The horizon is two years: the 2099 event is beyond it. A longer one is refused.
    const far = await b.post(`/admin/bookings/feeds/${feed.id}`, form({ horizonDays: '36500' }));
    expect(far.status).toBe(400);
    expect(far.body).toMatch(/must be a whole number from 1 to 730/);

    // Staff see the status of every feed on the bookings page, without the admin links.
    await f.services.feeds.update(
      feed.id,
      { name: 'Orion', url: 'http://127.0.0.1:1/gone.ics', allowPrivateNetwork: true },
      'test',
    );
    await f.services.ics.pollFeed(feed.id);
    const desk = f.browser();
    await desk.signIn(STAFF);
    const list = (await desk.get('/admin/bookings')).body;
    const status = /<table class="list" id="feed-status">[\s\S]*?<\/table>/.exec(list)?.[0] ?? '';
    expect(status).toContain('Orion');
    expect(status).toContain('data-label="Events seen">1<');
    expect(status).toContain('data-label="Bookings changed">0<');
    expect(status).toContain('127.0.0.1:1 refused the connection');
    expect(status).not.toContain('Read now');
    expect((await desk.get('/admin/bookings/feeds')).status).toBe(403);

    // Without the CSRF token nothing happens; with it the feed goes.
    expect((await b.post(`/admin/bookings/feeds/${feed.id}/delete`, {})).status).toBe(403);
    expect(await f.services.feeds.list()).toHaveLength(1);
    const del = await b.post(`/admin/bookings/feeds/${feed.id}/delete`, { _csrf: csrf });
    expect(del.location).toBe('/admin/bookings/feeds');
    expect(await f.services.feeds.list()).toHaveLength(0);
  });
});

describe('Settings > E-mail', () => {
  const form = (extra: Record<string, string | string[]> = {}) => ({
    _csrf: csrf,
    enabled: ['0', '1'],
    smtpHost: 'smtp.example.org',
    smtpPort: '587',
    smtpTls: 'starttls',
    smtpUser: 'wifi',
    smtpPassword: 'smtp-secret-pw',
    from: 'Harbour <wifi@example.org>',
    maxAttempts: '5',
    bookingSubject: 'Wi-Fi for {resource}',
    bookingHtml: '<p>Hi {guestname}, your code is {accesscode}.</p>',
    visitorSubject: 'Welcome',
    visitorHtml: '<p>{accesscode}</p>',
    action: 'save',
    ...extra,
  });

  test('saves SMTP and templates; the password never comes back to the page', async () => {
    const r = await b.post('/admin/bookings/email', form());
    expect(r.location).toBe('/admin/bookings/email?saved=1');
    expect(await f.services.bookingSettings.email()).toMatchObject({
      smtpHost: 'smtp.example.org',
      smtpPassword: 'smtp-secret-pw',
      bookingSubject: 'Wi-Fi for {resource}',
      maxAttempts: 5,
    });
    const page = await b.get('/admin/bookings/email?saved=1');
    expect(page.body).not.toContain('smtp-secret-pw');
    expect(page.body).toContain('A password is set');
  });

  test('names unknown placeholders when the template is saved, and saves nothing', async () => {
    const r = await b.post(
      '/admin/bookings/email',
      form({ bookingHtml: '<p>{accesscode} {wifi_password} {guest}</p>' }),
    );
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/unknown placeholder \{wifi_password\}, \{guest\}/);
    expect(r.body).not.toContain('smtp-secret-pw');
    expect((await f.services.bookingSettings.email()).bookingHtml).not.toContain('{wifi_password}');
  });

  test('previews a draft with sample values without saving it', async () => {
    const r = await b.post(
      '/admin/bookings/email',
      form({
        action: 'preview-booking',
        bookingSubject: 'Code {accesscode}',
        bookingHtml: '<p>Hello {guestname} at {spacename} {oops}</p>',
      }),
    );
    expect(r.status).toBe(200);
    expect(r.body).toContain('Preview: Code 7KQ4-M2XD');
    // The HTML part sits escaped in a sandboxed iframe's srcdoc; the text part is plain.
    expect(r.body).toMatch(
      /<iframe title="HTML part" sandbox="" srcdoc="[^"]*Hello Ada Lovelace at Portico Coworking/,
    );
    expect(r.body).toMatch(
      /<pre class="preview-text">Hello Ada Lovelace at Portico Coworking \{oops\}<\/pre>/,
    );
    expect(r.body).toMatch(/uses unknown placeholder \{oops\}/);
    expect((await f.services.bookingSettings.email()).bookingSubject).not.toBe('Code {accesscode}');
  });
});

describe('outbox and webhooks', () => {
  test('shows each message status and retries a failed one', async () => {
    await f.services.bookingSettings.updateEmail({ maxAttempts: 1 }, 'test');
    await f.services.bookings.registerVisitor({ name: 'Ada', email: 'ada@example.org' }, 'test');
    await f.services.emails.worker.runOnce(); // no SMTP server set: fails, 1 attempt allowed
    const page = await b.get('/admin/bookings/outbox');
    expect(page.body).toMatch(
      /s-nak">failed<\/span> <span class="muted">after 1 attempt: no SMTP server is set/,
    );
    const id = (await f.services.emails.list()).messages[0]!.id;
    const r = await b.post(`/admin/bookings/outbox/${id}/retry`, { _csrf: csrf });
    expect(r.status).toBe(303);
    expect((await f.services.emails.get(id)).status).toBe('retrying');
  });

  test('registers a webhook (secret shown once), pauses and deletes it', async () => {
    const bad = await b.post('/admin/bookings/webhooks', { _csrf: csrf, url: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/URL must be an absolute http\(s\) URL/);
    const r = await b.post('/admin/bookings/webhooks', {
      _csrf: csrf,
      url: 'https://hooks.example.org/portico',
      events: ['token.created', 'session.started'],
    });
    expect(r.status).toBe(200);
    const secret = /id="new-secret">([^<]+)</.exec(r.body)?.[1];
    expect(secret).toMatch(/^whsec_/);
    const [w] = await f.services.webhooks.list();
    expect(w).toMatchObject({ events: ['token.created', 'session.started'], disabledAt: null });
    const page = (await b.get('/admin/bookings/webhooks')).body;
    expect(page).not.toContain(secret);
    // Each event says when it is raised.
    expect(page).toContain('a token is used for the first time');
    expect(page).toContain('a device goes offline: Stop, silent session closed, router reboot');

    await f.services.tokens.create({ minutes: 30 }, 'test');
    const log = await b.get('/admin/bookings/webhooks');
    expect(log.body).toContain('token.created');
    const deliveryId = (await f.services.webhooks.deliveries())[0]!.id;
    expect((await b.get(`/admin/bookings/webhooks/deliveries/${deliveryId}`)).status).toBe(200);

    await b.post(`/admin/bookings/webhooks/${w!.id}/toggle`, { _csrf: csrf });
    expect((await f.services.webhooks.get(w!.id)).disabledAt).not.toBeNull();
    await b.post(`/admin/bookings/webhooks/${w!.id}/delete`, { _csrf: csrf });
    expect(await f.services.webhooks.list()).toHaveLength(0);
  });
});
