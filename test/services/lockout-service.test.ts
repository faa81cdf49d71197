import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import {
  createLockoutService,
  GUESS_BUDGET,
  MAX_WRONG_PER_WINDOW,
  policyForKey,
} from '../../src/services/lockout-service.js';
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

const failTimes = async (key: string, n: number) => {
  let last = await lockouts.check([key]);
  for (let i = 0; i < n; i++) last = await lockouts.recordFailure([key]);
  return last;
};

describe('lockouts', () => {
  it.each([
    ['mac:aa-bb-cc-dd-ee-ff', 5],
    ['staff:alice', 5],
    ['staff-ip:192.0.2.7', 100],
  ])('lets %s fail %i times, then locks it for a minute', async (key, free) => {
    expect((await failTimes(key, free)).locked).toBe(false);
    const locked = await lockouts.recordFailure([key]);
    expect(locked).toEqual({ locked: true, retryAfterMs: 60_000, key });
    expect(policyForKey(key, lockouts.policy).freeFailures).toBe(free);
  });

  it('doubles the wait with each further failure, up to the cap', async () => {
    const key = 'mac:aa-bb-cc-dd-ee-ff';
    await failTimes(key, 5);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) waits.push((await lockouts.recordFailure([key])).retryAfterMs);
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60].map((m) => m * 60_000));
  });

  it('forgets failures older than the window and lifts a lock when it ends', async () => {
    const key = 'mac:aa-bb-cc-dd-ee-ff';
    await failTimes(key, 6);
    expect((await lockouts.check([key])).locked).toBe(true);
    clock.advance(60_000);
    expect((await lockouts.check([key])).locked).toBe(false);
    clock.advance(15 * 60_000 + 1);
    expect((await failTimes(key, 5)).locked).toBe(false);
  });

  it('clears on success and when staff clear it (audited)', async () => {
    await failTimes('mac:aa-bb-cc-dd-ee-ff', 6);
    await failTimes('ip:192.0.2.7', 3);
    expect((await lockouts.list()).map((l) => [l.key, l.locked])).toEqual(
      expect.arrayContaining([
        ['mac:aa-bb-cc-dd-ee-ff', true],
        ['ip:192.0.2.7', false],
      ]),
    );
    expect(await lockouts.clear('mac:aa-bb-cc-dd-ee-ff', 'alice')).toBe(true);
    expect((await lockouts.check(['mac:aa-bb-cc-dd-ee-ff'])).locked).toBe(false);
    expect(
      db.prepare("SELECT actor, target_id FROM audit_log WHERE action = 'lockout.clear'").all(),
    ).toEqual([{ actor: 'alice', target_id: 'mac:aa-bb-cc-dd-ee-ff' }]);
    await lockouts.recordSuccess(['ip:192.0.2.7']);
    expect(await lockouts.list()).toEqual([]);
  });

  it('checks several keys and reports the longest wait', async () => {
    await failTimes('mac:aa-bb-cc-dd-ee-ff', 7);
    expect(await lockouts.check(['ip:192.0.2.7', 'mac:aa-bb-cc-dd-ee-ff'])).toEqual({
      locked: true,
      retryAfterMs: 120_000,
      key: 'mac:aa-bb-cc-dd-ee-ff',
    });
  });
});

describe('shared keys (address, router): a budget, never a lock on correct codes', () => {
  const B = GUESS_BUDGET;
  const dev = (i: number) =>
    `mac:02-00-00-00-${(i >> 8).toString(16).padStart(2, '0')}-${(i & 0xff)
      .toString(16)
      .padStart(2, '0')}`;

  /**
   * attack makes one attempt every `stepMs` for `ms` through the shared key, each from the
   * device `deviceOf(i)`, all wrong, and returns how many were checked (not refused).
   */
  const attack = async (
    shared: string,
    ms: number,
    stepMs: number,
    deviceOf: (i: number) => string,
  ) => {
    let checked = 0;
    for (let i = 0, t = 0; t < ms; i++, t += stepMs) {
      const device = deviceOf(i);
      if (!(await lockouts.check([device, shared], device)).locked) {
        await lockouts.recordFailure([device, shared], device);
        checked++;
      }
      clock.advance(stepMs);
    }
    return checked;
  };

  it.each(['ip:192.0.2.7', 'nas:3'])(
    '%s: past its free budget a clean device is still checked, others wait for a slot',
    async (key) => {
      for (let i = 0; i < B.free; i++)
        expect((await lockouts.recordFailure([dev(i), key], dev(i))).locked).toBe(false);
      // A device may still guess wrong twice; its next wrong code uses the key's slot...
      const guesser = dev(1000);
      for (let i = 0; i < B.deviceTries + 1; i++) {
        expect((await lockouts.check([guesser, key], guesser)).locked).toBe(false);
        await lockouts.recordFailure([guesser, key], guesser);
      }
      // ...so it waits for the next one.
      expect(await lockouts.check([guesser, key], guesser)).toEqual({
        locked: true,
        retryAfterMs: B.slotMs,
        key,
      });
      // ...and no device at all (an address alone) waits too; a new device does not.
      expect((await lockouts.check([key])).locked).toBe(true);
      expect((await lockouts.check([dev(2000), key], dev(2000))).locked).toBe(false);
      clock.advance(B.slotMs);
      expect((await lockouts.check([key])).locked).toBe(false);
    },
  );

  it('holds a guesser with one device to the budget plus one code per slot', async () => {
    const checked = await attack('nas:3', B.windowMs, 100, () => dev(7));
    // The device's own key locks it much sooner; count the shared key alone too.
    expect(checked).toBeLessThanOrEqual(MAX_WRONG_PER_WINDOW);
    clock.advance(B.windowMs);
    const viaAddress = await attack(
      'ip:192.0.2.7',
      B.windowMs,
      100,
      () => 'umac:02-00-00-00-00-07',
    );
    expect(viaAddress).toBeLessThanOrEqual(B.free + B.windowMs / B.slotMs);
    expect(viaAddress).toBeGreaterThan(B.free + 0.9 * (B.windowMs / B.slotMs));
  });

  it(`holds a guesser with a new device every time to ${MAX_WRONG_PER_WINDOW} per window`, async () => {
    const checked = await attack('nas:3', B.windowMs, 100, dev);
    expect(checked).toBeLessThanOrEqual(MAX_WRONG_PER_WINDOW);
    expect(checked).toBeGreaterThan(B.free + B.fresh);
    // An hour of it: four windows' worth at most.
    const hour = checked + (await attack('nas:3', 3 * B.windowMs, 100, (i) => dev(20000 + i)));
    expect(hour).toBeLessThanOrEqual(4 * MAX_WRONG_PER_WINDOW);
  });

  it('a correct code spends nothing: success from a clean device leaves the budget as it was', async () => {
    const key = 'ip:192.0.2.7';
    for (let i = 0; i < B.free - 1; i++) await lockouts.recordFailure([key]);
    await lockouts.recordSuccess([dev(1)]);
    expect((await lockouts.check([key])).locked).toBe(false);
    expect((await lockouts.list()).find((l) => l.key === key)?.failures).toBe(B.free - 1);
  });
});

describe('the lockout table stays bounded', () => {
  it('forgets keys with no failure in the window, keeping running lockouts', async () => {
    for (let i = 0; i < 300; i++) await lockouts.recordFailure([`umac:02-00-00-00-01-${i}`]);
    await failTimes('mac:aa-bb-cc-dd-ee-ff', 30); // locked for an hour
    clock.advance(16 * 60_000);
    await lockouts.recordFailure(['ip:192.0.2.7']);
    const keys = db.prepare('SELECT key FROM lockouts ORDER BY key').pluck().all();
    expect(keys).toEqual(['ip:192.0.2.7', 'mac:aa-bb-cc-dd-ee-ff']);
  });

  it('past its cap, drops the least recent records without a running lockout', async () => {
    const small = createLockoutService({ store: createStore(db), clock, maxRows: 50 });
    await small.recordFailure(['mac:aa-bb-cc-dd-ee-ff']); // purged now; the next run is a minute off
    for (let i = 0; i < 1_200; i++) {
      clock.advance(10);
      await small.recordFailure([`umac:02-00-00-00-02-${i}`]);
    }
    const rows = db.prepare('SELECT count(*) FROM lockouts').pluck().get() as number;
    expect(rows).toBeLessThanOrEqual(50 + 1_000);
    expect(rows).toBeLessThan(1_201);
    // The newest keys are the ones kept.
    expect((await small.list()).some((l) => l.key === 'umac:02-00-00-00-02-1199')).toBe(true);
  });
});
