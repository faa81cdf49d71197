import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeApi, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
let server: Server;
let url = '';
beforeEach(async () => {
  api = await makeApi();
  server = createServer((_req, res) =>
    res.end(
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VEVENT',
        'UID:one',
        'DTSTART;TZID=W. Europe Standard Time:20261202T100000',
        'DTEND;TZID=W. Europe Standard Time:20261202T120000',
        'ATTENDEE;CN=Ada:mailto:ada@example.org',
        'END:VEVENT',
        'END:VCALENDAR',
      ].join('\r\n'),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/room.ics`;
});
afterEach(async () => {
  await api.services.ics.stop();
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  await api.close();
});

describe('/api/v1/feeds', () => {
  it('adds a feed, reads it, replaces and deletes it; admin keys only', async () => {
    expect((await api.call('GET', '/api/v1/feeds', { key: api.staffKey })).status).toBe(403);
    const bad = await api.call('POST', '/api/v1/feeds', {
      body: { name: 'Orion', url, policy: { devices: 0 } },
    });
    expect(bad.status).toBe(400);
    const refused = await api.call('POST', '/api/v1/feeds', { body: { name: 'Orion', url } });
    expect(refused.status).toBe(400);
    expect(refused.json.error.fields).toEqual([
      { field: 'url', message: expect.stringContaining('is a loopback address (this machine)') },
    ]);

    const made = await api.call('POST', '/api/v1/feeds', {
      body: {
        name: 'Orion',
        url,
        resource: 'Room Orion',
        allowPrivateNetwork: true,
        policy: { tokensPer: 'attendee' },
      },
    });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({
      name: 'Orion',
      url,
      resource: 'Room Orion',
      pollMinutes: 15,
      horizonDays: 60,
      policy: { tokensPer: 'attendee' },
      lastFetchAt: null,
      lastOutcome: null,
    });
    const id = made.json.id as number;

    const read = await api.call('POST', `/api/v1/feeds/${id}/poll`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({
      ok: true,
      events: 1,
      created: 1,
      feed: {
        lastFetchAt: '2026-12-01T11:00:00+01:00',
        lastOutcome: 'imported',
        eventsSeen: 1,
        bookingsChanged: 1,
        lastError: null,
      },
    });
    const booking = await api.call('GET', `/api/v1/bookings/${encodeURIComponent(`${id}/one`)}`);
    expect(booking.status).toBe(404); // an ICS booking is not the API's to see by id
    const [b] = await api.services.bookings.list();
    expect(b).toMatchObject({
      resource: 'Room Orion',
      startAt: Date.parse('2026-12-02T09:00:00Z'),
      guestEmail: 'ada@example.org',
    });

    const put = await api.call('PUT', `/api/v1/feeds/${id}`, {
      body: { name: 'Orion 2', url, allowPrivateNetwork: true, pollMinutes: 5 },
    });
    expect(put.json).toMatchObject({ name: 'Orion 2', pollMinutes: 5, policy: {} });
    expect((await api.call('GET', '/api/v1/feeds')).json.feeds).toHaveLength(1);

    expect((await api.call('DELETE', `/api/v1/feeds/${id}`)).status).toBe(204);
    expect((await api.call('GET', `/api/v1/feeds/${id}`)).status).toBe(404);
    expect((await api.services.bookings.list())[0]!.status).toBe('cancelled');
  });
});
