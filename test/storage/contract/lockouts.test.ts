// The lockout repository's contract, on the backend under test and against SQLite.

import { describe, expect, it } from 'vitest';
import type { LockoutRecord } from '../../../src/storage/lockout-repo.js';
import { onBothBackends, T0 } from './mirror.js';

const rec = (key: string, lastFailedAt: number, lockedUntil: number | null): LockoutRecord => ({
  key,
  failures: 3,
  firstFailedAt: lastFailedAt - 10,
  lastFailedAt,
  lockedUntil,
});

describe('lockouts', () => {
  it('puts, replaces, gets, lists recent and removes records', async () => {
    const out = await onBothBackends(async (s) => {
      await s.lockouts.put(rec('ip:192.0.2.7', T0, null));
      await s.lockouts.put({ ...rec('ip:192.0.2.7', T0 + 5, T0 + 60_000), failures: 5 });
      await s.lockouts.put(rec('mac:aa-bb', T0 - 100_000, T0 + 1));
      await s.lockouts.put(rec('staff:alice', T0 - 200_000, null));
      await s.lockouts.put(rec('staff-ip:192.0.2.9', T0 + 1, null));
      return {
        got: await s.lockouts.get('ip:192.0.2.7'),
        none: await s.lockouts.get('ip:198.51.100.1'),
        recent: (await s.lockouts.listRecent(T0, T0 - 1000)).map((r) => r.key),
        limited: (await s.lockouts.listRecent(T0, T0 - 1000, 1)).map((r) => r.key),
        count: await s.lockouts.count(),
        removed: await s.lockouts.remove('staff:alice'),
        again: await s.lockouts.remove('staff:alice'),
        after: await s.lockouts.count(),
      };
    });
    expect(out.got).toEqual({
      key: 'ip:192.0.2.7',
      failures: 5,
      firstFailedAt: T0 - 5,
      lastFailedAt: T0 + 5,
      lockedUntil: T0 + 60_000,
    });
    expect(out.none).toBeUndefined();
    // Newest failure first; a running lockout counts however old its last failure.
    expect(out.recent).toEqual(['ip:192.0.2.7', 'staff-ip:192.0.2.9', 'mac:aa-bb']);
    expect(out.limited).toEqual(['ip:192.0.2.7']);
    expect([out.count, out.removed, out.again, out.after]).toEqual([4, true, false, 3]);
  });

  it('purges old records and trims the least recent, never a running lockout', async () => {
    const out = await onBothBackends(async (s) => {
      await s.lockouts.put(rec('a', T0 - 300, null));
      await s.lockouts.put(rec('b', T0 - 200, T0 + 1000));
      await s.lockouts.put(rec('c', T0 - 100, T0 - 1));
      await s.lockouts.put(rec('d', T0 - 50, null));
      await s.lockouts.put(rec('e', T0 - 10, null));
      const purged = await s.lockouts.purgeOlderThan(T0 - 60, T0);
      const afterPurge = (await s.lockouts.listRecent(T0, 0)).map((r) => r.key);
      const trimmed = await s.lockouts.trimOldest(1, T0);
      const afterTrim = (await s.lockouts.listRecent(T0, 0)).map((r) => r.key);
      const trimmedAll = await s.lockouts.trimOldest(10, T0);
      return {
        purged,
        afterPurge,
        trimmed,
        afterTrim,
        trimmedAll,
        left: (await s.lockouts.listRecent(T0, 0)).map((r) => r.key),
      };
    });
    expect(out).toEqual({
      purged: 2,
      afterPurge: ['e', 'd', 'b'],
      trimmed: 1,
      afterTrim: ['e', 'b'],
      trimmedAll: 1,
      left: ['b'],
    });
  });
});
