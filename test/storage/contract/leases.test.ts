// The lease repository on either backend: one acquire-or-renew statement decides who holds
// a lease; the holder renews it, others get it only once it has expired or was released.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../../support/test-store.js';

const T0 = Date.UTC(2026, 11, 4, 8, 0);
let t: TestStore;
beforeEach(async () => {
  t = await openTestStore();
});
afterEach(async () => {
  await t.close();
});

describe(`leases (${process.env.TEST_BACKEND ?? 'sqlite'})`, () => {
  it('takes a free lease, renews it for its holder, refuses others until it expires', async () => {
    const { leases } = t.store;
    expect(await leases.find('job')).toBeUndefined();
    expect(await leases.acquire('job', 'a', T0, T0 + 10_000)).toBe(true);
    expect(await leases.find('job')).toEqual({ name: 'job', holder: 'a', expiresAt: T0 + 10_000 });
    expect(await leases.acquire('job', 'b', T0 + 5_000, T0 + 15_000)).toBe(false);
    expect(await leases.acquire('job', 'a', T0 + 5_000, T0 + 15_000)).toBe(true);
    // At the expiry instant it still holds; a millisecond later it is free.
    expect(await leases.acquire('job', 'b', T0 + 15_000, T0 + 25_000)).toBe(false);
    expect(await leases.acquire('job', 'b', T0 + 15_001, T0 + 25_001)).toBe(true);
    expect((await leases.find('job'))?.holder).toBe('b');
    // Another lease is independent.
    expect(await leases.acquire('other', 'a', T0, T0 + 1)).toBe(true);
  });

  it('release gives it up only for its holder', async () => {
    const { leases } = t.store;
    await leases.acquire('job', 'a', T0, T0 + 60_000);
    expect(await leases.release('job', 'b')).toBe(false);
    expect(await leases.acquire('job', 'b', T0, T0 + 60_000)).toBe(false);
    expect(await leases.release('job', 'a')).toBe(true);
    expect(await leases.find('job')).toBeUndefined();
    expect(await leases.acquire('job', 'b', T0, T0 + 60_000)).toBe(true);
  });

  it('of many holders asking for a free lease at once, exactly one gets it', async () => {
    for (let round = 0; round < 20; round++) {
      const got = await Promise.all(
        ['a', 'b', 'c', 'd'].map((h) => t.store.leases.acquire(`race-${round}`, h, T0, T0 + 1000)),
      );
      expect(got.filter(Boolean)).toHaveLength(1);
    }
  });
});
