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
});

/** createCoaJobRepo returns the CoA job repository over `db`. */
export function createCoaJobRepo(db: Db) {
  const insert = db.prepare(`INSERT INTO coa_jobs (session_id, kind, reason, requested_by,
    session_timeout, created_at) VALUES (@sessionId, @kind, @reason, @requestedBy,
    @sessionTimeout, @createdAt)`);
  const byId = db.prepare('SELECT * FROM coa_jobs WHERE id = ?');
  const pending = db.prepare(
    "SELECT * FROM coa_jobs WHERE state = 'pending' ORDER BY created_at, id LIMIT ?",
  );
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
    /** claimPending marks up to `limit` pending jobs as sending and returns them, oldest first. */
    claimPending(limit: number): CoaJobRecord[] {
      const out: CoaJobRecord[] = [];
      for (const r of pending.all(limit) as Row[]) {
        if (claim.run(r.id).changes === 1) out.push({ ...toJob(r), state: 'sending' });
      }
      return out;
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
