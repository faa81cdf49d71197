// Cut-off is active, not hoped for. A scheduler finds live sessions whose token is used up,
// expired, revoked or deleted and queues Disconnect jobs in a transaction; a worker sends
// them (and CoA-Requests when staff change a token) to the NAS outside any transaction and
// records what it answered. The same pass closes sessions gone silent (a lost Stop) at their
// last known time and closes reservations whose grace ended, freeing their slots.

import { hostname } from 'node:os';
import { excessSlots } from '../core/authorize.js';
import { deriveState, timeLeft } from '../core/token.js';
import type { Clock } from '../clock.js';
import type { MetricsHooks } from './metrics-service.js';
import type { AttributePair } from '../radius/attributes.js';
import type {
  DasTarget,
  DynamicAuthorizationClient,
  DynamicAuthorizationResult,
} from '../radius/dynamic-authorization.js';
import type { CoaJobRecord, RouterCoaHealth } from '../storage/coa-job-repo.js';
import type { NasRecord } from '../storage/nas-repo.js';
import type { SessionRecord } from '../storage/session-repo.js';
import type { Store } from '../storage/store.js';
import type { TokenRecord } from '../storage/token-repo.js';
import type { ControllerService } from './controller-service.js';
import type { TokenChange } from './token-service.js';
import { projectedUsedMs, requestDisconnect, slotOf } from './session-ops.js';
import { alwaysHeld, type Lease } from './lease-service.js';
import { createUsageEvents, type UsageEvents } from './usage-events.js';
import { dasRules, sessionAttributes, sessionIdentification } from './vendor-attributes.js';

/** CutoffLogger is the pino-like logger the cut-off service writes to. */
export type CutoffLogger = {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
};

/** CutoffSettings are the timings the cut-off pass needs, read on every pass. */
export type CutoffSettings = {
  interimIntervalSeconds: number;
  staleAfterIntervals: number;
  /** The Idle-Timeout Access-Accepts carry, restated in a CoA; 0 or absent: none. */
  idleTimeoutSeconds?: number;
};

/** ScanResult counts what one scheduler pass did. */
export type ScanResult = { disconnects: number; stale: number; lapsed: number };

/** MAX_DISCONNECT_TRIES bounds how often the scheduler retries a session the NAS did not end. */
export const MAX_DISCONNECT_TRIES = 3;
/** RETRY_AFTER_MS is how long after a failed Disconnect the scheduler tries again. */
export const RETRY_AFTER_MS = 30_000;
/** MAX_SWEPT_DISCONNECTS bounds the stale-closed sessions a revoke or delete asks the NAS about. */
const MAX_SWEPT_DISCONNECTS = 20;
/** PER_ROUTER_IN_FLIGHT bounds the jobs on the wire to one router, so one cannot take every lane. */
export const PER_ROUTER_IN_FLIGHT = 16;
/**
 * CLAIM_LEASE_MS is how long a node's claim on the jobs it is sending holds without renewal;
 * a node renews it every third of that while it waits for answers, so another node takes
 * over the jobs of a node that died at most this long after it stopped renewing.
 */
export const CLAIM_LEASE_MS = 30_000;

/** defaultNodeId returns this process's node id when none is configured: host name and pid. */
export function defaultNodeId(): string {
  return `${hostname()}:${process.pid}`;
}

/** ROUTER_BACKOFF_MS are the first and the longest pause for a router whose DAS does not answer. */
export const ROUTER_BACKOFF_MS = { first: 30_000, max: 10 * 60_000 } as const;

/** routerBackoffMs returns the pause after a router's `rounds`-th unanswered round: doubling. */
export function routerBackoffMs(rounds: number): number {
  const n = Math.max(1, Math.min(rounds, 20));
  return Math.min(ROUTER_BACKOFF_MS.max, ROUTER_BACKOFF_MS.first * 2 ** (n - 1));
}

/** RouterCoaState is a router's DAS as the worker treats it: sent to, paused, or on probation. */
export type RouterCoaState = 'ok' | 'backed-off' | 'probing';

/** RouterCoaStatus is a router's CoA health with the state it puts the router in at a moment. */
export type RouterCoaStatus = RouterCoaHealth & { state: RouterCoaState };

/** Done is a sent (or unsendable) job with what came back and whether it reached a router. */
type Done = {
  job: CoaJobRecord;
  result: Pick<DynamicAuthorizationResult, 'outcome' | 'errorCause'> | Deferred;
  reached: boolean;
  /** The router's name, for the Prometheus counter (staff-made, so a closed label set). */
  router?: string;
};

/** SESSION_LIMITS are the token fields a live session's router enforces. */
const SESSION_LIMITS: ReadonlySet<string> = new Set([
  'minutes',
  'validFrom',
  'validUntil',
  'expiresAfterFirstUseMinutes',
  'dataQuotaBytes',
  'rateDownKbps',
  'rateUpKbps',
]);
/** SESSION_NOT_FOUND is Error-Cause 503: the NAS has no such session (RFC 5176 §3.5). */
const SESSION_NOT_FOUND = 503;

/** ControllerCutoff is what the worker needs from the controller service. */
export type ControllerCutoff = Pick<
  ControllerService,
  'handles' | 'disconnect' | 'reauthorize' | 'stopped'
>;

/** UNSUPPORTED_SERVICE is Error-Cause 405, recorded for a CoA no openNDS gateway can apply. */
const UNSUPPORTED_SERVICE = 405;

/**
 * Deferred marks a Disconnect for a router Portico cannot reach (openNDS): it stays
 * `sending` until the router's BinAuth watcher picks it up and reports the session's end.
 */
type Deferred = { outcome: 'deferred'; errorCause?: undefined };

/** DasSender is the part of the radius layer's Disconnect/CoA client the worker uses. */
export type DasSender = Pick<DynamicAuthorizationClient, 'sendDisconnect' | 'sendCoa'>;

/** cutReason returns why a token's sessions must end at `now`, or null when they may go on. */
function cutReason(t: TokenRecord, usedMs: number, now: number): string | null {
  if (t.deletedAt !== null) return 'deleted';
  const state = deriveState(t, usedMs, 0, now);
  if (state === 'revoked' || state === 'expired' || state === 'depleted') return state;
  if (state === 'scheduled') return 'not-yet-valid';
  const left = timeLeft(t, usedMs, now);
  // Under a second cannot be a Session-Timeout: the access decision already refuses it.
  if (left.ms !== null && left.ms < 1000) return left.limit === 'minutes' ? 'depleted' : 'expired';
  return null;
}

/** createCutoffService returns the cut-off scheduler and the Disconnect/CoA worker. */
export function createCutoffService(deps: {
  store: Store;
  clock: Clock;
  settings: () => CutoffSettings;
  /** The radius layer's client; null (until `attach`) sends nothing: jobs stay queued. */
  das?: DasSender | null;
  logger?: CutoffLogger;
  /** Scheduler period; default 5 s. */
  intervalMs?: number;
  /** Jobs sent at once; default 64. */
  concurrency?: number;
  /** Jobs in flight to one router at once; default PER_ROUTER_IN_FLIGHT. */
  perRouter?: number;
  /** Raises session.stopped and token.expired in the pass's transaction. */
  events?: UsageEvents;
  /** Routers whose guests a controller API lets on (UniFi): the worker ends those there. */
  controllers?: () => ControllerCutoff | undefined;
  /** Counts each NAS answer for Prometheus, by router name. */
  metrics?: Pick<MetricsHooks, 'coaFinished'>;
  /** This node's id in job claims (PORTICO_NODE_ID); default host name and pid. */
  nodeId?: string;
  /** How long a claim holds without renewal; default CLAIM_LEASE_MS. */
  leaseMs?: number;
  /**
   * The lease the scheduler pass needs, for a lease time (default: held, one process alone):
   * of several nodes only its holder sweeps stale sessions and queues Disconnects, so none
   * is queued twice; every node's worker sends the jobs it claims.
   */
  lease?: (ttlMs: number) => Lease;
}) {
  const { store, clock } = deps;
  const usage = deps.events ?? createUsageEvents({ store });
  let das = deps.das ?? null;
  let logger: CutoffLogger = deps.logger ?? {
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  const concurrency = deps.concurrency ?? 64;
  const perRouter = deps.perRouter ?? PER_ROUTER_IN_FLIGHT;
  const nodeId = deps.nodeId ?? defaultNodeId();
  const leaseMs = deps.leaseMs ?? CLAIM_LEASE_MS;
  let kick: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let renewal: NodeJS.Timeout | undefined;
  let soon: NodeJS.Immediate | undefined;
  let working: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  // Three passes without renewal and another node takes the scheduler over.
  let scanLease: Lease = deps.lease?.(3 * (deps.intervalMs ?? 5000)) ?? alwaysHeld('cutoff-scan');
  // Set while stopping: answers cut short by the shutdown are not recorded, so those jobs
  // stay 'sending' and are sent again after the next start.
  let closing = false;
  const staleMs = () => {
    const s = deps.settings();
    return s.staleAfterIntervals * s.interimIntervalSeconds * 1000;
  };

  /** mayRetry returns whether the scheduler should queue another Disconnect for a session. */
  const mayRetry = async (sessionId: number, now: number): Promise<boolean> => {
    const jobs = (await store.coaJobs.ofSession(sessionId)).filter((j) => j.kind === 'disconnect');
    if (jobs.some((j) => j.state === 'pending' || j.state === 'sending' || j.state === 'ack'))
      return false;
    if (jobs.length >= MAX_DISCONNECT_TRIES) return false;
    const last = jobs.at(-1);
    return !last || now - (last.finishedAt ?? last.createdAt) >= RETRY_AFTER_MS;
  };

  /**
   * keepWithinLimits queues Disconnects for the devices beyond a token's device limit: an
   * eviction the NAS refused (its slot came back) or a device the router let on without a
   * slot. The oldest devices go under replace-oldest, the newest under refuse; each session
   * is tried a bounded number of times. Returns the Disconnects queued.
   */
  const keepWithinLimits = async (now: number): Promise<number> => {
    let queued = 0;
    for (const tokenId of await store.sessions.overDeviceLimit(now)) {
      const t = await store.tokens.findById(tokenId);
      if (!t) continue;
      const held = await store.sessions.slotsOf(tokenId, now);
      const reason = t.whenFull === 'replace-oldest' ? 'replaced-by-new-device' : 'device-limit';
      for (const slot of excessSlots(t, held.map(slotOf))) {
        const s = held.find((h) => h.id === slot.sessionId);
        if (!s || (s.status === 'live' && !(await mayRetry(s.id, now)))) continue;
        if ((await requestDisconnect(store, s, reason, null, now)) !== null) queued++;
      }
    }
    return queued;
  };

  /** scan runs one scheduler pass in one transaction and returns what it did. */
  const scan = async (now: number = clock.now()): Promise<ScanResult> => {
    const window = staleMs();
    return store.transaction(async (tx) => {
      // Two nodes' passes take turns, so the second sees the Disconnects the first queued.
      await tx.coaJobs.lockScheduler();
      const lapsed = await tx.sessions.closeLapsedReservations(now);
      let stale = 0;
      const intervals = deps.settings().staleAfterIntervals;
      for (const s of await tx.sessions.listStale(now - window, now, intervals)) {
        const how = {
          stoppedAt: s.lastSeenAt ?? s.startedAt ?? now,
          terminateCause: 'stale',
          closedBy: 'sweeper',
        };
        // Accounting that arrived meanwhile (on another node) keeps it live; only the pass
        // that closed it announces the stop.
        if (!(await tx.sessions.closeStale(s.id, { ...how, updatedAt: s.updatedAt ?? now })))
          continue;
        await usage.sessionStopped(s, how);
        stale++;
      }
      await usage.prune(now);
      let disconnects = 0;
      for (const c of await tx.sessions.liveTokenBudgets()) {
        // Cheap bound first: the projection can add at most the time since the oldest report.
        const bound = c.usedMs + Math.max(0, now - c.since);
        const suspect =
          c.revokedAt !== null ||
          c.deletedAt !== null ||
          (c.validUntil !== null && c.validUntil - now < 1000) ||
          (c.validFrom !== null && now < c.validFrom) ||
          (c.firstUseDeadline !== null && c.firstUseDeadline - now < 1000) ||
          (c.dataQuotaBytes !== null && c.usedBytes >= c.dataQuotaBytes) ||
          (c.minutes !== null && bound >= c.minutes * 60_000 - 1000);
        if (!suspect) continue;
        const t = await tx.tokens.findById(c.tokenId);
        if (!t) continue;
        const live = await tx.sessions.liveOf(t.id);
        const reason = cutReason(t, await projectedUsedMs(tx, t, now, window, live), now);
        if (reason === null) continue;
        if (reason === 'expired') await usage.tokenExpired(t, live.length, now);
        for (const s of live) {
          if (!(await mayRetry(s.id, now))) continue;
          await requestDisconnect(tx, s, reason, null, now);
          disconnects++;
        }
      }
      disconnects += await keepWithinLimits(now);
      if (stale + disconnects > 0) {
        logger.info({ stale, disconnects, lapsed }, 'cut-off pass');
      }
      return { disconnects, stale, lapsed };
    });
  };

  /** target returns where and how to reach a NAS's Dynamic Authorization Server. */
  const target = (nas: NasRecord): DasTarget => {
    // What the vendor's DAS refuses stays out whatever the router's flags say.
    const rules = dasRules(nas.vendor);
    return {
      address: nas.address,
      port: nas.coaPort,
      secret: Buffer.from(nas.secret, 'utf8'),
      addEventTimestamp: nas.coaEventTimestamp && !rules.refusesEventTimestamp,
      addMessageAuthenticator: nas.coaMessageAuthenticator && !rules.refusesMessageAuthenticator,
    };
  };

  /**
   * restatement returns a CoA's session settings: everything the session's Access-Accept set
   * that the vendor's DAS takes in a CoA, since some (CoovaChilli) reset whatever a CoA leaves
   * out, interim accounting included. Limits count from the start of the session, as the
   * Accept's did: the Session-Timeout the job computed, the octets it has used plus the
   * token's quota left.
   */
  const restatement = (
    job: CoaJobRecord,
    s: SessionRecord,
    nas: NasRecord,
    t: TokenRecord | undefined,
  ): AttributePair[] => {
    const settings = deps.settings();
    const quotaLeft =
      t && t.dataQuotaBytes !== null ? Math.max(0, t.dataQuotaBytes - t.usedBytes) : null;
    return sessionAttributes(
      nas.vendor,
      {
        sessionTimeout: job.sessionTimeout,
        interimIntervalSeconds: s.interimInterval ?? settings.interimIntervalSeconds,
        idleTimeoutSeconds: settings.idleTimeoutSeconds ?? 0,
        sessionClass: s.class,
        limits: {
          rateDownKbps: t?.rateDownKbps ?? null,
          rateUpKbps: t?.rateUpKbps ?? null,
          dataLeftBytes: quotaLeft === null ? null : quotaLeft + s.inputOctets + s.outputOctets,
        },
      },
      dasRules(nas.vendor).coaRestates,
    );
  };

  /** sendOne sends one claimed job and returns the NAS's answer (timeout when unreachable). */
  const sendOne = async (job: CoaJobRecord): Promise<Done> => {
    const s = await store.sessions.findById(job.sessionId);
    const nas = s?.nasId != null ? await store.nas.findById(s.nasId) : undefined;
    const router = nas?.name ?? '(removed)';
    const controllers = deps.controllers?.();
    if (s && nas && controllers?.handles(nas)) {
      // No RADIUS here: the controller unauthorises the guest, or gives it the new time.
      const elapsed = Math.floor((clock.now() - (s.startedAt ?? clock.now())) / 1000);
      const result =
        job.kind === 'disconnect'
          ? await controllers.disconnect(nas, s)
          : job.sessionTimeout === null
            ? { outcome: 'ack' as const }
            : await controllers.reauthorize(nas, s, job.sessionTimeout - elapsed);
      // A controller that does not answer is paused like a router that does not.
      return { job, result, reached: true, router };
    }
    if (!s || !nas || !das) {
      logger.warn(
        { job: job.id, session: job.sessionId },
        'Disconnect/CoA job has no NAS to send to',
      );
      return { job, result: { outcome: 'timeout' }, reached: false, router };
    }
    if (nas.vendor === 'opennds') {
      // No RADIUS to send: the gateway's watcher polls for Disconnects, and nothing outside
      // the gateway can change a session it already let on.
      return job.kind === 'disconnect'
        ? { job, result: { outcome: 'deferred' }, reached: false, router }
        : {
            job,
            result: { outcome: 'nak', errorCause: UNSUPPORTED_SERVICE },
            reached: false,
            router,
          };
    }
    const t = await store.tokens.findById(s.tokenId);
    const attrs = sessionIdentification(nas.vendor, s, t?.code ?? null);
    try {
      if (job.kind === 'disconnect') {
        return { job, result: await das.sendDisconnect(target(nas), attrs), reached: true, router };
      }
      return {
        job,
        result: await das.sendCoa(target(nas), [...attrs, ...restatement(job, s, nas, t)]),
        reached: true,
        router,
      };
    } catch (err) {
      logger.error({ err, job: job.id }, 'Disconnect/CoA could not be sent');
      return { job, result: { outcome: 'timeout' }, reached: false, router };
    }
  };

  /** record stores what the NAS answered and what follows from it for the session. */
  const record = async (done: Done[]): Promise<void> => {
    if (closing) return;
    const now = clock.now();
    const backedOff: RouterCoaHealth[] = [];
    await store.transaction(async (tx) => {
      for (const { job, result, reached } of done) {
        if (result.outcome === 'deferred') continue;
        await tx.coaJobs.finish(job.id, result.outcome, result.errorCause ?? null, now);
        if (reached && job.nasId !== null) {
          if (result.outcome !== 'timeout') await tx.coaJobs.routerAnswered(job.nasId, now);
          else {
            const h = await tx.coaJobs.routerTimedOut(job.nasId, now, routerBackoffMs);
            if (h.lastTimeoutAt === now && h.backoffUntil !== null && h.backoffUntil > now)
              backedOff.push(h);
          }
        }
        if (job.kind !== 'disconnect') continue;
        const s = await tx.sessions.findById(job.sessionId);
        if (!s || s.status === 'closed') continue;
        if (result.outcome === 'nak' && result.errorCause === SESSION_NOT_FOUND) {
          // The NAS no longer has this session: its Stop was lost. Close it where we last saw it.
          const how = {
            stoppedAt: s.lastSeenAt ?? s.startedAt ?? now,
            terminateCause: 'session-not-found',
            closedBy: 'portico',
          };
          await tx.sessions.close(s.id, { ...how, updatedAt: now });
          if (s.status === 'live') await usage.sessionStopped(s, how);
        } else if (result.outcome !== 'ack') {
          // Still online: it holds its slot again until a later attempt ends it.
          await tx.sessions.restoreSlot(s.id);
        } else {
          // A controller sends no accounting Stop: its ACK is the end of the session.
          const nas = s.nasId !== null ? await tx.nas.findById(s.nasId) : undefined;
          const controllers = deps.controllers?.();
          if (nas && controllers?.handles(nas)) await controllers.stopped(nas, s, now, job.reason);
        }
      }
    });
    for (const { job, result, router } of done) {
      deps.metrics?.coaFinished(router ?? '(removed)', job.kind, result.outcome);
      logger.info(
        {
          job: job.id,
          session: job.sessionId,
          kind: job.kind,
          reason: job.reason,
          outcome: result.outcome,
          errorCause: result.errorCause,
        },
        `${job.kind === 'disconnect' ? 'Disconnect' : 'CoA'} ${result.outcome}`,
      );
    }
    for (const h of backedOff) {
      logger.warn(
        { nas: h.nasId, rounds: h.rounds, until: new Date(h.backoffUntil ?? now).toISOString() },
        'router does not answer Disconnect/CoA: its jobs wait until the back-off ends',
      );
    }
  };

  /**
   * work keeps up to `concurrency` jobs on the wire, claimed fairly per router (see
   * claimFair), recording each as its router answers and claiming the next at once, so a
   * router that never answers holds only its own lane. It returns when nothing is in flight
   * and nothing can be claimed (a backed-off router's jobs wait for a later pass).
   */
  const work = async (): Promise<void> => {
    const inFlight = new Set<Promise<void>>();
    for (;;) {
      if (!closing && inFlight.size < concurrency) {
        const now = clock.now();
        const jobs = await store.transaction(async (tx) =>
          tx.coaJobs.claimFair(
            now,
            { limit: concurrency - inFlight.size, perRouter },
            { node: nodeId, until: now + leaseMs },
          ),
        );
        for (const job of jobs) {
          const p: Promise<void> = sendOne(job)
            .then((done) => record([done]))
            .catch((err: unknown) =>
              logger.error({ err, job: job.id }, 'Disconnect/CoA job failed'),
            )
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
      }
      if (inFlight.size === 0) return;
      // Wake when a job ends or when new work is queued (drain), whichever comes first.
      await Promise.race([
        ...inFlight,
        new Promise<void>((resolve) => {
          kick = resolve;
        }),
      ]);
      kick = undefined;
    }
  };

  /** drain runs the worker, or wakes the running one so it claims what was just queued. */
  const drain = (): Promise<void> => {
    if (working) {
      again = true;
      kick?.();
      return working;
    }
    working = (async () => {
      do {
        again = false;
        try {
          await work();
        } catch (err) {
          logger.error({ err }, 'Disconnect/CoA worker failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      working = undefined;
    });
    return working;
  };

  /** tick runs a scheduler pass and sends what it queued. */
  const tick = async (): Promise<void> => {
    try {
      if (await scanLease.hold()) await scan();
    } catch (err) {
      logger.error({ err }, 'cut-off pass failed');
    }
    return drain();
  };

  return {
    scan,
    /** routerHealth returns each router's Disconnect/CoA state and its jobs waiting, at `now`. */
    async routerHealth(now: number = clock.now()): Promise<RouterCoaStatus[]> {
      return (await store.coaJobs.routerHealth()).map((h) => ({
        ...h,
        state:
          h.backoffUntil !== null && now < h.backoffUntil
            ? 'backed-off'
            : h.rounds > 0
              ? 'probing'
              : 'ok',
      }));
    },
    /** processJobs sends every queued job and resolves when the NAS answered or it gave up. */
    processJobs: drain,
    /** tick runs one scheduler pass and then the worker; tests drive it directly. */
    tick,
    /** wake runs a pass and the worker soon (after the current event-loop turn). */
    wake(): void {
      if (stopped || soon) return;
      soon = setImmediate(() => {
        soon = undefined;
        void tick();
      });
    },
    /**
     * tokenChanged makes a token's live sessions follow a committed change: a CoA that
     * restates the session's settings with the new Session-Timeout when they may go on, else
     * the next pass disconnects them; a revoke or delete also queues a Disconnect for the
     * sessions the sweeper closed as stale. It never throws: staff's change is already saved.
     */
    async tokenChanged(tokenId: number, change: TokenChange): Promise<void> {
      try {
        if (change.kind === 'updated' && change.changed.some((k) => SESSION_LIMITS.has(k))) {
          const now = clock.now();
          await store.transaction(async (tx) => {
            const t = await tx.tokens.findById(tokenId);
            if (!t) return;
            const live = await tx.sessions.liveOf(tokenId);
            const used = await projectedUsedMs(tx, t, now, staleMs(), live);
            if (cutReason(t, used, now) !== null) return;
            const left = timeLeft(t, used, now);
            for (const s of live) {
              if (s.slotReleasedAt !== null) continue;
              const elapsed = Math.max(0, Math.floor((now - (s.startedAt ?? now)) / 1000));
              await tx.coaJobs.insert({
                sessionId: s.id,
                kind: 'coa',
                reason: `token-${change.changed.join(',')}`.slice(0, 200),
                requestedBy: null,
                // Session-Timeout counts from the start of the session (RFC 2865 §5.27).
                sessionTimeout: left.ms === null ? null : elapsed + Math.floor(left.ms / 1000),
                createdAt: now,
              });
            }
          });
        }
        if (change.kind === 'revoked' || change.kind === 'deleted') {
          const now = clock.now();
          await store.transaction(async (tx) => {
            // The pass disconnects live sessions; sessions swept as stale are Portico's guess,
            // so the router is asked too, once each.
            for (const s of await tx.sessions.sweptOf(tokenId, MAX_SWEPT_DISCONNECTS)) {
              const asked = (await tx.coaJobs.ofSession(s.id)).some(
                (j) => j.kind === 'disconnect' && j.state !== 'nak' && j.state !== 'timeout',
              );
              if (!asked) await requestDisconnect(tx, s, change.kind, null, now);
            }
          });
        }
        this.wake();
      } catch (err) {
        logger.error({ err, tokenId }, 'token change did not reach its live sessions');
      }
    },
    /** attach gives the worker the Disconnect/CoA client and the process logger. */
    attach(sender: DasSender | null, log?: CutoffLogger): void {
      das = sender;
      if (log) logger = log;
    },
    /** nodeId is the id this node's job claims carry. */
    nodeId,
    /**
     * start runs the scheduler every interval and requeues the jobs this node left sending
     * (on SQLite, which no other node shares, every job left sending).
     */
    async start(intervalMs: number = deps.intervalMs ?? 5000): Promise<void> {
      if (!stopped) return;
      stopped = false;
      if (deps.lease && intervalMs !== (deps.intervalMs ?? 5000))
        scanLease = deps.lease(3 * intervalMs);
      const mine = store.backend === 'sqlite' ? null : nodeId;
      await store.transaction(async (tx) => tx.coaJobs.requeueSending(mine));
      timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
      // While this node runs, the jobs it is sending (and openNDS Disconnects it handed to the
      // gateway's watcher) stay its own; after it dies another node takes them within a lease.
      renewal = setInterval(() => {
        store.coaJobs
          .renewClaims(nodeId, clock.now() + leaseMs)
          .catch((err: unknown) => logger.error({ err }, 'Disconnect/CoA claims not renewed'));
      }, leaseMs / 3);
      renewal.unref();
      this.wake();
    },
    /**
     * stop ends the scheduler and resolves once the worker has returned; close the
     * Disconnect/CoA client meanwhile so requests waiting for an answer end at once (their
     * jobs are sent again after the next start).
     */
    async stop(): Promise<void> {
      stopped = true;
      closing = true;
      if (timer) clearInterval(timer);
      if (renewal) clearInterval(renewal);
      if (soon) clearImmediate(soon);
      timer = undefined;
      renewal = undefined;
      soon = undefined;
      try {
        await working;
      } finally {
        closing = false;
      }
      await scanLease.release().catch(() => undefined);
    },
  };
}

/** CutoffService is the cut-off scheduler's and worker's interface. */
export type CutoffService = ReturnType<typeof createCutoffService>;
