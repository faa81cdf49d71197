// The RADIUS handler: policy for what the radius/ layer hands over. Access-Requests become
// access decisions with a reserved device slot, Accounting-Requests become charged minutes.
//
// Group commit: packets that arrive together are processed in ONE transaction (each inside
// its own savepoint, so one bad packet rolls back alone and is dropped) and every reply is
// released only after that transaction has committed. An Access-Accept therefore never
// leaves before its reservation is durable, and an Accounting-Response never before the
// charge is (RFC 2866 §4.1), while the commit cost is shared by the whole batch.

import { performance } from 'node:perf_hooks';
import { formatCode, maskCode, normalizeCode } from '../core/code.js';
import { normalizeMac, type MacAddress } from '../core/mac.js';
import type { RejectReason } from '../core/authorize.js';
import type { Clock } from '../clock.js';
import { safeEqual } from '../radius/authenticator.js';
import { RadiusCode } from '../radius/codes.js';
import { defaultDictionary } from '../radius/dictionary.js';
import { formatIpv4 } from '../radius/ip-address.js';
import type { RadiusPacket } from '../radius/packet.js';
import { getUserPassword, verifyChapRequest } from '../radius/password.js';
import type { RadiusClient, RadiusReply, RadiusRequest } from '../radius/server.js';
import type { RadiusMetricsSnapshot } from '../radius/server-metrics.js';
import type { NasRecord } from '../storage/nas-repo.js';
import type { SessionIdentity } from '../storage/session-repo.js';
import { isTransactionConflict, type Store } from '../storage/store.js';
import type { TokenLockKeys, TokenRecord } from '../storage/token-repo.js';
import type { AccessService } from './access-service.js';
import type { MetricsHooks } from './metrics-service.js';
import {
  ACCT_STATUS,
  type AccountingEvent,
  type AccountingService,
  type AcctStatus,
} from './accounting-service.js';
import { createLockoutService } from './lockout-service.js';
import type { UsageEvents } from './usage-events.js';
import { sessionAttributes } from './vendor-attributes.js';

/** NasClient is a RADIUS client backed by a router row. */
export type NasClient = RadiusClient & { readonly nas: NasRecord };

/** HandlerLogger is the pino-like logger the handler writes decisions to. */
export type HandlerLogger = {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
};

/** RadiusSettings are what the handler reads on every batch (staff may change some). */
export type RadiusSettings = {
  interimIntervalSeconds: number;
  idleTimeoutSeconds: number;
};

/** RadiusHandlerStats are the handler's counters, for the dashboard, the API and /healthz. */
export type RadiusHandlerStats = {
  /** Decisions and accounting results, e.g. `access.accept`, `access.reject.device-limit`. */
  outcomes: Record<string, number>;
  /** Packets the handler dropped unanswered, by reason. */
  drops: Record<string, number>;
  batches: { count: number; packets: number; largest: number; failed: number };
  /** Milliseconds from a packet reaching the handler to its reply being released. */
  latency: Record<'access' | 'accounting', { count: number; p50Ms: number; p99Ms: number }>;
  /** The UDP server's own counters (received, replies, drops, duplicates), once it runs. */
  server: RadiusMetricsSnapshot | null;
};

/** MAX_BATCH is the most packets one transaction carries. */
export const MAX_BATCH = 256;
/**
 * MAX_QUEUED is the most requests waiting for a batch. Past it a request is dropped (the
 * router retransmits), so a flood cannot grow memory without limit.
 */
export const MAX_QUEUED = 16_384;
/** BATCH_ATTEMPTS is how often a batch runs when PostgreSQL undoes it (deadlock, serialization). */
export const BATCH_ATTEMPTS = 3;

/** REPLY_MESSAGES are the plain-English reasons a router may show a refused guest. */
export const REPLY_MESSAGES: Record<RejectReason | 'bad-code' | 'locked' | 'not-bound', string> = {
  unknown: 'This access code is not valid. Check the code and try again.',
  'bad-code': 'This access code is not valid. Check the code and try again.',
  'not-yet-valid': 'This access code is not valid yet.',
  expired: 'This access code has expired.',
  depleted: 'This access code has no online time left.',
  revoked: 'This access code has been withdrawn.',
  'device-limit':
    'This access code is already in use on as many devices as it allows. Sign out another device first.',
  locked: 'Too many wrong codes. Please wait a few minutes and try again.',
  'not-bound': 'This device is not signed in. Open the sign-in page and enter your access code.',
};

// Attribute numbers read on the hot path (RFC 2865 §5, RFC 2866 §5, RFC 2869 §5).
const A = {
  UserName: 1,
  UserPassword: 2,
  ChapPassword: 3,
  NasIpAddress: 4,
  ServiceType: 6,
  FramedIpAddress: 8,
  Class: 25,
  CalledStationId: 30,
  CallingStationId: 31,
  NasIdentifier: 32,
  AcctStatusType: 40,
  AcctDelayTime: 41,
  AcctInputOctets: 42,
  AcctOutputOctets: 43,
  AcctSessionId: 44,
  AcctSessionTime: 46,
  AcctTerminateCause: 49,
  AcctInputGigawords: 52,
  AcctOutputGigawords: 53,
  NasPortId: 87,
} as const;
const CALL_CHECK = 10;

/** Parsed is what the handler reads from a request, in one pass over its attributes. */
type Parsed = {
  userName: string | null;
  hasPassword: boolean;
  hasChap: boolean;
  serviceType: number | null;
  nasIp: string | null;
  nasIdentifier: string | null;
  framedIp: string | null;
  cls: string | null;
  calledStation: string | null;
  callingStation: string | null;
  nasPortId: string | null;
  statusType: number | null;
  delay: number;
  inOctets: number | null;
  outOctets: number | null;
  inGiga: number;
  outGiga: number;
  acctSessionId: string | null;
  sessionTime: number | null;
  terminateCause: number | null;
};

const int32 = (v: Buffer): number | null => (v.length === 4 ? v.readUInt32BE(0) : null);

/** parse reads the attributes the handler uses; repeated ones keep their first value. */
function parse(packet: RadiusPacket): Parsed {
  const p: Parsed = {
    userName: null,
    hasPassword: false,
    hasChap: false,
    serviceType: null,
    nasIp: null,
    nasIdentifier: null,
    framedIp: null,
    cls: null,
    calledStation: null,
    callingStation: null,
    nasPortId: null,
    statusType: null,
    delay: 0,
    inOctets: null,
    outOctets: null,
    inGiga: 0,
    outGiga: 0,
    acctSessionId: null,
    sessionTime: null,
    terminateCause: null,
  };
  for (const { type, value } of packet.attributes) {
    switch (type) {
      case A.UserName:
        p.userName ??= value.toString('utf8');
        break;
      case A.UserPassword:
        p.hasPassword = true;
        break;
      case A.ChapPassword:
        p.hasChap = true;
        break;
      case A.NasIpAddress:
        if (value.length === 4) p.nasIp ??= formatIpv4(value);
        break;
      case A.ServiceType:
        p.serviceType ??= int32(value);
        break;
      case A.FramedIpAddress:
        if (value.length === 4) p.framedIp ??= formatIpv4(value);
        break;
      case A.Class:
        p.cls ??= value.toString('latin1');
        break;
      case A.CalledStationId:
        p.calledStation ??= value.toString('utf8');
        break;
      case A.CallingStationId:
        p.callingStation ??= value.toString('utf8');
        break;
      case A.NasIdentifier:
        p.nasIdentifier ??= value.toString('utf8');
        break;
      case A.NasPortId:
        p.nasPortId ??= value.toString('utf8');
        break;
      case A.AcctStatusType:
        p.statusType ??= int32(value);
        break;
      case A.AcctDelayTime:
        p.delay = int32(value) ?? 0;
        break;
      case A.AcctInputOctets:
        p.inOctets ??= int32(value);
        break;
      case A.AcctOutputOctets:
        p.outOctets ??= int32(value);
        break;
      case A.AcctInputGigawords:
        p.inGiga = int32(value) ?? 0;
        break;
      case A.AcctOutputGigawords:
        p.outGiga = int32(value) ?? 0;
        break;
      case A.AcctSessionId:
        p.acctSessionId ??= value.toString('utf8');
        break;
      case A.AcctSessionTime:
        p.sessionTime ??= int32(value);
        break;
      case A.AcctTerminateCause:
        p.terminateCause ??= int32(value);
        break;
    }
  }
  return p;
}

const terminateCauses = defaultDictionary().attribute('Acct-Terminate-Cause')?.valueNames;

/** createLatency returns a ring of recent latencies with percentiles. */
function createLatency(size = 2048) {
  const ring: number[] = [];
  let next = 0;
  let count = 0;
  return {
    add(ms: number) {
      ring[next] = ms;
      next = (next + 1) % size;
      count++;
    },
    snapshot() {
      const sorted = [...ring].sort((a, b) => a - b);
      const at = (f: number) =>
        sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))] ?? 0;
      return { count, p50Ms: at(0.5), p99Ms: at(0.99) };
    },
  };
}

type Pending = {
  request: RadiusRequest<NasClient>;
  started: number;
  resolve: (reply: RadiusReply | null) => void;
  /** The request's attributes, read once (the batch's lock keys and its handling share them). */
  parsed?: Parsed;
};

/** Effects are what a committed batch must set in motion. */
type Effects = { wake: boolean };

/** createRadiusService returns the RADIUS handler, its NAS lookup and its counters. */
export function createRadiusService(deps: {
  store: Store;
  clock: Clock;
  access: AccessService;
  accounting: AccountingService;
  settings: () => RadiusSettings;
  /** Called after a commit that queued Disconnect jobs or used up a token. */
  wake: () => void;
  /** Raises device.refused in the packet's transaction. */
  events?: UsageEvents;
  logger?: HandlerLogger;
  /** How long a NAS row is cached by address; default 2 s. */
  nasCacheMs?: number;
  /** Prometheus histograms: batch sizes and per-packet latency. */
  metrics?: Pick<MetricsHooks, 'radiusBatch' | 'radiusLatency'>;
  /**
   * How many batches may be in flight at once, each its own transaction (default 1). SQLite
   * has one writer, so it runs one; on PostgreSQL the token row locks keep batches that run
   * side by side from deciding for the same token at once.
   */
  batchesInFlight?: number;
}) {
  const { store, clock, access, accounting } = deps;
  let log: HandlerLogger = deps.logger ?? {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  // Device keys lock after a few wrong codes; the router's key (shared by every guest of a
  // venue) has a budget instead: lockout-service picks the policy by the key's kind.
  const lockouts = createLockoutService({ store, clock });
  const outcomes: Record<string, number> = {};
  const drops: Record<string, number> = {};
  const batches = { count: 0, packets: 0, largest: 0, failed: 0 };
  const latency = { access: createLatency(), accounting: createLatency() };
  const count = (bag: Record<string, number>, key: string) => {
    bag[key] = (bag[key] ?? 0) + 1;
  };
  const nasCache = new Map<string, { client: NasClient; at: number }>();
  const nasSeen = new Map<number, number>();
  const queue: Pending[] = [];
  let scheduled = false;
  // Up to `batchesInFlight` batches run at a time; packets that arrive meanwhile fill the
  // next one. SQLite: one.
  const maxInFlight = store.backend === 'postgres' ? Math.max(1, deps.batchesInFlight ?? 1) : 1;
  let running = 0;
  let serverMetrics: (() => RadiusMetricsSnapshot) | null = null;

  /** identityOf returns what a request tells us about the session, for later Disconnects. */
  const identityOf = (
    p: Parsed,
    nas: NasRecord,
    mac: MacAddress | null,
    login: 'code' | 'mac' | null,
  ): SessionIdentity => ({
    nasId: nas.id,
    acctSessionId: p.acctSessionId,
    deviceMac: mac,
    framedIp: p.framedIp,
    calledStation: p.calledStation,
    nasPortId: p.nasPortId,
    login,
    userName: p.userName,
    nasIpAddress: p.nasIp,
    nasIdentifier: p.nasIdentifier,
    callingStationId: p.callingStation,
  });

  const reject = (reason: keyof typeof REPLY_MESSAGES): RadiusReply => {
    count(outcomes, `access.reject.${reason}`);
    return {
      code: RadiusCode.AccessReject,
      attributes: [['Reply-Message', REPLY_MESSAGES[reason]]],
    };
  };

  /** passwordMatches checks PAP or CHAP against the code, in constant time per candidate. */
  const passwordMatches = (req: RadiusRequest<NasClient>, p: Parsed, code: string): boolean => {
    if (p.hasPassword) {
      const given = normalizeCode(getUserPassword(req.packet, req.client.secret));
      return given !== undefined && safeEqual(Buffer.from(given), Buffer.from(code));
    }
    if (p.hasChap) {
      // The NAS hashed the password as the guest typed it, so try the spellings a code has.
      const typed = p.userName ?? '';
      const candidates = new Set([
        typed,
        code,
        formatCode(code),
        code.toLowerCase(),
        formatCode(code).toLowerCase(),
        typed.toUpperCase(),
      ]);
      let ok = false;
      for (const c of candidates) ok = verifyChapRequest(req.packet, c) || ok;
      return ok;
    }
    return false;
  };

  /** accept builds the Access-Accept for an admitted device. */
  const accept = (
    token: TokenRecord,
    nas: NasRecord,
    cls: string,
    sessionTimeout: number | null,
    s: RadiusSettings,
  ): RadiusReply => {
    const attributes = sessionAttributes(nas.vendor, {
      sessionTimeout,
      interimIntervalSeconds: s.interimIntervalSeconds,
      idleTimeoutSeconds: s.idleTimeoutSeconds,
      sessionClass: cls,
      limits: {
        rateDownKbps: token.rateDownKbps,
        rateUpKbps: token.rateUpKbps,
        dataLeftBytes:
          token.dataQuotaBytes === null
            ? null
            : Math.max(0, token.dataQuotaBytes - token.usedBytes),
      },
    });
    count(outcomes, 'access.accept');
    return { code: RadiusCode.AccessAccept, attributes };
  };

  /** handleAccess decides an Access-Request inside the batch transaction. */
  const handleAccess = async (
    req: RadiusRequest<NasClient>,
    p: Parsed,
    s: RadiusSettings,
    fx: Effects,
  ): Promise<RadiusReply> => {
    const nas = req.client.nas;
    const mac = normalizeMac(p.callingStation) ?? null;
    const { deviceKey, keys: guessKeys } = guessKeysOf(nas, p);
    const ctx = {
      rid: req.rid,
      nas: nas.name,
      mac: mac ?? p.callingStation,
      user: maskCode(p.userName ?? ''),
    };

    // The device's own key refuses after a few wrong codes; the router's, shared by every
    // guest, only slows guessing and never refuses a device with a clean record.
    if ((await lockouts.check(guessKeys, deviceKey)).locked) {
      log.info(
        { ...ctx, decision: 'reject', reason: 'locked' },
        'RADIUS access refused: too many wrong codes',
      );
      return reject('locked');
    }

    // MAC authentication: the device's MAC as User-Name, accepted while a binding allows.
    const userMac = normalizeMac(p.userName);
    if (userMac && (p.serviceType === CALL_CHECK || userMac === mac || mac === null)) {
      const binding = await store.bindings.findLive(userMac);
      if (binding) {
        const token = await store.tokens.findById(binding.tokenId);
        if (!token || token.deletedAt !== null) return reject('unknown');
        return admitDevice(req, token, userMac, identityOf(p, nas, userMac, 'mac'), s, fx, ctx);
      }
      if (p.serviceType === CALL_CHECK || normalizeCode(p.userName) === undefined) {
        log.info(
          { ...ctx, decision: 'reject', reason: 'not-bound' },
          'RADIUS MAC authentication refused: no binding',
        );
        return reject('not-bound');
      }
    }

    const code = normalizeCode(p.userName);
    const token =
      code !== undefined && passwordMatches(req, p, code)
        ? await store.tokens.findByCode(code)
        : undefined;
    if (!token) {
      await lockouts.recordFailure(guessKeys, deviceKey);
      log.info(
        { ...ctx, decision: 'reject', reason: 'bad-code' },
        'RADIUS access refused: wrong code',
      );
      return reject('bad-code');
    }
    if (deviceKey && (await store.lockouts.get(deviceKey)))
      await lockouts.recordSuccess([deviceKey]);
    return admitDevice(req, token, mac, identityOf(p, nas, mac, 'code'), s, fx, ctx);
  };

  /** admitDevice reserves the device's slot and answers Accept, or Reject with the reason. */
  const admitDevice = async (
    req: RadiusRequest<NasClient>,
    token: TokenRecord,
    mac: MacAddress | null,
    identity: SessionIdentity,
    s: RadiusSettings,
    fx: Effects,
    ctx: object,
  ): Promise<RadiusReply> => {
    const a = await access.admit(token, mac, identity, req.receivedAt);
    if (!('session' in a)) {
      log.info(
        { ...ctx, token: token.id, decision: 'reject', reason: a.decision.reason },
        'RADIUS access refused',
      );
      const nas = req.client.nas;
      await deps.events?.deviceRefused(
        token,
        { mac, callingStationId: identity.callingStationId, login: identity.login ?? 'code' },
        a.decision.reason,
        { id: nas.id, name: nas.name },
        req.receivedAt,
      );
      return reject(a.decision.reason);
    }
    if (a.evictionJobs.length > 0) fx.wake = true;
    log.info(
      {
        ...ctx,
        token: token.id,
        decision: 'accept',
        session: a.session.id,
        sessionTimeout: a.decision.sessionTimeout,
        sameDevice: a.decision.sameDevice,
        evicted: a.evictionJobs.length,
      },
      'RADIUS access accepted',
    );
    return accept(token, req.client.nas, a.session.class, a.decision.sessionTimeout, s);
  };

  /** handleAccounting records an Accounting-Request inside the batch transaction. */
  const handleAccounting = async (
    req: RadiusRequest<NasClient>,
    p: Parsed,
    fx: Effects,
  ): Promise<RadiusReply | null> => {
    const status: AcctStatus | undefined =
      p.statusType === null ? undefined : ACCT_STATUS[p.statusType as keyof typeof ACCT_STATUS];
    if (p.statusType === null) {
      count(drops, 'accounting-without-status-type');
      return null;
    }
    if (!status) {
      // Accounting-Failed and vendor types: nothing to record, and nothing to retransmit.
      // One counter for them all: a router must not be able to add counter names.
      count(outcomes, 'acct.other-type');
      return { code: RadiusCode.AccountingResponse };
    }
    const nas = req.client.nas;
    const mac = normalizeMac(p.callingStation) ?? null;
    const e: AccountingEvent = {
      status,
      nasId: nas.id,
      identity: identityOf(p, nas, mac, null),
      acctSessionId: p.acctSessionId,
      cls: p.cls,
      userName: p.userName,
      mac,
      eventAt: req.receivedAt - p.delay * 1000,
      receivedAt: req.receivedAt,
      sessionSeconds: p.sessionTime ?? undefined,
      inputOctets: p.inOctets === null ? undefined : p.inGiga * 0x1_0000_0000 + p.inOctets,
      outputOctets: p.outOctets === null ? undefined : p.outGiga * 0x1_0000_0000 + p.outOctets,
      terminateCause:
        p.terminateCause === null
          ? null
          : (terminateCauses?.get(p.terminateCause) ?? `cause-${p.terminateCause}`),
    };
    const out = await accounting.record(e);
    if (out.result === 'malformed') {
      count(drops, 'accounting-without-session-id');
      return null;
    }
    count(outcomes, `acct.${status}.${out.result}`);
    if (out.limitReached || (out.disconnects ?? 0) > 0) fx.wake = true;
    const line = {
      rid: req.rid,
      nas: nas.name,
      status,
      acctSessionId: p.acctSessionId,
      result: out.result,
      session: out.sessionId,
      chargedMs: out.chargedMs,
    };
    if (out.result === 'nas-reset')
      log.info({ ...line, closed: out.closed }, 'RADIUS Accounting-On/Off closed the NAS sessions');
    else if (out.result === 'unknown')
      log.debug(line, 'RADIUS accounting for a session that is not ours');
    // A session starting or ending is a decision an operator looks for; interims are detail.
    else if (status === 'start' || status === 'stop') log.info(line, 'RADIUS accounting recorded');
    else log.debug(line, 'RADIUS accounting recorded');
    return { code: RadiusCode.AccountingResponse };
  };

  // A batch runs first without savepoints (two statements a packet saved: on PostgreSQL two
  // round trips); when a request fails, the whole batch is rolled back (PostgreSQL aborts the
  // transaction anyway) and runs again with a savepoint per request, so that exactly the
  // failing request is dropped (PacketFailed), as if each had had its own from the start.

  /** handleOne processes one request of the batch transaction, in its own savepoint if asked. */
  const handleOne = (
    tx: Store,
    item: Pending,
    s: RadiusSettings,
    fx: Effects,
    savepoints: boolean,
  ): Promise<RadiusReply | null> => {
    const work = async () => {
      const req = item.request;
      const p = (item.parsed ??= parse(req.packet));
      if (req.packet.code === RadiusCode.AccessRequest) return handleAccess(req, p, s, fx);
      if (req.packet.code === RadiusCode.AccountingRequest) return handleAccounting(req, p, fx);
      count(drops, 'unexpected-code');
      return null;
    };
    return savepoints ? tx.transaction(work) : work();
  };

  /** markSeen records, at most every 10 s per NAS, that a router spoke to us. */
  const markSeen = async (tx: Store, nasId: number, at: number): Promise<void> => {
    if (at - (nasSeen.get(nasId) ?? 0) < 10_000) return;
    nasSeen.set(nasId, at);
    await tx.nas.markSeen(nasId, at);
  };

  /** lockKeysOf returns what names the tokens of a batch's requests, for lockForRequests. */
  const lockKeysOf = (batch: Pending[]): TokenLockKeys => {
    const codes: string[] = [];
    const classes: string[] = [];
    const sessions: Array<[number, string]> = [];
    for (const item of batch) {
      const { request } = item;
      const p = (item.parsed ??= parse(request.packet));
      if (request.packet.code === RadiusCode.AccessRequest) {
        const code = normalizeCode(p.userName);
        if (code !== undefined) codes.push(code);
      } else if (request.packet.code === RadiusCode.AccountingRequest) {
        if (p.cls !== null) classes.push(p.cls);
        if (p.acctSessionId !== null) sessions.push([request.client.nas.id, p.acctSessionId]);
      }
    }
    // PostgreSQL text cannot hold NUL: such a key names no row, and would fail the query.
    const ok = (x: string) => !x.includes('\0');
    return {
      codes,
      classes: classes.filter(ok),
      sessions: sessions.filter((x) => ok(x[1])),
    };
  };

  /** runOnce runs a batch in one transaction and returns its replies once it committed. */
  const runOnce = async (
    batch: Pending[],
    fx: Effects,
    savepoints: boolean,
  ): Promise<Array<RadiusReply | null>> => {
    const replies: Array<RadiusReply | null> = [];
    const s = deps.settings();
    await store.transaction(async (tx) => {
      // Batches side by side (and other nodes' batches) take their token rows in one order,
      // first, so that none holds a row another waits for while it waits for one of theirs.
      if (store.backend === 'postgres') {
        await tx.tokens.lockForRequests(lockKeysOf(batch));
      }
      const seen = new Map<number, number>();
      for (const item of batch) {
        try {
          replies.push(await handleOne(tx, item, s, fx, savepoints));
        } catch (err) {
          // PostgreSQL undid the work (deadlock, serialization): the whole batch runs again.
          if (isTransactionConflict(err)) throw err;
          if (!savepoints) throw new PacketFailed(err);
          replies.push(null);
          count(drops, 'handler-error');
          log.error({ err, nas: item.request.client.name }, 'RADIUS request failed; dropped');
          // An error that ended the whole transaction (disk full, I/O) fails the batch.
          if (!tx.inTransaction()) throw err;
        }
        const nasId = item.request.client.nas.id;
        seen.set(nasId, Math.max(seen.get(nasId) ?? 0, item.request.receivedAt));
      }
      // Last, so that the router's row is held only for the commit: a batch waiting on it
      // never holds a token another batch needs.
      for (const [nasId, at] of seen) await markSeen(tx, nasId, at);
    });
    return replies;
  };

  /** runBatch processes up to MAX_BATCH queued requests in one transaction. */
  const runBatch = async (batch: Pending[]): Promise<void> => {
    let replies: Array<RadiusReply | null> = [];
    let fx: Effects = { wake: false };
    let savepoints = false;
    for (let attempt = 1; ; attempt++) {
      fx = { wake: false };
      try {
        replies = await runOnce(batch, fx, savepoints);
        break;
      } catch (err) {
        if (err instanceof PacketFailed) {
          // Once more, each request in its own savepoint: the failing one is then dropped
          // alone, as on SQLite, and logged there.
          savepoints = true;
          attempt--;
          continue;
        }
        // Nothing was answered yet, so running the batch again sends each reply once.
        if (isTransactionConflict(err) && attempt < BATCH_ATTEMPTS) {
          count(outcomes, 'batch.retried');
          continue;
        }
        batches.failed++;
        count(drops, 'commit-failed');
        log.error({ err, packets: batch.length }, 'RADIUS batch could not be committed; dropped');
        for (const item of batch) item.resolve(null);
        return;
      }
    }
    batches.count++;
    batches.packets += batch.length;
    batches.largest = Math.max(batches.largest, batch.length);
    deps.metrics?.radiusBatch(batch.length);
    const end = performance.now();
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i] as Pending;
      const kind = item.request.packet.code === RadiusCode.AccessRequest ? 'access' : 'accounting';
      latency[kind].add(end - item.started);
      deps.metrics?.radiusLatency(kind, end - item.started);
      item.resolve(replies[i] ?? null);
    }
    if (fx.wake) deps.wake();
  };

  const flush = (): void => {
    scheduled = false;
    if (running >= maxInFlight || queue.length === 0) return;
    running++;
    runBatch(queue.splice(0, MAX_BATCH))
      .catch((err: unknown) => log.error({ err }, 'RADIUS batch failed'))
      .finally(() => {
        running--;
        // Let the sockets deliver more before the next batch, so batches fill under load.
        if (queue.length > 0 && !scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    // Another batch may start at once with what is left (PostgreSQL).
    if (queue.length > 0 && running < maxInFlight && !scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  /** loadClient reads a router by address and caches it as a RADIUS client. */
  const loadClient = async (address: string, now: number): Promise<NasClient | undefined> => {
    const nas = await store.nas.findByAddress(address);
    if (!nas) {
      nasCache.delete(address);
      return undefined;
    }
    const client: NasClient = {
      id: nas.id,
      name: nas.name,
      secret: Buffer.from(nas.secret, 'utf8'),
      requireMessageAuthenticator: nas.requireMessageAuthenticator,
      limitProxyState: nas.limitProxyState,
      nas,
    };
    if (nasCache.size > 10_000) nasCache.clear();
    nasCache.set(address, { client, at: now });
    return client;
  };

  return {
    /** handler queues a request for the next batch and resolves with its reply after the commit. */
    handler(request: RadiusRequest<NasClient>): Promise<RadiusReply | null> {
      if (queue.length >= MAX_QUEUED) {
        count(drops, 'overloaded');
        return Promise.resolve(null);
      }
      return new Promise((resolve) => {
        queue.push({ request, started: performance.now(), resolve });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    /** lookupClient returns the router at a source address as a RADIUS client, or undefined. */
    lookupClient(address: string): NasClient | undefined | Promise<NasClient | undefined> {
      const now = performance.now();
      const hit = nasCache.get(address);
      if (hit && now - hit.at < (deps.nasCacheMs ?? 2000)) return hit.client;
      return loadClient(address, now);
    },
    /** attach sends the handler's logs to `logger` and joins the server's counters to stats. */
    attach(logger: HandlerLogger, metrics?: () => RadiusMetricsSnapshot): void {
      log = logger;
      if (metrics) serverMetrics = metrics;
    },
    /** stats returns a copy of the handler's counters. */
    stats(): RadiusHandlerStats {
      return {
        outcomes: { ...outcomes },
        drops: { ...drops },
        batches: { ...batches },
        latency: { access: latency.access.snapshot(), accounting: latency.accounting.snapshot() },
        server: serverMetrics ? serverMetrics() : null,
      };
    },
    /** idle resolves once every queued request has been answered (tests, shutdown). */
    async idle(timeoutMs = 5000): Promise<void> {
      const deadline = performance.now() + timeoutMs;
      while ((queue.length > 0 || scheduled || running > 0) && performance.now() < deadline) {
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

/** guessKeysOf returns the lockout keys of an Access-Request: its device's, then its router's. */
function guessKeysOf(nas: NasRecord, p: Parsed): { deviceKey: string | null; keys: string[] } {
  const mac = normalizeMac(p.callingStation) ?? null;
  const deviceKey = mac
    ? `mac:${mac}`
    : p.callingStation
      ? `station:${p.callingStation.slice(0, 64)}`
      : null;
  const nasKey = `nas:${nas.id}`;
  return { deviceKey, keys: deviceKey ? [deviceKey, nasKey] : [nasKey] };
}

/** PacketFailed says that a request failed in a PostgreSQL batch run without savepoints. */
class PacketFailed extends Error {
  constructor(cause: unknown) {
    super('RADIUS request failed', { cause });
  }
}

/** RadiusService is the RADIUS handler's interface. */
export type RadiusService = ReturnType<typeof createRadiusService>;

/** RadiusTimings are every timing the RADIUS services read: staff settings over config. */
export type RadiusTimings = RadiusSettings & {
  reservationGraceSeconds: number;
  staleAfterIntervals: number;
};

/**
 * radiusTimings returns a reader of the RADIUS timings that looks the staff settings up at
 * most once a second, so the per-packet path does not query them.
 */
export function radiusTimings(
  config: Pick<RadiusTimings, 'reservationGraceSeconds' | 'staleAfterIntervals'>,
  settings: { value(key: 'interimIntervalSeconds' | 'idleTimeoutSeconds'): number },
): () => RadiusTimings {
  let cached: RadiusTimings | undefined;
  let at = -Infinity;
  return () => {
    const now = performance.now();
    if (!cached || now - at > 1000) {
      cached = {
        interimIntervalSeconds: settings.value('interimIntervalSeconds'),
        idleTimeoutSeconds: settings.value('idleTimeoutSeconds'),
        reservationGraceSeconds: config.reservationGraceSeconds,
        staleAfterIntervals: config.staleAfterIntervals,
      };
      at = now;
    }
    return cached;
  };
}
