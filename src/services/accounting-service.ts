// RADIUS accounting turned into sessions and charged minutes. Interim and Stop report
// cumulative counters, so each packet charges only what it adds to what was recorded:
// retransmits, duplicates and reordered packets change nothing twice. Everything here runs
// inside the caller's transaction; the Accounting-Response goes out after its commit.
//
// A packet finds its session by NAS + Acct-Session-Id (and device MAC), then by the Class
// we handed out in the Access-Accept, then by token and MAC (User-Name is a code, or a MAC
// bound to a token). A packet that matches none of these and names no code we know is
// answered and recorded nowhere: the NAS also accounts users that are not ours (its own
// admin login, other services), and leaving those unanswered would make it retransmit them
// forever. Packets without Acct-Session-Id are malformed (RFC 2866 §5.5) and dropped.

import { fitDevice } from '../core/authorize.js';
import { advanceCounters, type Counters } from '../core/counters.js';
import { normalizeCode } from '../core/code.js';
import { normalizeMac, type MacAddress } from '../core/mac.js';
import type { SessionIdentity, SessionRecord } from '../storage/session-repo.js';
import type { Store } from '../storage/store.js';
import { newSessionClass, requestDisconnect, slotOf } from './session-ops.js';
import { createUsageEvents, type UsageEvents } from './usage-events.js';

/** ACCT_STATUS names the Acct-Status-Type values accounting acts on (RFC 2866 §5.1). */
export const ACCT_STATUS = {
  1: 'start',
  2: 'stop',
  3: 'interim',
  7: 'on',
  8: 'off',
} as const;
export type AcctStatus = (typeof ACCT_STATUS)[keyof typeof ACCT_STATUS];

/** AccountingEvent is one Accounting-Request as the rules need it. */
export type AccountingEvent = {
  status: AcctStatus;
  nasId: number;
  identity: SessionIdentity;
  acctSessionId: string | null;
  cls: string | null;
  userName: string | null;
  mac: MacAddress | null;
  /** When the NAS saw the event: arrival minus Acct-Delay-Time. */
  eventAt: number;
  receivedAt: number;
  sessionSeconds: number | undefined;
  inputOctets: number | undefined;
  outputOctets: number | undefined;
  terminateCause: string | null;
};

/** AccountingOutcome says what a packet did; 'malformed' packets are dropped unanswered. */
export type AccountingOutcome = {
  result:
    | 'started'
    | 'updated'
    | 'stopped'
    | 'duplicate'
    | 'ignored-after-stop'
    | 'unknown'
    | 'nas-reset'
    | 'malformed';
  sessionId?: number;
  tokenId?: number;
  chargedMs?: number;
  /** The token's charged usage reached a limit: the cut-off scheduler should look now. */
  limitReached?: boolean;
  /** Sessions closed by Accounting-On/Off. */
  closed?: number;
  /** Disconnects queued to keep the token within its device limit: the worker should send them. */
  disconnects?: number;
};

/**
 * REUSE_SLACK_MS is how much earlier than an open session's start a packet's session may
 * seem to begin (NAS and Portico clocks, rounding) and still be taken as about it.
 */
const REUSE_SLACK_MS = 60_000;

/** CLOSED_BY_GUESS lists who closes a session without a Stop; a late Stop may correct them. */
const CLOSED_BY_GUESS = new Set(['sweeper', 'nas-reset']);

/** createAccountingService returns the accounting rules over a store. */
export function createAccountingService(deps: {
  store: Store;
  settings: () => { interimIntervalSeconds: number; staleAfterIntervals: number };
  /** Raises the session and token webhook events in the packet's transaction. */
  events?: UsageEvents;
}) {
  const { store } = deps;
  const usage = deps.events ?? createUsageEvents({ store });
  const staleMs = () => {
    const s = deps.settings();
    return s.staleAfterIntervals * s.interimIntervalSeconds * 1000;
  };

  /** tokenFor returns the token a User-Name or MAC names: a code, or a MAC bound to one. */
  const tokenFor = async (
    e: AccountingEvent,
  ): Promise<{ tokenId: number; login: 'code' | 'mac' } | undefined> => {
    const code = normalizeCode(e.userName);
    if (code !== undefined) {
      const t = await store.tokens.findByCode(code);
      if (t) return { tokenId: t.id, login: 'code' };
    }
    // Only MAC authentication (the MAC as User-Name) logs in by binding: a code we no longer
    // know (deleted) from a bound device must not charge the binding's token.
    const mac = normalizeMac(e.userName);
    if (mac) {
      const b = await store.bindings.findLive(mac);
      if (b) return { tokenId: b.tokenId, login: 'mac' };
    }
    return undefined;
  };

  /** impliedStart returns when the session began according to this packet. */
  const impliedStart = (e: AccountingEvent): number =>
    e.status === 'start' ? e.eventAt : e.eventAt - (e.sessionSeconds ?? 0) * 1000;

  /**
   * pick returns the session among those sharing the packet's Acct-Session-Id that the packet
   * is about: the one whose Class it echoes, else an open one it can belong to (it did not
   * begin well before that session), else a closed one that had not ended when the packet's
   * session began. A NAS that rebooted reuses its ids, and its retransmissions of old packets
   * must not touch the new session that now has the id.
   */
  const pick = (candidates: SessionRecord[], e: AccountingEvent): SessionRecord | undefined => {
    const began = impliedStart(e);
    // A packet that says when its session began, and it began after this session was last
    // heard of, is about a new one: the NAS rebooted without Accounting-On and reused the id
    // (and a device that re-authenticated meanwhile echoes the old session's Class).
    const later = (s: SessionRecord): boolean =>
      (e.status === 'start' || e.sessionSeconds !== undefined) &&
      s.startedAt !== null &&
      began > (s.lastSeenAt ?? s.startedAt) + REUSE_SLACK_MS;
    // A reservation closed before any accounting (lapsed, released) never was a session:
    // a late Start of the device the router let on opens one.
    const same = candidates.filter(
      (s) =>
        !(e.mac && s.deviceMac && s.deviceMac !== e.mac) &&
        !later(s) &&
        !(s.status === 'closed' && s.startedAt === null),
    );
    if (e.cls !== null) {
      const echoed = same.find((s) => s.class === e.cls);
      if (echoed) return echoed;
    }
    for (const s of same) {
      if (s.status !== 'closed') {
        if (s.startedAt === null || began >= s.startedAt - REUSE_SLACK_MS) return s;
      } else if (e.cls === null && began <= (s.stoppedAt ?? 0)) {
        return s;
      }
    }
    return bufferedStart(same, e);
  };

  /**
   * bufferedStart returns the session a packet reaching back before its Start is about, for
   * a router that echoes no Class and held its accounting while Portico was unreachable
   * without setting Acct-Delay-Time: its Start came late, while Acct-Session-Time counts
   * from when the service really began (RFC 2866 §5.7). A reboot that reused the id looks
   * the same, so this reading is taken only where the reboot case cannot be: the device's
   * one live session, which has reported nothing since its Start (a stale retransmission
   * from before a reboot arrives behind the new session's own reports, or finds the old
   * session), and a packet sent after that Start. Otherwise undefined: a new session.
   */
  const bufferedStart = (same: SessionRecord[], e: AccountingEvent): SessionRecord | undefined => {
    if (e.cls !== null || e.status === 'start' || e.mac === null) return undefined;
    const fresh = same.filter(
      (s) =>
        s.status === 'live' &&
        s.deviceMac === e.mac &&
        s.startedAt !== null &&
        s.sessionSeconds === 0 &&
        s.lastSeenAt === s.startedAt &&
        e.eventAt >= s.startedAt,
    );
    return fresh.length === 1 ? fresh[0] : undefined;
  };

  /** open turns a reservation into a live session, or inserts a live one for `tokenId`. */
  const open = async (
    e: AccountingEvent & { acctSessionId: string },
    found: { reservation?: SessionRecord; tokenId: number; login: 'code' | 'mac' | null },
  ): Promise<SessionRecord> => {
    let startedAt = impliedStart(e);
    const r = found.reservation;
    // Time before the Access-Accept is not ours to charge, whatever the NAS counts.
    if (r) startedAt = Math.max(startedAt, r.reservedAt);
    startedAt = Math.min(startedAt, e.receivedAt);
    const at = { startedAt, lastSeenAt: startedAt, updatedAt: e.receivedAt };
    const identity = { ...e.identity, acctSessionId: e.acctSessionId, login: found.login };
    const s = r
      ? await store.sessions.activate(r, identity, at)
      : await store.sessions.insert({
          ...identity,
          tokenId: found.tokenId,
          status: 'live',
          class: newSessionClass(),
          reservedAt: startedAt,
          reservationExpiresAt: null,
          interimInterval: deps.settings().interimIntervalSeconds,
          ...at,
        });
    if (await store.tokens.markFirstUse(found.tokenId, startedAt))
      await usage.tokenRedeemed(s, startedAt);
    await usage.sessionStarted(s);
    return s;
  };

  /**
   * charge advances a session to what the packet reports (the caller holds the token's row
   * lock) and returns the ms charged, the
   * session's counters now, and whether the token is used up (when this packet charged it).
   */
  const charge = async (
    s: SessionRecord,
    e: AccountingEvent,
  ): Promise<{
    chargedMs: number;
    bytes: number;
    end: number;
    counters: Counters;
    limitReached: boolean;
  }> => {
    const startedAt = s.startedAt ?? e.eventAt;
    const prevEnd = s.lastSeenAt ?? startedAt;
    let end = e.sessionSeconds !== undefined ? startedAt + e.sessionSeconds * 1000 : e.eventAt;
    end = Math.max(prevEnd, Math.min(end, e.receivedAt));
    const { next, delta } = advanceCounters(
      {
        sessionSeconds: s.sessionSeconds,
        inputOctets: s.inputOctets,
        outputOctets: s.outputOctets,
      },
      {
        sessionSeconds: e.sessionSeconds,
        inputOctets: e.inputOctets,
        outputOctets: e.outputOctets,
      },
    );
    const bytes = delta.inputOctets + delta.outputOctets;
    const chargedMs =
      end > prevEnd || bytes > 0
        ? await store.tokens.addOnlineTime(s.tokenId, { start: prevEnd, end }, bytes)
        : 0;
    if (
      end !== prevEnd ||
      delta.sessionSeconds > 0 ||
      bytes > 0 ||
      e.receivedAt > (s.updatedAt ?? 0)
    ) {
      await store.sessions.recordUsage(s.id, { lastSeenAt: end, updatedAt: e.receivedAt, ...next });
    }
    if (e.identity.framedIp !== null && e.identity.framedIp !== s.framedIp) {
      await store.sessions.setFramedIp(s.id, e.identity.framedIp);
    }
    const limitReached =
      (chargedMs > 0 || bytes > 0) && (await usage.charged(s.tokenId, e.receivedAt));
    return { chargedMs, bytes, end, counters: next, limitReached };
  };

  /**
   * keepWithinLimit applies the token's device limit to a session that no live reservation
   * admitted (it lapsed, or was evicted, and the router let the device on anyway): under
   * refuse the session is cut off, under replace-oldest the oldest other devices are. The
   * device was online all the same, so its accounting is still charged. Returns the
   * Disconnects queued.
   */
  const keepWithinLimit = async (s: SessionRecord, now: number): Promise<number> => {
    const t = await store.tokens.findById(s.tokenId);
    if (!t) return 0;
    const others = (await store.sessions.slotsOf(t.id, now)).filter((o) => o.id !== s.id);
    const fit = fitDevice(t, others.map(slotOf), s.deviceMac as MacAddress | null);
    const cut = fit.ok ? others.filter((o) => fit.evict.some((v) => v.sessionId === o.id)) : [s];
    const reason = fit.ok ? 'replaced-by-new-device' : 'device-limit';
    let queued = 0;
    for (const o of cut)
      if ((await requestDisconnect(store, o, reason, null, now)) !== null) queued++;
    return queued;
  };

  /** closeNas closes a rebooted NAS's sessions: Accounting-On at their last known time. */
  const closeNas = async (e: AccountingEvent): Promise<AccountingOutcome> => {
    let closed = 0;
    const cap = staleMs();
    const open = await store.sessions.openOfNas(e.nasId);
    // Every token charged below, locked at once in id order (see record).
    await store.tokens.lockForUpdate([...new Set(open.map((s) => s.tokenId))]);
    for (const s of open) {
      // A retransmitted On/Off (new Identifier, Acct-Delay-Time) may arrive after the NAS
      // began new sessions; those were not cut by the reboot it reports.
      if ((s.startedAt ?? s.reservedAt) > e.eventAt) continue;
      if (s.status === 'reserved') {
        await store.sessions.close(s.id, {
          stoppedAt: e.eventAt,
          terminateCause: 'nas-reboot',
          closedBy: 'nas-reset',
          updatedAt: e.receivedAt,
        });
        continue;
      }
      const last = s.lastSeenAt ?? s.startedAt ?? e.eventAt;
      // Accounting-Off is sent as the NAS goes down, so its sessions were online until then
      // (within the stale window); after Accounting-On the NAS was down for an unknown time.
      const until = e.status === 'off' ? Math.min(e.eventAt, last + cap) : last;
      const { end, counters } = await charge(s, {
        ...e,
        sessionSeconds: undefined,
        eventAt: until,
      });
      const how = { stoppedAt: end, terminateCause: 'nas-reboot', closedBy: 'nas-reset' };
      await store.sessions.close(s.id, { ...how, updatedAt: e.receivedAt });
      await usage.sessionStopped(s, { ...how, counters });
      closed++;
    }
    return { result: 'nas-reset', closed };
  };

  return {
    /** record applies one Accounting-Request inside the caller's transaction. */
    async record(e: AccountingEvent): Promise<AccountingOutcome> {
      if (e.status === 'on' || e.status === 'off') return closeNas(e);
      if (e.acctSessionId === null || e.acctSessionId === '') return { result: 'malformed' };
      const ev = e as AccountingEvent & { acctSessionId: string };

      let s = pick(await store.sessions.findByAcct(e.nasId, ev.acctSessionId), e);
      // The token's row is held before any session of it changes, as admit holds it (the
      // same order, so the two cannot deadlock): a charge reads the token's coverage and
      // writes it back, and a second node charging the same token waits for this one.
      if (s) await store.tokens.lockForUpdate([s.tokenId]);
      let created = false;
      let reservation: SessionRecord | undefined;
      if (!s) {
        let owner: { tokenId: number; login: 'code' | 'mac' | null } | undefined;
        const byClass = e.cls !== null ? await store.sessions.findByClass(e.cls) : undefined;
        if (byClass) {
          // A reservation becomes this session; a Class already in use means the device
          // roamed or reconnected under a new Acct-Session-Id: a new session, same token.
          if (byClass.status === 'reserved') reservation = byClass;
          owner = { tokenId: byClass.tokenId, login: byClass.login };
        } else {
          owner = await tokenFor(e);
          if (owner && e.mac) reservation = await store.sessions.findReserved(owner.tokenId, e.mac);
        }
        if (!owner) return { result: 'unknown' };
        await store.tokens.lockForUpdate([owner.tokenId]);
        s = await open(ev, { ...owner, ...(reservation ? { reservation } : {}) });
        created = true;
      }

      // A Start that came late (bufferedStart): the session began when the packet says, but
      // no earlier than the Access-Accept, which is all Portico may charge from.
      const began = impliedStart(e);
      if (!created && s.startedAt !== null && began < s.startedAt - REUSE_SLACK_MS) {
        const at = Math.max(began, s.reservedAt);
        if (await store.sessions.backdateStart(s.id, at))
          s = { ...s, startedAt: at, lastSeenAt: at };
      }

      // Routers such as CoovaChilli send Acct-Session-Id already in the Access-Request, so
      // the reservation itself is found by it: the Start (or any later packet) makes it live.
      const wasReserved = s.status === 'reserved';
      if (wasReserved) {
        reservation = s;
        s = await open(ev, { reservation: s, tokenId: s.tokenId, login: s.login });
      }
      // Only a reservation still held when the device came online kept its slot for it.
      const admitted = (reservation?.reservationExpiresAt ?? 0) > e.receivedAt;
      const disconnects =
        (created || wasReserved) && !admitted && e.status !== 'stop'
          ? await keepWithinLimit(s, e.receivedAt)
          : 0;
      const base = { sessionId: s.id, tokenId: s.tokenId, disconnects };
      if (e.status === 'start') {
        return { result: created || wasReserved ? 'started' : 'duplicate', ...base };
      }
      if (s.status === 'closed') {
        const guessed = s.closedBy !== null && CLOSED_BY_GUESS.has(s.closedBy);
        if (!guessed) return { result: 'ignored-after-stop', ...base };
        if (e.status === 'interim') {
          // The sweeper gave up on a session that is still online after all.
          if (s.closedBy !== 'sweeper') return { result: 'ignored-after-stop', ...base };
          await store.sessions.reopen(s.id);
          // The sweeper announced its stop; the real one must not be announced again.
          await usage.sessionReopened(s, e.receivedAt);
        }
      }
      const { chargedMs, end, counters, limitReached } = await charge(s, e);
      if (e.status === 'stop') {
        const how = {
          stoppedAt: end,
          terminateCause: e.terminateCause ?? 'unknown',
          closedBy: 'nas',
        };
        await store.sessions.close(s.id, { ...how, updatedAt: e.receivedAt });
        // A Stop after a guessed close corrects it; the stop itself was announced then.
        if (s.status !== 'closed') await usage.sessionStopped(s, { ...how, counters });
      }
      return {
        result: e.status === 'stop' ? 'stopped' : 'updated',
        ...base,
        chargedMs,
        limitReached,
      };
    },
  };
}

/** AccountingService is the accounting rules' interface. */
export type AccountingService = ReturnType<typeof createAccountingService>;
