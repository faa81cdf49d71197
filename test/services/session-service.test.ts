import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { normalizeMac, type MacAddress } from '../../src/core/mac.js';
import { createServices, type Services } from '../../src/services/services.js';
import type { SessionIdentity } from '../../src/storage/session-repo.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const T0 = Date.UTC(2026, 11, 3, 8, 0);
const config: Config = loadConfig({ PORTICO_TIMEZONE: 'UTC', PORTICO_DB: ':memory:' });
let db: Db;
let s: Services;
let clock: ReturnType<typeof fixedClock>;

beforeEach(() => {
  db = openDatabase(':memory:');
  clock = fixedClock(T0);
  s = createServices({ db, clock, config });
});
afterEach(() => db.close());

const mac = (m: string) => normalizeMac(m) as MacAddress;
const identity = (m: string | null): SessionIdentity => ({
  nasId: null,
  acctSessionId: null,
  deviceMac: m,
  framedIp: null,
  calledStation: null,
  nasPortId: null,
  login: 'code',
  userName: null,
  nasIpAddress: null,
  nasIdentifier: null,
  callingStationId: m,
});
const token = async (input: Record<string, unknown> = {}) =>
  (await s.store.tokens.findById(
    (await s.tokens.create({ minutes: 60, ...input }, 'staff')).tokens[0]!.id,
  ))!;
const admit = (t: Awaited<ReturnType<typeof token>>, m: string | null) =>
  s.store.transaction(async () =>
    s.access.admit(
      (await s.store.tokens.findById(t.id))!,
      m ? mac(m) : null,
      identity(m),
      clock.now(),
    ),
  );

describe('admitting devices', () => {
  it('reserves a slot, lets the same device back in on it, and refuses a second device', async () => {
    const t = await token();
    const a = await admit(t, 'aa-bb-cc-dd-ee-01');
    expect(a.decision.ok).toBe(true);
    if (!('session' in a)) throw new Error('expected a session');
    expect(a.session.status).toBe('reserved');
    expect(a.session.class).toMatch(/^portico:/);
    expect(a.decision.sessionTimeout).toBe(3600);

    clock.advance(30_000);
    const again = await admit(t, 'AA:BB:CC:DD:EE:01');
    if (!('session' in again)) throw new Error('expected the same slot');
    expect(again.session.id).toBe(a.session.id);

    const other = await admit(t, 'aa-bb-cc-dd-ee-02');
    expect(other.decision).toEqual({ ok: false, reason: 'device-limit' });
  });

  it('frees the slot when the reservation lapses', async () => {
    const t = await token();
    await admit(t, 'aa-bb-cc-dd-ee-01');
    clock.advance(config.reservationGraceSeconds * 1000 + 1);
    expect((await admit(t, 'aa-bb-cc-dd-ee-02')).decision.ok).toBe(true);
  });

  it('evaluates without reserving anything', async () => {
    const t = await token();
    const e = await s.access.evaluate(t.code.toLowerCase(), 'aa:bb:cc:dd:ee:01');
    expect(e.decision.ok).toBe(true);
    expect(e.token?.id).toBe(t.id);
    expect(await s.store.sessions.slotsOf(t.id, clock.now())).toHaveLength(0);
    expect((await s.access.evaluate('NOPE-NOPE', null)).decision).toEqual({
      ok: false,
      reason: 'unknown',
    });
  });
});

describe('session views', () => {
  it('lists devices and signs one out, releasing its reservation and binding', async () => {
    const t = await token({ maxDevices: 2 });
    await admit(t, 'aa-bb-cc-dd-ee-01');
    await s.access.bindDevice(t.id, 'AABB.CCDD.EE02');
    const devices = await s.sessions.devicesOfToken(t.id);
    expect(devices.map((d) => [d.mac, d.status])).toEqual([
      ['aa-bb-cc-dd-ee-01', 'reserved'],
      ['aa-bb-cc-dd-ee-02', 'bound'],
    ]);
    expect(await s.sessions.signOutDevice(t.id, 'aa-bb-cc-dd-ee-01', 'guest')).toEqual({
      jobIds: [],
    });
    await s.sessions.signOutDevice(t.id, 'aa-bb-cc-dd-ee-02', 'guest');
    expect(await s.sessions.devicesOfToken(t.id)).toEqual([]);
    expect((await s.sessions.listLive()).total).toBe(0);
  });
});
