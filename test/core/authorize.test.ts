import { describe, expect, it } from 'vitest';
import { token } from './token-fixture.js';
import { authorize, excessSlots, type DeviceSlot } from '../../src/core/authorize.js';
import { normalizeMac, type MacAddress } from '../../src/core/mac.js';
import type { Token } from '../../src/core/token.js';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const SEC = 1000;
const MIN = 60_000;
const HOUR = 60 * MIN;

const mac = (s: string): MacAddress => {
  const m = normalizeMac(s);
  if (!m) throw new Error(`bad test MAC ${s}`);
  return m;
};
const A = mac('aa:aa:aa:aa:aa:01');
const B = mac('bb:bb:bb:bb:bb:02');
const C = mac('cc:cc:cc:cc:cc:03');
const D = mac('dd:dd:dd:dd:dd:04');
const slot = (
  m: MacAddress | null,
  since: number,
  sessionId: number | null = null,
): DeviceSlot => ({
  mac: m,
  since,
  sessionId,
});

describe('authorize: rejections', () => {
  it.each<{
    name: string;
    t: Token | undefined;
    slots?: DeviceSlot[];
    used?: number;
    reason: string;
  }>([
    { name: 'an unknown code', t: undefined, reason: 'unknown' },
    { name: 'before valid-from', t: token({ validFrom: NOW + 1 }), reason: 'not-yet-valid' },
    { name: 'exactly at valid-until', t: token({ validUntil: NOW }), reason: 'expired' },
    { name: 'after valid-until', t: token({ validUntil: NOW - HOUR }), reason: 'expired' },
    {
      name: 'after the first-use lifetime',
      t: token({ expiresAfterFirstUseMinutes: 60, firstUsedAt: NOW - HOUR }),
      reason: 'expired',
    },
    { name: 'all minutes used', t: token({ minutes: 60 }), used: HOUR, reason: 'depleted' },
    {
      name: 'the data quota used',
      t: token({ dataQuotaBytes: 1000, usedBytes: 1000 }),
      reason: 'depleted',
    },
    { name: 'a revoked token', t: token({ revokedAt: NOW - MIN }), reason: 'revoked' },
    {
      name: 'revoked wins over a full token',
      t: token({ revokedAt: NOW - MIN }),
      slots: [slot(B, NOW - HOUR)],
      reason: 'revoked',
    },
    {
      name: 'expired wins over a full token',
      t: token({ validUntil: NOW - MIN, whenFull: 'replace-oldest' }),
      slots: [slot(B, NOW - HOUR)],
      reason: 'expired',
    },
    {
      name: 'a one-device token with another device on',
      t: token({}),
      slots: [slot(B, NOW - HOUR, 7)],
      reason: 'device-limit',
    },
    {
      name: 'a two-device token with two other devices on',
      t: token({ maxDevices: 2 }),
      slots: [slot(B, NOW - HOUR, 7), slot(C, NOW - MIN, 8)],
      reason: 'device-limit',
    },
    {
      name: 'a one-device token with a reserved slot (accepted, no Start yet)',
      t: token({}),
      slots: [slot(B, NOW - 2 * SEC, null)],
      reason: 'device-limit',
    },
    {
      name: 'a one-device token held by a device without a MAC',
      t: token({}),
      slots: [slot(null, NOW - HOUR, 7)],
      reason: 'device-limit',
    },
    {
      name: 'less than a second of minutes left',
      t: token({ minutes: 60 }),
      used: HOUR - 999,
      reason: 'depleted',
    },
    {
      name: 'less than a second to valid-until',
      t: token({ validUntil: NOW + 999, minutes: 60 }),
      reason: 'expired',
    },
    {
      name: 'less than a second of first-use lifetime left',
      t: token({ expiresAfterFirstUseMinutes: 60, firstUsedAt: NOW - HOUR + 999 }),
      reason: 'expired',
    },
  ])('refuses $name: $reason', ({ t, slots = [], used = 0, reason }) => {
    expect(authorize(t, slots, used, { mac: A, now: NOW })).toEqual({ ok: false, reason });
  });
});

describe('authorize: Session-Timeout is the seconds to the first limit', () => {
  it.each<{ name: string; t: Token; used?: number; timeout: number | null; limit: string | null }>([
    { name: 'no limits', t: token({}), timeout: null, limit: null },
    {
      name: 'only a data quota',
      t: token({ dataQuotaBytes: 10 ** 9 }),
      timeout: null,
      limit: null,
    },
    { name: 'remaining minutes', t: token({ minutes: 120 }), timeout: 7200, limit: 'minutes' },
    {
      name: 'remaining minutes after some use',
      t: token({ minutes: 120, firstUsedAt: NOW - HOUR }),
      used: 30 * MIN,
      timeout: 5400,
      limit: 'minutes',
    },
    {
      // Live sessions have used 30.5 s since the last interim: the budget ends mid-interval.
      name: 'a budget that hits zero mid-interval',
      t: token({ minutes: 10, firstUsedAt: NOW - HOUR }),
      used: 9 * MIN + 30 * SEC + 500,
      timeout: 29,
      limit: 'minutes',
    },
    {
      name: 'exactly one second of minutes left',
      t: token({ minutes: 60 }),
      used: HOUR - SEC,
      timeout: 1,
      limit: 'minutes',
    },
    {
      name: 'valid-until',
      t: token({ minutes: 120, validUntil: NOW + 45 * MIN }),
      timeout: 2700,
      limit: 'valid-until',
    },
    {
      name: 'valid-until, rounded down',
      t: token({ validUntil: NOW + 10 * MIN + 999 }),
      timeout: 600,
      limit: 'valid-until',
    },
    {
      name: 'first-use expiry after first use',
      t: token({ expiresAfterFirstUseMinutes: 60, minutes: 120, firstUsedAt: NOW - 20 * MIN }),
      timeout: 2400,
      limit: 'first-use',
    },
    {
      name: 'first-use expiry on the first login',
      t: token({ expiresAfterFirstUseMinutes: 1440 }),
      timeout: 86400,
      limit: 'first-use',
    },
    {
      name: 'minutes before first-use expiry and valid-until',
      t: token({
        minutes: 120,
        validUntil: NOW + 3 * HOUR,
        expiresAfterFirstUseMinutes: 1440,
        firstUsedAt: NOW - HOUR,
      }),
      used: 100 * MIN,
      timeout: 1200,
      limit: 'minutes',
    },
  ])('sends $timeout for $name', ({ t, used = 0, timeout, limit }) => {
    expect(authorize(t, [], used, { mac: A, now: NOW })).toEqual({
      ok: true,
      sessionTimeout: timeout,
      limit,
      sameDevice: false,
      evict: [],
    });
  });
});

describe('authorize: devices', () => {
  it.each<{
    name: string;
    t: Token;
    slots: DeviceSlot[];
    request: MacAddress | null;
    sameDevice: boolean;
  }>([
    { name: 'a first device', t: token({}), slots: [], request: A, sameDevice: false },
    {
      name: 'a second device on a two-device token',
      t: token({ maxDevices: 2 }),
      slots: [slot(B, NOW - HOUR, 7)],
      request: A,
      sameDevice: false,
    },
    {
      name: 'the same device re-authenticating on a full one-device token',
      t: token({}),
      slots: [slot(A, NOW - HOUR, 7)],
      request: A,
      sameDevice: true,
    },
    {
      name: 'the same device re-authenticating on a full two-device token',
      t: token({ maxDevices: 2 }),
      slots: [slot(B, NOW - HOUR, 7), slot(A, NOW - MIN, 8)],
      request: A,
      sameDevice: true,
    },
    {
      name: 'the same device re-authenticating on a full replace-oldest token (no eviction)',
      t: token({ whenFull: 'replace-oldest' }),
      slots: [slot(A, NOW - HOUR, 7)],
      request: A,
      sameDevice: true,
    },
    {
      name: 'a device roaming with two sessions counts once',
      t: token({ maxDevices: 2 }),
      slots: [slot(B, NOW - HOUR, 7), slot(B, NOW - MIN, 8)],
      request: A,
      sameDevice: false,
    },
    {
      name: 'a request without a MAC on a token with room',
      t: token({ maxDevices: 2 }),
      slots: [slot(B, NOW - HOUR, 7)],
      request: null,
      sameDevice: false,
    },
  ])('accepts $name', ({ t, slots, request, sameDevice }) => {
    expect(authorize(t, slots, 0, { mac: request, now: NOW })).toEqual({
      ok: true,
      sessionTimeout: null,
      limit: null,
      sameDevice,
      evict: [],
    });
  });

  it('refuses a request without a MAC when a MAC-less device holds the only slot', () => {
    expect(authorize(token({}), [slot(null, NOW - HOUR, 7)], 0, { mac: null, now: NOW })).toEqual({
      ok: false,
      reason: 'device-limit',
    });
  });

  it('treats a slot without a MAC as one device each', () => {
    const slots = [slot(null, NOW - HOUR, 7), slot(null, NOW - MIN, 8)];
    expect(authorize(token({ maxDevices: 2 }), slots, 0, { mac: A, now: NOW })).toEqual({
      ok: false,
      reason: 'device-limit',
    });
  });
});

describe('authorize: replace-oldest', () => {
  const a1 = slot(A, NOW - 3 * HOUR, 1);
  const b1 = slot(B, NOW - 2 * HOUR, 2);
  const a2 = slot(A, NOW - 1 * HOUR, 3);
  const c1 = slot(C, NOW - 30 * MIN, 4);
  const n1 = slot(null, NOW - 4 * HOUR, 5);
  const n2 = slot(null, NOW - 10 * MIN, 6);

  it.each<{ name: string; maxDevices: number; slots: DeviceSlot[]; evict: DeviceSlot[] }>([
    { name: 'the only device of a one-device token', maxDevices: 1, slots: [b1], evict: [b1] },
    {
      name: 'the oldest of two, whatever the order given',
      maxDevices: 2,
      slots: [c1, b1],
      evict: [b1],
    },
    {
      name: 'every slot of the oldest device, oldest first',
      maxDevices: 3,
      slots: [c1, a2, b1, a1],
      evict: [a1, a2],
    },
    {
      name: 'as many devices as needed when the limit was lowered',
      maxDevices: 2,
      slots: [c1, b1, a1],
      evict: [a1, b1],
    },
    {
      name: 'all devices when the limit was lowered to one',
      maxDevices: 1,
      slots: [b1, c1, a1],
      evict: [a1, b1, c1],
    },
    {
      name: 'the older of two devices without a MAC',
      maxDevices: 2,
      slots: [n2, n1],
      evict: [n1],
    },
    {
      name: 'a device without a MAC when it is the oldest',
      maxDevices: 2,
      slots: [b1, n1],
      evict: [n1],
    },
  ])('evicts $name', ({ maxDevices, slots, evict }) => {
    const t = token({ maxDevices, whenFull: 'replace-oldest', minutes: 60 });
    expect(authorize(t, slots, 0, { mac: D, now: NOW })).toEqual({
      ok: true,
      sessionTimeout: 3600,
      limit: 'minutes',
      sameDevice: false,
      evict,
    });
  });

  it('evicts nothing while there is room', () => {
    const t = token({ maxDevices: 3, whenFull: 'replace-oldest' });
    const d = authorize(t, [b1, c1], 0, { mac: D, now: NOW });
    expect(d).toEqual({
      ok: true,
      sessionTimeout: null,
      limit: null,
      sameDevice: false,
      evict: [],
    });
  });
});

describe('excessSlots: devices beyond the limit', () => {
  const a1 = slot(A, NOW - 3 * HOUR, 1);
  const b1 = slot(B, NOW - 2 * HOUR, 2);
  const a2 = slot(A, NOW - 1 * HOUR, 3);
  const c1 = slot(C, NOW - 2 * HOUR, 4);

  it('names none while the devices fit, however many slots one device holds', () => {
    expect(excessSlots(token({ maxDevices: 2 }), [a1, b1, a2])).toEqual([]);
  });

  it('names the oldest devices under replace-oldest, with every slot they hold', () => {
    const t = token({ maxDevices: 1, whenFull: 'replace-oldest' });
    expect(excessSlots(t, [c1, a2, b1, a1])).toEqual([a1, b1, a2]);
  });

  it('names the newest device under refuse; of two that came at once, the later session', () => {
    expect(excessSlots(token({ maxDevices: 2 }), [a1, b1, c1])).toEqual([c1]);
    expect(excessSlots(token({ maxDevices: 1 }), [c1, b1])).toEqual([c1]);
  });
});
