// Guessing does not pay. A key that belongs to one device or account is refused for a while
// after a few failures, the wait doubling with every failure after that. A key that many
// guests share (an address behind a venue's NAT, a router) is never locked for everyone:
// it has a budget of wrong codes per window, a correct code spends none of it, and over the
// budget guessing is slowed to one attempt per slot while devices with a clean record still
// get their code checked at once. Staff see the lockouts and can clear them.

import type { Clock } from '../clock.js';
import type { LockoutRecord } from '../storage/lockout-repo.js';
import type { Store } from '../storage/store.js';

/** LockoutPolicy says how many failures in what window lock a key, and for how long. */
export type LockoutPolicy = {
  /** Failures allowed within `windowMs` before the first lockout. */
  freeFailures: number;
  windowMs: number;
  /** First lockout; each further failure doubles it, up to `maxLockMs`. */
  baseLockMs: number;
  maxLockMs: number;
};

/** DEFAULT_LOCKOUT_POLICY: 5 free failures per 15 minutes, then 1 minute doubling to 1 hour. */
export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = {
  freeFailures: 5,
  windowMs: 15 * 60_000,
  baseLockMs: 60_000,
  maxLockMs: 60 * 60_000,
};

/**
 * SHARED_KEY_POLICY is for keys many people share: an address (every guest behind a venue's
 * NAT, or every desk in an office, arrives from one address when Portico runs in the cloud)
 * and a router (every guest of a venue). A device or account key locks after a few failures;
 * a shared key only after enough that guessing from behind it is still pointless.
 */
export const SHARED_KEY_POLICY: LockoutPolicy = {
  freeFailures: 100,
  windowMs: 15 * 60_000,
  baseLockMs: 60_000,
  maxLockMs: 15 * 60_000,
};

/** SHARED_KEY_PREFIXES are the key kinds that SHARED_KEY_POLICY applies to. */
export const SHARED_KEY_PREFIXES = ['ip:', 'staff-ip:', 'nas:'] as const;

/**
 * GUESS_BUDGET is how a guest key that many share (BUDGET_KEY_PREFIXES) slows guessing
 * instead of refusing correct codes. Per window (counted from its first wrong code):
 * the first `free` wrong codes change nothing; then a device with fewer than `deviceTries`
 * wrong codes in the window still has its code checked at once, for `fresh` more wrong
 * codes; any other attempt (and, past free + fresh, every attempt) waits for the key's next
 * slot, one per `slotMs`, which only a wrong code uses up. So at most free + fresh +
 * window / slotMs wrong codes per window are checked for one key (README, Security).
 */
export const GUESS_BUDGET = {
  windowMs: 15 * 60_000,
  free: 100,
  fresh: 700,
  deviceTries: 2,
  slotMs: 3_000,
} as const;

/** BUDGET_KEY_PREFIXES are the guest keys many share, which GUESS_BUDGET governs. */
export const BUDGET_KEY_PREFIXES = ['ip:', 'nas:'] as const;

/** MAX_WRONG_PER_WINDOW is the most wrong codes one shared key gets checked per window. */
export const MAX_WRONG_PER_WINDOW =
  GUESS_BUDGET.free + GUESS_BUDGET.fresh + GUESS_BUDGET.windowMs / GUESS_BUDGET.slotMs;

/**
 * COUNT_ONLY_PREFIX marks a device key that only counts, never locks: a MAC that an
 * unsigned redirect claims, which a guesser may choose (it would lock a neighbour out).
 */
export const COUNT_ONLY_PREFIX = 'umac:';
const COUNT_ONLY_POLICY: LockoutPolicy = {
  freeFailures: Number.POSITIVE_INFINITY,
  windowMs: GUESS_BUDGET.windowMs,
  baseLockMs: 0,
  maxLockMs: 0,
};

/** isBudgetKey returns true for a shared guest key (address, router) under GUESS_BUDGET. */
export function isBudgetKey(key: string): boolean {
  return BUDGET_KEY_PREFIXES.some((p) => key.startsWith(p));
}

/** policyForKey returns the lockout policy for a key from its kind (`mac:`, `ip:`, ...). */
export function policyForKey(key: string, base: LockoutPolicy): LockoutPolicy {
  if (key.startsWith(COUNT_ONLY_PREFIX)) return COUNT_ONLY_POLICY;
  return SHARED_KEY_PREFIXES.some((p) => key.startsWith(p)) ? SHARED_KEY_POLICY : base;
}

/** LockoutCheck says whether attempts are refused now and until when. */
export type LockoutCheck = { locked: boolean; retryAfterMs: number; key: string | null };

/** MAX_LOCKOUT_ROWS bounds the lockout table, whose keys outsiders choose (addresses, MACs). */
export const MAX_LOCKOUT_ROWS = 100_000;
/** PURGE_EVERY_MS is how often a failure also deletes the records that no longer matter. */
const PURGE_EVERY_MS = 60_000;
/** COUNT_EVERY is how many failures may pass between two checks of MAX_LOCKOUT_ROWS. */
const COUNT_EVERY = 1_000;

/** createLockoutService returns the guessing-defence use cases. */
export function createLockoutService(deps: {
  store: Store;
  clock: Clock;
  policy?: LockoutPolicy;
  /** Records kept at most; default MAX_LOCKOUT_ROWS. */
  maxRows?: number;
}) {
  const { store, clock } = deps;
  const basePolicy = deps.policy ?? DEFAULT_LOCKOUT_POLICY;
  const repo = store.lockouts;
  const maxRows = deps.maxRows ?? MAX_LOCKOUT_ROWS;
  const longestWindow = Math.max(
    basePolicy.windowMs,
    SHARED_KEY_POLICY.windowMs,
    GUESS_BUDGET.windowMs,
  );
  let purgedAt = Number.NEGATIVE_INFINITY;
  let sinceCount = 0;

  /**
   * bound deletes records with no failure in the longest window and no running lockout (at
   * most once a minute), and past `maxRows` the least recent without a running lockout, so
   * a flood of made-up keys cannot grow the table without limit.
   */
  const bound = async (now: number): Promise<void> => {
    const due = now - purgedAt >= PURGE_EVERY_MS;
    if (due) {
      purgedAt = now;
      await repo.purgeOlderThan(now - longestWindow, now);
    }
    // Counting costs a scan, so only now and then: a flood adds at most this many between.
    if (!due && ++sinceCount < COUNT_EVERY) return;
    sinceCount = 0;
    const over = (await repo.count()) - maxRows;
    if (over > 0) await repo.trimOldest(over + Math.ceil(maxRows / 10), now);
  };

  const lockedFor = (rec: LockoutRecord | undefined, now: number) =>
    rec?.lockedUntil && rec.lockedUntil > now ? rec.lockedUntil - now : 0;
  const B = GUESS_BUDGET;
  const inWindow = (rec: LockoutRecord | undefined, now: number): rec is LockoutRecord =>
    rec !== undefined && now - rec.firstFailedAt <= B.windowMs;

  /** isClean returns whether a device has had fewer than `deviceTries` wrong codes lately. */
  const isClean = async (device: string | null | undefined, now: number): Promise<boolean> => {
    if (!device) return false;
    const rec = await repo.get(device);
    const recent = rec !== undefined && now - rec.lastFailedAt <= B.windowMs;
    return !recent || rec.failures < B.deviceTries;
  };

  /** budgetWait returns how long an attempt through a shared key must wait (0: check it now). */
  const budgetWait = (rec: LockoutRecord | undefined, now: number, clean: boolean): number => {
    if (!inWindow(rec, now) || rec.failures < B.free) return 0;
    if (clean && rec.failures < B.free + B.fresh) return 0;
    return lockedFor(rec, now);
  };

  return {
    policy: basePolicy,
    /**
     * check returns whether any of `keys` refuses an attempt now, and the longest wait. A
     * shared key (isBudgetKey) refuses only over its budget and, below free + fresh, not a
     * `device` with a clean record; a correct code is never refused by it otherwise.
     */
    async check(keys: readonly string[], device?: string | null): Promise<LockoutCheck> {
      const now = clock.now();
      const clean = await isClean(device, now);
      let worst: LockoutCheck = { locked: false, retryAfterMs: 0, key: null };
      for (const key of keys) {
        const rec = await repo.get(key);
        const ms = isBudgetKey(key) ? budgetWait(rec, now, clean) : lockedFor(rec, now);
        if (ms > worst.retryAfterMs) worst = { locked: true, retryAfterMs: ms, key };
      }
      return worst;
    },
    /**
     * recordFailure counts a wrong attempt against every key (and `device`, when it is not
     * one of them) and returns what the next attempt would meet. Over a shared key's free
     * budget, a wrong code that did not come from a clean device uses up the key's slot.
     */
    async recordFailure(keys: readonly string[], device?: string | null): Promise<LockoutCheck> {
      const now = clock.now();
      const clean = await isClean(device, now);
      const all = device && !keys.includes(device) ? [...keys, device] : keys;
      await store.transaction(async () => {
        // Read and written back: other nodes' and batches' failures for these keys wait.
        await repo.lockForUpdate(all);
        for (const key of all) {
          const prev = await repo.get(key);
          if (isBudgetKey(key)) {
            const fresh = !inWindow(prev, now);
            const failures = fresh ? 1 : prev.failures + 1;
            const spendsSlot = failures > B.free && (!clean || failures > B.free + B.fresh);
            await repo.put({
              key,
              failures,
              firstFailedAt: fresh ? now : prev.firstFailedAt,
              lastFailedAt: now,
              lockedUntil: spendsSlot ? now + B.slotMs : fresh ? null : prev.lockedUntil,
            });
            continue;
          }
          const policy = policyForKey(key, basePolicy);
          const fresh = !prev || now - prev.lastFailedAt > policy.windowMs;
          const failures = fresh ? 1 : prev.failures + 1;
          const over = failures - policy.freeFailures;
          const lockedUntil =
            over > 0
              ? now + Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** Math.min(over - 1, 30))
              : null;
          await repo.put({
            key,
            failures,
            firstFailedAt: fresh ? now : prev.firstFailedAt,
            lastFailedAt: now,
            lockedUntil,
          });
        }
        await bound(now);
      });
      return this.check(keys, device);
    },
    /** recordSuccess forgets the failures of `keys` (a correct code or password). */
    async recordSuccess(keys: readonly string[]): Promise<void> {
      await store.transaction(async () => {
        for (const key of keys) await repo.remove(key);
      });
    },
    /** list returns keys locked now or with failures in the last window, newest first. */
    async list(): Promise<Array<LockoutRecord & { locked: boolean }>> {
      const now = clock.now();
      return (
        await repo.listRecent(now, now - Math.max(basePolicy.windowMs, SHARED_KEY_POLICY.windowMs))
      ).map((r) => ({ ...r, locked: lockedFor(r, now) > 0 }));
    },
    /** clear lifts a key's lockout and forgets its failures; false when there was none. */
    async clear(key: string, actor: string): Promise<boolean> {
      return store.transaction(async (tx) => {
        const removed = await repo.remove(key);
        if (removed) {
          await tx.audit.record({
            at: clock.now(),
            actor,
            action: 'lockout.clear',
            targetType: 'lockout',
            targetId: key,
            details: null,
          });
        }
        return removed;
      });
    },
  };
}

/** LockoutService is the guessing-defence use cases' interface. */
export type LockoutService = ReturnType<typeof createLockoutService>;
