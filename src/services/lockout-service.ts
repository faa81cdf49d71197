// Guessing does not pay: after a few failures from one device, address or account, further
// attempts are refused for a while, and the wait doubles with every failure after that.
// Staff see the lockouts and can clear them.

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

/** policyForKey returns the lockout policy for a key from its kind (`mac:`, `ip:`, ...). */
export function policyForKey(key: string, base: LockoutPolicy): LockoutPolicy {
  return SHARED_KEY_PREFIXES.some((p) => key.startsWith(p)) ? SHARED_KEY_POLICY : base;
}

/** LockoutCheck says whether attempts are refused now and until when. */
export type LockoutCheck = { locked: boolean; retryAfterMs: number; key: string | null };

/** createLockoutService returns the guessing-defence use cases. */
export function createLockoutService(deps: { store: Store; clock: Clock; policy?: LockoutPolicy }) {
  const { store, clock } = deps;
  const basePolicy = deps.policy ?? DEFAULT_LOCKOUT_POLICY;
  const repo = store.lockouts;

  const lockedFor = (rec: LockoutRecord | undefined, now: number) =>
    rec?.lockedUntil && rec.lockedUntil > now ? rec.lockedUntil - now : 0;

  return {
    policy: basePolicy,
    /** check returns whether any of `keys` is locked now, and the longest wait. */
    check(keys: readonly string[]): LockoutCheck {
      const now = clock.now();
      let worst: LockoutCheck = { locked: false, retryAfterMs: 0, key: null };
      for (const key of keys) {
        const ms = lockedFor(repo.get(key), now);
        if (ms > worst.retryAfterMs) worst = { locked: true, retryAfterMs: ms, key };
      }
      return worst;
    },
    /** recordFailure counts a failed attempt against every key and returns the resulting lock. */
    recordFailure(keys: readonly string[]): LockoutCheck {
      const now = clock.now();
      store.transaction(() => {
        for (const key of keys) {
          const prev = repo.get(key);
          const policy = policyForKey(key, basePolicy);
          const fresh = !prev || now - prev.lastFailedAt > policy.windowMs;
          const failures = fresh ? 1 : prev.failures + 1;
          const over = failures - policy.freeFailures;
          const lockedUntil =
            over > 0
              ? now + Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** Math.min(over - 1, 30))
              : null;
          repo.put({
            key,
            failures,
            firstFailedAt: fresh ? now : prev.firstFailedAt,
            lastFailedAt: now,
            lockedUntil,
          });
        }
      });
      return this.check(keys);
    },
    /** recordSuccess forgets the failures of `keys` (a correct code or password). */
    recordSuccess(keys: readonly string[]): void {
      store.transaction(() => {
        for (const key of keys) repo.remove(key);
      });
    },
    /** list returns keys locked now or with failures in the last window, newest first. */
    list(): Array<LockoutRecord & { locked: boolean }> {
      const now = clock.now();
      return repo
        .listRecent(now, now - Math.max(basePolicy.windowMs, SHARED_KEY_POLICY.windowMs))
        .map((r) => ({ ...r, locked: lockedFor(r, now) > 0 }));
    },
    /** clear lifts a key's lockout and forgets its failures; false when there was none. */
    clear(key: string, actor: string): boolean {
      return store.transaction(() => {
        const removed = repo.remove(key);
        if (removed) {
          store.audit.record({
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
