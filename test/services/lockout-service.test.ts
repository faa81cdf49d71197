import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { createLockoutService, policyForKey } from '../../src/services/lockout-service.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { createStore } from '../../src/storage/store.js';

let db: Db;
let clock: ReturnType<typeof fixedClock>;
let lockouts: ReturnType<typeof createLockoutService>;
beforeEach(() => {
  db = openDatabase(':memory:');
  clock = fixedClock(Date.UTC(2026, 11, 3, 9));
  lockouts = createLockoutService({ store: createStore(db), clock });
});
afterEach(() => db.close());

const failTimes = (key: string, n: number) => {
  let last = lockouts.check([key]);
  for (let i = 0; i < n; i++) last = lockouts.recordFailure([key]);
  return last;
};

describe('lockouts', () => {
  it.each([
    ['mac:aa-bb-cc-dd-ee-ff', 5],
    ['staff:alice', 5],
    ['ip:192.0.2.7', 100],
    ['staff-ip:192.0.2.7', 100],
    ['nas:3', 100],
  ])('lets %s fail %i times, then locks it for a minute', (key, free) => {
    expect(failTimes(key, free).locked).toBe(false);
    const locked = lockouts.recordFailure([key]);
    expect(locked).toEqual({ locked: true, retryAfterMs: 60_000, key });
    expect(policyForKey(key, lockouts.policy).freeFailures).toBe(free);
  });

  it('doubles the wait with each further failure, up to the cap', () => {
    const key = 'mac:aa-bb-cc-dd-ee-ff';
    failTimes(key, 5);
    const waits = [1, 2, 3, 4, 5, 6, 7, 8].map(() => lockouts.recordFailure([key]).retryAfterMs);
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60].map((m) => m * 60_000));
  });

  it('forgets failures older than the window and lifts a lock when it ends', () => {
    const key = 'mac:aa-bb-cc-dd-ee-ff';
    failTimes(key, 6);
    expect(lockouts.check([key]).locked).toBe(true);
    clock.advance(60_000);
    expect(lockouts.check([key]).locked).toBe(false);
    clock.advance(15 * 60_000 + 1);
    expect(failTimes(key, 5).locked).toBe(false);
  });

  it('clears on success and when staff clear it (audited)', () => {
    failTimes('mac:aa-bb-cc-dd-ee-ff', 6);
    failTimes('ip:192.0.2.7', 3);
    expect(lockouts.list().map((l) => [l.key, l.locked])).toEqual(
      expect.arrayContaining([
        ['mac:aa-bb-cc-dd-ee-ff', true],
        ['ip:192.0.2.7', false],
      ]),
    );
    expect(lockouts.clear('mac:aa-bb-cc-dd-ee-ff', 'alice')).toBe(true);
    expect(lockouts.check(['mac:aa-bb-cc-dd-ee-ff']).locked).toBe(false);
    expect(
      db.prepare("SELECT actor, target_id FROM audit_log WHERE action = 'lockout.clear'").all(),
    ).toEqual([{ actor: 'alice', target_id: 'mac:aa-bb-cc-dd-ee-ff' }]);
    lockouts.recordSuccess(['ip:192.0.2.7']);
    expect(lockouts.list()).toEqual([]);
  });

  it('checks several keys and reports the longest wait', () => {
    failTimes('mac:aa-bb-cc-dd-ee-ff', 7);
    expect(lockouts.check(['ip:192.0.2.7', 'mac:aa-bb-cc-dd-ee-ff'])).toEqual({
      locked: true,
      retryAfterMs: 120_000,
      key: 'mac:aa-bb-cc-dd-ee-ff',
    });
  });
});
