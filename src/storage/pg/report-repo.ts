// The report queries on PostgreSQL: the same spans, counts and totals as
// src/storage/report-repo.ts. The bucketing into local days and hours stays in the report
// service (shared JavaScript), so both backends give the same report for the same history.

import { tokenScope, type ReportScope } from '../report-repo.js';
import type { Repos } from '../store.js';
import { STATE_SQL } from '../token-repo.js';
import type { PgConn } from './connection.js';
import { named } from './named.js';

/** createPgReportRepo returns the report queries over `conn`. */
export function createPgReportRepo(conn: PgConn): Repos['reports'] {
  const all = async <R>(sql: string, params: Record<string, unknown>) => {
    const q = named(sql, params);
    return conn.query<R>(q.text, q.values);
  };
  const nasClause = (scope: ReportScope, params: Record<string, unknown>, sql: string) => {
    if (scope.nasId === undefined) return '';
    params.nasId = scope.nasId;
    return sql;
  };
  return {
    async coverage(scope, from, to) {
      const params: Record<string, unknown> = { from, to };
      const scoped = tokenScope(scope, params);
      const rows = await all<{ tokenId: number; start: number; end: number }>(
        `SELECT c.token_id AS "tokenId", c.start_at AS start, c.end_at AS "end"
         FROM token_coverage c${scoped ? ' JOIN tokens t ON t.id = c.token_id' : ''}
         WHERE c.end_at > :from AND c.start_at < :to${scoped}`,
        params,
      );
      return rows.map(({ tokenId, start, end }) => ({ tokenId, start, end }));
    },
    async sessions(scope, from, to) {
      const params: Record<string, unknown> = { from, to };
      const scoped = tokenScope(scope, params);
      // GREATEST for SQLite's two-argument MAX; both columns are set on a started session.
      return all(
        `SELECT s.token_id AS "tokenId", s.nas_id AS "nasId", s.started_at AS start,
         GREATEST(s.started_at, s.last_seen_at) AS "end", s.input_octets + s.output_octets AS bytes
         FROM sessions s${scoped ? ' JOIN tokens t ON t.id = s.token_id' : ''}
         WHERE s.last_seen_at >= :from AND s.started_at IS NOT NULL AND s.started_at < :to${scoped}${nasClause(
           scope,
           params,
           ' AND s.nas_id = :nasId',
         )}`,
        params,
      );
    },
    async firstUses(scope, from, to) {
      const params: Record<string, unknown> = { from, to };
      return all(
        `SELECT t.id AS "tokenId", t.first_used_at AS at, t.source AS source FROM tokens t
         WHERE t.first_used_at >= :from AND t.first_used_at < :to${tokenScope(scope, params)}${nasClause(
           scope,
           params,
           ' AND EXISTS (SELECT 1 FROM sessions s WHERE s.token_id = t.id AND s.nas_id = :nasId)',
         )}`,
        params,
      );
    },
    async batchTotals(batchIds, now) {
      if (batchIds.length === 0) return [];
      // COUNT … FILTER for SQLite's SUM over a 0/1 comparison; an empty batch counts 0 on both.
      return all(
        `SELECT b.id, b.name, COUNT(x.id) AS tokens, COUNT(x.first_used_at) AS used,
           COUNT(*) FILTER (WHERE x.state = 'unused') AS unused,
           COUNT(*) FILTER (WHERE x.state = 'depleted') AS depleted,
           COALESCE(SUM(x.minutes), 0) AS "minutesIssued", COALESCE(SUM(x.used_ms), 0) AS "usedMs"
         FROM batches b LEFT JOIN (SELECT t.id, t.batch_id, t.first_used_at, t.minutes, t.used_ms,
             (${STATE_SQL}) AS state FROM tokens t
             WHERE t.deleted_at IS NULL AND t.batch_id = ANY(:ids::bigint[])) x ON x.batch_id = b.id
         WHERE b.id = ANY(:ids::bigint[]) GROUP BY b.id ORDER BY b.id`,
        { ids: [...batchIds], now },
      );
    },
    async batchesOf(tokenIds) {
      const out = new Map<number, number>();
      if (tokenIds.length === 0) return out;
      const rows = await conn.query<{ id: number; batchId: number }>(
        'SELECT t.id, t.batch_id AS "batchId" FROM tokens t WHERE t.id = ANY($1::bigint[]) AND t.batch_id IS NOT NULL',
        [[...tokenIds]],
      );
      for (const r of rows) out.set(r.id, r.batchId);
      return out;
    },
    async tokenLabels(tokenIds) {
      const out = new Map<number, { code: string; description: string }>();
      if (tokenIds.length === 0) return out;
      const rows = await conn.query<{ id: number; code: string; description: string }>(
        'SELECT id, code, description FROM tokens WHERE id = ANY($1::bigint[])',
        [[...tokenIds]],
      );
      for (const r of rows) out.set(r.id, { code: r.code, description: r.description });
      return out;
    },
    async cutoffOutcomes(scope, from, to) {
      const params: Record<string, unknown> = { from, to };
      return all(
        `SELECT s.nas_id AS "nasId", j.kind, j.state, COUNT(*) AS n
         FROM coa_jobs j JOIN sessions s ON s.id = j.session_id JOIN tokens t ON t.id = s.token_id
         WHERE j.created_at >= :from AND j.created_at < :to${tokenScope(scope, params)}${nasClause(
           scope,
           params,
           ' AND s.nas_id = :nasId',
         )}
         GROUP BY s.nas_id, j.kind, j.state ORDER BY s.nas_id NULLS FIRST, j.kind, j.state`,
        params,
      );
    },
  };
}
