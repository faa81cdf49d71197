// Who may go online: the access decision over a token, the slots its devices hold and its
// projected usage. `admit` is the RADIUS path: it decides and reserves the device slot in
// the caller's transaction, so two devices racing for the last slot cannot both get it.

import { authorize, type Decision, type DeviceSlot } from '../core/authorize.js';
import { normalizeCode } from '../core/code.js';
import { normalizeMac, type MacAddress } from '../core/mac.js';
import type { Clock } from '../clock.js';
import { badInput, notFound } from '../errors.js';
import type { SessionIdentity, SessionRecord } from '../storage/session-repo.js';
import type { Store } from '../storage/store.js';
import type { TokenRecord } from '../storage/token-repo.js';
import {
  newSessionClass,
  projectedUsedMs as projectUsage,
  requestDisconnect,
  slotOf,
} from './session-ops.js';

/** AccessSettings are the timings the access decision needs, read on every call. */
export type AccessSettings = {
  reservationGraceSeconds: number;
  interimIntervalSeconds: number;
  staleAfterIntervals: number;
};

/** Evaluation is a read-only access decision with what it was based on. */
export type Evaluation = {
  decision: Decision;
  token: TokenRecord | undefined;
  /** Online time used at `now`, including unreported time of live sessions. */
  usedMs: number;
  slots: DeviceSlot[];
};

/** Admission is the outcome of `admit`: the decision and, when accepted, the slot's session. */
export type Admission =
  | { decision: Extract<Decision, { ok: false }> }
  | {
      decision: Extract<Decision, { ok: true }>;
      /** The session holding the slot: a new or extended reservation, or the device's live one. */
      session: SessionRecord;
      usedMs: number;
      /** Disconnect jobs queued for sessions evicted by the replace-oldest policy. */
      evictionJobs: number[];
    };

/** createAccessService returns the access use cases over a store. */
export function createAccessService(deps: {
  store: Store;
  clock: Clock;
  settings: () => AccessSettings;
}) {
  const { store } = deps;
  const staleMs = () => {
    const s = deps.settings();
    return s.staleAfterIntervals * s.interimIntervalSeconds * 1000;
  };

  const findToken = async (codeOrTokenId: string | number): Promise<TokenRecord | undefined> => {
    if (typeof codeOrTokenId === 'number') {
      const t = await store.tokens.findById(codeOrTokenId);
      return t && t.deletedAt === null ? t : undefined;
    }
    const code = normalizeCode(codeOrTokenId);
    return code === undefined ? undefined : store.tokens.findByCode(code);
  };

  return {
    /**
     * projectedUsedMs returns a token's online time at `now` including what its live
     * sessions used since their latest accounting report; throws PORTICO_NOT_FOUND.
     */
    async projectedUsedMs(tokenId: number, now: number = deps.clock.now()): Promise<number> {
      const t = await store.tokens.findById(tokenId);
      if (!t) throw notFound(`token #${tokenId}`);
      return projectUsage(store, t, now, staleMs());
    },
    /**
     * evaluate returns, without changing anything, whether the device `mac` could go online
     * on the token (a code as typed, or a token id) at `now`: the splash page's pre-check.
     * Only the RADIUS answer grants access.
     */
    async evaluate(
      codeOrTokenId: string | number,
      mac: string | null,
      now: number = deps.clock.now(),
    ): Promise<Evaluation> {
      const token = await findToken(codeOrTokenId);
      const device = mac === null ? null : (normalizeMac(mac) ?? null);
      if (!token) {
        return {
          decision: authorize(undefined, [], 0, { mac: device, now }),
          token,
          usedMs: 0,
          slots: [],
        };
      }
      const slots = (await store.sessions.slotsOf(token.id, now)).map(slotOf);
      const usedMs = await projectUsage(store, token, now, staleMs());
      return {
        decision: authorize(token, slots, usedMs, { mac: device, now }),
        token,
        usedMs,
        slots,
      };
    },
    /**
     * admit decides whether a device may go online on `token` and, if so, holds its slot:
     * the same device reuses its reservation or live session (re-authentication, roaming),
     * a new device gets a reservation until `now` + the grace period, and under the
     * replace-oldest policy the oldest devices are asked to leave. Call it inside a
     * transaction (it holds the token's row until the commit); it queues Disconnect jobs but
     * sends nothing.
     */
    async admit(
      seen: TokenRecord,
      mac: MacAddress | null,
      identity: SessionIdentity,
      now: number,
    ): Promise<Admission> {
      // Two nodes deciding for the same token take turns on its row: the second counts the
      // slot the first reserved. SQLite's write transaction already excludes the other
      // writers, and the caller read the token inside it; on PostgreSQL the token is read
      // again after the wait, as another node may have charged, revoked or deleted it.
      await store.tokens.lockForUpdate([seen.id]);
      let token = seen;
      if (store.backend !== 'sqlite') {
        const fresh = await store.tokens.findById(seen.id);
        if (!fresh || fresh.deletedAt !== null)
          return { decision: { ok: false, reason: 'unknown' } };
        token = fresh;
      }
      const settings = deps.settings();
      const held = await store.sessions.slotsOf(token.id, now);
      // The token row counts its live sessions: with none there is nothing to project.
      const usedMs =
        token.liveSessions === 0 ? token.usedMs : await projectUsage(store, token, now, staleMs());
      const decision = authorize(token, held.map(slotOf), usedMs, { mac, now });
      if (!decision.ok) return { decision };
      const until = now + settings.reservationGraceSeconds * 1000;
      if (decision.sameDevice) {
        const mine = held.filter((s) => s.deviceMac === mac);
        const reserved = mine.find((s) => s.status === 'reserved');
        if (reserved) {
          await store.sessions.extendReservation(reserved.id, until);
          return { decision, session: reserved, usedMs, evictionJobs: [] };
        }
        const current = mine.at(-1);
        if (current) return { decision, session: current, usedMs, evictionJobs: [] };
      }
      const evictionJobs: number[] = [];
      for (const slot of decision.evict) {
        const s = held.find((h) => h.id === slot.sessionId);
        if (!s) continue;
        const job = await requestDisconnect(store, s, 'replaced-by-new-device', 'portico', now);
        if (job !== null) evictionJobs.push(job);
      }
      const session = await store.sessions.insert({
        ...identity,
        deviceMac: mac,
        tokenId: token.id,
        status: 'reserved',
        class: newSessionClass(),
        reservedAt: now,
        reservationExpiresAt: until,
        startedAt: null,
        lastSeenAt: null,
        updatedAt: null,
        interimInterval: settings.interimIntervalSeconds,
      });
      return { decision, session, usedMs, evictionJobs };
    },
    /**
     * bindDevice authorises a device MAC for a token (RADIUS MAC authentication), replacing
     * any binding the MAC had, and returns the binding id; throws PORTICO_BAD_INPUT for a
     * MAC that is not one and PORTICO_NOT_FOUND for an unknown or deleted token.
     */
    async bindDevice(
      tokenId: number,
      mac: string,
      nasId?: number | null,
    ): Promise<{ bindingId: number }> {
      const device = normalizeMac(mac);
      if (!device) throw badInput([{ field: 'mac', message: 'must be a MAC address' }]);
      const now = deps.clock.now();
      return store.transaction(async (tx) => {
        const t = await tx.tokens.findById(tokenId);
        if (!t || t.deletedAt !== null) throw notFound(`token #${tokenId}`);
        return { bindingId: await tx.bindings.bind(tokenId, device, nasId ?? null, now) };
      });
    },
  };
}

/** AccessService is the access use cases' interface. */
export type AccessService = ReturnType<typeof createAccessService>;
