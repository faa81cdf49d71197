// Device sessions: reservations made by an Access-Accept, live sessions fed by accounting,
// and closed ones kept for history. Prepared statements, created once per database.

import type { Db } from './database.js';

/** SESSION_STATUSES are the lives of a session row: a held slot, online, or over. */
export const SESSION_STATUSES = ['reserved', 'live', 'closed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** SessionLogin says how the device logged in: a typed code or its MAC (MAC authentication). */
export type SessionLogin = 'code' | 'mac';

/** SessionRecord is a session row as storage returns it. */
export type SessionRecord = {
  id: number;
  tokenId: number;
  nasId: number | null;
  status: SessionStatus;
  class: string;
  acctSessionId: string | null;
  deviceMac: string | null;
  framedIp: string | null;
  calledStation: string | null;
  nasPortId: string | null;
  reservedAt: number;
  reservationExpiresAt: number | null;
  startedAt: number | null;
  /** End of the charged online interval [startedAt, lastSeenAt]; it never moves backwards. */
  lastSeenAt: number | null;
  /** Arrival time of the latest accounting packet (what the stale sweeper looks at). */
  updatedAt: number | null;
  stoppedAt: number | null;
  sessionSeconds: number;
  inputOctets: number;
  outputOctets: number;
  interimInterval: number | null;
  terminateCause: string | null;
  closedBy: string | null;
  login: SessionLogin | null;
  userName: string | null;
  nasIpAddress: string | null;
  nasIdentifier: string | null;
  callingStationId: string | null;
  slotReleasedAt: number | null;
};

/** SessionIdentity is what a NAS tells us about a session, kept to address it later. */
export type SessionIdentity = {
  nasId: number | null;
  acctSessionId: string | null;
  deviceMac: string | null;
  framedIp: string | null;
  calledStation: string | null;
  nasPortId: string | null;
  login: SessionLogin | null;
  userName: string | null;
  nasIpAddress: string | null;
  nasIdentifier: string | null;
  callingStationId: string | null;
};

/** NewSession is what is needed to insert a session row (a reservation or a live session). */
export type NewSession = SessionIdentity & {
  tokenId: number;
  status: 'reserved' | 'live' | 'closed';
  class: string;
  reservedAt: number;
  reservationExpiresAt: number | null;
  startedAt: number | null;
  lastSeenAt: number | null;
  updatedAt: number | null;
  interimInterval: number | null;
};

/** SessionUsage is the accounting state a packet advances. */
export type SessionUsage = {
  lastSeenAt: number;
  updatedAt: number;
  sessionSeconds: number;
  inputOctets: number;
  outputOctets: number;
};

/** SessionRow is a session joined with its token code, NAS name and latest CoA job. */
export type SessionRow = SessionRecord & {
  code: string;
  nasName: string | null;
  coaKind: string | null;
  coaState: string | null;
  coaAt: number | null;
  coaErrorCause: number | null;
  coaReason: string | null;
  coaRequestedBy: string | null;
  tokenDescription: string;
  tokenMinutes: number | null;
  tokenUsedMs: number;
  tokenValidUntil: number | null;
};

/** LiveTokenBudget is a token with live sessions: its limits, usage and oldest report. */
export type LiveTokenBudget = {
  tokenId: number;
  minutes: number | null;
  usedMs: number;
  usedBytes: number;
  dataQuotaBytes: number | null;
  validFrom: number | null;
  validUntil: number | null;
  firstUseDeadline: number | null;
  revokedAt: number | null;
  deletedAt: number | null;
  /** The earliest charged end among its live sessions. */
  since: number;
};

/** SessionListFilter narrows a session listing. */
export type SessionListFilter = {
  statuses: readonly SessionStatus[];
  tokenId?: number | undefined;
  nasId?: number | undefined;
  mac?: string | undefined;
  /** Sessions online at or after this time. */
  since?: number | undefined;
  /** Sessions that started before this time. */
  until?: number | undefined;
  /** Only sessions that accounting has seen start (no bare reservations). */
  startedOnly?: boolean | undefined;
};

type Row = Record<string, unknown>;

// The hot lookups read rows as arrays in this column order: better-sqlite3 builds a keyed
// object per row otherwise, which costs about as much again as the lookup itself.
const COLUMNS = [
  'id',
  'token_id',
  'nas_id',
  'status',
  'class',
  'acct_session_id',
  'device_mac',
  'framed_ip',
  'called_station',
  'nas_port_id',
  'reserved_at',
  'reservation_expires_at',
  'started_at',
  'last_seen_at',
  'updated_at',
  'stopped_at',
  'session_seconds',
  'input_octets',
  'output_octets',
  'interim_interval',
  'terminate_cause',
  'closed_by',
  'login',
  'user_name',
  'nas_ip_address',
  'nas_identifier',
  'calling_station_id',
  'slot_released_at',
] as const;
const SESSION_COLUMNS = COLUMNS.join(', ');
const STATUS = COLUMNS.indexOf('status');

/** fromRaw returns the SessionRecord of a row read in COLUMNS order. */
function fromRaw(v: unknown[]): SessionRecord {
  return {
    id: v[0] as number,
    tokenId: v[1] as number,
    nasId: v[2] as number | null,
    status: v[3] as SessionStatus,
    class: v[4] as string,
    acctSessionId: v[5] as string | null,
    deviceMac: v[6] as string | null,
    framedIp: v[7] as string | null,
    calledStation: v[8] as string | null,
    nasPortId: v[9] as string | null,
    reservedAt: v[10] as number,
    reservationExpiresAt: v[11] as number | null,
    startedAt: v[12] as number | null,
    lastSeenAt: v[13] as number | null,
    updatedAt: v[14] as number | null,
    stoppedAt: v[15] as number | null,
    sessionSeconds: v[16] as number,
    inputOctets: v[17] as number,
    outputOctets: v[18] as number,
    interimInterval: v[19] as number | null,
    terminateCause: v[20] as string | null,
    closedBy: v[21] as string | null,
    login: v[22] as SessionLogin | null,
    userName: v[23] as string | null,
    nasIpAddress: v[24] as string | null,
    nasIdentifier: v[25] as string | null,
    callingStationId: v[26] as string | null,
    slotReleasedAt: v[27] as number | null,
  };
}

/** toSession returns the SessionRecord of a `sessions` row read as an object. */
export function toSession(r: Row): SessionRecord {
  return fromRaw(COLUMNS.map((c) => r[c]));
}

/** ROW_SELECT reads sessions (`s`) with what a SessionRow adds; the same SQL on both backends. */
export const ROW_SELECT = `SELECT s.*, t.code AS code, n.name AS nas_name,
  j.kind AS coa_kind, j.state AS coa_state, COALESCE(j.finished_at, j.created_at) AS coa_at,
  j.error_cause AS coa_error_cause, j.reason AS coa_reason, j.requested_by AS coa_requested_by,
  t.description AS token_description, t.minutes AS token_minutes, t.used_ms AS token_used_ms,
  t.valid_until AS token_valid_until
  FROM sessions s JOIN tokens t ON t.id = s.token_id
  LEFT JOIN nas_clients n ON n.id = s.nas_id
  LEFT JOIN coa_jobs j ON j.id = (SELECT MAX(id) FROM coa_jobs WHERE session_id = s.id)`;

/** createSessionRepo returns the session repository over `db`. */
export function createSessionRepo(db: Db) {
  const insert = db.prepare(`INSERT INTO sessions (token_id, nas_id, status, class, acct_session_id,
    device_mac, framed_ip, called_station, nas_port_id, reserved_at, reservation_expires_at,
    started_at, last_seen_at, updated_at, interim_interval, login, user_name, nas_ip_address,
    nas_identifier, calling_station_id)
    VALUES (@tokenId, @nasId, @status, @class, @acctSessionId, @deviceMac, @framedIp,
    @calledStation, @nasPortId, @reservedAt, @reservationExpiresAt, @startedAt, @lastSeenAt,
    @updatedAt, @interimInterval, @login, @userName, @nasIpAddress, @nasIdentifier,
    @callingStationId)`);
  const byId = db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`).raw();
  const byClass = db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE class = ?`).raw();
  // Newest first straight from the index (no sort); the caller prefers an open one.
  const byAcct = db
    .prepare(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE nas_id = ? AND acct_session_id = ?
      ORDER BY id DESC LIMIT 8`,
    )
    .raw();
  const reservedFor = db
    .prepare(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE token_id = ? AND device_mac = ?
    AND status = 'reserved' AND slot_released_at IS NULL ORDER BY id DESC LIMIT 1`,
    )
    .raw();
  const slots = db
    .prepare(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE token_id = ? AND slot_released_at IS NULL
    AND (status = 'live' OR (status = 'reserved' AND reservation_expires_at > ?)) ORDER BY id`,
    )
    .raw();
  const liveOf = db
    .prepare(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE token_id = ? AND status = 'live' ORDER BY id`,
    )
    .raw();
  // Closed by Portico's sweeper, not by the router: the router may still have them.
  const sweptOf = db
    .prepare(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE token_id = ? AND status = 'closed'
    AND closed_by = 'sweeper' AND terminate_cause = 'stale' ORDER BY id DESC LIMIT ?`,
    )
    .raw();
  const openOfDevice = db
    .prepare(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE token_id = ? AND device_mac = ?
    AND status <> 'closed' ORDER BY id`,
    )
    .raw();
  const openOfNas = db
    .prepare(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE nas_id = ? AND status <> 'closed' ORDER BY id`,
    )
    .raw();
  const extend =
    db.prepare(`UPDATE sessions SET reservation_expires_at = MAX(COALESCE(reservation_expires_at, 0), ?)
    WHERE id = ? AND status = 'reserved'`);
  const activate =
    db.prepare(`UPDATE sessions SET status = 'live', nas_id = COALESCE(@nasId, nas_id),
    acct_session_id = @acctSessionId, device_mac = COALESCE(@deviceMac, device_mac),
    framed_ip = COALESCE(@framedIp, framed_ip), called_station = COALESCE(@calledStation, called_station),
    nas_port_id = COALESCE(@nasPortId, nas_port_id), user_name = COALESCE(@userName, user_name),
    nas_ip_address = COALESCE(@nasIpAddress, nas_ip_address),
    nas_identifier = COALESCE(@nasIdentifier, nas_identifier),
    calling_station_id = COALESCE(@callingStationId, calling_station_id),
    login = COALESCE(@login, login), started_at = @startedAt, last_seen_at = @lastSeenAt,
    updated_at = @updatedAt, reservation_expires_at = NULL WHERE id = @id`);
  const usage = db.prepare(`UPDATE sessions SET last_seen_at = @lastSeenAt,
    updated_at = MAX(COALESCE(updated_at, 0), @updatedAt), session_seconds = @sessionSeconds,
    input_octets = @inputOctets, output_octets = @outputOctets WHERE id = @id`);
  const setFramedIp = db.prepare('UPDATE sessions SET framed_ip = ? WHERE id = ?');
  const close = db.prepare(`UPDATE sessions SET status = 'closed', stopped_at = @stoppedAt,
    terminate_cause = @terminateCause, closed_by = @closedBy, reservation_expires_at = NULL,
    updated_at = MAX(COALESCE(updated_at, 0), @updatedAt) WHERE id = @id`);
  const closeStale = db.prepare(`UPDATE sessions SET status = 'closed', stopped_at = @stoppedAt,
    terminate_cause = @terminateCause, closed_by = @closedBy, reservation_expires_at = NULL
    WHERE id = @id AND status = 'live' AND updated_at = @updatedAt`);
  const reopen = db.prepare(`UPDATE sessions SET status = 'live', stopped_at = NULL,
    terminate_cause = NULL, closed_by = NULL WHERE id = ? AND status = 'closed'`);
  const releaseSlot = db.prepare(
    'UPDATE sessions SET slot_released_at = COALESCE(slot_released_at, ?) WHERE id = ?',
  );
  const restoreSlot = db.prepare(
    "UPDATE sessions SET slot_released_at = NULL WHERE id = ? AND status = 'live'",
  );
  const stale = db
    .prepare(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE status = 'live' AND updated_at < @before
    AND updated_at < @now - @intervals * COALESCE(interim_interval, 0) * 1000
    ORDER BY updated_at LIMIT @limit`,
    )
    .raw();
  const lapse =
    db.prepare(`UPDATE sessions SET status = 'closed', stopped_at = reservation_expires_at,
    terminate_cause = 'reservation-lapsed', closed_by = 'portico', reservation_expires_at = NULL
    WHERE status = 'reserved' AND reservation_expires_at <= ?`);
  const liveBudgets = db.prepare(`SELECT t.id AS token_id, t.minutes, t.used_ms, t.used_bytes,
    t.data_quota_bytes, t.valid_from, t.valid_until, t.revoked_at, t.deleted_at,
    CASE WHEN t.expires_after_first_use_minutes IS NOT NULL AND t.first_used_at IS NOT NULL
      THEN t.first_used_at + t.expires_after_first_use_minutes * 60000 END AS first_use_deadline,
    MIN(COALESCE(s.last_seen_at, s.started_at)) AS since
    FROM sessions s JOIN tokens t ON t.id = s.token_id WHERE s.status = 'live' GROUP BY s.token_id`);
  // The partial index on open sessions keeps this to reservations and live sessions.
  const overLimit = db
    .prepare(
      `SELECT s.token_id FROM sessions s JOIN tokens t ON t.id = s.token_id
    WHERE s.status <> 'closed' AND s.slot_released_at IS NULL
    AND (s.status = 'live' OR s.reservation_expires_at > ?) GROUP BY s.token_id
    HAVING SUM(s.status = 'live') > 0
    AND COUNT(DISTINCT COALESCE(s.device_mac, '#' || s.id)) > MAX(t.max_devices)`,
    )
    .pluck();
  const rowById = db.prepare(`${ROW_SELECT} WHERE s.id = ?`);
  const limitReached = db
    .prepare(
      `SELECT (minutes IS NOT NULL AND used_ms >= minutes * 60000)
        OR (data_quota_bytes IS NOT NULL AND used_bytes >= data_quota_bytes) FROM tokens WHERE id = ?`,
    )
    .pluck();

  const where = (f: SessionListFilter, params: Record<string, unknown>): string => {
    const clauses = [`s.status IN (SELECT value FROM json_each(:statuses))`];
    params.statuses = JSON.stringify(f.statuses);
    if (f.tokenId !== undefined) {
      clauses.push('s.token_id = :tokenId');
      params.tokenId = f.tokenId;
    }
    if (f.nasId !== undefined) {
      clauses.push('s.nas_id = :nasId');
      params.nasId = f.nasId;
    }
    if (f.mac !== undefined) {
      clauses.push('s.device_mac = :mac');
      params.mac = f.mac;
    }
    if (f.startedOnly) clauses.push('s.started_at IS NOT NULL');
    if (f.since !== undefined) {
      clauses.push('COALESCE(s.stopped_at, s.last_seen_at, s.reserved_at) >= :since');
      params.since = f.since;
    }
    if (f.until !== undefined) {
      clauses.push('COALESCE(s.started_at, s.reserved_at) < :until');
      params.until = f.until;
    }
    return clauses.join(' AND ');
  };

  const backdate = db.prepare(`UPDATE sessions SET started_at = @at, last_seen_at = @at
    WHERE id = @id AND status = 'live' AND session_seconds = 0 AND last_seen_at = started_at
    AND started_at > @at`);
  return {
    /** insert adds a session row and returns it; a taken class throws a UNIQUE error. */
    insert(n: NewSession): SessionRecord {
      const id = Number(insert.run(n).lastInsertRowid);
      return {
        ...n,
        id,
        stoppedAt: null,
        sessionSeconds: 0,
        inputOctets: 0,
        outputOctets: 0,
        terminateCause: null,
        closedBy: null,
        slotReleasedAt: null,
      };
    },
    /**
     * backdateStart moves the start (and last report) of a live session that has reported
     * nothing since its Start back to `at`; false when it had reported meanwhile.
     */
    backdateStart(id: number, at: number): boolean {
      return backdate.run({ id, at }).changes === 1;
    },
    /** findById returns a session or undefined. */
    findById(id: number): SessionRecord | undefined {
      const r = byId.get(id) as unknown[] | undefined;
      return r ? fromRaw(r) : undefined;
    },
    /** findByClass returns the session whose Class attribute is `cls`, or undefined. */
    findByClass(cls: string): SessionRecord | undefined {
      const r = byClass.get(cls) as unknown[] | undefined;
      return r ? fromRaw(r) : undefined;
    },
    /**
     * findByAcct returns the sessions a NAS has called `acctSessionId` (a rebooted NAS reuses
     * its ids): open ones first, then the newest, at most eight.
     */
    findByAcct(nasId: number, acctSessionId: string): SessionRecord[] {
      const rows = byAcct.all(nasId, acctSessionId) as unknown[][];
      const open = rows.filter((x) => x[STATUS] !== 'closed');
      const ordered =
        open.length === 0 ? rows : [...open, ...rows.filter((x) => x[STATUS] === 'closed')];
      return ordered.map(fromRaw);
    },
    /** findReserved returns the newest reservation a device holds on a token, or undefined. */
    findReserved(tokenId: number, mac: string): SessionRecord | undefined {
      const r = reservedFor.get(tokenId, mac) as unknown[] | undefined;
      return r ? fromRaw(r) : undefined;
    },
    /** slotsOf returns the sessions holding a token's device slots at `now`. */
    slotsOf(tokenId: number, now: number): SessionRecord[] {
      return (slots.all(tokenId, now) as unknown[][]).map(fromRaw);
    },
    /** liveOf returns a token's live sessions. */
    liveOf(tokenId: number): SessionRecord[] {
      return (liveOf.all(tokenId) as unknown[][]).map(fromRaw);
    },
    /**
     * sweptOf returns a token's sessions that Portico closed as stale (no accounting for too
     * long) without the router saying they ended, newest first, at most `limit`.
     */
    sweptOf(tokenId: number, limit: number): SessionRecord[] {
      return (sweptOf.all(tokenId, limit) as unknown[][]).map(fromRaw);
    },
    /** openOfDevice returns a device's reserved and live sessions on a token. */
    openOfDevice(tokenId: number, mac: string): SessionRecord[] {
      return (openOfDevice.all(tokenId, mac) as unknown[][]).map(fromRaw);
    },
    /** openOfNas returns every reserved or live session of a NAS. */
    openOfNas(nasId: number): SessionRecord[] {
      return (openOfNas.all(nasId) as unknown[][]).map(fromRaw);
    },
    /** extendReservation pushes a reservation's expiry out to `until` (never earlier). */
    extendReservation(id: number, until: number): void {
      extend.run(until, id);
    },
    /** activate turns a reservation into a live session and returns it as stored. */
    activate(
      r: SessionRecord,
      identity: SessionIdentity & { acctSessionId: string },
      at: { startedAt: number; lastSeenAt: number; updatedAt: number },
    ): SessionRecord {
      activate.run({ ...identity, ...at, id: r.id });
      // The statement keeps a stored value wherever the NAS sent none (COALESCE).
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
    /** recordUsage stores a session's advanced counters and charged end. */
    recordUsage(id: number, u: SessionUsage): void {
      usage.run({ ...u, id });
    },
    /** setFramedIp records the address the NAS gave the device. */
    setFramedIp(id: number, ip: string): void {
      setFramedIp.run(ip, id);
    },
    /** close ends a session at `stoppedAt` with a cause and who closed it. */
    close(
      id: number,
      c: { stoppedAt: number; terminateCause: string; closedBy: string; updatedAt: number },
    ): void {
      close.run({ ...c, id });
    },
    /**
     * closeStale closes a live session the sweeper found silent, unless accounting reached it
     * since (its updated_at is no longer `c.updatedAt`) or it is no longer live; false then.
     * Only the caller that closed it announces the stop, whichever node it runs on.
     */
    closeStale(
      id: number,
      c: { stoppedAt: number; terminateCause: string; closedBy: string; updatedAt: number },
    ): boolean {
      return closeStale.run({ ...c, id }).changes === 1;
    },
    /** reopen makes a closed session live again (the sweeper's guess proved wrong). */
    reopen(id: number): void {
      reopen.run(id);
    },
    /** releaseSlot stops a session from holding a device slot (an end was requested). */
    releaseSlot(id: number, at: number): void {
      releaseSlot.run(at, id);
    },
    /** restoreSlot makes a live session hold its slot again (the NAS refused to end it). */
    restoreSlot(id: number): void {
      restoreSlot.run(id);
    },
    /**
     * listStale returns live sessions with no accounting since `before`, nor for `intervals`
     * of the interim interval each was given (it outlives a later change of the setting),
     * as of `now`, oldest first.
     */
    listStale(before: number, now: number, intervals: number, limit = 500): SessionRecord[] {
      return (stale.all({ before, now, intervals, limit }) as unknown[][]).map(fromRaw);
    },
    /** closeLapsedReservations closes reservations whose grace ended by `now`; returns how many. */
    closeLapsedReservations(now: number): number {
      return lapse.run(now).changes;
    },
    /** liveTokenBudgets returns each token with live sessions, its limits and usage. */
    liveTokenBudgets(): LiveTokenBudget[] {
      return (liveBudgets.all() as Row[]).map((r) => ({
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
    /**
     * overDeviceLimit returns the tokens with a live session whose slots (as `slotsOf` counts
     * them at `now`) are held by more distinct devices than the token allows.
     */
    overDeviceLimit(now: number): number[] {
      return overLimit.all(now) as number[];
    },
    /** tokenLimitReached returns true when a token's charged minutes or data are used up. */
    tokenLimitReached(tokenId: number): boolean {
      return limitReached.get(tokenId) === 1;
    },
    /** getRow returns a session with its code, NAS name and latest CoA job. */
    getRow(id: number): SessionRow | undefined {
      const r = rowById.get(id) as Row | undefined;
      return r ? toRow(r) : undefined;
    },
    /** list returns one page of sessions (newest first) and how many match in all. */
    list(
      f: SessionListFilter,
      page: { limit: number; offset: number },
    ): { rows: SessionRow[]; total: number } {
      const params: Record<string, unknown> = {};
      const w = where(f, params);
      const total = db.prepare(`SELECT COUNT(*) FROM sessions s WHERE ${w}`).pluck().get(params);
      const rows = db
        .prepare(
          `${ROW_SELECT} WHERE ${w} ORDER BY COALESCE(s.started_at, s.reserved_at) DESC, s.id DESC LIMIT :limit OFFSET :offset`,
        )
        .all({ ...params, limit: page.limit, offset: page.offset }) as Row[];
      return { rows: rows.map(toRow), total: total as number };
    },
  };
}

/** toRow returns the SessionRow of a `ROW_SELECT` row. */
export function toRow(r: Row): SessionRow {
  return {
    ...toSession(r),
    code: r.code as string,
    nasName: r.nas_name as string | null,
    coaKind: r.coa_kind as string | null,
    coaState: r.coa_state as string | null,
    coaAt: r.coa_at as number | null,
    coaErrorCause: r.coa_error_cause as number | null,
    coaReason: r.coa_reason as string | null,
    coaRequestedBy: r.coa_requested_by as string | null,
    tokenDescription: (r.token_description as string | null) ?? '',
    tokenMinutes: r.token_minutes as number | null,
    tokenUsedMs: (r.token_used_ms as number | null) ?? 0,
    tokenValidUntil: r.token_valid_until as number | null,
  };
}

/** SessionRepo is the session repository's interface. */
export type SessionRepo = ReturnType<typeof createSessionRepo>;
