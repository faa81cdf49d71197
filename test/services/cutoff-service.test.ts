import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { AttributePair } from '../../src/radius/attributes.js';
import type { DasTarget } from '../../src/radius/dynamic-authorization.js';
import { MAX_DISCONNECT_TRIES, RETRY_AFTER_MS } from '../../src/services/cutoff-service.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const T0 = Date.UTC(2026, 11, 3, 8, 0);
const config: Config = loadConfig({ PORTICO_TIMEZONE: 'UTC', PORTICO_DB: ':memory:' });
let db: Db;
let s: Services;
let clock: ReturnType<typeof fixedClock>;
let nasId: number;
type Sent = { kind: 'disconnect' | 'coa'; to: DasTarget; attrs: Map<string, unknown> };
let sent: Sent[];
let answer: { outcome: 'ack' | 'nak' | 'timeout'; errorCause?: number };

beforeEach(async () => {
  db = openDatabase(':memory:');
  clock = fixedClock(T0);
  s = createServices({ db, clock, config });
  nasId = (
    await s.nas.add(
      { name: 'n1', address: '192.0.2.1', secret: 'secret-123', coaPort: 1700, vendor: 'mikrotik' },
      't',
    )
  ).id;
  sent = [];
  answer = { outcome: 'ack' };
  // A fake NAS: the worker's Disconnect/CoA client is a parameter.
  const record = (kind: Sent['kind']) => async (to: DasTarget, pairs: readonly AttributePair[]) => {
    sent.push({ kind, to, attrs: new Map(pairs.map(([k, v]) => [k, v])) });
    return { ...answer, attempts: 1, rttMs: 1 };
  };
  s.cutoff.attach({ sendDisconnect: record('disconnect'), sendCoa: record('coa') });
});
afterEach(() => db.close());

/** online puts a device of a new token online through accounting and returns the token. */
async function online(input: Record<string, unknown>, acctId: string, mac = 'aa-bb-cc-dd-ee-01') {
  const t = (await s.tokens.create({ minutes: 60, maxDevices: 3, ...input }, 'staff')).tokens[0]!;
  await report(t.code, acctId, mac);
  return t;
}

/** identityOf returns what the NAS tells about a device's session. */
const identityOf = (mac: string, acctSessionId: string | null, userName: string | null) => ({
  nasId,
  acctSessionId,
  deviceMac: mac,
  framedIp: '10.5.0.7',
  calledStation: null,
  nasPortId: null,
  login: 'code' as const,
  userName,
  nasIpAddress: '10.0.0.1',
  nasIdentifier: 'hs1',
  callingStationId: mac.toUpperCase(),
});

/** report sends a Start (no seconds) or an Interim-Update (seconds online) for a session. */
async function report(code: string, acctId: string, mac: string, seconds?: number) {
  await s.store.transaction(() =>
    s.accounting.record({
      status: seconds === undefined ? 'start' : 'interim',
      nasId,
      identity: identityOf(mac, acctId, code.toLowerCase()),
      acctSessionId: acctId,
      cls: null,
      userName: code,
      mac: mac as never,
      eventAt: clock.now(),
      receivedAt: clock.now(),
      sessionSeconds: seconds,
      inputOctets: undefined,
      outputOctets: undefined,
      terminateCause: null,
    }),
  );
}
const cut = async () => {
  const r = await s.cutoff.scan();
  await s.cutoff.processJobs();
  return r;
};

describe('cut-off scheduler and worker', () => {
  it('disconnects a revoked token with the session identity the NAS needs', async () => {
    const t = await online({}, 'A1');
    expect((await cut()).disconnects).toBe(0);
    await s.tokens.revoke(t.id, 'staff');
    expect((await cut()).disconnects).toBe(1);
    expect(sent).toHaveLength(1);
    const d = sent[0]!;
    expect(d.kind).toBe('disconnect');
    expect([d.to.address, d.to.port]).toEqual(['192.0.2.1', 1700]);
    expect(Object.fromEntries(d.attrs)).toEqual({
      'User-Name': t.code.toLowerCase(),
      'Acct-Session-Id': 'A1',
      'Calling-Station-Id': 'AA-BB-CC-DD-EE-01',
      'Framed-IP-Address': '10.5.0.7',
      'NAS-IP-Address': '10.0.0.1',
    });
    // Acknowledged: not sent again while the NAS's Stop is on its way.
    expect((await cut()).disconnects).toBe(0);
  });

  it('disconnects when the validity window ends or the projected minutes run out', async () => {
    const w = await online({ validUntil: T0 + 10 * 60_000 }, 'W');
    const m = await online({ minutes: 5 }, 'M', 'aa-bb-cc-dd-ee-02');
    for (let minute = 1; minute <= 4; minute++) {
      clock.advance(60_000);
      await report(w.code, 'W', 'aa-bb-cc-dd-ee-01', minute * 60);
      await report(m.code, 'M', 'aa-bb-cc-dd-ee-02', minute * 60);
    }
    expect((await cut()).disconnects).toBe(0);
    // Four minutes charged and one more online since: projected, the budget is spent.
    clock.advance(60_000);
    expect((await cut()).disconnects).toBe(1);
    expect(sent.map((x) => x.attrs.get('Acct-Session-Id'))).toEqual(['M']);
    for (let minute = 6; minute <= 10; minute++) {
      clock.advance(60_000);
      await report(w.code, 'W', 'aa-bb-cc-dd-ee-01', minute * 60);
    }
    expect((await cut()).disconnects).toBe(1);
    expect(sent.map((x) => x.attrs.get('Acct-Session-Id'))).toEqual(['M', 'W']);
  });

  it(`retries a session the NAS did not end, at most ${MAX_DISCONNECT_TRIES} times`, async () => {
    const t = await online({}, 'R');
    answer = { outcome: 'timeout' };
    await s.tokens.revoke(t.id, 'staff');
    await cut();
    expect((await s.sessions.listLive()).sessions[0]!.lastCoa).toMatchObject({ state: 'timeout' });
    expect((await cut()).disconnects).toBe(0);
    for (let i = 1; i < MAX_DISCONNECT_TRIES + 2; i++) {
      clock.advance(RETRY_AFTER_MS);
      await cut();
    }
    expect(sent).toHaveLength(MAX_DISCONNECT_TRIES);
  });

  it('closes a session the NAS says it does not have (Error-Cause 503)', async () => {
    const t = await online({}, 'G');
    answer = { outcome: 'nak', errorCause: 503 };
    await s.tokens.remove([t.id], 'staff');
    await cut();
    expect((await s.sessions.listLive()).total).toBe(0);
    expect((await s.sessions.history({ tokenId: t.id })).sessions[0]).toMatchObject({
      status: 'closed',
      terminateCause: 'session-not-found',
    });
  });

  it('sends a CoA with the new Session-Timeout and rate limit when staff change the token', async () => {
    const t = await online({ minutes: 30 }, 'C');
    clock.advance(10 * 60_000);
    await report(t.code, 'C', 'aa-bb-cc-dd-ee-01', 600);
    await s.tokens.update(t.id, { addMinutes: 30, rateDownKbps: 2000 }, 'staff');
    await s.cutoff.processJobs();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.kind).toBe('coa');
    // 10 minutes online + 50 left = 3600 s counted from the start of the session.
    expect(sent[0]!.attrs.get('Session-Timeout')).toBe(3600);
    expect(sent[0]!.attrs.get('Mikrotik-Rate-Limit')).toBe('0k/2000k');
    // A description change reaches no router.
    await s.tokens.update(t.id, { description: 'desk 4' }, 'staff');
    await s.cutoff.processJobs();
    expect(sent).toHaveLength(1);
  });

  it('closes a silent session after several of its own interim intervals, not the new setting', async () => {
    const t = await online({ maxDevices: 1 }, 'I');
    // The router was told 300 s in the Access-Accept; staff have since set 60 s.
    db.prepare("UPDATE sessions SET interim_interval = 300 WHERE acct_session_id = 'I'").run();
    clock.advance(4 * 60_000);
    expect((await cut()).stale).toBe(0);
    expect((await s.access.evaluate(t.code, 'aa-bb-cc-dd-ee-02')).decision).toMatchObject({
      ok: false,
      reason: 'device-limit',
    });
    clock.advance(12 * 60_000);
    expect((await cut()).stale).toBe(1);
  });

  it('retries evicting the oldest device when the NAS refused to end it (replace-oldest)', async () => {
    const t = await online({ maxDevices: 1, whenFull: 'replace-oldest' }, 'OLD');
    answer = { outcome: 'nak', errorCause: 506 };
    // A second device is admitted: the first is asked to leave, and the NAS says no.
    const a = await s.store.transaction(async () =>
      s.access.admit(
        (await s.store.tokens.findById(t.id))!,
        'aa-bb-cc-dd-ee-02' as never,
        identityOf('aa-bb-cc-dd-ee-02', null, null),
        clock.now(),
      ),
    );
    expect(a).toMatchObject({ evictionJobs: [expect.any(Number)] });
    await s.cutoff.processJobs();
    await report(t.code, 'NEW', 'aa-bb-cc-dd-ee-02');
    expect((await s.sessions.listLive()).total).toBe(2);
    for (let i = 0; i < MAX_DISCONNECT_TRIES + 2; i++) {
      clock.advance(RETRY_AFTER_MS);
      await cut();
    }
    // Both were online on a one-device token: the old one is asked again, a bounded number of times.
    expect(sent.map((x) => x.attrs.get('Acct-Session-Id'))).toEqual(
      Array(MAX_DISCONNECT_TRIES).fill('OLD'),
    );
  });

  it('retries cutting off the newest device over a refuse limit until the NAS ends it', async () => {
    const t = await online({ maxDevices: 1, whenFull: 'refuse' }, 'FIRST');
    answer = { outcome: 'timeout' };
    // Its reservation had lapsed; accounting queued a Disconnect the NAS did not answer.
    await report(t.code, 'LATE', 'aa-bb-cc-dd-ee-02');
    await s.cutoff.processJobs();
    // Not again while the next try is not due, nor while one is queued.
    expect((await cut()).disconnects).toBe(0);
    clock.advance(RETRY_AFTER_MS);
    answer = { outcome: 'ack' };
    expect((await s.cutoff.scan()).disconnects).toBe(1);
    expect((await s.cutoff.scan()).disconnects).toBe(0);
    await s.cutoff.processJobs();
    clock.advance(RETRY_AFTER_MS);
    expect((await cut()).disconnects).toBe(0);
    expect(sent.map((x) => x.attrs.get('Acct-Session-Id'))).toEqual(['LATE', 'LATE']);
  });

  it('closes lapsed reservations, freeing their slots', async () => {
    const t = (await s.tokens.create({ minutes: 60 }, 'staff')).tokens[0]!;
    const ev = await s.access.evaluate(t.code, 'aa-bb-cc-dd-ee-01');
    expect(ev.decision.ok).toBe(true);
    await s.store.transaction(async () =>
      s.access.admit(
        (await s.store.tokens.findById(t.id))!,
        'aa-bb-cc-dd-ee-01' as never,
        {
          nasId,
          acctSessionId: null,
          deviceMac: 'aa-bb-cc-dd-ee-01',
          framedIp: null,
          calledStation: null,
          nasPortId: null,
          login: 'code',
          userName: null,
          nasIpAddress: null,
          nasIdentifier: null,
          callingStationId: null,
        },
        clock.now(),
      ),
    );
    expect((await s.access.evaluate(t.code, 'aa-bb-cc-dd-ee-02')).decision).toEqual({
      ok: false,
      reason: 'device-limit',
    });
    clock.advance(config.reservationGraceSeconds * 1000);
    expect((await cut()).lapsed).toBe(1);
    expect((await s.access.evaluate(t.code, 'aa-bb-cc-dd-ee-02')).decision.ok).toBe(true);
  });
});
