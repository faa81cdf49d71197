// Tokens, batches and their metered coverage. Prepared statements, created once per database.

import type { Db } from './database.js';
import { mergeIntoCoverage, type Interval } from '../core/intervals.js';
import {
  MIN_USABLE_MS,
  type Token,
  type TokenSource,
  type TokenState,
  type WhenFull,
} from '../core/token.js';

/** TokenRecord is a token row as storage returns it. */
export type TokenRecord = Token & {
  description: string;
  batchId: number | null;
  batchName: string | null;
  source: TokenSource;
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  deletedAt: number | null;
  liveSessions: number;
};

/** NewToken is what is needed to insert a token. */
export type NewToken = {
  code: string;
  minutes: number | null;
  validFrom: number | null;
  validUntil: number | null;
  expiresAfterFirstUseMinutes: number | null;
  maxDevices: number;
  whenFull: WhenFull;
  dataQuotaBytes: number | null;
  rateDownKbps: number | null;
  rateUpKbps: number | null;
  description: string;
  batchId: number | null;
  source: TokenSource;
  createdBy: string | null;
  createdAt: number;
};

/** TokenFilter narrows a token listing. */
export type TokenFilter = {
  state?: TokenState | undefined;
  batchId?: number | undefined;
  text?: string | undefined;
  ids?: number[] | undefined;
};

/** TOKEN_SORTS are the orders a listing can take. */
export const TOKEN_SORTS = ['created', '-created', 'code', 'used', '-used', 'valid_until'] as const;
export type TokenSort = (typeof TOKEN_SORTS)[number];

/** SORT_SQL is the ORDER BY of each listing order. */
export const SORT_SQL: Record<TokenSort, string> = {
  created: 't.created_at ASC, t.id ASC',
  '-created': 't.created_at DESC, t.id DESC',
  code: 't.code ASC',
  used: 't.used_ms ASC, t.id ASC',
  '-used': 't.used_ms DESC, t.id DESC',
  valid_until: 't.valid_until IS NULL, t.valid_until ASC, t.id ASC',
};

/**
 * STATE_SQL is `deriveState` written in SQL (same order of precedence), with `:now` bound;
 * a test keeps the two in step. "Online" is an IN over the live sessions, which SQLite
 * evaluates once per statement (a list and a Bloom filter), not once per token: counting
 * 100,000 tokens by state takes about half the time it does with a correlated EXISTS.
 */
export const STATE_SQL = `CASE
  WHEN t.revoked_at IS NOT NULL THEN 'revoked'
  WHEN t.valid_from IS NOT NULL AND :now < t.valid_from THEN 'scheduled'
  WHEN t.valid_until IS NOT NULL AND :now >= t.valid_until THEN 'expired'
  WHEN t.expires_after_first_use_minutes IS NOT NULL AND t.first_used_at IS NOT NULL
       AND :now >= t.first_used_at + t.expires_after_first_use_minutes * 60000 THEN 'expired'
  WHEN t.minutes IS NOT NULL AND t.used_ms > t.minutes * 60000 - ${MIN_USABLE_MS} THEN 'depleted'
  WHEN t.data_quota_bytes IS NOT NULL AND t.used_bytes >= t.data_quota_bytes THEN 'depleted'
  WHEN t.id IN (SELECT token_id FROM sessions WHERE status = 'live') THEN 'online'
  WHEN t.first_used_at IS NOT NULL THEN 'active'
  ELSE 'unused' END`;

/** TOKEN_SELECT reads tokens (alias t) with their batch name and live session count. */
export const TOKEN_SELECT = `SELECT t.*, b.name AS batch_name,
  (SELECT COUNT(*) FROM sessions s WHERE s.token_id = t.id AND s.status = 'live') AS live_sessions
  FROM tokens t LEFT JOIN batches b ON b.id = t.batch_id`;

type Row = Record<string, unknown>;

/** rowToToken returns the TokenRecord for a row of TOKEN_SELECT. */
export function rowToToken(r: Row): TokenRecord {
  return {
    id: r.id as number,
    code: r.code as string,
    minutes: r.minutes as number | null,
    validFrom: r.valid_from as number | null,
    validUntil: r.valid_until as number | null,
    expiresAfterFirstUseMinutes: r.expires_after_first_use_minutes as number | null,
    maxDevices: r.max_devices as number,
    whenFull: r.when_full as WhenFull,
    dataQuotaBytes: r.data_quota_bytes as number | null,
    rateDownKbps: r.rate_down_kbps as number | null,
    rateUpKbps: r.rate_up_kbps as number | null,
    description: r.description as string,
    batchId: r.batch_id as number | null,
    batchName: (r.batch_name as string | null) ?? null,
    source: r.source as TokenSource,
    createdBy: r.created_by as string | null,
    createdAt: r.created_at as number,
    usedMs: r.used_ms as number,
    usedBytes: r.used_bytes as number,
    firstUsedAt: r.first_used_at as number | null,
    lastUsedAt: r.last_used_at as number | null,
    revokedAt: r.revoked_at as number | null,
    deletedAt: r.deleted_at as number | null,
    liveSessions: (r.live_sessions as number | undefined) ?? 0,
  };
}

/** TokenMeter is what accounting needs to judge a token's balance after a charge. */
export type TokenMeter = Pick<
  TokenRecord,
  'code' | 'minutes' | 'usedMs' | 'dataQuotaBytes' | 'usedBytes'
>;

/** TokenUpdate lists the fields staff may change after creation. */
export type TokenUpdate = Partial<
  Pick<
    NewToken,
    | 'minutes'
    | 'validFrom'
    | 'validUntil'
    | 'expiresAfterFirstUseMinutes'
    | 'maxDevices'
    | 'whenFull'
    | 'dataQuotaBytes'
    | 'rateDownKbps'
    | 'rateUpKbps'
    | 'description'
  >
> & { revokedAt?: number | null };

/** UPDATE_COLUMNS maps each updatable field to its column. */
export const UPDATE_COLUMNS: Record<keyof TokenUpdate, string> = {
  minutes: 'minutes',
  validFrom: 'valid_from',
  validUntil: 'valid_until',
  expiresAfterFirstUseMinutes: 'expires_after_first_use_minutes',
  maxDevices: 'max_devices',
  whenFull: 'when_full',
  dataQuotaBytes: 'data_quota_bytes',
  rateDownKbps: 'rate_down_kbps',
  rateUpKbps: 'rate_up_kbps',
  description: 'description',
  revokedAt: 'revoked_at',
};

/** emptyStateCounts returns a count of zero for every token state. */
export function emptyStateCounts(): Record<TokenState, number> {
  return { scheduled: 0, unused: 0, active: 0, online: 0, depleted: 0, expired: 0, revoked: 0 };
}

/** TokenLockKeys name the tokens a batch of RADIUS requests is about to touch. */
export type TokenLockKeys = {
  /** Normalised codes of Access-Requests. */
  codes: readonly string[];
  /** Class attributes of Accounting-Requests (the session's class). */
  classes: readonly string[];
  /** NAS id and Acct-Session-Id pairs of Accounting-Requests. */
  sessions: ReadonlyArray<readonly [number, string]>;
};

/** createTokenRepo returns the token repository over `db`. */
export function createTokenRepo(db: Db) {
  const insertBatch = db.prepare(
    'INSERT INTO batches (name, source, created_by, created_at) VALUES (?, ?, ?, ?)',
  );
  const insert = db.prepare(`INSERT INTO tokens (code, minutes, valid_from, valid_until,
    expires_after_first_use_minutes, max_devices, when_full, data_quota_bytes, rate_down_kbps,
    rate_up_kbps, description, batch_id, source, created_by, created_at)
    VALUES (@code, @minutes, @validFrom, @validUntil, @expiresAfterFirstUseMinutes, @maxDevices,
    @whenFull, @dataQuotaBytes, @rateDownKbps, @rateUpKbps, @description, @batchId, @source,
    @createdBy, @createdAt)`);
  const codeExists = db.prepare('SELECT 1 FROM tokens WHERE code = ?').pluck();
  const byCode = db.prepare(`${TOKEN_SELECT} WHERE t.code = ? AND t.deleted_at IS NULL`);
  const byId = db.prepare(`${TOKEN_SELECT} WHERE t.id = ?`);
  const byBatch = db.prepare(
    `${TOKEN_SELECT} WHERE t.batch_id = ? AND t.deleted_at IS NULL ORDER BY t.id`,
  );
  const batchById = db.prepare('SELECT * FROM batches WHERE id = ?');
  // Case and surrounding spaces do not make two names different ("open day" is "Open Day").
  const batchByName = db.prepare(
    'SELECT * FROM batches WHERE trim(name) = trim(?) COLLATE NOCASE ORDER BY id DESC LIMIT 1',
  );
  const softDelete = db.prepare(
    'UPDATE tokens SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL',
  );
  const touching = db.prepare(
    'SELECT start_at AS start, end_at AS end FROM token_coverage WHERE token_id = ? AND start_at <= ? AND end_at >= ?',
  );
  const coverageOf = db.prepare(
    'SELECT start_at AS start, end_at AS end FROM token_coverage WHERE token_id = ? AND end_at >= ? ORDER BY start_at',
  );
  const delCoverage = db.prepare('DELETE FROM token_coverage WHERE token_id = ? AND start_at = ?');
  const insCoverage = db.prepare(
    'INSERT INTO token_coverage (token_id, start_at, end_at) VALUES (?, ?, ?)',
  );
  const addUsage = db.prepare(`UPDATE tokens SET used_ms = used_ms + ?, used_bytes = used_bytes + ?,
    first_used_at = COALESCE(first_used_at, ?), last_used_at = MAX(COALESCE(last_used_at, 0), ?)
    WHERE id = ?`);
  const markFirstUse = db.prepare(
    'UPDATE tokens SET first_used_at = ? WHERE id = ? AND first_used_at IS NULL',
  );
  const meter = db
    .prepare('SELECT code, minutes, used_ms, data_quota_bytes, used_bytes FROM tokens WHERE id = ?')
    .raw();

  const where = (f: TokenFilter, params: Record<string, unknown>): string => {
    const clauses = ['t.deleted_at IS NULL'];
    if (f.state) {
      clauses.push(`(${STATE_SQL}) = :state`);
      params.state = f.state;
    }
    if (f.batchId !== undefined) {
      clauses.push('t.batch_id = :batchId');
      params.batchId = f.batchId;
    }
    if (f.text) {
      clauses.push(
        "(t.code LIKE :text ESCAPE '\\' OR t.description LIKE :textAny ESCAPE '\\' OR b.name LIKE :textAny ESCAPE '\\')",
      );
      const esc = f.text.replace(/[\\%_]/g, (c) => `\\${c}`);
      params.text = `${esc.toUpperCase().replace(/[\s-]/g, '')}%`;
      params.textAny = `%${esc}%`;
    }
    if (f.ids) {
      clauses.push(`t.id IN (SELECT value FROM json_each(:ids))`);
      params.ids = JSON.stringify(f.ids);
    }
    return clauses.join(' AND ');
  };

  return {
    /** createBatch inserts a batch and returns its id. */
    createBatch(name: string, source: TokenSource, createdBy: string | null, now: number): number {
      return Number(insertBatch.run(name, source, createdBy, now).lastInsertRowid);
    },
    /** getBatch returns a batch by id or undefined. */
    getBatch(id: number): { id: number; name: string; createdAt: number } | undefined {
      const r = batchById.get(id) as Row | undefined;
      return r
        ? { id: r.id as number, name: r.name as string, createdAt: r.created_at as number }
        : undefined;
    },
    /** findBatchByName returns the newest batch with that name, or undefined. */
    findBatchByName(name: string): { id: number; name: string } | undefined {
      const r = batchByName.get(name) as Row | undefined;
      return r ? { id: r.id as number, name: r.name as string } : undefined;
    },
    /** codeExists returns true when any token, even a deleted one, has this code. */
    codeExists(code: string): boolean {
      return codeExists.get(code) === 1;
    },
    /** insert adds a token and returns its id; a duplicate code throws SQLITE_CONSTRAINT_UNIQUE. */
    insert(t: NewToken): number {
      return Number(insert.run(t).lastInsertRowid);
    },
    /** findByCode returns the live (not deleted) token with this canonical code. */
    findByCode(code: string): TokenRecord | undefined {
      const r = byCode.get(code) as Row | undefined;
      return r ? rowToToken(r) : undefined;
    },
    /** findById returns a token by id, deleted ones included. */
    findById(id: number): TokenRecord | undefined {
      const r = byId.get(id) as Row | undefined;
      return r ? rowToToken(r) : undefined;
    },
    /** listBatch returns the live tokens of a batch in creation order. */
    listBatch(batchId: number): TokenRecord[] {
      return (byBatch.all(batchId) as Row[]).map(rowToToken);
    },
    /** list returns one page of tokens matching the filter, in the asked order. */
    list(
      f: TokenFilter,
      now: number,
      page: { sort?: TokenSort; limit: number; offset: number },
    ): TokenRecord[] {
      const params: Record<string, unknown> = { now, limit: page.limit, offset: page.offset };
      const sql = `${TOKEN_SELECT} WHERE ${where(f, params)} ORDER BY ${SORT_SQL[page.sort ?? '-created']} LIMIT :limit OFFSET :offset`;
      return (db.prepare(sql).all(params) as Row[]).map(rowToToken);
    },
    /**
     * iterate yields every token matching the filter without loading them all at once. It reads
     * pages by id rather than holding one statement open, because better-sqlite3 refuses every
     * write on the connection while a statement iterates, and a slow export download must not
     * stall accounting.
     */
    *iterate(f: TokenFilter, now: number, pageSize = 1000): Generator<TokenRecord> {
      const params: Record<string, unknown> = { now, after: 0, limit: pageSize };
      const page = db.prepare(
        `${TOKEN_SELECT} WHERE ${where(f, params)} AND t.id > :after ORDER BY t.id LIMIT :limit`,
      );
      for (;;) {
        const rows = page.all(params) as Row[];
        for (const r of rows) yield rowToToken(r);
        const last = rows.at(-1);
        if (rows.length < pageSize || last === undefined) return;
        params.after = last.id;
      }
    },
    /** countByState returns how many live tokens match the filter (state ignored), per state. */
    countByState(f: TokenFilter, now: number): Record<TokenState, number> {
      const params: Record<string, unknown> = { now };
      // The state is computed in a subquery and grouped outside it: grouping by the CASE
      // expression itself makes SQLite evaluate it twice per row.
      const sql = `SELECT state, COUNT(*) AS n FROM (SELECT (${STATE_SQL}) AS state FROM tokens t LEFT JOIN batches b ON b.id = t.batch_id WHERE ${where({ ...f, state: undefined }, params)}) GROUP BY state`;
      const out = emptyStateCounts();
      for (const r of db.prepare(sql).all(params) as Row[])
        out[r.state as TokenState] = r.n as number;
      return out;
    },
    /** update changes the given fields of a token; returns false when there is no such token. */
    update(id: number, u: TokenUpdate): boolean {
      const keys = Object.keys(u) as Array<keyof TokenUpdate>;
      if (keys.length === 0) return true;
      const sets = keys.map((k) => `${UPDATE_COLUMNS[k]} = @${k}`).join(', ');
      return (
        db
          .prepare(`UPDATE tokens SET ${sets} WHERE id = @id AND deleted_at IS NULL`)
          .run({ ...u, id }).changes === 1
      );
    },
    /** softDelete marks a token deleted (its usage history stays); false when already gone. */
    softDelete(id: number, now: number): boolean {
      return softDelete.run(now, id).changes === 1;
    },
    /**
     * addOnlineTime merges `span` into the token's coverage and charges only the newly covered
     * milliseconds (plus `bytes`); returns the milliseconds charged.
     */
    addOnlineTime(tokenId: number, span: Interval, bytes: number): number {
      let added = 0;
      if (span.end > span.start) {
        const hits = touching.all(tokenId, span.end, span.start) as Interval[];
        const { merged, addedMs } = mergeIntoCoverage(hits, span);
        for (const h of hits) delCoverage.run(tokenId, h.start);
        insCoverage.run(tokenId, merged.start, merged.end);
        added = addedMs;
      }
      if (added > 0 || bytes > 0) addUsage.run(added, bytes, span.start, span.end, tokenId);
      return added;
    },
    /** coverageSince returns the token's covered spans that end at or after `since`. */
    coverageSince(tokenId: number, since: number): Interval[] {
      return coverageOf.all(tokenId, since) as Interval[];
    },
    /**
     * markFirstUse records the first login time when none is recorded yet and returns true
     * when it did (the token's first use), false when one was recorded already.
     */
    markFirstUse(tokenId: number, at: number): boolean {
      return markFirstUse.run(at, tokenId).changes === 1;
    },
    /**
     * lockForUpdate holds the tokens' rows until the transaction ends, so that a decision
     * read from them (devices, balance, limits) is not made twice at once by two nodes. A
     * no-op on SQLite, whose write transaction already excludes every other writer.
     */
    lockForUpdate(ids: readonly number[]): void {
      void ids;
    },
    /**
     * lockForRequests holds, in id order, the rows of every token the requests name (by
     * code, by session Class, by NAS and Acct-Session-Id) until the transaction ends, so
     * that two batches in flight at once never each hold a token the other waits for. A
     * no-op on SQLite, which has one writer and so one batch at a time.
     */
    lockForRequests(keys: TokenLockKeys): void {
      void keys;
    },
    /** meterOf returns a token's code, minutes, data quota and charged usage, or undefined. */
    meterOf(tokenId: number): TokenMeter | undefined {
      const r = meter.get(tokenId) as
        [string, number | null, number, number | null, number] | undefined;
      if (!r) return undefined;
      return { code: r[0], minutes: r[1], usedMs: r[2], dataQuotaBytes: r[3], usedBytes: r[4] };
    },
  };
}

/** TokenRepo is the token repository's interface. */
export type TokenRepo = ReturnType<typeof createTokenRepo>;
