// A booking drives a live session: created through the API, the guest's device logs in and
// starts accounting over real RADIUS on loopback; moving the booking sends the NAS a CoA with
// the new Session-Timeout, cancelling it sends a Disconnect-Request (seen by a fake NAS).

import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { RadiusCode } from '../../src/radius/codes.js';
import {
  acctPairs,
  attr,
  papLogin,
  startHarness,
  waitUntil,
  type Harness,
} from '../radius-integration/harness.js';

const T0 = Date.UTC(2026, 11, 3, 8, 0); // the harness's venue runs on UTC

let h: Harness;
let app: FastifyInstance;
let key: string;
beforeEach(async () => {
  h = await startHarness({ start: T0 });
  app = await buildApp(h.services);
  key = (await h.services.apiKeys.create({ name: 'rooms', role: 'staff' }, 'test')).key;
});
afterEach(async () => {
  await app.close();
  await h.close();
});

const call = async (method: 'POST' | 'PUT' | 'DELETE', url: string, body?: object) => {
  const r = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(body ? { payload: body } : {}),
  });
  return { status: r.statusCode, json: r.json() };
};

describe('a booking and its live session', () => {
  it('moves the session by CoA when the booking moves and disconnects it when cancelled', async () => {
    const booking = {
      resource: 'Orion',
      start: '2026-12-03T08:00:00Z',
      end: '2026-12-03T10:00:00Z',
      guestName: 'Ada',
    };
    const created = await call('POST', '/api/v1/bookings/nx-7', booking);
    expect(created.status).toBe(201);
    const code = (created.json.accessCode as string).replace('-', '');

    const accept = await h.nas.auth(papLogin(code, 'AA:BB:CC:DD:EE:01'));
    expect(accept?.code).toBe(RadiusCode.AccessAccept);
    // Until the booking's end plus 15 minutes' grace: 2 h 15 min.
    expect(attr(accept, 'Session-Timeout')).toBe(8100);
    const started = await h.nas.acct(
      acctPairs('Start', {
        id: 'sess-1',
        user: code,
        mac: 'AA:BB:CC:DD:EE:01',
        cls: attr(accept, 'Class'),
      }),
    );
    expect(started?.code).toBe(RadiusCode.AccountingResponse);
    expect((await h.services.tokens.get(code)).state).toBe('online');

    // Ten minutes in (the NAS reporting as it goes), the booking is extended by two hours.
    h.clock.advance(10 * 60_000);
    const interim = await h.nas.acct(
      acctPairs('Interim-Update', {
        id: 'sess-1',
        user: code,
        mac: 'AA:BB:CC:DD:EE:01',
        cls: attr(accept, 'Class'),
        time: 600,
      }),
    );
    expect(interim?.code).toBe(RadiusCode.AccountingResponse);
    const moved = await call('PUT', '/api/v1/bookings/nx-7', {
      ...booking,
      end: '2026-12-03T12:00:00Z',
    });
    expect(moved.status).toBe(200);
    expect(moved.json.tokens[0]).toMatchObject({ validUntil: '2026-12-03T12:15:00+00:00' });
    await waitUntil(() => h.das.received.length >= 1);
    const coa = h.das.received[0]!;
    expect(coa.code).toBe(RadiusCode.CoaRequest);
    expect(coa.attrs.get('Acct-Session-Id')).toEqual(['sess-1']);
    // Counted from the session's start: 10 minutes gone, 4 h 5 min to go.
    expect(coa.attrs.get('Session-Timeout')).toEqual([600 + 4 * 3600 + 5 * 60]);

    const cancelled = await call('DELETE', '/api/v1/bookings/nx-7');
    expect(cancelled.json.outcome).toBe('cancelled');
    await waitUntil(() => h.das.received.length >= 2);
    const disconnect = h.das.received[1]!;
    expect(disconnect.code).toBe(RadiusCode.DisconnectRequest);
    expect(disconnect.attrs.get('Acct-Session-Id')).toEqual(['sess-1']);
    expect((await h.services.tokens.get(code)).state).toBe('revoked');

    // The token no longer lets a device on.
    const again = await h.nas.auth(papLogin(code, 'AA:BB:CC:DD:EE:02'));
    expect(again?.code).toBe(RadiusCode.AccessReject);
  });

  it('a booking entered by hand and cancelled by its id disconnects its live session', async () => {
    const created = await call('POST', '/api/v1/bookings', {
      guestName: 'Grace',
      start: '2026-12-03T08:00:00Z',
      end: '2026-12-03T09:00:00Z',
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ origin: 'desk', status: 'confirmed', emails: [] });
    const code = (created.json.accessCode as string).replace('-', '');
    const accept = await h.nas.auth(papLogin(code, 'AA:BB:CC:DD:EE:03'));
    expect(accept?.code).toBe(RadiusCode.AccessAccept);
    // The window is the booking plus the default grace (15 min before, 15 after).
    expect(attr(accept, 'Session-Timeout')).toBe(75 * 60);
    const started = await h.nas.acct(
      acctPairs('Start', {
        id: 'sess-9',
        user: code,
        mac: 'AA:BB:CC:DD:EE:03',
        cls: attr(accept, 'Class'),
      }),
    );
    expect(started?.code).toBe(RadiusCode.AccountingResponse);

    const cancelled = await call('POST', `/api/v1/bookings/${created.json.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({ outcome: 'cancelled', status: 'cancelled' });
    await waitUntil(() => h.das.received.length >= 1);
    expect(h.das.received[0]!.code).toBe(RadiusCode.DisconnectRequest);
    expect(h.das.received[0]!.attrs.get('Acct-Session-Id')).toEqual(['sess-9']);
    expect((await h.services.tokens.get(code)).state).toBe('revoked');
    const audit = await h.services.audit.list(20);
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['booking.create', 'token.revoke', 'booking.cancel']),
    );
    // Again: nothing more happens.
    const again = await call('POST', `/api/v1/bookings/${created.json.id}/cancel`);
    expect(again.json.outcome).toBe('unchanged');
    expect((await call('POST', '/api/v1/bookings/999999/cancel')).status).toBe(404);
  });
});
