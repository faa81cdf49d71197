// Cut-off jobs on PostgreSQL: the same rows and answers as src/storage/coa-job-repo.ts. Two
// nodes claim from one queue: claims take turns under a transaction-level lock (so each sees
// what the other has in flight per router), and each job row is taken FOR UPDATE SKIP LOCKED.

import type { Repos } from '../store.js';
import { toHealth, toJob, type CoaJobRecord } from '../coa-job-repo.js';
import type { PgConn } from './connection.js';
import { PG_LOCKS } from './locks.js';

/** createPgCoaJobRepo returns the CoA job repository over `conn`. */
export function createPgCoaJobRepo(conn: PgConn): Repos['coaJobs'] {
  // As on SQLite: a job waits when it is pending, or sending under another node's ($4) lease
  // that ran out by $1; every other sending job is in flight.
  const expired = (j: string) =>
    `(${j}.state = 'sending' AND COALESCE(${j}.lease_until, 0) <= $1
    AND ${j}.claimed_by IS DISTINCT FROM $4)`;
  const waiting = (j: string) => `(${j}.state = 'pending' OR ${expired(j)})`;

  return {
    async insert(j) {
      const r = await conn.one<{ id: number }>(
        `INSERT INTO coa_jobs (session_id, kind, reason, requested_by, session_timeout, created_at,
        nas_id) VALUES ($1, $2, $3, $4, $5, $6, (SELECT nas_id FROM sessions WHERE id = $1))
        RETURNING id`,
        [j.sessionId, j.kind, j.reason, j.requestedBy, j.sessionTimeout, j.createdAt],
      );
      return (r as { id: number }).id;
    },
    async findById(id) {
      const r = await conn.one('SELECT * FROM coa_jobs WHERE id = $1', [id]);
      return r ? toJob(r) : undefined;
    },
    async claimFair(now, { limit, perRouter }, lease) {
      // Its own statement first: the claim below then takes its snapshot after the other
      // node's claim committed, so per-router room counts both nodes' jobs in flight.
      await conn.query('SELECT pg_advisory_xact_lock($1, $2)', PG_LOCKS.coaClaim);
      // The same choice as SQLite's loop: per router (oldest waiting first, skipping backed-off
      // routers) up to its room, then the i-th job of every lane before any lane's (i+1)-th.
      const rows = await conn.query(
        `WITH q AS (
          SELECT nas_id, MIN(id) AS oldest FROM coa_jobs j WHERE ${waiting('j')} GROUP BY nas_id
        ), lanes AS (
          SELECT q.nas_id, q.oldest, LEAST(
            CASE WHEN COALESCE(h.rounds, 0) > 0 THEN 1 ELSE $2::bigint END
            - (SELECT COUNT(*) FROM coa_jobs s WHERE s.state = 'sending' AND NOT ${expired('s')}
              AND s.nas_id IS NOT DISTINCT FROM q.nas_id), $3::bigint) AS room
          FROM q LEFT JOIN nas_coa_health h ON h.nas_id = q.nas_id
          WHERE h.backoff_until IS NULL OR $1 >= h.backoff_until
        ), picked AS (
          SELECT x.id, x.turn, l.oldest FROM lanes l CROSS JOIN LATERAL (
            SELECT y.id, row_number() OVER (ORDER BY y.id) AS turn FROM (
              SELECT j.id FROM coa_jobs j
              WHERE (j.nas_id = l.nas_id OR (j.nas_id IS NULL AND l.nas_id IS NULL))
              AND ${waiting('j')} ORDER BY j.id LIMIT GREATEST(l.room, 0)
              FOR UPDATE SKIP LOCKED) y) x
        ), chosen AS (
          SELECT id, turn, oldest FROM picked ORDER BY turn, oldest LIMIT $3
        )
        UPDATE coa_jobs c SET state = 'sending', attempts = c.attempts + 1, claimed_by = $4,
        lease_until = $5 FROM chosen WHERE c.id = chosen.id
        RETURNING c.*, chosen.turn, chosen.oldest`,
        [now, perRouter, limit, lease.node, lease.until],
      );
      const order = (r: Record<string, unknown>) => [r.turn as number, r.oldest as number];
      rows.sort((a, b) => {
        const [ta, oa] = order(a) as [number, number];
        const [tb, ob] = order(b) as [number, number];
        return ta - tb || oa - ob;
      });
      return rows.map(toJob);
    },
    async lockScheduler() {
      await conn.query('SELECT pg_advisory_xact_lock($1, $2)', PG_LOCKS.scheduler);
    },
    async renewClaims(node, until) {
      return conn.run(
        `UPDATE coa_jobs SET lease_until = $2 WHERE state = 'sending' AND claimed_by = $1`,
        [node, until],
      );
    },
    async routerAnswered(nasId, at) {
      await conn.run(
        `INSERT INTO nas_coa_health (nas_id, rounds, last_answer_at) VALUES ($1, 0, $2)
        ON CONFLICT (nas_id) DO UPDATE SET rounds = 0, backoff_until = NULL, last_answer_at = $2`,
        [nasId, at],
      );
    },
    async routerTimedOut(nasId, at, backoffMs) {
      // The health row is locked first, so two nodes' timeouts of one round count once.
      await conn.run(
        `INSERT INTO nas_coa_health (nas_id, rounds) VALUES ($1, 0) ON CONFLICT (nas_id) DO NOTHING`,
        [nasId],
      );
      const h = await conn.one('SELECT * FROM nas_coa_health WHERE nas_id = $1 FOR UPDATE', [
        nasId,
      ]);
      const until = (h?.backoff_until as number | null | undefined) ?? null;
      const rounds = ((h?.rounds as number | null | undefined) ?? 0) + 1;
      const r =
        until !== null && at < until
          ? await conn.one(
              'UPDATE nas_coa_health SET last_timeout_at = $2 WHERE nas_id = $1 RETURNING *',
              [nasId, at],
            )
          : await conn.one(
              `UPDATE nas_coa_health SET rounds = $2, backoff_until = $3, last_timeout_at = $4
              WHERE nas_id = $1 RETURNING *`,
              [nasId, rounds, at + backoffMs(rounds), at],
            );
      return toHealth(r as Record<string, unknown>);
    },
    async routerHealth() {
      const rows = await conn.query(
        `SELECT n.id AS nas_id, h.rounds, h.backoff_until, h.last_answer_at, h.last_timeout_at,
        (SELECT COUNT(*) FROM coa_jobs j WHERE j.state = 'pending' AND j.nas_id = n.id) AS pending
        FROM nas_clients n LEFT JOIN nas_coa_health h ON h.nas_id = n.id ORDER BY n.id`,
      );
      return rows.map(toHealth);
    },
    async finish(id, state, errorCause, finishedAt) {
      const n = await conn.run(
        `UPDATE coa_jobs SET state = $2, error_cause = $3, finished_at = $4, lease_until = NULL
        WHERE id = $1 AND state = 'sending'`,
        [id, state, errorCause, finishedAt],
      );
      return n === 1;
    },
    async settle(id, state, finishedAt) {
      const n = await conn.run(
        `UPDATE coa_jobs SET state = $2, error_cause = NULL, finished_at = $3, lease_until = NULL
        WHERE id = $1 AND state IN ('pending', 'sending')`,
        [id, state, finishedAt],
      );
      return n === 1;
    },
    requeueSending: (node) =>
      node === null
        ? conn.run(
            "UPDATE coa_jobs SET state = 'pending', lease_until = NULL WHERE state = 'sending'",
          )
        : conn.run(
            `UPDATE coa_jobs SET state = 'pending', lease_until = NULL
            WHERE state = 'sending' AND claimed_by = $1`,
            [node],
          ),
    async ofSession(sessionId) {
      const rows = await conn.query('SELECT * FROM coa_jobs WHERE session_id = $1 ORDER BY id', [
        sessionId,
      ]);
      return rows.map((r): CoaJobRecord => toJob(r));
    },
    async hasPending() {
      return (
        (await conn.one("SELECT 1 FROM coa_jobs WHERE state = 'pending' LIMIT 1")) !== undefined
      );
    },
  };
}
