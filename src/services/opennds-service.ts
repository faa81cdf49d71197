// openNDS gateways have no RADIUS, so Portico applies a code's limits itself at the two
// points openNDS offers: the hand-off (the splash page holds the device's slot before it
// sends the guest to the gateway's auth URL) and BinAuth, the script openNDS runs on every
// authentication and deauthentication. Portico's BinAuth script (deploy/routers/opennds/)
// asks Portico whether to let the device on and for how long, reports start, a poll while
// the device is online and the end with the gateway's own times and byte counts, and runs
// `ndsctl deauth` when a poll answers so. Each report is signed with a key derived from
// the router's faskey. The reports become the same accounting events RADIUS produces, so
// metering, stale sessions and cut-off work as for every other router.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { RejectReason } from '../core/authorize.js';
import { normalizeMac, type MacAddress } from '../core/mac.js';
import type { Clock } from '../clock.js';
import { openndsHid } from '../adapters/opennds-adapter.js';
import type { NasRecord } from '../storage/nas-repo.js';
import type { SessionIdentity, SessionRecord } from '../storage/session-repo.js';
import type { Store } from '../storage/store.js';
import type { AccessService } from './access-service.js';
import type { AccountingEvent, AccountingService } from './accounting-service.js';
import type { UsageEvents } from './usage-events.js';

/** OPENNDS_POLL_SECONDS is how often the BinAuth script's watcher asks about a device. */
export const OPENNDS_POLL_SECONDS = 15;

/** REPORT_MAX_SKEW_MS is how far a report's router clock may be from Portico's. */
export const REPORT_MAX_SKEW_MS = 15 * 60_000;

/** BINAUTH_METHODS are the reports the script sends: openNDS's BinAuth methods plus `watch`. */
export const BINAUTH_METHODS = [
  'auth_client',
  'client_auth',
  'ndsctl_auth',
  'watch',
  'client_deauth',
  'idle_deauth',
  'timeout_deauth',
  'downquota_deauth',
  'upquota_deauth',
  'ndsctl_deauth',
  'shutdown_deauth',
] as const;

/** BinauthMethod is one of BINAUTH_METHODS. */
export type BinauthMethod = (typeof BINAUTH_METHODS)[number];

// Each deauth method as the terminate cause sessions show (RADIUS's words where they fit).
const TERMINATE_CAUSE: Partial<Record<BinauthMethod, string>> = {
  client_deauth: 'user-request',
  idle_deauth: 'idle-timeout',
  timeout_deauth: 'session-timeout',
  downquota_deauth: 'data-quota',
  upquota_deauth: 'data-quota',
  ndsctl_deauth: 'admin-reset',
  shutdown_deauth: 'nas-reboot',
};

/** BinauthReport is one report as the script posts it; every field is untrusted text. */
export type BinauthReport = {
  /** The gateway's name (openNDS gatewayname), to find the router; the address is the fallback. */
  gateway?: string;
  method?: string;
  mac?: string;
  ip?: string;
  /** openNDS's client token; its SHA-256 is the hid the redirect carried. */
  token?: string;
  /** Session start and end on the router's clock, in seconds. */
  start?: string;
  end?: string;
  /** openNDS's byte counters: `in` is to the device, `out` from it. */
  in?: string;
  out?: string;
  /** The router's clock when it sent the report, in seconds. */
  ts?: string;
  sig?: string;
};

/** BinauthOutcome is the answer for the script, or why the report was refused. */
export type BinauthOutcome =
  | { ok: true; answer: string; wake: boolean }
  | {
      ok: false;
      reason: 'bad-report' | 'unknown-router' | 'bad-signature' | 'clock-skew';
      message: string;
    };

/** GrantOutcome is whether the hand-off may send the guest to the gateway. */
export type GrantOutcome =
  | { ok: true; sessionTimeout: number | null }
  | { ok: false; reason: Exclude<RejectReason, 'unknown'> | 'unknown' | 'unknown-router' };

/** openndsReportKey returns the key BinAuth reports are signed with: sha256("portico-binauth\n" + faskey). */
export function openndsReportKey(fasKey: string): string {
  return createHash('sha256').update(`portico-binauth\n${fasKey}`, 'utf8').digest('hex');
}

const SIGNED_FIELDS = ['method', 'mac', 'ip', 'token', 'start', 'end', 'in', 'out', 'ts'] as const;

/**
 * signBinauthReport returns the signature of a report: hex SHA-256 of the key, each signed
 * field and the key again, one per line (what the shell script computes with sha256sum).
 */
export function signBinauthReport(key: string, report: BinauthReport): string {
  const lines = [key, ...SIGNED_FIELDS.map((f) => report[f] ?? ''), key];
  return createHash('sha256').update(lines.join('\n'), 'utf8').digest('hex');
}

const NUMBER = /^\d{1,15}$/;
const TOKEN = /^[0-9a-f]{8,64}$/;
const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

type Checked = {
  method: BinauthMethod;
  mac: MacAddress;
  ip: string | null;
  token: string;
  start: number;
  end: number;
  /** Absent in polls: the watcher has no per-device counters to hand. */
  in: number | undefined;
  out: number | undefined;
  ts: number;
};

// Strict formats: nothing a signed field could hide (a second line, padding bytes) passes.
function check(r: BinauthReport): Checked | string {
  if (!(BINAUTH_METHODS as readonly string[]).includes(r.method ?? '')) return 'unknown method';
  const mac = normalizeMac(r.mac);
  if (!mac || !/^[0-9a-f:-]{12,17}$/i.test(r.mac ?? '')) return 'mac is not a MAC address';
  if (!TOKEN.test(r.token ?? '')) return 'token is not an openNDS client token';
  const ip = r.ip ?? '';
  if (ip !== '' && !IPV4.test(ip)) return 'ip is not an IPv4 address';
  for (const f of ['start', 'end', 'ts'] as const)
    if (!NUMBER.test(r[f] ?? '')) return `${f} is not a whole number`;
  for (const f of ['in', 'out'] as const)
    if ((r[f] ?? '') !== '' && !NUMBER.test(r[f] ?? '')) return `${f} is not a whole number`;
  if (!/^[0-9a-f]{64}$/.test(r.sig ?? '')) return 'sig is not a SHA-256 hex';
  return {
    method: r.method as BinauthMethod,
    mac,
    ip: ip === '' ? null : ip,
    token: r.token as string,
    start: Number(r.start),
    end: Number(r.end),
    in: r.in ? Number(r.in) : undefined,
    out: r.out ? Number(r.out) : undefined,
    ts: Number(r.ts),
  };
}

/** createOpenndsService returns the hand-off check and BinAuth reports for openNDS routers. */
export function createOpenndsService(deps: {
  store: Store;
  clock: Clock;
  access: Pick<AccessService, 'admit'>;
  accounting: Pick<AccountingService, 'record'>;
  /** Raises session.stopped for a session the gateway replaced without reporting its end. */
  events?: Pick<UsageEvents, 'sessionStopped'>;
  /** Asks the cut-off pass to look now (a report used a token up, or evicted a device). */
  wake: () => void;
}) {
  const { store, clock, access, accounting } = deps;

  const identityOf = (
    nas: NasRecord,
    hid: string,
    mac: MacAddress | null,
    ip: string | null,
    code: string,
  ): SessionIdentity => ({
    nasId: nas.id,
    acctSessionId: hid,
    deviceMac: mac,
    framedIp: ip,
    calledStation: null,
    nasPortId: null,
    login: 'code',
    userName: code,
    nasIpAddress: null,
    nasIdentifier: nas.name,
    callingStationId: mac,
  });

  // The router session a hid names: the newest one not closed.
  const sessionOf = async (nasId: number, hid: string): Promise<SessionRecord | undefined> =>
    (await store.sessions.findByAcct(nasId, hid)).filter((s) => s.status !== 'closed').at(-1);

  const findRouter = async (
    report: BinauthReport,
    address: string,
  ): Promise<NasRecord | undefined> => {
    const byName = report.gateway ? await store.nas.findByName(report.gateway) : undefined;
    const nas = byName ?? (await store.nas.findByAddress(address.replace(/^::ffff:/i, '')));
    return nas && nas.vendor === 'opennds' && nas.fasKey !== null ? nas : undefined;
  };

  /** authClient decides openNDS's auth_client call: let the device on, and for how long. */
  const authClient = async (nas: NasRecord, r: Checked, now: number): Promise<string> => {
    const hid = openndsHid(r.token);
    const s = await sessionOf(nas.id, hid);
    if (!s) return 'deny no-hand-off';
    if (s.deviceMac !== null && s.deviceMac !== r.mac) return 'deny other-device';
    const token = await store.tokens.findById(s.tokenId);
    if (!token || token.deletedAt !== null) return 'deny unknown';
    if (s.deviceMac === null && s.status === 'reserved') {
      // Level 0 sends no MAC: the reservation made without one is now this device's.
      await store.sessions.close(s.id, {
        stoppedAt: now,
        terminateCause: 'rebound',
        closedBy: 'portico',
        updatedAt: now,
      });
    }
    const a = await access.admit(token, r.mac, identityOf(nas, hid, r.mac, r.ip, token.code), now);
    if (!('session' in a)) return `deny ${a.decision.reason}`;
    const seconds = a.decision.sessionTimeout ?? 0;
    const kB = (bytes: number) => Math.max(1, Math.floor(bytes / 1024));
    const quota =
      token.dataQuotaBytes === null ? 0 : kB(Math.max(0, token.dataQuotaBytes - token.usedBytes));
    // openNDS: session seconds, upload and download rate (kbit/s), upload and download quota
    // (kB); 0 means its own default. It has no total quota, so each direction gets what is left.
    return `allow ${seconds} ${token.rateUpKbps ?? 0} ${token.rateDownKbps ?? 0} ${quota} ${quota}`;
  };

  /** account turns a start, poll or end report into an accounting event. */
  const account = async (
    nas: NasRecord,
    r: Checked,
    status: 'start' | 'interim' | 'stop',
    now: number,
  ): Promise<{ wake: boolean; session: SessionRecord | undefined }> => {
    const hid = openndsHid(r.token);
    const s = await sessionOf(nas.id, hid);
    const code = s ? ((await store.tokens.findById(s.tokenId))?.code ?? null) : null;
    const until = status === 'stop' ? r.end : r.ts;
    const e: AccountingEvent = {
      status,
      nasId: nas.id,
      identity: identityOf(nas, hid, r.mac, r.ip, code ?? ''),
      acctSessionId: hid,
      cls: s?.class ?? null,
      userName: code,
      mac: r.mac,
      eventAt: now,
      receivedAt: now,
      // The gateway's own clock measures the session; Portico's dates it.
      sessionSeconds: status === 'start' ? 0 : Math.max(0, until - r.start),
      inputOctets: r.out,
      outputOctets: r.in,
      terminateCause: status === 'stop' ? (TERMINATE_CAUSE[r.method] ?? 'unknown') : null,
    };
    const out = await accounting.record(e);
    const wake = Boolean(out.limitReached) || (out.disconnects ?? 0) > 0;
    const session =
      out.sessionId === undefined ? undefined : await store.sessions.findById(out.sessionId);
    if (status === 'stop' && session) {
      // The gateway ended the session: whatever Disconnect waited for its poll is done.
      for (const j of await store.coaJobs.ofSession(session.id))
        if (j.kind === 'disconnect') await store.coaJobs.settle(j.id, 'ack', now);
    }
    return { wake, session };
  };

  /**
   * watchAnswer tells the watcher what to do about a session: `ignore` one that is not
   * Portico's (the router's own ndsctl auth), `deauth` one Portico ended or wants ended (a
   * Disconnect waits), else keep polling.
   */
  const watchAnswer = async (s: SessionRecord | undefined): Promise<string> => {
    if (!s) return 'ignore';
    if (s.status === 'closed' || s.slotReleasedAt !== null) return 'deauth';
    const waiting = (await store.coaJobs.ofSession(s.id)).some(
      (j) => j.kind === 'disconnect' && (j.state === 'pending' || j.state === 'sending'),
    );
    return waiting ? 'deauth' : `ok ${OPENNDS_POLL_SECONDS}`;
  };

  return {
    /**
     * grant holds a device's slot for the openNDS session `hid` before the guest is sent to
     * the gateway: the same check and reservation an Access-Accept makes, in one
     * transaction. It fails with the reason when the token cannot let this device on now.
     */
    async grant(input: {
      tokenId: number;
      nasId: number | null;
      hid: string;
      mac: MacAddress | null;
      ip: string | null;
    }): Promise<GrantOutcome> {
      const now = clock.now();
      const nas = input.nasId === null ? undefined : await store.nas.findById(input.nasId);
      if (!nas || nas.vendor !== 'opennds') return { ok: false, reason: 'unknown-router' };
      const outcome = await store.transaction(
        async (tx): Promise<GrantOutcome & { evicted?: boolean }> => {
          const token = await tx.tokens.findById(input.tokenId);
          if (!token || token.deletedAt !== null) return { ok: false, reason: 'unknown' };
          const identity = identityOf(nas, input.hid, input.mac, input.ip, token.code);
          let a = await access.admit(token, input.mac, identity, now);
          if (!('session' in a)) return { ok: false, reason: a.decision.reason };
          const held = a.session;
          if (held.nasId === nas.id && held.acctSessionId !== input.hid) {
            // The same device under a new hid: openNDS gives a device one client token at a
            // time, so the session it had on this gateway is over (its end report was lost).
            const how = {
              stoppedAt: held.lastSeenAt ?? held.startedAt ?? now,
              terminateCause: held.status === 'live' ? 'session-not-found' : 'rebound',
              closedBy: 'portico',
            };
            await tx.sessions.close(held.id, { ...how, updatedAt: now });
            if (held.status === 'live') await deps.events?.sessionStopped(held, how);
            a = await access.admit(token, input.mac, identity, now);
            if (!('session' in a)) return { ok: false, reason: a.decision.reason };
          }
          return {
            ok: true,
            sessionTimeout: a.decision.sessionTimeout,
            evicted: a.evictionJobs.length > 0,
          };
        },
      );
      if (outcome.ok && outcome.evicted) deps.wake();
      return outcome.ok ? { ok: true, sessionTimeout: outcome.sessionTimeout } : outcome;
    },

    /**
     * report checks and applies one BinAuth report from the router at `address` and returns
     * the line the script acts on: `allow SECONDS UPRATE DOWNRATE UPQUOTA DOWNQUOTA` or
     * `deny REASON` for auth_client, `ok POLL`, `deauth` or `ignore` for client_auth and
     * watch, `ok`
     * for a deauth. Refused: a malformed report, an unknown router, a bad signature or a
     * router clock more than REPORT_MAX_SKEW_MS off.
     */
    async report(raw: BinauthReport, address: string): Promise<BinauthOutcome> {
      const r = check(raw);
      if (typeof r === 'string') return { ok: false, reason: 'bad-report', message: r };
      const nas = await findRouter(raw, address);
      if (!nas)
        return {
          ok: false,
          reason: 'unknown-router',
          message: 'no openNDS router with a faskey by that gateway name or address',
        };
      const expected = Buffer.from(signBinauthReport(openndsReportKey(nas.fasKey as string), raw));
      const given = Buffer.from(raw.sig as string);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return {
          ok: false,
          reason: 'bad-signature',
          message: "the signature does not match the router's faskey",
        };
      const now = clock.now();
      if (Math.abs(r.ts * 1000 - now) > REPORT_MAX_SKEW_MS)
        return {
          ok: false,
          reason: 'clock-skew',
          message: "the router's clock is more than 15 minutes off",
        };
      const done = await store.transaction(async (tx) => {
        await tx.nas.markSeen(nas.id, now);
        switch (r.method) {
          case 'auth_client':
            return { answer: await authClient(nas, r, now), wake: false };
          case 'client_auth':
          case 'ndsctl_auth': {
            const { wake, session } = await account(nas, r, 'start', now);
            return { answer: await watchAnswer(session), wake };
          }
          case 'watch': {
            const { wake, session } = await account(nas, r, 'interim', now);
            return { answer: await watchAnswer(session), wake };
          }
          default:
            return { answer: 'ok', wake: (await account(nas, r, 'stop', now)).wake };
        }
      });
      if (done.wake) deps.wake();
      return { ok: true, ...done };
    },
  };
}

/** OpenndsService is the openNDS use cases' interface. */
export type OpenndsService = ReturnType<typeof createOpenndsService>;
