// Read-only queries behind the reports: the charged coverage spans and the sessions whose
// intervals fed them, the first uses, batch totals and Disconnect/CoA outcomes of a period.

import type { Db } from './database.js';
import { STATE_SQL } from './token-repo.js';

/** ReportScope narrows a report to one batch, one token source or one router. */
export type ReportScope = { batchId?: number; source?: string; nasId?: number };

/** CoverageSpan is one charged span of a token's coverage. */
export type CoverageSpan = { tokenId: number; start: number; end: number };

/** SessionSpan is a session's charged interval [start, end) and the octets it reported. */
export type SessionSpan = {
  tokenId: number;
  nasId: number | null;
  start: number;
  end: number;
  bytes: number;
};

/** BatchTotals are one batch's lifetime counts. */
export type BatchTotals = {
  id: number;
  name: string;
  tokens: number;
  used: number;
  unused: number;
  depleted: number;
  minutesIssued: number;
  usedMs: number;
};

/**
 * tokenScope returns the ` AND …` clauses over tokens `t` that narrow a report to `s`, and
 * adds their named parameters to `params`.
 */
export const tokenScope = (s: ReportScope, params: Record<string, unknown>): string => {
  const clauses: string[] = [];
  if (s.batchId !== undefined) {
    clauses.push('t.batch_id = :batchId');
    params.batchId = s.batchId;
  }
  if (s.source !== undefined) {
    clauses.push('t.source = :source');
    params.source = s.source;
  }
  return clauses.length ? ` AND ${clauses.join(' AND ')}` : '';
};

/** createReportRepo returns the report queries over `db`. */
export function createReportRepo(db: Db) {
  return {
    /** coverage returns the charged spans of in-scope tokens that overlap [from, to). */
    coverage(scope: ReportScope, from: number, to: number): CoverageSpan[] {
      const params: Record<string, unknown> = { from, to };
      const scoped = tokenScope(scope, params);
      const sql = `SELECT c.token_id, c.start_at, c.end_at FROM token_coverage c${
        scoped ? ' JOIN tokens t ON t.id = c.token_id' : ''
      } WHERE c.end_at > :from AND c.start_at < :to${scoped}`;
      const rows = db.prepare(sql).raw().all(params) as Array<[number, number, number]>;
      return rows.map(([tokenId, start, end]) => ({ tokenId, start, end }));
    },
    /**
     * sessions returns the started sessions of in-scope tokens (and router) whose charged
     * interval, from the start to the last charged instant, overlaps [from, to).
     */
    sessions(scope: ReportScope, from: number, to: number): SessionSpan[] {
      const params: Record<string, unknown> = { from, to };
      const scoped = tokenScope(scope, params);
      // Every started session has last_seen_at (set at the start, moved by each update).
      let sql = `SELECT s.token_id, s.nas_id, s.started_at,
        MAX(s.started_at, s.last_seen_at), s.input_octets + s.output_octets
        FROM sessions s${scoped ? ' JOIN tokens t ON t.id = s.token_id' : ''}
        WHERE s.last_seen_at >= :from AND s.started_at IS NOT NULL AND s.started_at < :to${scoped}`;
      if (scope.nasId !== undefined) {
        sql += ' AND s.nas_id = :nasId';
        params.nasId = scope.nasId;
      }
      // Raw rows made into objects here: a year holds ~70,000 sessions, and named rows from
      // the driver cost twice as much.
      const rows = db.prepare(sql).raw().all(params) as Array<
        [number, number | null, number, number, number]
      >;
      return rows.map(([tokenId, nasId, start, end, bytes]) => ({
        tokenId,
        nasId,
        start,
        end,
        bytes,
      }));
    },
    /** firstUses returns the in-scope tokens first used in [from, to), with their source. */
    firstUses(
      scope: ReportScope,
      from: number,
      to: number,
    ): Array<{ tokenId: number; at: number; source: string }> {
      const params: Record<string, unknown> = { from, to };
      let sql = `SELECT t.id AS tokenId, t.first_used_at AS at, t.source AS source FROM tokens t
        WHERE t.first_used_at >= :from AND t.first_used_at < :to${tokenScope(scope, params)}`;
      if (scope.nasId !== undefined) {
        sql +=
          ' AND EXISTS (SELECT 1 FROM sessions s WHERE s.token_id = t.id AND s.nas_id = :nasId)';
        params.nasId = scope.nasId;
      }
      return db.prepare(sql).all(params) as Array<{ tokenId: number; at: number; source: string }>;
    },
    /**
     * batchTotals returns lifetime totals for the given batches (deleted tokens left out),
     * with the unused and depleted counted by the token list's own state rule at `now`.
     */
    batchTotals(batchIds: readonly number[], now: number): BatchTotals[] {
      if (batchIds.length === 0) return [];
      return db
        .prepare(
          `SELECT b.id, b.name, COUNT(x.id) AS tokens, COALESCE(SUM(x.first_used_at IS NOT NULL), 0) AS used,
            COALESCE(SUM(x.state = 'unused'), 0) AS unused, COALESCE(SUM(x.state = 'depleted'), 0) AS depleted,
            COALESCE(SUM(x.minutes), 0) AS minutesIssued, COALESCE(SUM(x.used_ms), 0) AS usedMs
          FROM batches b LEFT JOIN (SELECT t.id, t.batch_id, t.first_used_at, t.minutes, t.used_ms,
              (${STATE_SQL}) AS state FROM tokens t
              WHERE t.deleted_at IS NULL AND t.batch_id IN (SELECT value FROM json_each(:ids))) x
            ON x.batch_id = b.id
          WHERE b.id IN (SELECT value FROM json_each(:ids)) GROUP BY b.id ORDER BY b.id`,
        )
        .all({ ids: JSON.stringify(batchIds), now }) as BatchTotals[];
    },
    /** batchesOf returns the batch id of each given token that has one. */
    batchesOf(tokenIds: readonly number[]): Map<number, number> {
      const out = new Map<number, number>();
      if (tokenIds.length === 0) return out;
      const rows = db
        .prepare(
          'SELECT t.id, t.batch_id AS batchId FROM json_each(?) j JOIN tokens t ON t.id = j.value WHERE t.batch_id IS NOT NULL',
        )
        .all(JSON.stringify(tokenIds)) as Array<{ id: number; batchId: number }>;
      for (const r of rows) out.set(r.id, r.batchId);
      return out;
    },
    /** tokenLabels returns code and description of the given tokens. */
    tokenLabels(tokenIds: readonly number[]): Map<number, { code: string; description: string }> {
      const out = new Map<number, { code: string; description: string }>();
      if (tokenIds.length === 0) return out;
      const rows = db
        .prepare(
          'SELECT id, code, description FROM tokens WHERE id IN (SELECT value FROM json_each(?))',
        )
        .all(JSON.stringify(tokenIds)) as Array<{ id: number; code: string; description: string }>;
      for (const r of rows) out.set(r.id, { code: r.code, description: r.description });
      return out;
    },
    /**
     * cutoffOutcomes counts the Disconnect/CoA requests created in [from, to) per router, kind
     * and outcome (pending, sending, ack, nak, timeout).
     */
    cutoffOutcomes(
      scope: ReportScope,
      from: number,
      to: number,
    ): Array<{ nasId: number | null; kind: string; state: string; n: number }> {
      const params: Record<string, unknown> = { from, to };
      let sql = `SELECT s.nas_id AS nasId, j.kind, j.state, COUNT(*) AS n
        FROM coa_jobs j JOIN sessions s ON s.id = j.session_id JOIN tokens t ON t.id = s.token_id
        WHERE j.created_at >= :from AND j.created_at < :to${tokenScope(scope, params)}`;
      if (scope.nasId !== undefined) {
        sql += ' AND s.nas_id = :nasId';
        params.nasId = scope.nasId;
      }
      sql += ' GROUP BY s.nas_id, j.kind, j.state ORDER BY s.nas_id NULLS FIRST, j.kind, j.state';
      return db.prepare(sql).all(params) as Array<{
        nasId: number | null;
        kind: string;
        state: string;
        n: number;
      }>;
    },
  };
}

/** ReportRepo is the report queries' interface. */
export type ReportRepo = ReturnType<typeof createReportRepo>;
