// Tokens, batches and their metered coverage on PostgreSQL: the SQLite repository's queries
// in PostgreSQL's dialect, with the same answers. Text compares and sorts as SQLite does:
// bytewise, and case-insensitively only for ASCII letters (COLLATE "C").

import { mergeIntoCoverage, type Interval } from '../../core/intervals.js';
import type { TokenSource, TokenState } from '../../core/token.js';
import type { Repos } from '../store.js';
import {
  emptyStateCounts,
  rowToToken,
  SORT_SQL,
  STATE_SQL,
  TOKEN_SELECT,
  UPDATE_COLUMNS,
  type NewToken,
  type TokenFilter,
  type TokenLockKeys,
  type TokenMeter,
  type TokenRecord,
  type TokenUpdate,
} from '../token-repo.js';
import type { PgConn, PgTxContext } from './connection.js';
import { Params } from './params.js';

/** pgStateSql returns STATE_SQL with `:now` as the placeholder `now` (the same SQL otherwise). */
export function pgStateSql(now: string): string {
  return STATE_SQL.replaceAll(':now', now);
}

// Codes sort bytewise, as SQLite's BINARY collation does, whatever the database's locale.
const PG_SORT_SQL: typeof SORT_SQL = { ...SORT_SQL, code: 't.code COLLATE "C" ASC' };

/** asciiLower returns SQL folding `expr` to lower case for ASCII letters only, as SQLite's LIKE and NOCASE do. */
const asciiLower = (expr: string): string => `lower((${expr})::text COLLATE "C")`;

/**
 * holdToEnd notes the token rows just locked in `tx` as held to its end, when they were
 * locked outside any savepoint.
 */
function holdToEnd(tx: PgTxContext | undefined, rows: ReadonlyArray<{ id: number }>): void {
  if (tx === undefined || tx.depth !== 0) return;
  tx.heldTokens ??= new Set();
  for (const r of rows) tx.heldTokens.add(r.id);
}

/** createPgTokenRepo returns the token repository over PostgreSQL. */
export function createPgTokenRepo(conn: PgConn): Repos['tokens'] {
  const where = (f: TokenFilter, p: Params, now: number): string => {
    const clauses = ['t.deleted_at IS NULL'];
    if (f.state) clauses.push(`(${pgStateSql(p.once('now', now))}) = ${p.add(f.state)}`);
    if (f.batchId !== undefined) clauses.push(`t.batch_id = ${p.add(f.batchId)}`);
    if (f.text) {
      const esc = f.text.replace(/[\\%_]/g, (c) => `\\${c}`);
      const text = asciiLower(p.add(`${esc.toUpperCase().replace(/[\s-]/g, '')}%`));
      const any = asciiLower(p.add(`%${esc}%`));
      clauses.push(
        `(${asciiLower('t.code')} LIKE ${text} ESCAPE '\\' OR ${asciiLower('t.description')} LIKE ${any} ESCAPE '\\' OR ${asciiLower('b.name')} LIKE ${any} ESCAPE '\\')`,
      );
    }
    if (f.ids) clauses.push(`t.id = ANY(${p.add(f.ids)}::bigint[])`);
    return clauses.join(' AND ');
  };

  const one = async (sql: string, params: unknown[]): Promise<TokenRecord | undefined> => {
    const r = await conn.one(sql, params);
    return r ? rowToToken(r) : undefined;
  };

  return {
    async createBatch(name: string, source: TokenSource, createdBy: string | null, now: number) {
      const r = await conn.one<{ id: number }>(
        'INSERT INTO batches (name, source, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
        [name, source, createdBy, now],
      );
      return r!.id;
    },
    async getBatch(id: number) {
      const r = await conn.one('SELECT id, name, created_at FROM batches WHERE id = $1', [id]);
      return r
        ? { id: r.id as number, name: r.name as string, createdAt: r.created_at as number }
        : undefined;
    },
    async findBatchByName(name: string) {
      // Case and surrounding spaces do not make two names different ("open day" is "Open Day").
      const r = await conn.one(
        `SELECT id, name FROM batches WHERE ${asciiLower('trim(name)')} = ${asciiLower('trim($1)')}
         ORDER BY id DESC LIMIT 1`,
        [name],
      );
      return r ? { id: r.id as number, name: r.name as string } : undefined;
    },
    async codeExists(code: string) {
      return (await conn.one('SELECT 1 FROM tokens WHERE code = $1', [code])) !== undefined;
    },
    async insert(t: NewToken) {
      const r = await conn.one<{ id: number }>(
        `INSERT INTO tokens (code, minutes, valid_from, valid_until,
          expires_after_first_use_minutes, max_devices, when_full, data_quota_bytes,
          rate_down_kbps, rate_up_kbps, description, batch_id, source, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
        [
          t.code,
          t.minutes,
          t.validFrom,
          t.validUntil,
          t.expiresAfterFirstUseMinutes,
          t.maxDevices,
          t.whenFull,
          t.dataQuotaBytes,
          t.rateDownKbps,
          t.rateUpKbps,
          t.description,
          t.batchId,
          t.source,
          t.createdBy,
          t.createdAt,
        ],
      );
      return r!.id;
    },
    findByCode: (code: string) =>
      one(`${TOKEN_SELECT} WHERE t.code = $1 AND t.deleted_at IS NULL`, [code]),
    findById: (id: number) => one(`${TOKEN_SELECT} WHERE t.id = $1`, [id]),
    async listBatch(batchId: number) {
      const rows = await conn.query(
        `${TOKEN_SELECT} WHERE t.batch_id = $1 AND t.deleted_at IS NULL ORDER BY t.id`,
        [batchId],
      );
      return rows.map(rowToToken);
    },
    async list(f, now, page) {
      const p = new Params();
      const sql = `${TOKEN_SELECT} WHERE ${where(f, p, now)} ORDER BY ${PG_SORT_SQL[page.sort ?? '-created']} LIMIT ${p.add(page.limit)} OFFSET ${p.add(page.offset)}`;
      return (await conn.query(sql, p.values)).map(rowToToken);
    },
    // Keyset pages by id, as on SQLite: no cursor holds a pooled connection (or a transaction)
    // open while a slow export download drains.
    async *iterate(f, now, pageSize = 1000) {
      const p = new Params();
      const w = where(f, p, now);
      const after = p.add(0);
      const afterIndex = p.values.length - 1;
      const sql = `${TOKEN_SELECT} WHERE ${w} AND t.id > ${after} ORDER BY t.id LIMIT ${p.add(pageSize)}`;
      for (;;) {
        const rows = await conn.query(sql, p.values);
        for (const r of rows) yield rowToToken(r);
        const last = rows.at(-1);
        if (rows.length < pageSize || last === undefined) return;
        p.values[afterIndex] = last.id;
      }
    },
    async countByState(f, now) {
      const p = new Params();
      const state = pgStateSql(p.once('now', now));
      const sql = `SELECT state, COUNT(*) AS n FROM (SELECT (${state}) AS state
        FROM tokens t LEFT JOIN batches b ON b.id = t.batch_id
        WHERE ${where({ ...f, state: undefined }, p, now)}) s GROUP BY state`;
      const out = emptyStateCounts();
      for (const r of await conn.query(sql, p.values)) out[r.state as TokenState] = r.n as number;
      return out;
    },
    async update(id: number, u: TokenUpdate) {
      const keys = Object.keys(u) as Array<keyof TokenUpdate>;
      if (keys.length === 0) return true;
      const p = new Params();
      const sets = keys.map((k) => `${UPDATE_COLUMNS[k]} = ${p.add(u[k])}`).join(', ');
      return (
        (await conn.run(
          `UPDATE tokens SET ${sets} WHERE id = ${p.add(id)} AND deleted_at IS NULL`,
          p.values,
        )) === 1
      );
    },
    async softDelete(id: number, now: number) {
      return (
        (await conn.run('UPDATE tokens SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL', [
          now,
          id,
        ])) === 1
      );
    },
    async addOnlineTime(tokenId: number, span: Interval, bytes: number) {
      let added = 0;
      if (span.end > span.start) {
        const hits = await conn.query<Interval>(
          'SELECT start_at AS start, end_at AS "end" FROM token_coverage WHERE token_id = $1 AND start_at <= $2 AND end_at >= $3',
          [tokenId, span.end, span.start],
        );
        const { merged, addedMs } = mergeIntoCoverage(hits, span);
        if (hits.length > 0) {
          await conn.run(
            'DELETE FROM token_coverage WHERE token_id = $1 AND start_at = ANY($2::bigint[])',
            [tokenId, hits.map((h) => h.start)],
          );
        }
        await conn.run(
          'INSERT INTO token_coverage (token_id, start_at, end_at) VALUES ($1, $2, $3)',
          [tokenId, merged.start, merged.end],
        );
        added = addedMs;
      }
      if (added > 0 || bytes > 0) {
        await conn.run(
          `UPDATE tokens SET used_ms = used_ms + $1, used_bytes = used_bytes + $2,
            first_used_at = COALESCE(first_used_at, $3),
            last_used_at = GREATEST(COALESCE(last_used_at, 0), $4) WHERE id = $5`,
          [added, bytes, span.start, span.end, tokenId],
        );
      }
      return added;
    },
    async coverageSince(tokenId: number, since: number) {
      return conn.query<Interval>(
        'SELECT start_at AS start, end_at AS "end" FROM token_coverage WHERE token_id = $1 AND end_at >= $2 ORDER BY start_at',
        [tokenId, since],
      );
    },
    async markFirstUse(tokenId: number, at: number) {
      return (
        (await conn.run(
          'UPDATE tokens SET first_used_at = $1 WHERE id = $2 AND first_used_at IS NULL',
          [at, tokenId],
        )) === 1
      );
    },
    async lockForUpdate(ids: readonly number[]) {
      // A row this transaction already holds to its end needs no second round trip (the
      // RADIUS batch takes all its tokens first, so each packet's lock is usually one).
      const tx = conn.tx();
      const held = tx?.heldTokens;
      const wanted = held ? ids.filter((id) => !held.has(id)) : ids;
      if (wanted.length === 0) return;
      // Rows are locked in id order, so two transactions locking overlapping sets cannot
      // each hold one the other waits for.
      const rows = await conn.query<{ id: number }>(
        'SELECT id FROM tokens WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE',
        [[...wanted]],
      );
      holdToEnd(tx, rows);
    },
    async lockForRequests(keys: TokenLockKeys) {
      const { codes, classes, sessions } = keys;
      if (codes.length + classes.length + sessions.length === 0) return;
      // One round trip for the whole batch; the per-packet lockForUpdate calls that follow
      // find their rows already held. Written so that every part is an index lookup whatever
      // plan the prepared statement gets: `id = ANY(ARRAY(...))` rather than `id IN (...)`
      // (a semi-join over all tokens), and a LATERAL lookup per (NAS, Acct-Session-Id)
      // rather than a join over all sessions. (Its time in pg_stat_statements, about 1.7 ms a
      // call under load, is mostly waiting for rows another batch holds: the point of it.)
      const rows = await conn.query<{ id: number }>(
        `SELECT id FROM tokens WHERE id = ANY(ARRAY(
           SELECT id FROM tokens WHERE code = ANY($1::text[]) AND deleted_at IS NULL
           UNION ALL SELECT token_id FROM sessions WHERE class = ANY($2::text[])
           UNION ALL SELECT x.token_id
             FROM unnest($3::bigint[], $4::text[]) AS k (nas_id, acct_session_id)
             CROSS JOIN LATERAL (SELECT s.token_id FROM sessions s
               WHERE s.nas_id = k.nas_id AND s.acct_session_id = k.acct_session_id
               ORDER BY s.id DESC LIMIT 8) x))
         ORDER BY id FOR UPDATE`,
        [[...codes], [...classes], sessions.map((x) => x[0]), sessions.map((x) => x[1])],
      );
      holdToEnd(conn.tx(), rows);
    },
    async meterOf(tokenId: number): Promise<TokenMeter | undefined> {
      const r = await conn.one(
        'SELECT code, minutes, used_ms, data_quota_bytes, used_bytes FROM tokens WHERE id = $1',
        [tokenId],
      );
      if (!r) return undefined;
      return {
        code: r.code as string,
        minutes: r.minutes as number | null,
        usedMs: r.used_ms as number,
        dataQuotaBytes: r.data_quota_bytes as number | null,
        usedBytes: r.used_bytes as number,
      };
    },
  };
}
