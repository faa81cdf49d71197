// Disconnect- and CoA-Requests per vendor, checked against a fake of each vendor's Dynamic
// Authorization Server that applies the rules its source or manual states (see DAS_RULES):
// a request the real DAS would NAK is NAKed here, and a CoA changes the fake session the way
// the real one does, so a CoA that leaves out what the DAS resets shows up as a lost setting.

import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { AttributePair } from '../../src/radius/attributes.js';
import type { DasTarget } from '../../src/radius/dynamic-authorization.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import type { NasVendor } from '../../src/storage/nas-repo.js';
import { reportAccounting } from '../support/accounting.js';

const T0 = Date.UTC(2026, 11, 4, 8, 0);
const config: Config = loadConfig({
  PORTICO_TIMEZONE: 'UTC',
  PORTICO_DB: ':memory:',
  PORTICO_IDLE_TIMEOUT: '600',
});

type Attrs = Map<string, unknown>;
type Answer = { outcome: 'ack' | 'nak' };
/** What the router holds for the one session under test, as its DAS would look it up. */
type Held = {
  request: Record<string, string>;
  settings: Record<string, unknown>;
};
type FakeDas = {
  disconnect(a: Attrs, held: Held): Answer;
  coa(a: Attrs, held: Held): Answer;
  /** The DAS NAKs a request with Event-Timestamp or Message-Authenticator. */
  refusesSigning?: boolean;
};

const ACK: Answer = { outcome: 'ack' };
const NAK: Answer = { outcome: 'nak' };
const SETTINGS = [
  'Session-Timeout',
  'Idle-Timeout',
  'Acct-Interim-Interval',
  'WISPr-Bandwidth-Max-Up',
  'WISPr-Bandwidth-Max-Down',
  'ChilliSpot-Max-Total-Octets',
  'Mikrotik-Rate-Limit',
  'Mikrotik-Total-Limit',
];
const isVsa = (k: string) => /^(WISPr|ChilliSpot|Mikrotik|pfSense)-/.test(k);

// uspot src/radius-das.c: disconnect_attrid_not_supported / coa_attrid_not_supported, and
// uspot.uc das_match_client (every request key must equal the client's stored request).
const USPOT_DISCONNECT = new Set([
  'User-Name',
  'NAS-IP-Address',
  'NAS-Identifier',
  'Class',
  'Called-Station-Id',
  'Calling-Station-Id',
  'Proxy-State',
  'Acct-Session-Id',
  'Acct-Terminate-Cause',
  'Chargeable-User-Identity',
]);
const USPOT_COA = new Set([
  ...USPOT_DISCONNECT,
  'Framed-IP-Address',
  'State',
  'Session-Timeout',
  'Idle-Timeout',
  'Acct-Interim-Interval',
]);
USPOT_COA.delete('Acct-Terminate-Cause');
const USPOT_MATCHED = new Set([
  'User-Name',
  'NAS-IP-Address',
  'Framed-IP-Address',
  'Called-Station-Id',
  'Calling-Station-Id',
  'NAS-Identifier',
  'Acct-Session-Id',
  'Chargeable-User-Identity',
]);
const uspotMatches = (a: Attrs, held: Held) =>
  [...a].every(([k, v]) => !USPOT_MATCHED.has(k) || held.request[k] === v);
const uspot: FakeDas = {
  refusesSigning: true,
  disconnect: (a, held) =>
    [...a.keys()].every((k) => USPOT_DISCONNECT.has(k)) && uspotMatches(a, held) ? ACK : NAK,
  coa(a, held) {
    if (![...a.keys()].every((k) => USPOT_COA.has(k)) || !uspotMatches(a, held)) return NAK;
    // das_coa_update_client: only the timers it carries change.
    for (const k of ['Session-Timeout', 'Idle-Timeout', 'Acct-Interim-Interval'])
      if (a.has(k)) held.settings[k] = a.get(k);
    return ACK;
  },
};

// coova-chilli src/chilli.c cb_radius_coa_ind: User-Name required, Acct-Session-Id narrows;
// config_radius_session(reconfig=0) sets every parameter the CoA lacks to 0.
const chilliMatches = (a: Attrs, held: Held) =>
  a.get('User-Name') === held.request['User-Name'] &&
  (!a.has('Acct-Session-Id') || a.get('Acct-Session-Id') === held.request['Acct-Session-Id']);
const chilli: FakeDas = {
  disconnect: (a, held) => (chilliMatches(a, held) ? ACK : NAK),
  coa(a, held) {
    if (!chilliMatches(a, held)) return NAK;
    for (const k of SETTINGS) held.settings[k] = a.get(k) ?? 0;
    return ACK;
  },
};

// RouterOS: a Hotspot host is found by its address, so Framed-IP-Address must be there, with
// the session named by User-Name or Acct-Session-Id.
const mikrotikMatches = (a: Attrs, held: Held) =>
  a.get('Framed-IP-Address') === held.request['Framed-IP-Address'] &&
  (a.get('Acct-Session-Id') === held.request['Acct-Session-Id'] ||
    a.get('User-Name') === held.request['User-Name']);
const mikrotik: FakeDas = {
  disconnect: (a, held) => (mikrotikMatches(a, held) ? ACK : NAK),
  coa(a, held) {
    if (!mikrotikMatches(a, held)) return NAK;
    for (const [k, v] of a) if (SETTINGS.includes(k)) held.settings[k] = v;
    return ACK;
  },
};

const CASES: Array<{ vendor: NasVendor; das: FakeDas; mac: string; vsas: boolean }> = [
  { vendor: 'openwrt', das: uspot, mac: 'aa:bb:cc:dd:ee:01', vsas: false },
  { vendor: 'coova-chilli', das: chilli, mac: 'AA-BB-CC-DD-EE-01', vsas: true },
  { vendor: 'mikrotik', das: mikrotik, mac: 'AA:BB:CC:DD:EE:01', vsas: true },
];

let db: Db;
let s: Services;
let clock: ReturnType<typeof fixedClock>;
let held: Held;
let sent: Array<{ kind: 'disconnect' | 'coa'; attrs: Attrs; answer: Answer }>;
afterEach(() => db.close());

/** setUp adds a NAS of `vendor` whose DAS is `das` and puts one guest online through it. */
async function setUp(vendor: NasVendor, das: FakeDas, mac: string, token: Record<string, unknown>) {
  db = openDatabase(':memory:');
  clock = fixedClock(T0);
  s = createServices({ db, clock, config });
  const nasId = (
    await s.nas.add(
      // Flags as the router form's defaults: the vendor's DAS rules decide what is sent.
      {
        name: 'hs1',
        address: '192.0.2.1',
        secret: 'secret-123',
        coaPort: 3799,
        vendor,
        coaEventTimestamp: true,
        coaMessageAuthenticator: true,
      },
      't',
    )
  ).id;
  sent = [];
  const record =
    (kind: 'disconnect' | 'coa') => async (to: DasTarget, pairs: readonly AttributePair[]) => {
      const attrs: Attrs = new Map(pairs.map(([k, v]) => [k, v]));
      const signed = to.addEventTimestamp || to.addMessageAuthenticator;
      const answer =
        das.refusesSigning && signed
          ? NAK
          : kind === 'disconnect'
            ? das.disconnect(attrs, held)
            : das.coa(attrs, held);
      sent.push({ kind, attrs, answer });
      return { ...answer, attempts: 1, rttMs: 1 };
    };
  s.cutoff.attach({ sendDisconnect: record('disconnect'), sendCoa: record('coa') });
  const t = (await s.tokens.create({ minutes: 30, ...token }, 'staff')).tokens[0]!;
  // What the router asked with, and so what its DAS matches on.
  held = {
    request: {
      'User-Name': t.code,
      'Acct-Session-Id': 'S1',
      'Calling-Station-Id': mac,
      'Framed-IP-Address': '10.5.0.7',
      'NAS-Identifier': 'hs1',
    },
    settings: {},
  };
  await report(nasId, t.code, mac);
  return t;
}

/** report sends the session's Start (no seconds) or an Interim-Update. */
const report = (nasId: number, code: string, mac: string, seconds?: number) =>
  reportAccounting(s, {
    nasId,
    code,
    acctSessionId: 'S1',
    mac,
    framedIp: '10.5.0.7',
    nasIpAddress: '10.0.0.1',
    nasIdentifier: 'hs1',
    ...(seconds === undefined ? {} : { seconds }),
  });

describe.each(CASES)('Dynamic Authorization for $vendor', ({ vendor, das, mac, vsas }) => {
  it("ends a revoked token's session with a Disconnect its DAS accepts", async () => {
    const t = await setUp(vendor, das, mac, {});
    await s.tokens.revoke(t.id, 'staff');
    await s.cutoff.scan();
    await s.cutoff.processJobs();
    expect(sent.map((x) => [x.kind, x.answer.outcome])).toEqual([['disconnect', 'ack']]);
    expect(sent[0]!.attrs.get('User-Name')).toBe(t.code);
    expect(sent[0]!.attrs.get('Acct-Session-Id')).toBe('S1');
  });

  it('keeps every setting of the session through a CoA', async () => {
    const t = await setUp(vendor, das, mac, { rateDownKbps: 2000, dataQuotaMb: 1000 });
    clock.advance(5 * 60_000);
    await report((await s.nas.list())[0]!.id, t.code, mac, 300);
    await s.tokens.update(t.id, { addMinutes: 30 }, 'staff');
    await s.cutoff.processJobs();
    expect(sent.map((x) => [x.kind, x.answer.outcome])).toEqual([['coa', 'ack']]);
    const after = held.settings;
    // 5 minutes online + 55 left, counted from the start of the session.
    expect(after['Session-Timeout']).toBe(3600);
    expect(after['Acct-Interim-Interval']).toBe(config.interimIntervalSeconds);
    expect(after['Idle-Timeout']).toBe(600);
    if (vendor === 'coova-chilli') {
      expect(after['WISPr-Bandwidth-Max-Down']).toBe(2_000_000);
      expect(after['ChilliSpot-Max-Total-Octets']).toBe(1_000_000_000);
    }
    if (vendor === 'mikrotik') {
      expect(after['Mikrotik-Rate-Limit']).toBe('0k/2000k');
      expect(after['Mikrotik-Total-Limit']).toBe(1_000_000_000);
    }
    expect([...sent[0]!.attrs.keys()].some(isVsa)).toBe(vsas);
  });
});

describe('a session Portico closed as stale', () => {
  const silence = async () => {
    // No accounting for longer than the stale window: the sweeper closes the session.
    clock.advance((config.staleAfterIntervals + 1) * config.interimIntervalSeconds * 1000);
    expect((await s.cutoff.scan()).stale).toBe(1);
  };

  it('still gets a Disconnect when staff disconnect it: the router decides', async () => {
    await setUp('coova-chilli', chilli, 'AA-BB-CC-DD-EE-01', {});
    const id = (await s.sessions.history()).sessions[0]!.id;
    await silence();
    const { jobId } = await s.sessions.disconnect(id, 'staff');
    expect(jobId).not.toBeNull();
    await s.cutoff.processJobs();
    expect(sent.map((x) => [x.kind, x.answer.outcome])).toEqual([['disconnect', 'ack']]);
    expect((await s.sessions.get(id)).lastCoa).toMatchObject({ kind: 'disconnect', state: 'ack' });
  });

  it('gets one Disconnect when its token is revoked or deleted', async () => {
    const t = await setUp('mikrotik', mikrotik, 'AA:BB:CC:DD:EE:01', {});
    await silence();
    await s.tokens.revoke(t.id, 'staff');
    await s.cutoff.scan();
    await s.cutoff.processJobs();
    expect(sent.map((x) => [x.kind, x.answer.outcome, x.attrs.get('Acct-Session-Id')])).toEqual([
      ['disconnect', 'ack', 'S1'],
    ]);
    await s.tokens.remove([t.id], 'staff');
    await s.cutoff.processJobs();
    expect(sent).toHaveLength(1);
  });
});

describe('router defaults', () => {
  it('adds a uspot router without Event-Timestamp and Message-Authenticator in its CoA', async () => {
    db = openDatabase(':memory:');
    s = createServices({ db, clock: fixedClock(T0), config });
    const add = (name: string, vendor: NasVendor) =>
      s.nas.add({ name, address: `192.0.2.${name.length}`, secret: 'secret-123', vendor }, 't');
    expect(await add('ap', 'openwrt')).toMatchObject({
      coaEventTimestamp: false,
      coaMessageAuthenticator: false,
    });
    expect(await add('chilli', 'coova-chilli')).toMatchObject({
      coaEventTimestamp: true,
      coaMessageAuthenticator: true,
    });
  });
});
