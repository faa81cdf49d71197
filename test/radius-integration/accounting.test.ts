import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RadiusCode } from '../../src/radius/codes.js';
import { acctPairs, attr, papLogin, startHarness, waitUntil, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const newToken = async (input: Record<string, unknown> = {}) =>
  (await h.services.tokens.create({ minutes: 60, ...input }, 'staff')).tokens[0]!;
const usedMs = async (tokenId: number) =>
  (await h.sql<{ used_ms: number }>('SELECT used_ms FROM tokens WHERE id = ?', [tokenId]))[0]
    ?.used_ms;
const session = async (acctId: string) =>
  (
    await h.sql(
      'SELECT status, started_at, last_seen_at, stopped_at, session_seconds, input_octets, output_octets, terminate_cause FROM sessions WHERE acct_session_id = ?',
      [acctId],
    )
  )[0];

/** login accepts a device and returns its Class, as a NAS would echo it. */
async function login(code: string, mac: string): Promise<Buffer> {
  const r = await h.nas.auth(papLogin(code, mac));
  expect(r?.code).toBe(RadiusCode.AccessAccept);
  return attr(r, 'Class') as Buffer;
}

describe('accounting over UDP', () => {
  it('turns the reservation into a session on Start and charges Interim and Stop once each', async () => {
    const t = await newToken();
    const mac = 'aa-bb-cc-dd-ee-01';
    const cls = await login(t.code, mac);
    const T0 = h.clock.now();
    const start = await h.nas.acct(acctPairs('Start', { id: 's1', user: t.code, mac, cls }));
    expect(start?.code).toBe(RadiusCode.AccountingResponse);
    expect(await session('s1')).toMatchObject({ status: 'live', started_at: T0 });
    expect((await h.services.sessions.listLive()).sessions.map((s) => s.mac)).toEqual([mac]);

    h.clock.advance(60_000);
    const interim = acctPairs('Interim-Update', {
      id: 's1',
      user: t.code,
      mac,
      cls,
      time: 60,
      input: 1000,
      output: 5000,
    });
    expect((await h.nas.acct(interim))?.code).toBe(RadiusCode.AccountingResponse);
    expect(await usedMs(t.id)).toBe(60_000);
    // A retransmission: new identifier, a bigger Acct-Delay-Time, same counters.
    h.clock.advance(5000);
    const again = await h.nas.acct([...interim, ['Acct-Delay-Time', 5]]);
    expect(again?.code).toBe(RadiusCode.AccountingResponse);
    expect(await usedMs(t.id)).toBe(60_000);

    h.clock.advance(55_000);
    const stop = acctPairs('Stop', {
      id: 's1',
      user: t.code,
      mac,
      cls,
      time: 120,
      input: 3000,
      output: 9000,
      cause: 'User-Request',
    });
    expect((await h.nas.acct(stop))?.code).toBe(RadiusCode.AccountingResponse);
    expect(await h.nas.acct(stop)).toBeDefined();
    // A late Interim after the Stop changes nothing.
    const late = acctPairs('Interim-Update', { id: 's1', user: t.code, mac, cls, time: 180 });
    expect((await h.nas.acct(late))?.code).toBe(RadiusCode.AccountingResponse);
    expect(await usedMs(t.id)).toBe(120_000);
    expect(await session('s1')).toMatchObject({
      status: 'closed',
      stopped_at: T0 + 120_000,
      session_seconds: 120,
      input_octets: 3000,
      output_octets: 9000,
      terminate_cause: 'User-Request',
    });
    const tok = await h.services.tokens.get(t.id);
    expect(tok.minutesUsed).toBe(2);
    expect(tok.dataUsedBytes).toBe(12_000);
    expect(tok.firstUsedAt).toBe(T0);
  });

  it('records a Stop without a Start, and an Interim without a Start as a live session', async () => {
    const t = await newToken();
    h.clock.advance(600_000);
    const stop = await h.nas.acct(
      acctPairs('Stop', { id: 'orphan', user: t.code, mac: 'aa-bb-cc-dd-ee-01', time: 300 }),
    );
    expect(stop?.code).toBe(RadiusCode.AccountingResponse);
    expect(await session('orphan')).toMatchObject({ status: 'closed', session_seconds: 300 });
    expect(await usedMs(t.id)).toBe(300_000);
    const interim = await h.nas.acct(
      acctPairs('Interim-Update', { id: 'late', user: t.code, mac: 'aa-bb-cc-dd-ee-02', time: 60 }),
    );
    expect(interim?.code).toBe(RadiusCode.AccountingResponse);
    expect(await session('late')).toMatchObject({ status: 'live', session_seconds: 60 });
  });

  it('a router that never echoes Class and buffered its Start: an Interim reaching back before the Start is the same session', async () => {
    // The device was let on at A; the router could not reach Portico and held its Start,
    // sending it 4 minutes late without Acct-Delay-Time, and never echoes Class.
    const t = await newToken({ maxDevices: 1 });
    const mac = 'aa-bb-cc-dd-ee-21';
    await login(t.code, mac);
    const A = h.clock.now();
    h.clock.advance(4 * 60_000);
    expect((await h.nas.acct(acctPairs('Start', { id: 'b1', user: t.code, mac })))?.code).toBe(
      RadiusCode.AccountingResponse,
    );
    // One minute later the Interim says 5 minutes online (RFC 2866 §5.7): since A.
    h.clock.advance(60_000);
    const interim = await h.nas.acct(
      acctPairs('Interim-Update', { id: 'b1', user: t.code, mac, time: 300 }),
    );
    expect(interim?.code).toBe(RadiusCode.AccountingResponse);
    const rows = await h.sql(
      'SELECT status, started_at FROM sessions WHERE token_id = ? ORDER BY id',
      [t.id],
    );
    expect(rows).toEqual([{ status: 'live', started_at: A }]);
    // Charged from the Access-Accept, not before it and not twice.
    expect(await usedMs(t.id)).toBe(5 * 60_000);
    // The Stop ends that one session and frees the device's slot.
    h.clock.advance(60_000);
    await h.nas.acct(acctPairs('Stop', { id: 'b1', user: t.code, mac, time: 360 }));
    expect(await session('b1')).toMatchObject({ status: 'closed', started_at: A });
    expect(await usedMs(t.id)).toBe(6 * 60_000);
  });

  it('a router that never echoes Class and reused an Acct-Session-Id after a reboot: an old retransmission does not join the new session', async () => {
    const t = await newToken({ maxDevices: 2 });
    const mac = 'aa-bb-cc-dd-ee-22';
    await h.nas.acct(acctPairs('Start', { id: 'r1', user: t.code, mac }));
    h.clock.advance(2 * 60_000);
    // The new session has reported already; a packet from before the reboot now arrives,
    // claiming a session that began an hour ago.
    await h.nas.acct(acctPairs('Interim-Update', { id: 'r1', user: t.code, mac, time: 120 }));
    await h.nas.acct(acctPairs('Interim-Update', { id: 'r1', user: t.code, mac, time: 3600 }));
    const rows = await h.sql<{ started_at: number }>(
      'SELECT started_at FROM sessions WHERE token_id = ? ORDER BY id',
      [t.id],
    );
    expect(rows[0]?.started_at).toBe(h.clock.now() - 2 * 60_000);
    expect(rows).toHaveLength(2);
  });

  it('answers accounting for users that are not ours without recording anything', async () => {
    const before = await h.sql('SELECT COUNT(*) AS n FROM sessions');
    const r = await h.nas.acct(acctPairs('Start', { id: 'admin-1', user: 'admin' }));
    expect(r?.code).toBe(RadiusCode.AccountingResponse);
    expect(await h.sql('SELECT COUNT(*) AS n FROM sessions')).toEqual(before);
    // Without Acct-Session-Id the packet is malformed: dropped, unanswered.
    expect(await h.nas.acct(acctPairs('Start', { user: 'x' }), { timeoutMs: 300 })).toBeUndefined();
  });

  it('closes a session whose Stop was lost at its last report, freeing the slot', async () => {
    const t = await newToken();
    const cls = await login(t.code, 'aa-bb-cc-dd-ee-01');
    await h.nas.acct(
      acctPairs('Start', { id: 'lost', user: t.code, mac: 'aa-bb-cc-dd-ee-01', cls }),
    );
    h.clock.advance(60_000);
    await h.nas.acct(
      acctPairs('Interim-Update', {
        id: 'lost',
        user: t.code,
        mac: 'aa-bb-cc-dd-ee-01',
        cls,
        time: 60,
      }),
    );
    // The device's slot is taken...
    expect((await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-02')))?.code).toBe(
      RadiusCode.AccessReject,
    );
    // ...until the NAS has been silent for PORTICO_STALE_INTERVALS interim intervals.
    h.clock.advance(h.config.staleAfterIntervals * h.config.interimIntervalSeconds * 1000 + 1000);
    expect(await h.services.cutoff.scan()).toMatchObject({ stale: 1 });
    expect(await session('lost')).toMatchObject({
      status: 'closed',
      stopped_at: (await session('lost'))!.last_seen_at,
      terminate_cause: 'stale',
    });
    expect(await usedMs(t.id)).toBe(60_000);
    expect((await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-02')))?.code).toBe(
      RadiusCode.AccessAccept,
    );
  });

  it('closes every session of a NAS that sends Accounting-On after a reboot', async () => {
    const t = await newToken({ maxDevices: 3 });
    for (const [i, mac] of ['aa-bb-cc-dd-ee-01', 'aa-bb-cc-dd-ee-02'].entries()) {
      const cls = await login(t.code, mac);
      await h.nas.acct(acctPairs('Start', { id: `r${i}`, user: t.code, mac, cls }));
    }
    h.clock.advance(30_000);
    const on = await h.nas.acct(acctPairs('Accounting-On', {}));
    expect(on?.code).toBe(RadiusCode.AccountingResponse);
    expect(await session('r0')).toMatchObject({ status: 'closed', terminate_cause: 'nas-reboot' });
    expect(await session('r1')).toMatchObject({ status: 'closed', terminate_cause: 'nas-reboot' });
    expect((await h.services.sessions.listLive()).total).toBe(0);
    // After the reboot the NAS reuses its Acct-Session-Ids: a new session, not the old one.
    h.clock.advance(10_000);
    const cls = await login(t.code, 'aa-bb-cc-dd-ee-01');
    await h.nas.acct(acctPairs('Start', { id: 'r0', user: t.code, mac: 'aa-bb-cc-dd-ee-01', cls }));
    expect((await h.services.sessions.listLive()).total).toBe(1);
  });

  it('disconnects the second device when the first uses up the minutes of their shared token', async () => {
    const t = await newToken({ minutes: 2, maxDevices: 2 });
    const a = await login(t.code, 'aa-bb-cc-dd-ee-01');
    const b = await login(t.code, 'aa-bb-cc-dd-ee-02');
    await h.nas.acct(
      acctPairs('Start', { id: 'A', user: t.code, mac: 'aa-bb-cc-dd-ee-01', cls: a }),
    );
    h.clock.advance(60_000);
    // Device B comes online a minute later and reports nothing yet.
    await h.nas.acct(
      acctPairs('Start', { id: 'B', user: t.code, mac: 'aa-bb-cc-dd-ee-02', cls: b }),
    );
    h.clock.advance(60_000);
    // A's Interim charges the second minute: the token is used up while B is online.
    const r = await h.nas.acct(
      acctPairs('Interim-Update', {
        id: 'A',
        user: t.code,
        mac: 'aa-bb-cc-dd-ee-01',
        cls: a,
        time: 120,
      }),
    );
    expect(r?.code).toBe(RadiusCode.AccountingResponse);
    await waitUntil(() => h.das.received.length >= 2);
    const targets = h.das.received.map((d) => d.attrs.get('Acct-Session-Id')?.[0]).sort();
    expect(targets).toEqual(['A', 'B']);
    const toB = h.das.received.find((d) => d.attrs.get('Acct-Session-Id')?.[0] === 'B')!;
    expect(toB.code).toBe(RadiusCode.DisconnectRequest);
    expect(toB.attrs.get('User-Name')).toEqual([t.code]);
    expect(toB.attrs.get('Calling-Station-Id')).toEqual(['aa-bb-cc-dd-ee-02']);
    expect(toB.attrs.get('NAS-IP-Address')).toEqual(['10.0.0.1']);
    await waitUntil(async () =>
      (await h.services.sessions.listLive()).sessions.every((s) => s.lastCoa?.state === 'ack'),
    );
    expect((await h.services.sessions.listLive()).sessions.map((s) => s.lastCoa?.kind)).toEqual([
      'disconnect',
      'disconnect',
    ]);
    // The NAS then reports the Stops.
    await h.nas.acct(
      acctPairs('Stop', { id: 'B', user: t.code, mac: 'aa-bb-cc-dd-ee-02', cls: b, time: 60 }),
    );
    expect(await usedMs(t.id)).toBe(120_000);
  });

  it('disconnects a device that went online past a one-device limit without a held slot', async () => {
    const t = await newToken({ maxDevices: 1, whenFull: 'refuse' });
    const a = await login(t.code, 'aa-bb-cc-dd-ee-01');
    await h.nas.acct(
      acctPairs('Start', { id: 'A', user: t.code, mac: 'aa-bb-cc-dd-ee-01', cls: a }),
    );
    // The router let a second device on (its reservation long gone): an Interim, no Start.
    const r = await h.nas.acct(
      acctPairs('Interim-Update', { id: 'B', user: t.code, mac: 'aa-bb-cc-dd-ee-02', time: 60 }),
    );
    expect(r?.code).toBe(RadiusCode.AccountingResponse);
    await waitUntil(() => h.das.received.length >= 1);
    expect(h.das.received.map((d) => [d.code, d.attrs.get('Acct-Session-Id')?.[0]])).toEqual([
      [RadiusCode.DisconnectRequest, 'B'],
    ]);
    expect(await session('B')).toMatchObject({ status: 'live', session_seconds: 60 });
  });

  it('sends a staff Disconnect, records a NAK with its Error-Cause, and a CoA when minutes are added', async () => {
    const t = await newToken({ minutes: 30 });
    const cls = await login(t.code, 'aa-bb-cc-dd-ee-01');
    await h.nas.acct(acctPairs('Start', { id: 'S', user: t.code, mac: 'aa-bb-cc-dd-ee-01', cls }));
    const live = (await h.services.sessions.listLive()).sessions[0]!;

    h.clock.advance(120_000);
    await h.services.tokens.update(t.id, { addMinutes: 30 }, 'staff');
    await waitUntil(() => h.das.received.length === 1);
    expect(h.das.received[0]!.code).toBe(RadiusCode.CoaRequest);
    // 120 s online so far + 58 minutes left = 3600 s from the session start.
    expect(h.das.received[0]!.attrs.get('Session-Timeout')).toEqual([3600]);

    h.das.answer = { kind: 'nak', errorCause: 501 };
    const { jobId } = await h.services.sessions.disconnect(live.id, 'alice', 'staff asked');
    expect(jobId).not.toBeNull();
    expect(await h.services.sessions.waitForJob(jobId!, 5000)).toEqual({
      state: 'nak',
      errorCause: 501,
    });
    expect(await h.services.sessions.get(live.id)).toMatchObject({
      status: 'live',
      lastCoa: { kind: 'disconnect', state: 'nak', errorCause: 501 },
    });
    h.das.answer = { kind: 'ack' };
    const second = await h.services.sessions.disconnect(live.id, 'alice');
    expect(await h.services.sessions.waitForJob(second.jobId!, 5000)).toEqual({ state: 'ack' });
  });
});
