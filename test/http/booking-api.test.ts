import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createServices, type Services } from '../../src/services/services.js';
import { signatureHeader } from '../../src/services/webhook-signature.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const START = Date.parse('2026-12-01T10:00:00Z');
const SECRET = 'booking-webhook-secret-0123456789';

let dir: string;
let db: Db;
let services: Services;
let app: FastifyInstance;
let clock: ReturnType<typeof fixedClock>;
let key: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portico-bookings-'));
  db = openDatabase(join(dir, 'portico.db'));
  clock = fixedClock(START);
  services = createServices({
    db,
    clock,
    config: loadConfig({
      PORTICO_TIMEZONE: 'Europe/Berlin',
      PORTICO_PUBLIC_URL: 'https://wifi.venue.test',
    }),
  });
  app = await buildApp(services);
  key = (await services.apiKeys.create({ name: 'rooms', role: 'staff' }, 'test')).key;
  await services.bookingSettings.updateBookings({ webhookSecret: SECRET }, 'admin');
});
afterEach(async () => {
  await app.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
  apiKey: string | null = key,
) => {
  const r = await app.inject({
    method,
    url,
    headers: apiKey === null ? {} : { authorization: `Bearer ${apiKey}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: r.statusCode, json: r.json() };
};
const count = (sql: string) => db.prepare(sql).pluck().get() as number;

const booking = {
  resource: 'Orion',
  start: '2026-12-03T09:00',
  end: '2026-12-03T11:00',
  guestName: 'Ada Lovelace',
  guestEmail: 'ada@example.org',
  attendees: 2,
};

describe('/api/v1/bookings/{externalId}', () => {
  it('creates, resends, moves and cancels a booking, driving the token', async () => {
    const created = await call('POST', '/api/v1/bookings/nx-42', booking);
    expect(created.status).toBe(201);
    const code = created.json.accessCode as string;
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(created.json).toMatchObject({
      outcome: 'created',
      externalId: 'nx-42',
      status: 'confirmed',
      start: '2026-12-03T09:00:00+01:00',
      accessCodeLink: `https://wifi.venue.test/t/${code.replace('-', '')}`,
      tokens: [
        {
          code,
          state: 'scheduled',
          validFrom: '2026-12-03T08:45:00+01:00',
          validUntil: '2026-12-03T11:15:00+01:00',
          minutes: 150,
          maxDevices: 2,
        },
      ],
      emails: [{ status: 'queued', attempts: 0 }],
    });

    const resent = await call('POST', '/api/v1/bookings/nx-42', booking);
    expect(resent.status).toBe(200);
    expect(resent.json).toMatchObject({ outcome: 'unchanged', accessCode: code });
    expect(count('SELECT COUNT(*) FROM tokens')).toBe(1);

    const moved = await call('PUT', '/api/v1/bookings/nx-42', {
      ...booking,
      start: '2026-12-03T13:00:00+01:00',
      end: '2026-12-03T14:00:00+01:00',
    });
    expect(moved.status).toBe(200);
    expect(moved.json.outcome).toBe('updated');
    expect(moved.json.tokens[0]).toMatchObject({
      code,
      validFrom: '2026-12-03T12:45:00+01:00',
      validUntil: '2026-12-03T14:15:00+01:00',
      minutes: 90,
    });
    expect((await services.tokens.get(code)).validUntil).toBe(Date.parse('2026-12-03T13:15:00Z'));

    const cancelled = await call('DELETE', '/api/v1/bookings/nx-42');
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({
      outcome: 'cancelled',
      status: 'cancelled',
      accessCode: null,
    });
    expect(cancelled.json.tokens[0].state).toBe('revoked');
    expect((await services.tokens.get(code)).state).toBe('revoked');

    expect((await call('DELETE', '/api/v1/bookings/nx-42')).json.outcome).toBe('unchanged');
    expect((await call('PUT', '/api/v1/bookings/nx-42', booking)).status).toBe(409);
    expect((await call('GET', '/api/v1/bookings/nx-42')).json.status).toBe('cancelled');
    expect((await call('DELETE', '/api/v1/bookings/unknown')).status).toBe(404);
  });

  it('needs an API key and names bad fields', async () => {
    const anon = await call('POST', '/api/v1/bookings/nx-1', booking, null);
    expect(anon.status).toBe(401);
    expect(anon.json.error.code).toBe('PORTICO_UNAUTHORIZED');
    const bad = await call('POST', '/api/v1/bookings/nx-1', {
      ...booking,
      start: 'soon',
      guestEmail: 'nobody',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('PORTICO_BAD_INPUT');
    expect(bad.json.error.fields.map((f: { field: string }) => f.field)).toEqual([
      'start',
      'guestEmail',
    ]);
    expect(count('SELECT COUNT(*) FROM bookings')).toBe(0);
  });

  it('registers a visitor for the rest of the day', async () => {
    const r = await call('POST', '/api/v1/visitors', {
      name: 'Grace Hopper',
      email: 'grace@example.org',
      expectedArrival: '2026-12-02T15:00',
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      kind: 'visitor',
      guestName: 'Grace Hopper',
      tokens: [
        {
          validFrom: '2026-12-02T15:00:00+01:00',
          validUntil: '2026-12-03T00:00:00+01:00',
          minutes: 540,
        },
      ],
      emails: [{ status: 'queued' }],
    });
  });
});

describe('POST /webhooks/bookings', () => {
  const post = (body: string, signature?: string) =>
    app.inject({
      method: 'POST',
      url: '/webhooks/bookings',
      headers: {
        'content-type': 'application/json',
        ...(signature === undefined ? {} : { 'x-portico-signature': signature }),
      },
      payload: body,
    });
  const event = (e: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ event: e, booking: { id: 'wh-7', ...booking, ...extra } });

  it('accepts a signed event once and refuses its replay, a tampered body and a stale one', async () => {
    const body = event('booking.created');
    const sig = signatureHeader(SECRET, clock.now(), body);
    const ok = await post(body, sig);
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ outcome: 'created', externalId: 'wh-7' });
    const tokensAfter = count('SELECT COUNT(*) FROM tokens');
    const snapshot = JSON.stringify(services.bookings.get('api', 'wh-7'));

    const refusals = [
      await post(body, sig), // replay
      await post(event('booking.updated', { end: '2026-12-03T18:00' }), sig), // tampered
      await post(body.replace('Orion', 'Vega'), sig), // tampered
      await post(body, signatureHeader(SECRET, clock.now() - 10 * 60_000, body)), // stale
      await post(body, signatureHeader('not-the-shared-secret', clock.now(), body)),
      await post(body), // unsigned
    ];
    for (const r of refusals) {
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('PORTICO_UNAUTHORIZED');
    }
    expect(count('SELECT COUNT(*) FROM tokens')).toBe(tokensAfter);
    expect(JSON.stringify(services.bookings.get('api', 'wh-7'))).toBe(snapshot);

    // A freshly signed cancel goes through.
    clock.advance(2000);
    const cancel = JSON.stringify({ event: 'booking.cancelled', booking: { id: 'wh-7' } });
    const c = await post(cancel, signatureHeader(SECRET, clock.now(), cancel));
    expect(c.statusCode).toBe(200);
    expect(c.json().tokens[0].state).toBe('revoked');
  });

  it('answers 400 for a well-signed body that is not a booking, without remembering it', async () => {
    const body = JSON.stringify({ event: 'booking.created', booking: { id: 'wh-8' } });
    const sig = signatureHeader(SECRET, clock.now(), body);
    const r = await post(body, sig);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.fields.map((f: { field: string }) => f.field)).toEqual(['start', 'end']);
    expect(count('SELECT COUNT(*) FROM webhook_replays')).toBe(0);
  });
});
