// Sessions as staff, the API and the splash page see them: who is online, what happened,
// and cutting a device off. Cutting off queues a Disconnect job in a transaction and wakes
// the cut-off worker, which talks to the NAS outside any transaction.

import { performance } from 'node:perf_hooks';
import { describeSessionEnd, type SessionEnd } from '../core/describe.js';
import { normalizeMac } from '../core/mac.js';
import { remainingMs } from '../core/token.js';
import type { Clock } from '../clock.js';
import { badInput, notFound } from '../errors.js';
import type { CoaJobState } from '../storage/coa-job-repo.js';
import type { SessionRow, SessionStatus } from '../storage/session-repo.js';
import type { Store } from '../storage/store.js';
import { requestDisconnect } from './session-ops.js';

/** SessionView is one device session as staff and scripts see it. */
export type SessionView = {
  id: number;
  tokenId: number;
  code: string;
  status: SessionStatus;
  mac: string | null;
  ip: string | null;
  nasId: number | null;
  nasName: string | null;
  /** When accounting says the session started (null while only reserved). */
  startedAt: number | null;
  /** End of the online time charged so far. */
  lastSeenAt: number | null;
  stoppedAt: number | null;
  sessionSeconds: number;
  inputOctets: number;
  outputOctets: number;
  terminateCause: string | null;
  /** How it ended in plain words, and the RADIUS term behind them (for a tooltip). */
  ended: SessionEnd;
  /** The token's description (for a booking or visitor: the guest). */
  description: string;
  /** The token's time left when accounting last reported (minutes or validity); null: none. */
  leftMs: number | null;
  /** The latest Disconnect/CoA sent for this session and what the NAS answered. */
  lastCoa: {
    kind: string;
    state: CoaJobState;
    at: number;
    errorCause: number | null;
  } | null;
};

/** DeviceView is one device of a token: online, holding a reserved slot, or bound by MAC. */
export type DeviceView = {
  mac: string | null;
  status: 'online' | 'reserved' | 'bound';
  sessionId: number | null;
  since: number;
  lastSeenAt: number | null;
  nasId: number | null;
  nasName: string | null;
  ip: string | null;
  /** True when a MAC-authentication binding lets this device back on without a code. */
  bound: boolean;
};

/** JobOutcome is where a Disconnect/CoA job stands; errorCause comes with a NAK. */
export type JobOutcome = { state: CoaJobState; errorCause?: number };

/** Page is a window into a listing. */
type Page = { limit?: number | undefined; offset?: number | undefined };

/** toView returns the SessionView of a session row at `now`. */
function toView(r: SessionRow, now: number): SessionView {
  const minutesLeft = remainingMs({ minutes: r.tokenMinutes }, r.tokenUsedMs);
  const windowLeft = r.tokenValidUntil === null ? null : Math.max(0, r.tokenValidUntil - now);
  const limits = [minutesLeft, windowLeft].filter((x): x is number => x !== null);
  return {
    id: r.id,
    tokenId: r.tokenId,
    code: r.code,
    status: r.status,
    mac: r.deviceMac,
    ip: r.framedIp,
    nasId: r.nasId,
    nasName: r.nasName,
    startedAt: r.startedAt,
    lastSeenAt: r.lastSeenAt,
    stoppedAt: r.stoppedAt,
    sessionSeconds: r.sessionSeconds,
    inputOctets: r.inputOctets,
    outputOctets: r.outputOctets,
    terminateCause: r.terminateCause,
    ended: describeSessionEnd(
      r.terminateCause,
      r.coaKind === null || r.coaState === null
        ? null
        : {
            kind: r.coaKind,
            state: r.coaState,
            reason: r.coaReason,
            requestedBy: r.coaRequestedBy,
          },
    ),
    description: r.tokenDescription,
    leftMs: limits.length === 0 ? null : Math.min(...limits),
    lastCoa:
      r.coaKind === null || r.coaState === null
        ? null
        : {
            kind: r.coaKind,
            state: r.coaState as CoaJobState,
            at: r.coaAt ?? 0,
            errorCause: r.coaErrorCause,
          },
  };
}

const pageOf = (p: Page) => ({
  limit: Math.min(Math.max(p.limit ?? 100, 1), 1000),
  offset: Math.max(p.offset ?? 0, 0),
});

/** createSessionService returns the session use cases; `wake` nudges the cut-off worker. */
export function createSessionService(deps: { store: Store; clock: Clock; wake: () => void }) {
  const { store, clock } = deps;
  return {
    /** listLive returns the sessions online now (newest first) and how many there are. */
    async listLive(f: { tokenId?: number; nasId?: number } & Page = {}): Promise<{
      sessions: SessionView[];
      total: number;
    }> {
      const { rows, total } = await store.sessions.list(
        { statuses: ['live'], tokenId: f.tokenId, nasId: f.nasId },
        pageOf(f),
      );
      return { sessions: rows.map((r) => toView(r, clock.now())), total };
    },
    /**
     * history returns sessions that went online (live and closed, newest first) filtered by
     * token, router, device and a time window they overlap, and how many match in all.
     */
    async history(
      f: {
        tokenId?: number;
        nasId?: number;
        mac?: string;
        since?: number;
        until?: number;
      } & Page = {},
    ): Promise<{
      sessions: SessionView[];
      total: number;
    }> {
      let mac: string | undefined;
      if (f.mac !== undefined) {
        mac = normalizeMac(f.mac);
        if (!mac) throw badInput([{ field: 'mac', message: 'must be a MAC address' }]);
      }
      const { rows, total } = await store.sessions.list(
        {
          statuses: ['live', 'closed'],
          startedOnly: true,
          tokenId: f.tokenId,
          nasId: f.nasId,
          mac,
          since: f.since,
          until: f.until,
        },
        pageOf(f),
      );
      return { sessions: rows.map((r) => toView(r, clock.now())), total };
    },
    /** get returns one session; throws PORTICO_NOT_FOUND. */
    async get(sessionId: number): Promise<SessionView> {
      const r = await store.sessions.getRow(sessionId);
      if (!r) throw notFound(`session #${sessionId}`);
      return toView(r, clock.now());
    },
    /**
     * devicesOfToken returns a token's devices: online ones, ones holding a reserved slot,
     * and MACs bound for MAC authentication, one entry per device.
     */
    async devicesOfToken(tokenId: number): Promise<DeviceView[]> {
      const now = clock.now();
      const out: DeviceView[] = [];
      const byMac = new Map<string, DeviceView>();
      const { rows } = await store.sessions.list(
        { statuses: ['live', 'reserved'], tokenId },
        { limit: 1000, offset: 0 },
      );
      for (const r of rows.reverse()) {
        const held = r.status === 'live' || (r.reservationExpiresAt ?? 0) > now;
        if (!held || (r.status === 'reserved' && r.slotReleasedAt !== null)) continue;
        const existing = r.deviceMac === null ? undefined : byMac.get(r.deviceMac);
        if (existing && existing.status === 'online') continue;
        const view: DeviceView = {
          mac: r.deviceMac,
          status: r.status === 'live' ? 'online' : 'reserved',
          sessionId: r.id,
          since: r.startedAt ?? r.reservedAt,
          lastSeenAt: r.lastSeenAt,
          nasId: r.nasId,
          nasName: r.nasName,
          ip: r.framedIp,
          bound: false,
        };
        if (existing) Object.assign(existing, view);
        else {
          out.push(view);
          if (r.deviceMac !== null) byMac.set(r.deviceMac, view);
        }
      }
      for (const b of await store.bindings.liveOfToken(tokenId)) {
        const existing = byMac.get(b.deviceMac);
        if (existing) {
          existing.bound = true;
          continue;
        }
        out.push({
          mac: b.deviceMac,
          status: 'bound',
          sessionId: null,
          since: b.createdAt,
          lastSeenAt: null,
          nasId: b.nasId,
          nasName: b.nasId === null ? null : ((await store.nas.findById(b.nasId))?.name ?? null),
          ip: null,
          bound: true,
        });
      }
      return out;
    },
    /**
     * disconnect asks the NAS to end a session (a reservation is simply released) and
     * returns the Disconnect job's id, or null when nothing had to be sent; it records the
     * staff action and wakes the worker. Throws PORTICO_NOT_FOUND.
     */
    async disconnect(
      sessionId: number,
      actor: string,
      reason?: string,
    ): Promise<{ jobId: number | null }> {
      const now = clock.now();
      const jobId = await store.transaction(async (tx) => {
        const s = await tx.sessions.findById(sessionId);
        if (!s) throw notFound(`session #${sessionId}`);
        const job = await requestDisconnect(tx, s, reason ?? 'admin-reset', actor, now);
        await tx.audit.record({
          at: now,
          actor,
          action: 'session.disconnect',
          targetType: 'session',
          targetId: String(sessionId),
          details: { reason: reason ?? null, jobId: job },
        });
        return job;
      });
      if (jobId !== null) deps.wake();
      return { jobId };
    },
    /**
     * waitForJob resolves with a job's state once the NAS answered or the worker gave up,
     * or with its current state ('pending'/'sending') after `timeoutMs`. It reads the
     * database, so it also sees jobs that another Portico node sends. Throws
     * PORTICO_NOT_FOUND for an unknown job.
     */
    async waitForJob(jobId: number, timeoutMs: number): Promise<JobOutcome> {
      const deadline = performance.now() + Math.max(0, timeoutMs);
      for (;;) {
        const job = await store.coaJobs.findById(jobId);
        if (!job) throw notFound(`job #${jobId}`);
        const done = job.state !== 'pending' && job.state !== 'sending';
        if (done || performance.now() >= deadline) {
          return job.errorCause === null
            ? { state: job.state }
            : { state: job.state, errorCause: job.errorCause };
        }
        await new Promise((r) =>
          setTimeout(r, Math.min(25, Math.max(1, deadline - performance.now()))),
        );
      }
    },
    /**
     * signOutDevice ends a device's use of a token: its live sessions are disconnected, its
     * reservation released and its MAC binding removed. Returns the Disconnect jobs queued;
     * throws PORTICO_BAD_INPUT for a MAC that is not one.
     */
    async signOutDevice(
      tokenId: number,
      mac: string,
      actor: string,
    ): Promise<{ jobIds: number[] }> {
      const device = normalizeMac(mac);
      if (!device) throw badInput([{ field: 'mac', message: 'must be a MAC address' }]);
      const now = clock.now();
      const jobIds = await store.transaction(async (tx) => {
        const jobs: number[] = [];
        for (const s of await tx.sessions.openOfDevice(tokenId, device)) {
          const job = await requestDisconnect(tx, s, 'signed-out', actor, now);
          if (job !== null) jobs.push(job);
        }
        const unbound = await tx.bindings.release(tokenId, device, now);
        await tx.audit.record({
          at: now,
          actor,
          action: 'device.sign_out',
          targetType: 'token',
          targetId: String(tokenId),
          details: { mac: device, jobs: jobs.length, unbound },
        });
        return jobs;
      });
      if (jobIds.length > 0) deps.wake();
      return { jobIds };
    },
  };
}

/** SessionService is the session use cases' interface. */
export type SessionService = ReturnType<typeof createSessionService>;
