import { describe, expect, it } from 'vitest';
import { token } from './token-fixture.js';
import {
  deriveState,
  firstUseDeadline,
  isLowBalance,
  minutesLeftOf,
  remainingMs,
  timeLeft,
  type Token,
  type TokenState,
} from '../../src/core/token.js';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('firstUseDeadline', () => {
  it.each([
    { name: 'no lifetime', t: token({ firstUsedAt: NOW }), deadline: null },
    { name: 'never used', t: token({ expiresAfterFirstUseMinutes: 60 }), deadline: null },
    {
      name: 'a day pass used at NOW',
      t: token({ expiresAfterFirstUseMinutes: 1440, firstUsedAt: NOW }),
      deadline: NOW + 24 * HOUR,
    },
  ])('returns $deadline for $name', ({ t, deadline }) => {
    expect(firstUseDeadline(t)).toBe(deadline);
  });
});

describe('minutesLeftOf', () => {
  it.each([
    { left: 60 * MIN, minutes: 60 },
    { left: 60 * MIN - 1000, minutes: 60 },
    { left: 59 * MIN, minutes: 59 },
    { left: 30_000, minutes: 1 },
    { left: 0, minutes: 0 },
  ])('rounds $left ms up to $minutes', ({ left, minutes }) => {
    expect(minutesLeftOf(left)).toBe(minutes);
  });
});

describe('remainingMs', () => {
  it.each([
    { name: 'unlimited minutes', minutes: null, used: 5 * HOUR, left: null },
    { name: 'nothing used', minutes: 120, used: 0, left: 120 * MIN },
    { name: 'part used', minutes: 120, used: 30 * MIN + 500, left: 90 * MIN - 500 },
    { name: 'all used', minutes: 120, used: 120 * MIN, left: 0 },
    { name: 'more than all used', minutes: 120, used: 121 * MIN, left: 0 },
    { name: 'under a second left', minutes: 2, used: 119_800, left: 0 },
    { name: 'exactly a second left', minutes: 2, used: 119_000, left: 1000 },
  ])('returns $left for $name', ({ minutes, used, left }) => {
    expect(remainingMs(token({ minutes }), used)).toBe(left);
  });
});

describe('isLowBalance', () => {
  it.each([
    { name: 'unlimited minutes', minutes: null, used: 5 * HOUR, low: false },
    { name: '60 min, 6 min left', minutes: 60, used: 54 * MIN, low: false },
    { name: '60 min, just under 6 min left (10 %)', minutes: 60, used: 54 * MIN + 1, low: true },
    { name: '600 min, 60 min left', minutes: 600, used: 540 * MIN, low: false },
    { name: '600 min, just under 60 min left', minutes: 600, used: 540 * MIN + 1, low: true },
    { name: '30 min, 5 min left', minutes: 30, used: 25 * MIN, low: false },
    { name: '30 min, just under 5 min left', minutes: 30, used: 25 * MIN + 1, low: true },
    { name: '3 min, nothing used', minutes: 3, used: 0, low: true },
    { name: 'used up', minutes: 60, used: 60 * MIN, low: false },
  ])('is $low for $name', ({ minutes, used, low }) => {
    expect(isLowBalance(token({ minutes }), used)).toBe(low);
  });
});

describe('deriveState', () => {
  it.each<{ name: string; t: Token; used?: number; online?: number; state: TokenState }>([
    { name: 'a fresh token', t: token({}), state: 'unused' },
    {
      name: 'a fresh token with limits',
      t: token({ minutes: 60, validUntil: NOW + HOUR }),
      state: 'unused',
    },
    { name: 'a used token, no device on', t: token({ firstUsedAt: NOW - HOUR }), state: 'active' },
    {
      name: 'a used token with time left',
      t: token({ minutes: 60, firstUsedAt: NOW - HOUR }),
      used: 30 * MIN,
      state: 'active',
    },
    { name: 'a device on', t: token({ firstUsedAt: NOW - HOUR }), online: 1, state: 'online' },
    {
      name: 'two devices on',
      t: token({ firstUsedAt: NOW - HOUR, maxDevices: 2 }),
      online: 2,
      state: 'online',
    },
    { name: 'revoked', t: token({ revokedAt: NOW - 1 }), state: 'revoked' },
    // valid-from
    { name: 'one ms before valid-from', t: token({ validFrom: NOW + 1 }), state: 'scheduled' },
    { name: 'exactly at valid-from', t: token({ validFrom: NOW }), state: 'unused' },
    // valid-until
    { name: 'exactly at valid-until', t: token({ validUntil: NOW }), state: 'expired' },
    { name: 'one ms before valid-until', t: token({ validUntil: NOW + 1 }), state: 'unused' },
    { name: 'after valid-until', t: token({ validUntil: NOW - HOUR }), state: 'expired' },
    // first-use lifetime
    {
      name: 'exactly at the end of the first-use lifetime',
      t: token({ expiresAfterFirstUseMinutes: 60, firstUsedAt: NOW - HOUR }),
      state: 'expired',
    },
    {
      name: 'one ms before the end of the first-use lifetime',
      t: token({ expiresAfterFirstUseMinutes: 60, firstUsedAt: NOW - HOUR + 1 }),
      state: 'active',
    },
    {
      name: 'a first-use lifetime never started',
      t: token({ expiresAfterFirstUseMinutes: 60 }),
      state: 'unused',
    },
    // minutes
    {
      name: 'exactly at the minutes budget',
      t: token({ minutes: 60, firstUsedAt: NOW - HOUR }),
      used: HOUR,
      state: 'depleted',
    },
    {
      name: 'one second left of the minutes budget',
      t: token({ minutes: 60, firstUsedAt: NOW - HOUR }),
      used: HOUR - 1000,
      state: 'active',
    },
    {
      // RADIUS refuses it (no whole-second Session-Timeout), so every page says so too.
      name: 'under a second left of the minutes budget (2 minutes charged 119.8 s)',
      t: token({ minutes: 2, firstUsedAt: NOW - HOUR }),
      used: 119_800,
      state: 'depleted',
    },
    {
      name: 'over the minutes budget',
      t: token({ minutes: 60, firstUsedAt: NOW - HOUR }),
      used: 2 * HOUR,
      state: 'depleted',
    },
    { name: 'a zero-minute budget', t: token({ minutes: 0 }), state: 'depleted' },
    // data
    {
      name: 'exactly at the data quota',
      t: token({ dataQuotaBytes: 1_000_000, usedBytes: 1_000_000, firstUsedAt: NOW - HOUR }),
      state: 'depleted',
    },
    {
      name: 'one byte under the data quota',
      t: token({ dataQuotaBytes: 1_000_000, usedBytes: 999_999, firstUsedAt: NOW - HOUR }),
      state: 'active',
    },
    // the usage passed in counts, not the token's own usedMs
    {
      name: 'unreported time of live sessions reaching the budget',
      t: token({ minutes: 60, usedMs: 50 * MIN, firstUsedAt: NOW - HOUR }),
      used: 60 * MIN,
      online: 1,
      state: 'depleted',
    },
  ])('is $state for $name', ({ t, used = 0, online = 0, state }) => {
    expect(deriveState(t, used, online, NOW)).toBe(state);
  });

  describe('precedence: revoked > scheduled > expired > depleted > online > active > unused', () => {
    it.each<{ name: string; t: Token; used?: number; online?: number; state: TokenState }>([
      {
        name: 'revoked over scheduled',
        t: token({ revokedAt: NOW - HOUR, validFrom: NOW + HOUR }),
        state: 'revoked',
      },
      {
        name: 'revoked over expired, depleted and online',
        t: token({
          revokedAt: NOW - HOUR,
          validUntil: NOW - 1,
          minutes: 10,
          firstUsedAt: NOW - HOUR,
        }),
        used: HOUR,
        online: 1,
        state: 'revoked',
      },
      {
        name: 'scheduled over expired',
        t: token({ validFrom: NOW + 1, validUntil: NOW }),
        state: 'scheduled',
      },
      {
        name: 'scheduled over depleted',
        t: token({ validFrom: NOW + HOUR, minutes: 0 }),
        state: 'scheduled',
      },
      {
        name: 'expired (valid-until) over depleted',
        t: token({ validUntil: NOW, minutes: 10, firstUsedAt: NOW - HOUR }),
        used: HOUR,
        state: 'expired',
      },
      {
        name: 'expired (first use) over depleted',
        t: token({ expiresAfterFirstUseMinutes: 30, minutes: 10, firstUsedAt: NOW - HOUR }),
        used: HOUR,
        state: 'expired',
      },
      {
        name: 'expired over online',
        t: token({ validUntil: NOW, firstUsedAt: NOW - HOUR }),
        online: 1,
        state: 'expired',
      },
      {
        name: 'depleted (minutes) over online',
        t: token({ minutes: 10, firstUsedAt: NOW - HOUR }),
        used: 10 * MIN,
        online: 2,
        state: 'depleted',
      },
      {
        name: 'depleted (data) over online',
        t: token({ dataQuotaBytes: 500, usedBytes: 600, firstUsedAt: NOW - HOUR }),
        online: 1,
        state: 'depleted',
      },
      {
        name: 'online over active',
        t: token({ firstUsedAt: NOW - HOUR }),
        online: 1,
        state: 'online',
      },
      { name: 'active over unused', t: token({ firstUsedAt: NOW }), state: 'active' },
    ])('$name', ({ t, used = 0, online = 0, state }) => {
      expect(deriveState(t, used, online, NOW)).toBe(state);
    });
  });
});

describe('timeLeft', () => {
  it.each<{ name: string; t: Token; used?: number; ms: number | null; limit: string | null }>([
    { name: 'no limits', t: token({}), ms: null, limit: null },
    { name: 'only a data quota', t: token({ dataQuotaBytes: 1000 }), ms: null, limit: null },
    { name: 'minutes, nothing used', t: token({ minutes: 120 }), ms: 120 * MIN, limit: 'minutes' },
    {
      name: 'minutes, part used',
      t: token({ minutes: 120 }),
      used: 30 * MIN + 500,
      ms: 90 * MIN - 500,
      limit: 'minutes',
    },
    {
      name: 'minutes, all used',
      t: token({ minutes: 120 }),
      used: 120 * MIN,
      ms: 0,
      limit: 'minutes',
    },
    {
      name: 'valid-until',
      t: token({ validUntil: NOW + 45 * MIN }),
      ms: 45 * MIN,
      limit: 'valid-until',
    },
    {
      name: 'valid-until passed',
      t: token({ validUntil: NOW - MIN }),
      ms: 0,
      limit: 'valid-until',
    },
    {
      name: 'valid-until before the minutes run out',
      t: token({ minutes: 120, validUntil: NOW + 45 * MIN }),
      ms: 45 * MIN,
      limit: 'valid-until',
    },
    {
      name: 'minutes before valid-until',
      t: token({ minutes: 120, validUntil: NOW + 3 * HOUR }),
      used: 100 * MIN,
      ms: 20 * MIN,
      limit: 'minutes',
    },
    {
      name: 'first use, used 20 minutes ago',
      t: token({ expiresAfterFirstUseMinutes: 60, firstUsedAt: NOW - 20 * MIN }),
      ms: 40 * MIN,
      limit: 'first-use',
    },
    {
      name: 'first use, never used: counted from now',
      t: token({ expiresAfterFirstUseMinutes: 60 }),
      ms: 60 * MIN,
      limit: 'first-use',
    },
    {
      name: 'first use, never used, before the minutes',
      t: token({ expiresAfterFirstUseMinutes: 60, minutes: 120 }),
      ms: 60 * MIN,
      limit: 'first-use',
    },
    {
      name: 'minutes before a first use never started',
      t: token({ expiresAfterFirstUseMinutes: 1440, minutes: 30 }),
      ms: 30 * MIN,
      limit: 'minutes',
    },
    {
      name: 'first use first of three limits',
      t: token({
        minutes: 120,
        validUntil: NOW + 2 * HOUR,
        expiresAfterFirstUseMinutes: 90,
        firstUsedAt: NOW - 30 * MIN,
      }),
      used: 10 * MIN,
      ms: 60 * MIN,
      limit: 'first-use',
    },
    {
      name: 'minutes first of three limits',
      t: token({
        minutes: 120,
        validUntil: NOW + 2 * HOUR,
        expiresAfterFirstUseMinutes: 1440,
        firstUsedAt: NOW - 30 * MIN,
      }),
      used: 110 * MIN,
      ms: 10 * MIN,
      limit: 'minutes',
    },
    {
      name: 'valid-until first of three limits',
      t: token({
        minutes: 120,
        validUntil: NOW + 5 * MIN,
        expiresAfterFirstUseMinutes: 1440,
        firstUsedAt: NOW - 30 * MIN,
      }),
      used: 10 * MIN,
      ms: 5 * MIN,
      limit: 'valid-until',
    },
  ])('gives $ms ms ($limit) for $name', ({ t, used = 0, ms, limit }) => {
    expect(timeLeft(t, used, NOW)).toEqual({ ms, limit });
  });
});
