// Sessions through the API, opened by real RADIUS accounting over UDP on loopback, and cut off
// with a Disconnect-Request that a fake NAS listener answers.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { RadiusCode } from '../../src/radius/codes.js';
import {
  acctPairs,
  attr,
  papLogin,
  startHarness,
  type Harness,
} from '../radius-integration/harness.js';

let h: Harness;
let app: FastifyInstance;
let staffKey: string;
beforeEach(async () => {
  h = await startHarness({ start: Date.UTC(2026, 11, 3, 8, 0) });
  app = await buildApp(h.services);
  staffKey = (await h.services.apiKeys.create({ name: 'desk', role: 'staff' }, 'test')).key;
});
afterEach(async () => {
  await app.close();
  await h.close();
});

async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: object) {
  const r = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${staffKey}` },
    ...(body === undefined ? {} : { payload: body }),
  });
  return { status: r.statusCode, json: r.body === '' ? undefined : r.json() };
}

/** received waits until the fake NAS has `n` requests, and returns them. */
async function received(n: number) {
  const deadline = Date.now() + 5000;
  while (h.das.received.length < n && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  return h.das.received;
}

/** goOnline logs a device in with a new token and starts its accounting session. */
async function goOnline(mac: string, sessionId: string) {
  const t = (await h.services.tokens.create({ minutes: 120 }, 'staff')).tokens[0]!;
  const accept = await h.nas.auth(papLogin(t.code, mac));
  expect(accept?.code).toBe(RadiusCode.AccessAccept);
  const started = await h.nas.acct(
    acctPairs('Start', { id: sessionId, user: t.code, mac, cls: attr(accept, 'Class') }),
  );
  expect(started?.code).toBe(RadiusCode.AccountingResponse);
  return t;
}

describe('/api/v1/sessions', () => {
  it('lists live sessions that RADIUS accounting opened, filtered by token', async () => {
    const a = await goOnline('AA:BB:CC:DD:EE:01', 'sess-a');
    await goOnline('AA:BB:CC:DD:EE:02', 'sess-b');
    const live = await call('GET', '/api/v1/sessions/live');
    expect(live.status).toBe(200);
    expect(live.json.total).toBe(2);
    const one = await call('GET', `/api/v1/sessions/live?token=${a.code.toLowerCase()}`);
    expect(one.json.sessions).toHaveLength(1);
    expect(one.json.sessions[0]).toMatchObject({
      code: `${a.code.slice(0, 4)}-${a.code.slice(4)}`,
      status: 'live',
      mac: 'aa-bb-cc-dd-ee-01',
      nasName: 'hotspot-1',
      startedAt: '2026-12-03T08:00:00+00:00',
      lastCoa: null,
    });
    const shown = await call('GET', `/api/v1/sessions/${one.json.sessions[0].id}`);
    expect(shown.json.id).toBe(one.json.sessions[0].id);
    expect((await call('GET', '/api/v1/sessions/live?token=ZZZZ-ZZZZ')).status).toBe(404);
    expect((await call('GET', '/api/v1/sessions/9999')).status).toBe(404);
  });

  it('disconnects a session: the NAS gets a Disconnect-Request and the API reports its ACK', async () => {
    await goOnline('AA:BB:CC:DD:EE:01', 'sess-a');
    const id = (await call('GET', '/api/v1/sessions/live')).json.sessions[0].id;
    const r = await call('POST', `/api/v1/sessions/${id}/disconnect?reason=abuse`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ state: 'ack', jobId: expect.any(Number) });
    expect(h.das.received).toHaveLength(1);
    expect(h.das.received[0]!.code).toBe(RadiusCode.DisconnectRequest);
    expect(h.das.received[0]!.attrs.get('Acct-Session-Id')).toEqual(['sess-a']);
    const session = await call('GET', `/api/v1/sessions/${id}`);
    expect(session.json.lastCoa).toMatchObject({ kind: 'disconnect', state: 'ack' });
    const audit = (await h.services.audit.list(5)).find((e) => e.action === 'session.disconnect');
    expect(audit).toMatchObject({ targetId: String(id), details: { reason: 'abuse' } });
    expect(audit?.actor).toMatch(/^api:desk#/);
  });

  it('reports a NAK with its Error-Cause, and a NAS that never answers as a timeout', async () => {
    await goOnline('AA:BB:CC:DD:EE:01', 'sess-a');
    await goOnline('AA:BB:CC:DD:EE:02', 'sess-b');
    const [s1, s2] = (await call('GET', '/api/v1/sessions/live')).json.sessions;
    h.das.answer = { kind: 'nak', errorCause: 503 };
    const nak = await call('POST', `/api/v1/sessions/${s1.id}/disconnect`);
    expect(nak.status).toBe(200);
    expect(nak.json).toMatchObject({ state: 'nak', errorCause: 503 });

    h.das.answer = { kind: 'silent' };
    // The harness retries for at most 400 ms; wait long enough to see the worker give up.
    const timeout = await call('POST', `/api/v1/sessions/${s2.id}/disconnect?waitMs=5000`);
    expect(timeout.status).toBe(200);
    expect(timeout.json.state).toBe('timeout');
    expect(h.das.received.length).toBeGreaterThanOrEqual(3);
  });

  it('answers 202 with the job id when the NAS has not answered within waitMs', async () => {
    await goOnline('AA:BB:CC:DD:EE:01', 'sess-a');
    const id = (await call('GET', '/api/v1/sessions/live')).json.sessions[0].id;
    h.das.answer = { kind: 'silent' };
    const r = await call('POST', `/api/v1/sessions/${id}/disconnect?waitMs=0`);
    expect(r.status).toBe(202);
    expect(['pending', 'sending']).toContain(r.json.state);
    const outcome = await h.services.sessions.waitForJob(r.json.jobId, 5000);
    expect(outcome.state).toBe('timeout');
    const bad = await call('POST', `/api/v1/sessions/${id}/disconnect?waitMs=60000`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields[0].field).toBe('waitMs');
    expect((await call('POST', '/api/v1/sessions/9999/disconnect')).status).toBe(404);
  });

  it('shows history with device and time filters once a session stopped', async () => {
    const t = await goOnline('AA:BB:CC:DD:EE:01', 'sess-a');
    h.clock.advance(10 * 60_000);
    const stopped = await h.nas.acct(
      acctPairs('Stop', {
        id: 'sess-a',
        user: t.code,
        mac: 'AA:BB:CC:DD:EE:01',
        time: 600,
        input: 1000,
        output: 5000,
        cause: 'User-Request',
      }),
    );
    expect(stopped?.code).toBe(RadiusCode.AccountingResponse);
    expect((await call('GET', '/api/v1/sessions/live')).json.total).toBe(0);
    const history = await call('GET', '/api/v1/sessions?mac=aa:bb:cc:dd:ee:01');
    expect(history.json.total).toBe(1);
    expect(history.json.sessions[0]).toMatchObject({
      status: 'closed',
      sessionSeconds: 600,
      stoppedAt: '2026-12-03T08:10:00+00:00',
    });
    expect(
      (await call('GET', '/api/v1/sessions?since=2026-12-04')).json.total,
      'a window after the session',
    ).toBe(0);
    expect((await call('GET', '/api/v1/sessions?until=2026-12-03')).json.total).toBe(1);
    const bad = await call('GET', '/api/v1/sessions?since=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields[0].field).toBe('since');
  });

  it("lists a token's devices and signs one out with a Disconnect-Request", async () => {
    const t = await goOnline('AA:BB:CC:DD:EE:01', 'sess-a');
    const devices = await call('GET', `/api/v1/tokens/${t.code}/devices`);
    expect(devices.status).toBe(200);
    expect(devices.json.devices).toMatchObject([
      { mac: 'aa-bb-cc-dd-ee-01', status: 'online', nasName: 'hotspot-1', bound: false },
    ]);
    const out = await call('POST', `/api/v1/tokens/${t.code}/devices/AA:BB:CC:DD:EE:01/sign-out`);
    expect(out.status).toBe(200);
    expect(out.json.jobIds).toHaveLength(1);
    expect((await h.services.sessions.waitForJob(out.json.jobIds[0], 5000)).state).toBe('ack');
    expect(h.das.received.map((r) => r.attrs.get('Acct-Session-Id'))).toEqual([['sess-a']]);
    const bad = await call('POST', `/api/v1/tokens/${t.code}/devices/not-a-mac-at-all/sign-out`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields[0].field).toBe('mac');
    expect((await call('GET', '/api/v1/tokens/ZZZZ-ZZZZ/devices')).status).toBe(404);
  });

  it('makes live sessions follow token changes: CoA on more minutes, Disconnect on revoke and delete', async () => {
    const a = await goOnline('AA:BB:CC:DD:EE:01', 'sess-a');
    const b = await goOnline('AA:BB:CC:DD:EE:02', 'sess-b');
    expect((await call('PATCH', `/api/v1/tokens/${a.code}`, { addMinutes: 60 })).status).toBe(200);
    const coa = (await received(1))[0]!;
    expect(coa.code).toBe(RadiusCode.CoaRequest);
    expect(coa.attrs.get('Session-Timeout')).toEqual([180 * 60]);

    expect((await call('POST', `/api/v1/tokens/${a.code}/revoke`)).status).toBe(200);
    const cut = (await received(2))[1]!;
    expect(cut.code).toBe(RadiusCode.DisconnectRequest);
    expect(cut.attrs.get('Acct-Session-Id')).toEqual(['sess-a']);

    expect((await call('DELETE', `/api/v1/tokens/${b.code}`)).status).toBe(204);
    const gone = (await received(3))[2]!;
    expect(gone.code).toBe(RadiusCode.DisconnectRequest);
    expect(gone.attrs.get('Acct-Session-Id')).toEqual(['sess-b']);
  });

  it('disconnects the live sessions of every token of a batch deleted through the API', async () => {
    const { batchId, tokens } = await h.services.tokens.create({ minutes: 120, count: 3 }, 'staff');
    const online = tokens.slice(0, 2);
    for (const [i, t] of online.entries()) {
      const mac = `AA:BB:CC:DD:EE:1${i}`;
      const accept = await h.nas.auth(papLogin(t.code, mac));
      expect(accept?.code).toBe(RadiusCode.AccessAccept);
      const cls = attr(accept, 'Class');
      expect(
        (await h.nas.acct(acctPairs('Start', { id: `batch-${i}`, user: t.code, mac, cls })))?.code,
      ).toBe(RadiusCode.AccountingResponse);
    }
    const del = await call('DELETE', `/api/v1/batches/${batchId}`);
    expect(del).toEqual({ status: 200, json: { deleted: 3 } });
    const cut = await received(2);
    expect(cut.map((r) => r.code)).toEqual([
      RadiusCode.DisconnectRequest,
      RadiusCode.DisconnectRequest,
    ]);
    expect(cut.flatMap((r) => r.attrs.get('Acct-Session-Id')).sort()).toEqual([
      'batch-0',
      'batch-1',
    ]);
    expect((await h.nas.auth(papLogin(online[0]!.code, 'AA:BB:CC:DD:EE:19')))?.code).toBe(
      RadiusCode.AccessReject,
    );
  });
});
