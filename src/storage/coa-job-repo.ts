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
const toJob = (r: Row): CoaJobRecord => ({
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

const toHealth = (r: Row): RouterCoaHealth => ({
  nasId: r.nas_id as number,
  rounds: (r.rounds as number | null) ?? 0,
  backoffUntil: r.backoff_until as number | null,
  lastAnswerAt: r.last_answer_at as number | null,
  lastTimeoutAt: r.last_timeout_at as number | null,
  pending: (r.pending as number | null) ?? 0,
});

/** createCoaJobRepo returns the CoA job repository over `db`. */
export function createCoaJobRepo(db: Db) {
  const insert = db.prepare(`INSERT INTO coa_jobs (session_id, kind, reason, requested_by,
    session_timeout, created_at, nas_id) VALUES (@sessionId, @kind, @reason, @requestedBy,
    @sessionTimeout, @createdAt, (SELECT nas_id FROM sessions WHERE id = @sessionId))`);
  // Routers with work waiting, the one waiting longest first, with what they have in flight.
  const queues = db.prepare(`SELECT q.nas_id, q.oldest, h.rounds, h.backoff_until,
      (SELECT COUNT(*) FROM coa_jobs s WHERE s.state = 'sending' AND s.nas_id IS q.nas_id) AS sending
    FROM (SELECT nas_id, MIN(id) AS oldest FROM coa_jobs WHERE state = 'pending' GROUP BY nas_id) q
    LEFT JOIN nas_coa_health h ON h.nas_id = q.nas_id ORDER BY q.oldest`);
  const pendingOf = db.prepare(
    "SELECT * FROM coa_jobs WHERE state = 'pending' AND nas_id IS ? ORDER BY id LIMIT ?",
  );
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
  const claim = db.prepare(
    "UPDATE coa_jobs SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND state = 'pending'",
  );
  const finish = db.prepare(`UPDATE coa_jobs SET state = @state, error_cause = @errorCause,
    finished_at = @finishedAt WHERE id = @id AND state = 'sending'`);
  const settle = db.prepare(`UPDATE coa_jobs SET state = @state, error_cause = NULL,
    finished_at = @finishedAt WHERE id = @id AND state IN ('pending', 'sending')`);
  const requeue = db.prepare("UPDATE coa_jobs SET state = 'pending' WHERE state = 'sending'");
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
     * claimFair marks pending jobs as sending and returns them, taking each router's oldest
     * first and round-robin across routers, so no router's jobs wait behind another's: at most
     * `perRouter` in flight per router (one while it is on probation after a back-off), none
     * for a router backed off at `now`, and `limit` in all. Run it in a transaction.
     */
    claimFair(now: number, { limit, perRouter }: ClaimLimits): CoaJobRecord[] {
      const lanes: CoaJobRecord[][] = [];
      for (const q of queues.all() as Row[]) {
        const until = q.backoff_until as number | null;
        if (until !== null && now < until) continue;
        const cap = ((q.rounds as number | null) ?? 0) > 0 ? 1 : perRouter;
        const room = Math.min(cap - (q.sending as number), limit);
        if (room <= 0) continue;
        lanes.push((pendingOf.all(q.nas_id, room) as Row[]).map(toJob));
      }
      const out: CoaJobRecord[] = [];
      for (let i = 0; out.length < limit && lanes.some((l) => i < l.length); i++) {
        for (const lane of lanes) {
          const job = lane[i];
          if (!job || out.length >= limit) continue;
          if (claim.run(job.id).changes === 1) out.push({ ...job, state: 'sending' });
        }
      }
      return out;
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
    /** requeueSending puts jobs left 'sending' by a stopped process back in the queue. */
    requeueSending(): number {
      return requeue.run().changes;
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
