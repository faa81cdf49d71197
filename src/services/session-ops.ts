// Store-level steps on sessions that the access, accounting, cut-off and session services
// share. Each runs inside the caller's transaction; none opens one or touches the network.

import { randomBytes } from 'node:crypto';
import type { DeviceSlot } from '../core/authorize.js';
import { uncoveredMs, type Interval } from '../core/intervals.js';
import type { MacAddress } from '../core/mac.js';
import type { SessionRecord } from '../storage/session-repo.js';
import type { Store } from '../storage/store.js';
import type { TokenRecord } from '../storage/token-repo.js';

/** CLASS_PREFIX marks the Class values Portico hands out, so its own are easy to tell apart. */
export const CLASS_PREFIX = 'portico:';

// Random bytes drawn in blocks: one call per Class would cost more than the rest of an
// Access-Accept's bookkeeping.
let pool = Buffer.alloc(0);
let used = 0;

/** newSessionClass returns a random, unguessable Class value for a new session. */
export function newSessionClass(): string {
  if (used + 12 > pool.length) {
    pool = randomBytes(12 * 256);
    used = 0;
  }
  const out = pool.toString('base64url', used, used + 12);
  used += 12;
  return `${CLASS_PREFIX}${out}`;
}

/** slotOf returns the device slot a session holds. */
export function slotOf(s: SessionRecord): DeviceSlot {
  return {
    mac: s.deviceMac as MacAddress | null,
    since: s.startedAt ?? s.reservedAt,
    sessionId: s.id,
  };
}

/**
 * projectedUsedMs returns a token's online time at `now`: what accounting charged plus the
 * time its live sessions have been online since their latest report that no charge covers
 * yet (the union, so two devices online together count once). A session silent for longer
 * than `staleMs` is projected only up to that, since the sweeper will close it there.
 */
export async function projectedUsedMs(
  store: Store,
  token: Pick<TokenRecord, 'id' | 'usedMs'>,
  now: number,
  staleMs: number,
  given?: readonly SessionRecord[],
): Promise<number> {
  const live = given ?? (await store.sessions.liveOf(token.id));
  const spans: Interval[] = [];
  for (const s of live) {
    const start = s.lastSeenAt ?? s.startedAt;
    if (start === null) continue;
    const end = Math.min(now, start + staleMs);
    if (end > start) spans.push({ start, end });
  }
  if (spans.length === 0) return token.usedMs;
  spans.sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const s of spans) {
    const last = merged.at(-1);
    if (last && s.start <= last.end)
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, s.end) };
    else merged.push(s);
  }
  const coverage = await store.tokens.coverageSince(token.id, (merged[0] as Interval).start);
  let extra = 0;
  for (const m of merged) extra += uncoveredMs(coverage, m);
  return token.usedMs + extra;
}

/**
 * wasSwept returns whether Portico closed a session as stale by its own clock: the router
 * never said it ended, so the guest may still be online (a lost Stop, or a router that
 * stopped sending accounting) and only the router can tell.
 */
export function wasSwept(s: SessionRecord): boolean {
  return s.status === 'closed' && s.closedBy === 'sweeper' && s.terminateCause === 'stale';
}

/**
 * requestDisconnect asks for a session to end and returns the queued Disconnect job's id: a
 * live session stops holding its device slot and gets a job for the worker, and so does a
 * session the sweeper closed as stale (the router decides whether it still exists); a
 * reservation is simply closed (no NAS session exists yet) and a session the router ended
 * needs nothing: null.
 */
export async function requestDisconnect(
  store: Store,
  s: SessionRecord,
  reason: string,
  requestedBy: string | null,
  now: number,
): Promise<number | null> {
  if (s.status === 'closed' && !wasSwept(s)) return null;
  if (s.status === 'reserved') {
    await store.sessions.close(s.id, {
      stoppedAt: now,
      terminateCause: reason,
      closedBy: requestedBy ?? 'portico',
      updatedAt: now,
    });
    return null;
  }
  if (s.status === 'live') await store.sessions.releaseSlot(s.id, now);
  return store.coaJobs.insert({
    sessionId: s.id,
    kind: 'disconnect',
    reason,
    requestedBy,
    sessionTimeout: null,
    createdAt: now,
  });
}
