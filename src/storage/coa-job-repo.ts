// Cut-off work: Disconnect-Request and CoA-Request jobs, queued in a transaction and sent by
// the worker outside any, with what the NAS answered.

import type { Db } from './database.js';

/** COA_JOB_STATES are where a job is: waiting, on the wire, or answered/given up. */
export const COA_JOB_STATES = ['pending', 'sending', 'ack', 'nak', 'timeout'] as const;
export type CoaJobState = (typeof COA_JOB_STATES)[number];

/** CoaJobKind is what a job asks the NAS: end the session, or change its limits. */
export type CoaJobKind = 'disconnect' | 'coa';

/** CoaJobRecord is a job row as storage returns it. */
export type CoaJobRecord = {
  id: number;
  sessionId: number;
  kind: CoaJobKind;
  reason: string;
  requestedBy: string | null;
  sessionTimeout: number | null;
  state: CoaJobState;
  attempts: number;
  errorCause: number | null;
  createdAt: number;
  finishedAt: number | null;
  /** The router the job goes to, from its session when it was queued. */
  nasId: number | null;
  /** The node that last claimed the job, or null when none has. */
  claimedBy: string | null;
  /** While the job is 'sending' and now is before this, no other node takes it. */
  leaseUntil: number | null;
};

/** NewCoaJob is what is needed to queue a job. */
export type NewCoaJob = {
  sessionId: number;
  kind: CoaJobKind;
  reason: string;
  requestedBy: string | null;
  sessionTimeout: number | null;
  createdAt: number;
};

type Row = Record<string, unknown>;
/** toJob returns the CoaJobRecord of a `coa_jobs` row. */
export const toJob = (r: Row): CoaJobRecord => ({
  id: r.id as number,
  sessionId: r.session_id as number,
  kind: r.kind as CoaJobKind,
  reason: r.reason as string,
  requestedBy: r.requested_by as string | null,
  sessionTimeout: r.session_timeout as number | null,
  state: r.state as CoaJobState,
  attempts: r.attempts as number,
  errorCause: r.error_cause as number | null,
  createdAt: r.created_at as number,
  finishedAt: r.finished_at as number | null,
  nasId: (r.nas_id as number | null | undefined) ?? null,
  claimedBy: (r.claimed_by as string | null | undefined) ?? null,
  leaseUntil: (r.lease_until as number | null | undefined) ?? null,
});

/** RouterCoaHealth is what the worker last found of a router's Dynamic Authorization Server. */
export type RouterCoaHealth = {
  nasId: number;
  /** Back-offs since the router last answered; 0 when it answers. */
  rounds: number;
  /** While now is before this, none of the router's jobs is sent. */
  backoffUntil: number | null;
  lastAnswerAt: number | null;
  lastTimeoutAt: number | null;
  /** Jobs waiting for the router. */
  pending: number;
};

/** ClaimLimits bound what one claim takes: in total, and in flight per router. */
export type ClaimLimits = { limit: number; perRouter: number };

/** ClaimLease names the claiming node and until when its claim holds unless renewed. */
export type ClaimLease = { node: string; until: number };

/** toHealth returns the RouterCoaHealth of a `nas_coa_health` row joined with its queue. */
export const toHealth = (r: Row): RouterCoaHealth => ({
  nasId: r.nas_id as number,
  rounds: (r.rounds as number | null) ?? 0,
  backoffUntil: r.backoff_until as number | null,
  lastAnswerAt: r.last_answer_at as number | null,
  lastTimeoutAt: r.last_timeout_at as number | null,
  pending: (r.pending as number | null) ?? 0,
});

/** EXPIRED is true for a job of alias `j` sending under another node's lease that ran out by @now. */
const EXPIRED = (j: string) =>
  `(${j}.state = 'sending' AND COALESCE(${j}.lease_until, 0) <= @now AND ${j}.claimed_by IS NOT @node)`;
/** WAITING is true for a job of alias `j` that @node may claim at @now. */
const WAITING = (j: string) => `(${j}.state = 'pending' OR ${EXPIRED(j)})`;

/** createCoaJobRepo returns the CoA job repository over `db`. */
export function createCoaJobRepo(db: Db) {
  const insert = db.prepare(`INSERT INTO coa_jobs (session_id, kind, reason, requested_by,
    session_timeout, created_at, nas_id) VALUES (@sessionId, @kind, @reason, @requestedBy,
    @sessionTimeout, @createdAt, (SELECT nas_id FROM sessions WHERE id = @sessionId))`);
  // Routers with work waiting, the one waiting longest first, with what they have in flight.
  // Waiting: pending, or sending under another node's lease that ran out (that node died or
  // stopped renewing; this node's own jobs it is still sending, whatever the clock says);
  // in flight: every other sending job.
  const queues = db.prepare(`SELECT q.nas_id, q.oldest, h.rounds, h.backoff_until,
      (SELECT COUNT(*) FROM coa_jobs s WHERE s.state = 'sending' AND s.nas_id IS q.nas_id
        AND NOT ${EXPIRED('s')}) AS sending
    FROM (SELECT nas_id, MIN(id) AS oldest FROM coa_jobs j WHERE ${WAITING('j')} GROUP BY nas_id) q
    LEFT JOIN nas_coa_health h ON h.nas_id = q.nas_id ORDER BY q.oldest`);
  const waitingOf = db.prepare(`SELECT * FROM coa_jobs j WHERE nas_id IS @nasId AND ${WAITING('j')}
    ORDER BY id LIMIT @limit`);
  const answered = db.prepare(`INSERT INTO nas_coa_health (nas_id, rounds, last_answer_at)
    VALUES (@nasId, 0, @at) ON CONFLICT (nas_id) DO UPDATE SET rounds = 0, backoff_until = NULL,
    last_answer_at = @at`);
  const healthOf = db.prepare('SELECT * FROM nas_coa_health WHERE nas_id = ?');
  const setBackoff = db.prepare(`INSERT INTO nas_coa_health (nas_id, rounds, backoff_until,
    last_timeout_at) VALUES (@nasId, @rounds, @until, @at) ON CONFLICT (nas_id) DO UPDATE SET
    rounds = @rounds, backoff_until = @until, last_timeout_at = @at`);
  const timedOutAgain = db.prepare(
    'UPDATE nas_coa_health SET last_timeout_at = @at WHERE nas_id = @nasId',
  );
  const health = db.prepare(`SELECT n.id AS nas_id, h.rounds, h.backoff_until, h.last_answer_at,
      h.last_timeout_at,
      (SELECT COUNT(*) FROM coa_jobs j WHERE j.state = 'pending' AND j.nas_id = n.id) AS pending
    FROM nas_clients n LEFT JOIN nas_coa_health h ON h.nas_id = n.id ORDER BY n.id`);
  const byId = db.prepare('SELECT * FROM coa_jobs WHERE id = ?');
  const claim = db.prepare(`UPDATE coa_jobs SET state = 'sending', attempts = attempts + 1,
    claimed_by = @node, lease_until = @until WHERE id = @id AND ${WAITING('coa_jobs')}`);
  const renew = db.prepare(
    "UPDATE coa_jobs SET lease_until = @until WHERE state = 'sending' AND claimed_by = @node",
  );
  const finish = db.prepare(`UPDATE coa_jobs SET state = @state, error_cause = @errorCause,
    finished_at = @finishedAt, lease_until = NULL WHERE id = @id AND state = 'sending'`);
  const settle = db.prepare(`UPDATE coa_jobs SET state = @state, error_cause = NULL,
    finished_at = @finishedAt, lease_until = NULL WHERE id = @id AND state IN ('pending', 'sending')`);
  const requeueAll = db.prepare(
    "UPDATE coa_jobs SET state = 'pending', lease_until = NULL WHERE state = 'sending'",
  );
  const requeueOf = db.prepare(`UPDATE coa_jobs SET state = 'pending', lease_until = NULL
    WHERE state = 'sending' AND claimed_by = ?`);
  const ofSession = db.prepare('SELECT * FROM coa_jobs WHERE session_id = ? ORDER BY id');
  const hasPending = db.prepare("SELECT 1 FROM coa_jobs WHERE state = 'pending' LIMIT 1").pluck();
  return {
    /** insert queues a job and returns its id. */
    insert(j: NewCoaJob): number {
      return Number(insert.run(j).lastInsertRowid);
    },
    /** findById returns a job or undefined. */
    findById(id: number): CoaJobRecord | undefined {
      const r = byId.get(id) as Row | undefined;
      return r ? toJob(r) : undefined;
    },
    /**
     * claimFair marks waiting jobs as sending by `lease.node` until `lease.until` and returns
     * them, taking each router's oldest first and round-robin across routers, so no router's
     * jobs wait behind another's: at most `perRouter` in flight per router (one while it is on
     * probation after a back-off), none for a router backed off at `now`, and `limit` in all.
     * Waiting jobs are pending ones and those whose claim ran out by `now` (their node died
     * before it recorded an answer). Run it in a transaction.
     */
    claimFair(now: number, { limit, perRouter }: ClaimLimits, lease: ClaimLease): CoaJobRecord[] {
      const lanes: CoaJobRecord[][] = [];
      for (const q of queues.all({ now, node: lease.node }) as Row[]) {
        const until = q.backoff_until as number | null;
        if (until !== null && now < until) continue;
        const cap = ((q.rounds as number | null) ?? 0) > 0 ? 1 : perRouter;
        const room = Math.min(cap - (q.sending as number), limit);
        if (room <= 0) continue;
        const lane = waitingOf.all({ nasId: q.nas_id, now, node: lease.node, limit: room });
        lanes.push((lane as Row[]).map(toJob));
      }
      const out: CoaJobRecord[] = [];
      for (let i = 0; out.length < limit && lanes.some((l) => i < l.length); i++) {
        for (const lane of lanes) {
          const job = lane[i];
          if (!job || out.length >= limit) continue;
          if (claim.run({ id: job.id, now, ...lease }).changes === 1)
            out.push({
              ...job,
              state: 'sending',
              attempts: job.attempts + 1,
              claimedBy: lease.node,
              leaseUntil: lease.until,
            });
        }
      }
      return out;
    },
    /**
     * lockScheduler makes the caller's transaction the only cut-off pass until it ends; on
     * SQLite its one writer already does.
     */
    lockScheduler(): void {},
    /** renewClaims extends the lease of every job `node` is sending to `until`; returns how many. */
    renewClaims(node: string, until: number): number {
      return renew.run({ node, until }).changes;
    },
    /** routerAnswered records that a router's DAS answered: its back-off ends. */
    routerAnswered(nasId: number, at: number): void {
      answered.run({ nasId, at });
    },
    /**
     * routerTimedOut records a job a router never answered and backs the router off for
     * `backoffMs(rounds)` after `at`, unless it is backed off already (the jobs in flight
     * with this one count as one round). Returns the router's health after it.
     */
    routerTimedOut(
      nasId: number,
      at: number,
      backoffMs: (rounds: number) => number,
    ): RouterCoaHealth {
      const h = healthOf.get(nasId) as Row | undefined;
      const until = (h?.backoff_until as number | null | undefined) ?? null;
      if (until !== null && at < until) timedOutAgain.run({ nasId, at });
      else {
        const rounds = ((h?.rounds as number | null | undefined) ?? 0) + 1;
        setBackoff.run({ nasId, rounds, until: at + backoffMs(rounds), at });
      }
      return toHealth(healthOf.get(nasId) as Row);
    },
    /** routerHealth returns every router's CoA health, routers that never failed included. */
    routerHealth(): RouterCoaHealth[] {
      return (health.all() as Row[]).map(toHealth);
    },
    /** finish records what the NAS answered to a job being sent; false when it was not sending. */
    finish(
      id: number,
      state: 'ack' | 'nak' | 'timeout',
      errorCause: number | null,
      finishedAt: number,
    ): boolean {
      return finish.run({ id, state, errorCause, finishedAt }).changes === 1;
    },
    /**
     * settle records the outcome of a job the router itself reports on (openNDS polls for its
     * Disconnects rather than receiving them), waiting or being sent; false when neither.
     */
    settle(id: number, state: 'ack' | 'nak', finishedAt: number): boolean {
      return settle.run({ id, state, finishedAt }).changes === 1;
    },
    /**
     * requeueSending puts jobs left 'sending' by a stopped node back in the queue: those
     * `node` claimed, or every one when `node` is null (a database no other node shares).
     */
    requeueSending(node: string | null): number {
      return (node === null ? requeueAll.run() : requeueOf.run(node)).changes;
    },
    /** ofSession returns a session's jobs, oldest first. */
    ofSession(sessionId: number): CoaJobRecord[] {
      return (ofSession.all(sessionId) as Row[]).map(toJob);
    },
    /** hasPending returns true when any job waits to be sent. */
    hasPending(): boolean {
      return hasPending.get() === 1;
    },
  };
}

/** CoaJobRepo is the CoA job repository's interface. */
export type CoaJobRepo = ReturnType<typeof createCoaJobRepo>;
