// Staff sign-in for the dashboard: password check behind the guessing defence, server-side
// sessions with idle and absolute expiry, a per-session CSRF secret, sign out everywhere.
// The browser holds a random session id; the database holds only its SHA-256 hash.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { badInput } from '../errors.js';
import type { StaffLanguage, StaffRole } from '../storage/staff-repo.js';
import type { Store } from '../storage/store.js';
import type { LockoutService } from './lockout-service.js';
import type { StaffService } from './staff-service.js';

/** WebSessionPolicy says how long a sign-in lasts. */
export type WebSessionPolicy = {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, however busy. */
  absoluteMs: number;
  /** Activity is written back at most this often, so reading pages does not write each time. */
  touchEveryMs: number;
};

/** DEFAULT_WEB_SESSION_POLICY: 2 hours idle, 12 hours at most (a front-desk shift). */
export const DEFAULT_WEB_SESSION_POLICY: WebSessionPolicy = {
  idleMs: 2 * 3_600_000,
  absoluteMs: 12 * 3_600_000,
  touchEveryMs: 60_000,
};

/** StaffIdentity is who a request comes from, as the dashboard needs it. */
export type StaffIdentity = {
  userId: number;
  username: string;
  role: StaffRole;
  /** The language the dashboard speaks to this account. */
  language: StaffLanguage;
  /** The token forms carry in their hidden `_csrf` field. */
  csrfToken: string;
  sessionIdHash: string;
  expiresAt: number;
};

/** SignInResult is the outcome of a sign-in attempt: a session, or why not. */
export type SignInResult =
  | { ok: true; sessionId: string; identity: StaffIdentity }
  | { ok: false; reason: 'invalid' | 'locked'; retryAfterMs: number };

/** hashSessionId returns the hex SHA-256 of a session id: what the database keeps. */
export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/** safeEqual returns true when two strings are equal, in time independent of where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/**
 * lockoutKeys returns the guessing-defence keys a staff sign-in counts against. The address
 * key is kept apart from the guests' `ip:` key so that failed staff sign-ins at the desk
 * never lock guests behind the same address out of the splash page, nor the other way round.
 */
export function lockoutKeys(username: string, ip: string): string[] {
  return [`staff:${username.trim().toLowerCase()}`, `staff-ip:${ip}`];
}

/**
 * isStaffLockoutKey returns true for a key that lockoutKeys makes: clearing one lets someone
 * go on guessing staff passwords, so only admins may.
 */
export function isStaffLockoutKey(key: string): boolean {
  return key.startsWith('staff:') || key.startsWith('staff-ip:');
}

/** createWebSessionService returns the staff sign-in use cases. */
export function createWebSessionService(deps: {
  store: Store;
  clock: Clock;
  staff: StaffService;
  lockouts: LockoutService;
  policy?: WebSessionPolicy;
}) {
  const { store, clock, staff, lockouts } = deps;
  const policy = deps.policy ?? DEFAULT_WEB_SESSION_POLICY;
  const repo = store.webSessions;

  const start = async (user: {
    id: number;
    username: string;
    role: StaffRole;
    language: StaffLanguage;
  }) => {
    const now = clock.now();
    const sessionId = randomBytes(32).toString('base64url');
    const idHash = hashSessionId(sessionId);
    const csrfSecret = randomBytes(32).toString('base64url');
    const expiresAt = now + policy.absoluteMs;
    await store.transaction(async (tx) => {
      await repo.purge(now, now - policy.idleMs);
      await repo.insert({
        idHash,
        userId: user.id,
        csrfSecret,
        createdAt: now,
        lastSeenAt: now,
        expiresAt,
      });
      await tx.audit.record({
        at: now,
        actor: user.username,
        action: 'staff.sign_in',
        targetType: 'staff',
        targetId: String(user.id),
        details: null,
      });
    });
    const identity: StaffIdentity = {
      userId: user.id,
      username: user.username,
      role: user.role,
      language: user.language,
      csrfToken: csrfSecret,
      sessionIdHash: idHash,
      expiresAt,
    };
    return { sessionId, identity };
  };

  return {
    policy,
    /**
     * signIn checks a username and password from `ip` and starts a session; a locked account
     * or address is refused before the password is even checked, and every failure counts.
     */
    async signIn(username: string, password: string, ip: string): Promise<SignInResult> {
      const keys = lockoutKeys(username, ip);
      const lock = await lockouts.check(keys);
      if (lock.locked) return { ok: false, reason: 'locked', retryAfterMs: lock.retryAfterMs };
      const user = await staff.authenticate(username.trim(), password);
      if (!user) {
        const after = await lockouts.recordFailure(keys);
        return after.locked
          ? { ok: false, reason: 'locked', retryAfterMs: after.retryAfterMs }
          : { ok: false, reason: 'invalid', retryAfterMs: 0 };
      }
      // Only the account's counter is cleared: one good password must not reset an address
      // that is guessing at other accounts.
      await lockouts.recordSuccess([keys[0] as string]);
      return { ok: true, ...(await start(user)) };
    },
    /**
     * resolve returns who holds `sessionId`, or null when it is unknown, idle too long, past
     * its absolute expiry, or its account is disabled (the session is then deleted).
     */
    async resolve(sessionId: string | undefined): Promise<StaffIdentity | null> {
      if (!sessionId || sessionId.length > 200) return null;
      const idHash = hashSessionId(sessionId);
      const s = await repo.find(idHash);
      if (!s) return null;
      const now = clock.now();
      if (s.expiresAt <= now || s.lastSeenAt + policy.idleMs <= now || s.userDisabledAt !== null) {
        await repo.remove(idHash);
        return null;
      }
      if (now - s.lastSeenAt >= policy.touchEveryMs) await repo.touch(idHash, now);
      return {
        userId: s.userId,
        username: s.username,
        role: s.role,
        language: s.language,
        csrfToken: s.csrfSecret,
        sessionIdHash: idHash,
        expiresAt: s.expiresAt,
      };
    },
    /** verifyCsrf returns true when a form's token is the session's CSRF secret. */
    verifyCsrf(identity: StaffIdentity, token: unknown): boolean {
      return typeof token === 'string' && token !== '' && safeEqual(token, identity.csrfToken);
    },
    /** signOut ends one session. */
    async signOut(identity: StaffIdentity): Promise<void> {
      await repo.remove(identity.sessionIdHash);
    },
    /** signOutEverywhere ends every session of the account, this one included; returns how many. */
    async signOutEverywhere(identity: StaffIdentity): Promise<number> {
      return store.transaction(async (tx) => {
        const n = await repo.removeForUser(identity.userId);
        await tx.audit.record({
          at: clock.now(),
          actor: identity.username,
          action: 'staff.sign_out_everywhere',
          targetType: 'staff',
          targetId: String(identity.userId),
          details: { sessions: n },
        });
        return n;
      });
    },
    /**
     * changePassword replaces the signed-in account's password after checking the current
     * one, and ends its other sessions; a wrong current password is PORTICO_BAD_INPUT on
     * `currentPassword`, a weak new one on `newPassword`.
     */
    async changePassword(
      identity: StaffIdentity,
      currentPassword: string,
      newPassword: string,
    ): Promise<void> {
      // The same guessing defence as signing in: a borrowed session must not try passwords.
      const keys = [lockoutKeys(identity.username, '')[0] as string];
      const lock = await lockouts.check(keys);
      const locked = (ms: number) => {
        const minutes = Math.max(1, Math.ceil(ms / 60_000));
        const message = `was wrong too many times; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`;
        return badInput([{ field: 'currentPassword', message }]);
      };
      if (lock.locked) throw locked(lock.retryAfterMs);
      const user = await staff.authenticate(identity.username, currentPassword);
      if (!user) {
        const after = await lockouts.recordFailure(keys);
        if (after.locked) throw locked(after.retryAfterMs);
        throw badInput([{ field: 'currentPassword', message: 'is not right' }]);
      }
      try {
        await staff.setPassword(identity.username, newPassword, identity.username);
      } catch (err) {
        const fields = (err as { fields?: Array<{ field: string; message: string }> }).fields;
        if (fields?.some((f) => f.field === 'password'))
          throw badInput(
            fields.map((f) => (f.field === 'password' ? { ...f, field: 'newPassword' } : f)),
          );
        throw err;
      }
      await repo.removeForUser(identity.userId, identity.sessionIdHash);
    },
    /** endSessionsOf ends every session of an account (after it is disabled); returns how many. */
    async endSessionsOf(userId: number): Promise<number> {
      return repo.removeForUser(userId);
    },
  };
}

/** WebSessionService is the staff sign-in use cases' interface. */
export type WebSessionService = ReturnType<typeof createWebSessionService>;
