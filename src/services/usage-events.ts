// The outgoing-webhook events of the RADIUS side: a session starting or stopping, a token
// used for the first time, running low, used up or expiring, a known token's device refused.
// Every function runs inside the caller's transaction (a packet's savepoint, a cut-off pass),
// so an event exists exactly when the change it reports is committed and rolls back with it.
// What must happen once is remembered in the database (first_used_at, event_marks), never in
// memory, so several nodes sharing the file raise each event once between them.

import { maskCode } from '../core/code.js';
import type { Counters } from '../core/counters.js';
import {
  firstUseDeadline,
  isLowBalance,
  minutesLeftOf,
  remainingMs,
  type LimitKind,
  type TokenLimits,
} from '../core/token.js';
import type { SessionRecord } from '../storage/session-repo.js';
import type { Store } from '../storage/store.js';
import type { TokenMeter, TokenRecord } from '../storage/token-repo.js';
import type { EventSink } from './webhook-service.js';

/** DEVICE_REFUSED_INTERVAL_MS is the least time between two device.refused of a token and device. */
export const DEVICE_REFUSED_INTERVAL_MS = 60_000;

/** SessionEnd is how a session was closed, as stored on it. */
export type SessionEnd = {
  stoppedAt: number;
  terminateCause: string;
  closedBy: string;
  /** The counters as they stand after the closing packet, if it advanced them. */
  counters?: Counters;
};

const tokenSubject = (tokenId: number) => `token:${tokenId}`;
const sessionSubject = (sessionId: number) => `session:${sessionId}`;

/** createUsageEvents returns the RADIUS side's event raisers; with no sink they only keep marks. */
export function createUsageEvents(deps: { store: Store; events?: EventSink | null }) {
  const { store } = deps;
  const sink = deps.events ?? null;

  const tokenRef = async (tokenId: number, code?: string) => ({
    id: tokenId,
    code: code ?? (await store.tokens.findById(tokenId))?.code ?? null,
  });

  const sessionRef = async (s: SessionRecord) => ({
    id: s.id,
    nasId: s.nasId,
    nas: s.nasId === null ? null : ((await store.nas.findById(s.nasId))?.name ?? null),
    acctSessionId: s.acctSessionId,
    mac: s.deviceMac,
    framedIp: s.framedIp,
    login: s.login,
    startedAt: s.startedAt,
  });

  return {
    /** sessionStarted raises session.started for a session accounting just made live. */
    async sessionStarted(s: SessionRecord): Promise<void> {
      await sink?.emit('session.started', async () => ({
        token: await tokenRef(s.tokenId),
        session: await sessionRef(s),
      }));
    },
    /**
     * tokenRedeemed raises token.redeemed; call it only when the token's first use was just
     * recorded (markFirstUse returned true), which happens once per token.
     */
    async tokenRedeemed(s: SessionRecord, firstUsedAt: number): Promise<void> {
      await sink?.emit('token.redeemed', async () => ({
        token: await tokenRef(s.tokenId),
        firstUsedAt,
        session: await sessionRef(s),
      }));
    },
    /**
     * sessionStopped raises session.stopped for a live session that was just closed, unless
     * its stop was announced before (the sweeper closed it and accounting reopened it).
     */
    async sessionStopped(s: SessionRecord, end: SessionEnd): Promise<void> {
      if (!sink) return;
      if (await store.eventMarks.has('session.stopped', sessionSubject(s.id))) return;
      await sink.emit('session.stopped', async () => {
        const c = end.counters ?? s;
        const seconds = Math.max(
          0,
          Math.round((end.stoppedAt - (s.startedAt ?? end.stoppedAt)) / 1000),
        );
        return {
          token: await tokenRef(s.tokenId),
          session: {
            ...(await sessionRef(s)),
            stoppedAt: end.stoppedAt,
            terminateCause: end.terminateCause,
            closedBy: end.closedBy,
            seconds,
            minutes: Math.round(seconds / 6) / 10,
            sessionSeconds: c.sessionSeconds,
            inputOctets: c.inputOctets,
            outputOctets: c.outputOctets,
          },
        };
      });
    },
    /** sessionReopened remembers that a session's stop was announced though it goes on. */
    async sessionReopened(s: SessionRecord, at: number): Promise<void> {
      await store.eventMarks.claim('session.stopped', sessionSubject(s.id), at);
    },
    /**
     * charged judges a token's balance after accounting charged it, raises token.low_balance
     * (crossing under five minutes or a tenth of its minutes) and token.depleted (minutes or
     * data used up), each once until staff give the token more, and returns true when the
     * token is used up.
     */
    async charged(tokenId: number, at: number): Promise<boolean> {
      const m = await store.tokens.meterOf(tokenId);
      if (!m) return false;
      const limit: Extract<LimitKind, 'minutes' | 'data'> | null =
        remainingMs(m, m.usedMs) === 0
          ? 'minutes'
          : m.dataQuotaBytes !== null && m.usedBytes >= m.dataQuotaBytes
            ? 'data'
            : null;
      const subject = tokenSubject(tokenId);
      if (limit !== null) {
        if (await store.eventMarks.claim('token.depleted', subject, at))
          await sink?.emit('token.depleted', async () => ({
            token: await tokenRef(tokenId, m.code),
            limit,
            ...balance(m),
          }));
        return true;
      }
      if (
        isLowBalance(m, m.usedMs) &&
        (await store.eventMarks.claim('token.low_balance', subject, at))
      )
        await sink?.emit('token.low_balance', async () => ({
          token: await tokenRef(tokenId, m.code),
          ...balance(m),
        }));
      return false;
    },
    /**
     * tokenExpired raises token.expired for a token whose validity or first-use lifetime ended
     * while it had `live` sessions (the cut-off pass found them), once until staff extend it.
     */
    async tokenExpired(t: TokenRecord, live: number, at: number): Promise<void> {
      if (!(await store.eventMarks.claim('token.expired', tokenSubject(t.id), at))) return;
      const deadline = firstUseDeadline(t);
      const byValidity = t.validUntil !== null && (deadline === null || t.validUntil <= deadline);
      const limit: LimitKind = byValidity ? 'valid-until' : 'first-use';
      await sink?.emit('token.expired', async () => ({
        token: await tokenRef(t.id, t.code),
        limit,
        expiredAt: byValidity ? t.validUntil : deadline,
        liveSessions: live,
      }));
    },
    /**
     * deviceRefused raises device.refused for a known token's device that was refused, at
     * most once a minute per token and device; the code is masked, since the request came
     * from a device the guest holds, not from staff.
     */
    async deviceRefused(
      t: TokenRecord,
      device: { mac: string | null; callingStationId: string | null; login: 'code' | 'mac' },
      reason: string,
      nas: { id: number; name: string },
      at: number,
    ): Promise<void> {
      const key = `${tokenSubject(t.id)}/${(device.mac ?? device.callingStationId ?? '').slice(0, 64)}`;
      if (!(await store.eventMarks.throttle('device.refused', key, at, DEVICE_REFUSED_INTERVAL_MS)))
        return;
      await sink?.emit('device.refused', async () => ({
        token: { id: t.id, maskedCode: maskCode(t.code) },
        reason,
        device: { ...device },
        nas,
      }));
    },
    /**
     * limitsChanged forgets the once-only marks that a staff change made untrue (more minutes
     * or data, a later end of validity), so the token can run low, be used up or expire
     * again; call it in the updating transaction.
     */
    async limitsChanged(tokenId: number, before: LimitFields, after: LimitFields): Promise<void> {
      const subject = tokenSubject(tokenId);
      const minutes = raised(before.minutes, after.minutes);
      if (minutes) await store.eventMarks.clear('token.low_balance', subject);
      if (minutes || raised(before.dataQuotaBytes, after.dataQuotaBytes))
        await store.eventMarks.clear('token.depleted', subject);
      if (
        raised(before.validUntil, after.validUntil) ||
        raised(before.expiresAfterFirstUseMinutes, after.expiresAfterFirstUseMinutes)
      )
        await store.eventMarks.clear('token.expired', subject);
    },
    /** prune forgets device.refused marks older than the interval; the cut-off pass calls it. */
    async prune(now: number): Promise<void> {
      await store.eventMarks.prune('device.refused', now - DEVICE_REFUSED_INTERVAL_MS);
    },
  };
}

/** LimitFields are the token limits whose raising re-arms a once-only event. */
export type LimitFields = Pick<
  TokenLimits,
  'minutes' | 'dataQuotaBytes' | 'validUntil' | 'expiresAfterFirstUseMinutes'
>;

/** raised returns true when a limit went up; null means no limit, the highest of all. */
function raised(before: number | null, after: number | null): boolean {
  return before !== null && (after === null || after > before);
}

/** balance returns a token's minutes and data, used and left, for a payload. */
function balance(m: TokenMeter) {
  return {
    minutes: m.minutes,
    minutesUsed: Math.floor(m.usedMs / 60_000),
    minutesLeft: m.minutes === null ? null : minutesLeftOf(remainingMs(m, m.usedMs) ?? 0),
    dataQuotaBytes: m.dataQuotaBytes,
    dataUsedBytes: m.usedBytes,
  };
}

/** UsageEvents is the RADIUS side's event raisers' interface. */
export type UsageEvents = ReturnType<typeof createUsageEvents>;
