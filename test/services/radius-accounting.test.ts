import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { normalizeMac, type MacAddress } from '../../src/core/mac.js';
import type { AccountingEvent, AcctStatus } from '../../src/services/accounting-service.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const T0 = Date.UTC(2026, 11, 3, 8, 0);
const config: Config = loadConfig({ PORTICO_TIMEZONE: 'UTC', PORTICO_DB: ':memory:' });
let db: Db;
let s: Services;
let clock: ReturnType<typeof fixedClock>;
let nasId: number;

beforeEach(async () => {
  db = openDatabase(':memory:');
  clock = fixedClock(T0);
  s = createServices({ db, clock, config });
  nasId = (await s.nas.add({ name: 'n1', address: '192.0.2.1', secret: 'secret-123' }, 't')).id;
});
afterEach(() => db.close());

const token = async (input: Record<string, unknown> = {}) =>
  (await s.tokens.create({ minutes: 60, maxDevices: 3, ...input }, 'staff')).tokens[0]!;

/** acct records one Accounting-Request arriving now, in a transaction as the handler does. */
function acct(
  status: AcctStatus,
  f: Partial<AccountingEvent> & { code?: string; device?: string; delay?: number } = {},
) {
  const mac = f.device ? (normalizeMac(f.device) as MacAddress) : null;
  const e: AccountingEvent = {
    status,
    nasId,
    identity: {
      nasId,
      acctSessionId: f.acctSessionId ?? null,
      deviceMac: mac,
      framedIp: null,
      calledStation: null,
      nasPortId: null,
      login: null,
      userName: f.code ?? null,
      nasIpAddress: null,
      nasIdentifier: null,
      callingStationId: f.device ?? null,
    },
    acctSessionId: f.acctSessionId ?? null,
    cls: f.cls ?? null,
    userName: f.code ?? null,
    mac,
    eventAt: clock.now() - (f.delay ?? 0) * 1000,
    receivedAt: clock.now(),
    sessionSeconds: f.sessionSeconds,
    inputOctets: f.inputOctets,
    outputOctets: f.outputOctets,
    terminateCause: f.terminateCause ?? null,
  };
  return s.store.transaction(() => s.accounting.record(e));
}
const used = async (id: number) => (await s.store.tokens.findById(id))!.usedMs;
/** disconnectsOf returns the reasons of the Disconnect jobs queued for a session, in order. */
const disconnectsOf = (acctId: string) =>
  (
    db
      .prepare(
        `SELECT j.reason FROM coa_jobs j JOIN sessions s ON s.id = j.session_id
        WHERE s.acct_session_id = ? AND j.kind = 'disconnect' ORDER BY j.id`,
      )
      .all(acctId) as Array<{ reason: string }>
  ).map((r) => r.reason);
const row = (acctId: string) =>
  db
    .prepare(
      'SELECT status, started_at, last_seen_at, stopped_at, closed_by, terminate_cause FROM sessions WHERE acct_session_id = ? ORDER BY id DESC',
    )
    .get(acctId) as Record<string, unknown>;

describe('accounting rules', () => {
  it('takes an Interim before its Start as the session, and the late Start changes nothing', async () => {
    const t = await token();
    clock.advance(120_000);
    expect(
      (await acct('interim', { acctSessionId: 'x', code: t.code, sessionSeconds: 120 })).result,
    ).toBe('updated');
    // The 120 s it reports are charged: the device was online.
    expect(row('x')).toMatchObject({ status: 'live', started_at: T0, last_seen_at: T0 + 120_000 });
    expect(await used(t.id)).toBe(120_000);
    expect((await acct('start', { acctSessionId: 'x', code: t.code, delay: 120 })).result).toBe(
      'duplicate',
    );
    clock.advance(60_000);
    await acct('interim', { acctSessionId: 'x', code: t.code, sessionSeconds: 180 });
    expect(await used(t.id)).toBe(180_000);
  });

  it('charges two devices online at the same time once (the union)', async () => {
    const t = await token();
    await acct('start', { acctSessionId: 'a', code: t.code, device: 'aa-bb-cc-dd-ee-01' });
    clock.advance(2 * 60_000);
    await acct('start', { acctSessionId: 'b', code: t.code, device: 'aa-bb-cc-dd-ee-02' });
    clock.advance(8 * 60_000);
    await acct('interim', {
      acctSessionId: 'a',
      code: t.code,
      device: 'aa-bb-cc-dd-ee-01',
      sessionSeconds: 600,
    });
    await acct('interim', {
      acctSessionId: 'b',
      code: t.code,
      device: 'aa-bb-cc-dd-ee-02',
      sessionSeconds: 480,
    });
    expect(await used(t.id)).toBe(10 * 60_000);
  });

  it('never moves a session backwards: a reordered older Interim charges nothing', async () => {
    const t = await token();
    await acct('start', { acctSessionId: 'a', code: t.code });
    clock.advance(300_000);
    await acct('interim', {
      acctSessionId: 'a',
      code: t.code,
      sessionSeconds: 300,
      inputOctets: 500,
    });
    await acct('interim', {
      acctSessionId: 'a',
      code: t.code,
      sessionSeconds: 240,
      inputOctets: 400,
      delay: 60,
    });
    expect(await used(t.id)).toBe(300_000);
    expect((await s.store.tokens.findById(t.id))!.usedBytes).toBe(500);
  });

  it('adds Gigawords: octet counters are 64-bit', async () => {
    const t = await token();
    await acct('start', { acctSessionId: 'g', code: t.code });
    clock.advance(60_000);
    await acct('interim', {
      acctSessionId: 'g',
      code: t.code,
      sessionSeconds: 60,
      inputOctets: 3 * 2 ** 32 + 5,
    });
    expect((await s.store.tokens.findById(t.id))!.usedBytes).toBe(3 * 2 ** 32 + 5);
  });

  it('lets a late Stop correct a session the sweeper closed, and an Interim reopen it', async () => {
    const t = await token();
    await acct('start', { acctSessionId: 'a', code: t.code });
    clock.advance(60_000);
    await acct('interim', { acctSessionId: 'a', code: t.code, sessionSeconds: 60 });
    clock.advance(10 * 60_000);
    expect((await s.cutoff.scan()).stale).toBe(1);
    expect(row('a')).toMatchObject({
      status: 'closed',
      closed_by: 'sweeper',
      stopped_at: T0 + 60_000,
    });
    await acct('interim', { acctSessionId: 'a', code: t.code, sessionSeconds: 600 });
    expect(row('a')).toMatchObject({ status: 'live', stopped_at: null });
    await acct('stop', {
      acctSessionId: 'a',
      code: t.code,
      sessionSeconds: 660,
      terminateCause: 'Lost-Carrier',
    });
    expect(row('a')).toMatchObject({
      status: 'closed',
      closed_by: 'nas',
      stopped_at: T0 + 660_000,
    });
    expect(await used(t.id)).toBe(660_000);
  });

  it('closes sessions at their last report on Accounting-On and at the event on Accounting-Off', async () => {
    const t = await token();
    await acct('start', { acctSessionId: 'a', code: t.code });
    clock.advance(60_000);
    await acct('interim', { acctSessionId: 'a', code: t.code, sessionSeconds: 60 });
    clock.advance(30_000);
    expect((await acct('on')).closed).toBe(1);
    expect(row('a')).toMatchObject({
      status: 'closed',
      stopped_at: T0 + 60_000,
      terminate_cause: 'nas-reboot',
    });

    const u = await token();
    await acct('start', { acctSessionId: 'b', code: u.code });
    clock.advance(45_000);
    await acct('off');
    expect(row('b')).toMatchObject({ status: 'closed', stopped_at: clock.now() });
    expect(await used(u.id)).toBe(45_000);
  });

  it('starts a new session when a rebooted NAS reuses an Acct-Session-Id', async () => {
    const t = await token();
    await acct('start', { acctSessionId: '80f00001', code: t.code });
    clock.advance(60_000);
    await acct('stop', { acctSessionId: '80f00001', code: t.code, sessionSeconds: 60 });
    clock.advance(3600_000);
    expect((await acct('start', { acctSessionId: '80f00001', code: t.code })).result).toBe(
      'started',
    );
    expect(
      db.prepare("SELECT COUNT(*) AS n FROM sessions WHERE acct_session_id = '80f00001'").get(),
    ).toEqual({ n: 2 });
    // But a retransmitted Stop of the first one is recognised as such.
    expect(
      (
        await acct('stop', {
          acctSessionId: '80f00001',
          code: t.code,
          sessionSeconds: 60,
          delay: 3600,
        })
      ).result,
    ).toBe('ignored-after-stop');
  });

  it('starts a new session when a NAS rebooted without Accounting-On reuses a live id', async () => {
    // Power cut: no Stop, no Accounting-On. The same device comes back under the same id
    // before the sweeper closed the old session, echoing the Class of that session (a
    // re-authenticating device keeps its slot's Class) or none at all.
    for (const echo of [true, false]) {
      const t = await token();
      const dev = 'aa-bb-cc-dd-ee-01';
      const id = `80f0000${echo ? 1 : 2}`;
      const start = clock.now();
      await acct('start', { acctSessionId: id, code: t.code, device: dev });
      clock.advance(60_000);
      await acct('interim', { acctSessionId: id, code: t.code, device: dev, sessionSeconds: 60 });
      const cls = echo
        ? (db
            .prepare('SELECT class FROM sessions WHERE acct_session_id = ?')
            .pluck()
            .get(id) as string)
        : undefined;
      clock.advance(90_000);
      const again = { acctSessionId: id, code: t.code, device: dev, ...(cls ? { cls } : {}) };
      expect((await acct('start', again)).result).toBe('started');
      clock.advance(120_000);
      await acct('interim', { ...again, sessionSeconds: 120 });
      // 60 s before the reboot and 120 s after it; the 90 s in between were offline.
      expect(await used(t.id)).toBe(180_000);
      expect(row(id)).toMatchObject({ status: 'live', started_at: start + 150_000 });
    }
  });

  it('lets a retransmitted Accounting-On close only the sessions from before the reboot', async () => {
    const t = await token();
    await acct('start', { acctSessionId: 'old', code: t.code });
    clock.advance(60_000);
    await acct('interim', { acctSessionId: 'old', code: t.code, sessionSeconds: 60 });
    clock.advance(60_000);
    // The NAS boots and sends Accounting-On; its answer is lost, a guest logs in at once.
    expect((await acct('on')).closed).toBe(1);
    clock.advance(5_000);
    expect((await acct('start', { acctSessionId: 'new', code: t.code })).result).toBe('started');
    clock.advance(5_000);
    // The retransmission carries a new Identifier and the time it waited.
    expect((await acct('on', { delay: 10 })).closed).toBe(0);
    expect(row('new')).toMatchObject({ status: 'live' });
    clock.advance(50_000);
    await acct('interim', { acctSessionId: 'new', code: t.code, sessionSeconds: 55 });
    expect(await used(t.id)).toBe(60_000 + 55_000);
  });

  it('meters a device whose Start came after its reservation lapsed (CoovaChilli ids)', async () => {
    const t = await token();
    const dev = 'aa-bb-cc-dd-ee-01';
    const mac = normalizeMac(dev) as MacAddress;
    // CoovaChilli sends its Acct-Session-Id in the Access-Request already.
    const a = await s.store.transaction(async () =>
      s.access.admit(
        (await s.store.tokens.findById(t.id))!,
        mac,
        {
          nasId,
          acctSessionId: 'c1',
          deviceMac: mac,
          framedIp: null,
          calledStation: null,
          nasPortId: null,
          login: 'code',
          userName: t.code,
          nasIpAddress: null,
          nasIdentifier: null,
          callingStationId: dev,
        },
        clock.now(),
      ),
    );
    if (!('session' in a)) throw new Error('not admitted');
    clock.advance((config.reservationGraceSeconds + 5) * 1000);
    expect((await s.cutoff.scan()).lapsed).toBe(1);
    // The router did let the device on; its accounting is late but real.
    const c = { acctSessionId: 'c1', code: t.code, device: dev, cls: a.session.class };
    expect((await acct('start', c)).result).toBe('started');
    clock.advance(60_000);
    await acct('interim', { ...c, sessionSeconds: 60 });
    expect(await used(t.id)).toBe(60_000);
    expect(row('c1')).toMatchObject({ status: 'live' });
  });

  it('cuts off a device whose late Start puts a one-device token over its limit (refuse)', async () => {
    const t = await token({ maxDevices: 1, whenFull: 'refuse' });
    const one = { acctSessionId: 'd1', code: t.code, device: 'aa-bb-cc-dd-ee-01' };
    const two = { acctSessionId: 'd2', code: t.code, device: 'aa-bb-cc-dd-ee-02' };
    expect((await acct('start', one)).disconnects).toBe(0);
    expect(disconnectsOf('d1')).toEqual([]);
    // No reservation admitted the second device (it lapsed): it must not stay online.
    const out = await acct('start', two);
    expect(out).toMatchObject({ result: 'started', disconnects: 1 });
    expect(disconnectsOf('d2')).toEqual(['device-limit']);
    expect(disconnectsOf('d1')).toEqual([]);
    // It was online meanwhile: its time is still recorded and charged.
    clock.advance(60_000);
    await acct('interim', { ...two, sessionSeconds: 60 });
    expect(await used(t.id)).toBe(60_000);
  });

  it('asks the oldest device to leave when a late Interim opens a session (replace-oldest)', async () => {
    const t = await token({ maxDevices: 1, whenFull: 'replace-oldest' });
    await acct('start', { acctSessionId: 'd1', code: t.code, device: 'aa-bb-cc-dd-ee-01' });
    clock.advance(60_000);
    const two = { acctSessionId: 'd2', code: t.code, device: 'aa-bb-cc-dd-ee-02' };
    expect((await acct('interim', { ...two, sessionSeconds: 30 })).disconnects).toBe(1);
    expect(disconnectsOf('d1')).toEqual(['replaced-by-new-device']);
    expect(disconnectsOf('d2')).toEqual([]);
    // The same device again (a new Acct-Session-Id) is not a new device.
    expect((await acct('start', { ...two, acctSessionId: 'd3' })).disconnects).toBe(0);
    expect(disconnectsOf('d3')).toEqual([]);
  });

  it('does not charge a MAC binding for a code that no longer exists', async () => {
    const bound = await token();
    const gone = await token();
    const dev = 'aa-bb-cc-dd-ee-01';
    await s.access.bindDevice(bound.id, dev);
    const old = { acctSessionId: 'o1', code: gone.code, device: dev };
    await acct('start', old);
    await s.tokens.remove([gone.id], 'staff');
    // The deleted token's session goes on being metered on it until it is cut off.
    clock.advance(60_000);
    expect((await acct('interim', { ...old, sessionSeconds: 60 })).result).toBe('updated');
    expect(await used(gone.id)).toBe(60_000);
    // A new session under the deleted code is not ours, whatever the device's binding says.
    const fresh = { acctSessionId: 'n1', code: gone.code, device: dev };
    expect((await acct('start', fresh)).result).toBe('unknown');
    clock.advance(60_000);
    expect((await acct('interim', { ...fresh, sessionSeconds: 60 })).result).toBe('unknown');
    expect(await used(bound.id)).toBe(0);
    // MAC authentication (the MAC as User-Name) still finds the binding.
    expect((await acct('start', { acctSessionId: 'm1', code: dev, device: dev })).tokenId).toBe(
      bound.id,
    );
  });

  it('reports when a token runs out so the cut-off scheduler looks at once', async () => {
    const t = await token({ minutes: 1 });
    await acct('start', { acctSessionId: 'a', code: t.code });
    clock.advance(30_000);
    expect(
      (await acct('interim', { acctSessionId: 'a', code: t.code, sessionSeconds: 30 }))
        .limitReached,
    ).toBe(false);
    clock.advance(30_000);
    expect(
      (await acct('interim', { acctSessionId: 'a', code: t.code, sessionSeconds: 60 }))
        .limitReached,
    ).toBe(true);
  });
});
