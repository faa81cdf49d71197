// Routers whose guests are let on through a controller's API instead of RADIUS (UniFi's
// external portal). Authorising holds the device's slot like an Access-Accept, asks the
// controller outside any transaction, and on success opens the session the way an
// Accounting Start would. UniFi's guest authorisation runs on the wall clock, so while it
// lasts a ticker charges the session like Interim-Updates; the cut-off worker ends it with
// `unauthorize-guest` and records the stop.

import type { MacAddress } from '../core/mac.js';
import type { Clock } from '../clock.js';
import type { NasRecord } from '../storage/nas-repo.js';
import type { SessionIdentity, SessionRecord } from '../storage/session-repo.js';
import type { Store } from '../storage/store.js';
import {
  createControllerClient,
  type ControllerClient,
  type ControllerFetch,
  type ControllerResult,
} from '../unifi/controller-client.js';
import type { AccessService } from './access-service.js';
import type { AccountingEvent, AccountingService } from './accounting-service.js';
import { alwaysHeld, type Lease } from './lease-service.js';
import type { ControllerAccountOf, NasService } from './nas-service.js';

/** UNLIMITED_MINUTES is what a token without a time limit is authorised for (a year). */
export const UNLIMITED_MINUTES = 525_600;

/** ControllerAuthorization is how authorising a guest through the controller went. */
export type ControllerAuthorization =
  | { ok: true; minutes: number }
  | {
      ok: false;
      reason: 'no-controller' | 'refused' | 'unreachable' | 'not-allowed';
      detail: string;
    };

/** ControllerDisconnect is the cut-off worker's view of an unauthorisation. */
export type ControllerDisconnect = { outcome: 'ack' | 'nak' | 'timeout' };

const acctSessionIdOf = (reservationId: number) => `controller-${reservationId}`;

/** createControllerService returns the controller hand-off, ticker and unauthorisation. */
export function createControllerService(deps: {
  store: Store;
  clock: Clock;
  access: Pick<AccessService, 'admit'>;
  accounting: Pick<AccountingService, 'record'>;
  nas: Pick<NasService, 'controllerAccount'>;
  /** Wakes the cut-off worker (evictions queued by replace-oldest). */
  wake: () => void;
  fetchImpl?: ControllerFetch;
  /**
   * The lease the ticker needs, for a lease time (default: held, one process alone): of
   * several nodes only its holder charges, so a session is never charged twice for a tick.
   */
  lease?: (ttlMs: number) => Lease;
}) {
  const { store, clock, access, accounting } = deps;
  let lease: Lease | undefined;
  // One client per router keeps its controller login; a changed account makes a new one.
  const clients = new Map<number, { key: string; client: ControllerClient }>();

  const clientOf = (nas: NasRecord): ControllerClient | undefined => {
    const account: ControllerAccountOf | undefined = deps.nas.controllerAccount(nas);
    if (!account) return undefined;
    const key = JSON.stringify(account);
    const known = clients.get(nas.id);
    if (known && known.key === key) return known.client;
    const client = createControllerClient(account, deps.fetchImpl);
    clients.set(nas.id, { key, client });
    return client;
  };

  const identityOf = (nas: NasRecord, mac: MacAddress, id: string | null): SessionIdentity => ({
    nasId: nas.id,
    acctSessionId: id,
    deviceMac: mac,
    framedIp: null,
    calledStation: null,
    nasPortId: null,
    login: 'mac',
    userName: null,
    nasIpAddress: null,
    nasIdentifier: null,
    callingStationId: mac,
  });

  const event = (
    status: AccountingEvent['status'],
    nas: NasRecord,
    s: Pick<SessionRecord, 'acctSessionId' | 'class' | 'deviceMac'>,
    now: number,
    terminateCause: string | null = null,
  ): AccountingEvent => ({
    status,
    nasId: nas.id,
    identity: identityOf(nas, s.deviceMac as MacAddress, s.acctSessionId),
    acctSessionId: s.acctSessionId,
    cls: s.class,
    userName: null,
    mac: s.deviceMac as MacAddress,
    eventAt: now,
    receivedAt: now,
    sessionSeconds: undefined,
    inputOctets: undefined,
    outputOctets: undefined,
    terminateCause,
  });

  const nakOrTimeout = (r: ControllerResult): ControllerDisconnect =>
    r.outcome === 'ok'
      ? { outcome: 'ack' }
      : { outcome: r.outcome === 'refused' ? 'nak' : 'timeout' };

  let timer: NodeJS.Timeout | undefined;

  return {
    /**
     * start charges live controller sessions every `intervalMs` (well inside the stale
     * window, so the sweeper never takes them for lost); `onError` hears a failed pass.
     */
    start(intervalMs = 30_000, onError: (err: unknown) => void = () => undefined): void {
      if (timer) return;
      // Three ticks without renewal and another node takes over.
      const held = deps.lease?.(3 * intervalMs) ?? alwaysHeld('controller-ticker');
      lease = held;
      timer = setInterval(() => {
        held
          .hold()
          .then((mine) => (mine ? this.tick() : 0))
          .catch(onError);
      }, intervalMs);
      timer.unref();
    },
    /** stop ends the ticker and gives its lease up, so another node takes over at once. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await lease?.release().catch(() => undefined);
      lease = undefined;
    },
    /** handles returns true when this router's guests are authorised through a controller. */
    handles(nas: NasRecord): boolean {
      return nas.controllerUrl !== null && nas.controllerSite !== null;
    },

    /**
     * authorize lets device `mac` on through the router's controller for the token's time
     * left: the slot is held first (device limit, like an Access-Accept), the controller is
     * asked outside any transaction, and the session opens only when it agreed.
     */
    async authorize(input: {
      tokenId: number;
      nasId: number | null;
      mac: MacAddress;
      apMac?: MacAddress;
    }): Promise<ControllerAuthorization> {
      const nas = input.nasId === null ? undefined : await store.nas.findById(input.nasId);
      const client = nas && this.handles(nas) ? clientOf(nas) : undefined;
      if (!nas || !client)
        return {
          ok: false,
          reason: 'no-controller',
          detail: 'the router has no usable controller',
        };
      const now = clock.now();
      const held = await store.transaction(async (tx) => {
        const token = await tx.tokens.findById(input.tokenId);
        if (!token) return { ok: false as const, detail: 'unknown' };
        const a = await access.admit(token, input.mac, identityOf(nas, input.mac, null), now);
        if (!('session' in a)) return { ok: false as const, detail: a.decision.reason };
        return {
          ok: true as const,
          session: a.session,
          timeout: a.decision.sessionTimeout,
          evictions: a.evictionJobs.length,
          limits: {
            upKbps: token.rateUpKbps ?? undefined,
            downKbps: token.rateDownKbps ?? undefined,
            megabytes:
              token.dataQuotaBytes === null
                ? undefined
                : Math.max(1, Math.ceil((token.dataQuotaBytes - token.usedBytes) / 1_000_000)),
          },
        };
      });
      if (!held.ok) return { ok: false, reason: 'not-allowed', detail: held.detail };
      if (held.evictions > 0) deps.wake();
      const minutes =
        held.timeout === null ? UNLIMITED_MINUTES : Math.max(1, Math.ceil(held.timeout / 60));
      const answer = await client.authorizeGuest(input.mac, {
        minutes,
        ...(input.apMac ? { apMac: input.apMac } : {}),
        ...Object.fromEntries(Object.entries(held.limits).filter(([, v]) => v !== undefined)),
      });
      const at = clock.now();
      await store.transaction(async (tx) => {
        const s = await tx.sessions.findById(held.session.id);
        if (!s) return;
        // Even when the reservation lapsed meanwhile, the guest is on: open its session.
        if (answer.outcome === 'ok') {
          const id = s.acctSessionId ?? acctSessionIdOf(s.id);
          await accounting.record(
            event(s.status === 'live' ? 'interim' : 'start', nas, { ...s, acctSessionId: id }, at),
          );
        } else if (s.status === 'reserved') {
          await tx.sessions.close(s.id, {
            stoppedAt: at,
            terminateCause: 'controller-refused',
            closedBy: 'portico',
            updatedAt: at,
          });
        }
      });
      if (answer.outcome === 'ok') return { ok: true, minutes };
      return { ok: false, reason: answer.outcome, detail: answer.message };
    },

    /**
     * tick charges every live controller session up to now, as an Interim-Update would, and
     * returns how many it charged; run it every interim interval.
     */
    async tick(now: number = clock.now()): Promise<number> {
      return store.transaction(async (tx) => {
        let charged = 0;
        for (const nas of await tx.nas.list()) {
          if (!this.handles(nas)) continue;
          for (const s of await tx.sessions.openOfNas(nas.id)) {
            if (s.status !== 'live') continue;
            await accounting.record(event('interim', nas, s, now));
            charged++;
          }
        }
        return charged;
      });
    },

    /** disconnect asks the controller to unauthorise a session's device (cut-off worker). */
    async disconnect(nas: NasRecord, s: SessionRecord): Promise<ControllerDisconnect> {
      const client = clientOf(nas);
      if (!client || !s.deviceMac) return { outcome: 'timeout' };
      return nakOrTimeout(await client.unauthorizeGuest(s.deviceMac));
    },

    /**
     * reauthorize gives a live session's device `seconds` more from now (a CoA after staff
     * changed the token), or reports why not.
     */
    async reauthorize(
      nas: NasRecord,
      s: SessionRecord,
      seconds: number,
    ): Promise<ControllerDisconnect> {
      const client = clientOf(nas);
      if (!client || !s.deviceMac) return { outcome: 'timeout' };
      const minutes = Math.max(1, Math.ceil(seconds / 60));
      return nakOrTimeout(await client.authorizeGuest(s.deviceMac, { minutes }));
    },

    /** stopped records, in the caller's transaction, that the controller ended a session. */
    async stopped(nas: NasRecord, s: SessionRecord, now: number, cause: string): Promise<void> {
      await accounting.record(event('stop', nas, s, now, cause));
    },
  };
}

/** ControllerService is the controller hand-off's interface. */
export type ControllerService = ReturnType<typeof createControllerService>;
