// Device sessions on PostgreSQL: the same rows and answers as src/storage/session-repo.ts.
// Where SQLite's single writer makes a read-then-write safe, two nodes here run side by side:
// the accounting lookup takes a lock per (NAS, Acct-Session-Id), the Accounting-On/Off lookup
// locks the rows it will close, and the sweeper's close is conditional.

import type { Repos } from '../store.js';
import {
  ROW_SELECT,
  toRow,
  toSession,
  type LiveTokenBudget,
  type NewSession,
  type SessionListFilter,
  type SessionRecord,
} from '../session-repo.js';
import type { PgConn } from './connection.js';

type Row = Record<string, unknown>;

/** createPgSessionRepo returns the session repository over `conn`. */
export function createPgSessionRepo(conn: PgConn): Repos['sessions'] {
  const all = async (text: string, params: readonly unknown[]): Promise<SessionRecord[]> =>
    (await conn.query(text, params)).map(toSession);
  const first = async (
    text: string,
    params: readonly unknown[],
  ): Promise<SessionRecord | undefined> => {
    const r = await conn.one(text, params);
    return r ? toSession(r) : undefined;
  };

  const where = (f: SessionListFilter, params: unknown[]): string => {
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const clauses = [`s.status = ANY(${p([...f.statuses])}::text[])`];
    if (f.tokenId !== undefined) clauses.push(`s.token_id = ${p(f.tokenId)}`);
    if (f.nasId !== undefined) clauses.push(`s.nas_id = ${p(f.nasId)}`);
    if (f.mac !== undefined) clauses.push(`s.device_mac = ${p(f.mac)}`);
    if (f.startedOnly) clauses.push('s.started_at IS NOT NULL');
    if (f.since !== undefined)
      clauses.push(`COALESCE(s.stopped_at, s.last_seen_at, s.reserved_at) >= ${p(f.since)}`);
    if (f.until !== undefined)
      clauses.push(`COALESCE(s.started_at, s.reserved_at) < ${p(f.until)}`);
    return clauses.join(' AND ');
  };

  return {
    async insert(n: NewSession) {
      const r = await conn.one<{ id: number }>(
        `INSERT INTO sessions (token_id, nas_id, status, class, acct_session_id, device_mac,
        framed_ip, called_station, nas_port_id, reserved_at, reservation_expires_at, started_at,
        last_seen_at, updated_at, interim_interval, login, user_name, nas_ip_address,
        nas_identifier, calling_station_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
        $19, $20) RETURNING id`,
        [
          n.tokenId,
          n.nasId,
          n.status,
          n.class,
          n.acctSessionId,
          n.deviceMac,
          n.framedIp,
          n.calledStation,
          n.nasPortId,
          n.reservedAt,
          n.reservationExpiresAt,
          n.startedAt,
          n.lastSeenAt,
          n.updatedAt,
          n.interimInterval,
          n.login,
          n.userName,
          n.nasIpAddress,
          n.nasIdentifier,
          n.callingStationId,
        ],
      );
      return {
        ...n,
        id: (r as { id: number }).id,
        stoppedAt: null,
        sessionSeconds: 0,
        inputOctets: 0,
        outputOctets: 0,
        terminateCause: null,
        closedBy: null,
        slotReleasedAt: null,
      };
    },
    async backdateStart(id, at) {
      const n = await conn.run(
        `UPDATE sessions SET started_at = $2, last_seen_at = $2 WHERE id = $1 AND status = 'live'
        AND session_seconds = 0 AND last_seen_at = started_at AND started_at > $2`,
        [id, at],
      );
      return n === 1;
    },
    findById: (id) => first('SELECT * FROM sessions WHERE id = $1', [id]),
    findByClass: (cls) => first('SELECT * FROM sessions WHERE class = $1', [cls]),
    async findByAcct(nasId, acctSessionId) {
      // Under the (NAS, Acct-Session-Id) lock until the caller's transaction ends (see
      // migration 12): a retransmission recorded by another node at once waits for this one
      // and then finds the session it made or advanced, as on SQLite's single writer.
      const rows = await all('SELECT * FROM portico_sessions_by_acct($1, $2)', [
        nasId,
        acctSessionId,
      ]);
      const open = rows.filter((x) => x.status !== 'closed');
      return open.length === 0 ? rows : [...open, ...rows.filter((x) => x.status === 'closed')];
    },
    findReserved: (tokenId, mac) =>
      first(
        `SELECT * FROM sessions WHERE token_id = $1 AND device_mac = $2 AND status = 'reserved'
        AND slot_released_at IS NULL ORDER BY id DESC LIMIT 1`,
        [tokenId, mac],
      ),
    slotsOf: (tokenId, now) =>
      all(
        `SELECT * FROM sessions WHERE token_id = $1 AND slot_released_at IS NULL
        AND (status = 'live' OR (status = 'reserved' AND reservation_expires_at > $2)) ORDER BY id`,
        [tokenId, now],
      ),
    liveOf: (tokenId) =>
      all(`SELECT * FROM sessions WHERE token_id = $1 AND status = 'live' ORDER BY id`, [tokenId]),
    sweptOf: (tokenId, limit) =>
      all(
        `SELECT * FROM sessions WHERE token_id = $1 AND status = 'closed'
        AND closed_by = 'sweeper' AND terminate_cause = 'stale' ORDER BY id DESC LIMIT $2`,
        [tokenId, limit],
      ),
    openOfDevice: (tokenId, mac) =>
      all(
        `SELECT * FROM sessions WHERE token_id = $1 AND device_mac = $2 AND status <> 'closed'
        ORDER BY id`,
        [tokenId, mac],
      ),
    // Locked, because Accounting-On/Off closes what this returns: a second node handling the
    // same retransmitted On waits, then sees the sessions closed and leaves them.
    openOfNas: (nasId) =>
      all(
        `SELECT * FROM sessions WHERE nas_id = $1 AND status <> 'closed' ORDER BY id FOR UPDATE`,
        [nasId],
      ),
    async extendReservation(id, until) {
      await conn.run(
        `UPDATE sessions SET reservation_expires_at = GREATEST(COALESCE(reservation_expires_at, 0), $2)
        WHERE id = $1 AND status = 'reserved'`,
        [id, until],
      );
    },
    async activate(r, identity, at) {
      await conn.run(
        `UPDATE sessions SET status = 'live', nas_id = COALESCE($2, nas_id), acct_session_id = $3,
        device_mac = COALESCE($4, device_mac), framed_ip = COALESCE($5, framed_ip),
        called_station = COALESCE($6, called_station), nas_port_id = COALESCE($7, nas_port_id),
        user_name = COALESCE($8, user_name), nas_ip_address = COALESCE($9, nas_ip_address),
        nas_identifier = COALESCE($10, nas_identifier),
        calling_station_id = COALESCE($11, calling_station_id), login = COALESCE($12, login),
        started_at = $13, last_seen_at = $14, updated_at = $15, reservation_expires_at = NULL
        WHERE id = $1`,
        [
          r.id,
          identity.nasId,
          identity.acctSessionId,
          identity.deviceMac,
          identity.framedIp,
          identity.calledStation,
          identity.nasPortId,
          identity.userName,
          identity.nasIpAddress,
          identity.nasIdentifier,
          identity.callingStationId,
          identity.login,
          at.startedAt,
          at.lastSeenAt,
          at.updatedAt,
        ],
      );
      return {
        ...r,
        ...at,
        status: 'live',
        reservationExpiresAt: null,
        acctSessionId: identity.acctSessionId,
        nasId: identity.nasId ?? r.nasId,
        deviceMac: identity.deviceMac ?? r.deviceMac,
        framedIp: identity.framedIp ?? r.framedIp,
        calledStation: identity.calledStation ?? r.calledStation,
        nasPortId: identity.nasPortId ?? r.nasPortId,
        userName: identity.userName ?? r.userName,
        nasIpAddress: identity.nasIpAddress ?? r.nasIpAddress,
        nasIdentifier: identity.nasIdentifier ?? r.nasIdentifier,
        callingStationId: identity.callingStationId ?? r.callingStationId,
        login: identity.login ?? r.login,
      };
    },
    async recordUsage(id, u) {
      await conn.run(
        `UPDATE sessions SET last_seen_at = $2, updated_at = GREATEST(COALESCE(updated_at, 0), $3),
        session_seconds = $4, input_octets = $5, output_octets = $6 WHERE id = $1`,
        [id, u.lastSeenAt, u.updatedAt, u.sessionSeconds, u.inputOctets, u.outputOctets],
      );
    },
    async setFramedIp(id, ip) {
      await conn.run('UPDATE sessions SET framed_ip = $2 WHERE id = $1', [id, ip]);
    },
    async close(id, c) {
      await conn.run(
        `UPDATE sessions SET status = 'closed', stopped_at = $2, terminate_cause = $3,
        closed_by = $4, reservation_expires_at = NULL,
        updated_at = GREATEST(COALESCE(updated_at, 0), $5) WHERE id = $1`,
        [id, c.stoppedAt, c.terminateCause, c.closedBy, c.updatedAt],
      );
    },
    async closeStale(id, c) {
      // A packet another node recorded since the sweeper listed the session moved updated_at:
      // the row no longer matches once that commit is visible, and the session stays live.
      const n = await conn.run(
        `UPDATE sessions SET status = 'closed', stopped_at = $2, terminate_cause = $3,
        closed_by = $4, reservation_expires_at = NULL
        WHERE id = $1 AND status = 'live' AND updated_at = $5`,
        [id, c.stoppedAt, c.terminateCause, c.closedBy, c.updatedAt],
      );
      return n === 1;
    },
    async reopen(id) {
      await conn.run(
        `UPDATE sessions SET status = 'live', stopped_at = NULL, terminate_cause = NULL,
        closed_by = NULL WHERE id = $1 AND status = 'closed'`,
        [id],
      );
    },
    async releaseSlot(id, at) {
      await conn.run(
        'UPDATE sessions SET slot_released_at = COALESCE(slot_released_at, $2) WHERE id = $1',
        [id, at],
      );
    },
    async restoreSlot(id) {
      await conn.run(
        "UPDATE sessions SET slot_released_at = NULL WHERE id = $1 AND status = 'live'",
        [id],
      );
    },
    listStale: (before, now, intervals, limit = 500) =>
      all(
        `SELECT * FROM sessions WHERE status = 'live' AND updated_at < $1
        AND updated_at < $2 - $3::float8 * COALESCE(interim_interval, 0) * 1000
        ORDER BY updated_at LIMIT $4`,
        [before, now, intervals, limit],
      ),
    closeLapsedReservations: (now) =>
      conn.run(
        `UPDATE sessions SET status = 'closed', stopped_at = reservation_expires_at,
        terminate_cause = 'reservation-lapsed', closed_by = 'portico', reservation_expires_at = NULL
        WHERE status = 'reserved' AND reservation_expires_at <= $1`,
        [now],
      ),
    async liveTokenBudgets() {
      const rows = await conn.query(
        `SELECT t.id AS token_id, t.minutes, t.used_ms, t.used_bytes, t.data_quota_bytes,
        t.valid_from, t.valid_until, t.revoked_at, t.deleted_at,
        CASE WHEN t.expires_after_first_use_minutes IS NOT NULL AND t.first_used_at IS NOT NULL
          THEN t.first_used_at + t.expires_after_first_use_minutes * 60000 END AS first_use_deadline,
        MIN(COALESCE(s.last_seen_at, s.started_at)) AS since
        FROM sessions s JOIN tokens t ON t.id = s.token_id WHERE s.status = 'live'
        GROUP BY t.id ORDER BY t.id`,
      );
      return rows.map((r: Row): LiveTokenBudget => ({
        tokenId: r.token_id as number,
        minutes: r.minutes as number | null,
        usedMs: r.used_ms as number,
        usedBytes: r.used_bytes as number,
        dataQuotaBytes: r.data_quota_bytes as number | null,
        validFrom: r.valid_from as number | null,
        validUntil: r.valid_until as number | null,
        firstUseDeadline: r.first_use_deadline as number | null,
        revokedAt: r.revoked_at as number | null,
        deletedAt: r.deleted_at as number | null,
        since: r.since as number,
      }));
    },
    async overDeviceLimit(now) {
      const rows = await conn.query<{ token_id: number }>(
        `SELECT s.token_id FROM sessions s JOIN tokens t ON t.id = s.token_id
        WHERE s.status <> 'closed' AND s.slot_released_at IS NULL
        AND (s.status = 'live' OR s.reservation_expires_at > $1) GROUP BY s.token_id
        HAVING bool_or(s.status = 'live')
        AND COUNT(DISTINCT COALESCE(s.device_mac, '#' || s.id)) > MAX(t.max_devices)
        ORDER BY s.token_id`,
        [now],
      );
      return rows.map((r) => r.token_id);
    },
    async tokenLimitReached(tokenId) {
      const r = await conn.one<{ reached: boolean | null }>(
        `SELECT (minutes IS NOT NULL AND used_ms >= minutes * 60000)
        OR (data_quota_bytes IS NOT NULL AND used_bytes >= data_quota_bytes) AS reached
        FROM tokens WHERE id = $1`,
        [tokenId],
      );
      return r?.reached === true;
    },
    async getRow(id) {
      const r = await conn.one(`${ROW_SELECT} WHERE s.id = $1`, [id]);
      return r ? toRow(r) : undefined;
    },
    async list(f, page) {
      const params: unknown[] = [];
      const w = where(f, params);
      const total = await conn.one<{ n: number }>(
        `SELECT COUNT(*) AS n FROM sessions s WHERE ${w}`,
        params,
      );
      const n = params.length;
      const rows = await conn.query(
        `${ROW_SELECT} WHERE ${w}
        ORDER BY COALESCE(s.started_at, s.reserved_at) DESC, s.id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...params, page.limit, page.offset],
      );
      return { rows: rows.map(toRow), total: (total as { n: number }).n };
    },
  };
}
