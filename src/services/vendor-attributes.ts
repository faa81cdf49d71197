// What each router vendor needs from Portico, one table row per vendor profile: rate limits
// and data quota in its own vocabulary (the rest of Portico speaks kbit/s and bytes), which
// attributes identify a session to its Dynamic Authorization Server (DAS), and what a
// CoA-Request must restate so that the session keeps what its Access-Accept set.

import type { AttributePair } from '../radius/attributes.js';
import type { NasVendor } from '../storage/nas-repo.js';
import type { SessionRecord } from '../storage/session-repo.js';

/** SessionLimits are what a token asks the router to enforce for one session. */
export type SessionLimits = {
  rateDownKbps: number | null;
  rateUpKbps: number | null;
  /** Bytes left of the token's data quota, or null when it has none. */
  dataLeftBytes: number | null;
};

const MAX_U32 = 0xffff_ffff;
const TWO_POW_32 = 0x1_0000_0000;

/** bits returns a kbit/s rate as bit/s, capped to what a 32-bit attribute holds. */
const bits = (kbps: number) => Math.min(MAX_U32, kbps * 1000);
const u32 = (n: number) => Math.min(MAX_U32, Math.max(0, Math.floor(n)));

const wisprRates = (l: SessionLimits): AttributePair[] => [
  ...(l.rateUpKbps !== null ? [['WISPr-Bandwidth-Max-Up', bits(l.rateUpKbps)] as const] : []),
  ...(l.rateDownKbps !== null ? [['WISPr-Bandwidth-Max-Down', bits(l.rateDownKbps)] as const] : []),
];

// MikroTik reads "rx/tx" from the router's side: rx is what the client uploads. 0 is no limit.
const mikrotik = (l: SessionLimits): AttributePair[] => {
  const out: AttributePair[] = [];
  if (l.rateUpKbps !== null || l.rateDownKbps !== null) {
    out.push(['Mikrotik-Rate-Limit', `${l.rateUpKbps ?? 0}k/${l.rateDownKbps ?? 0}k`]);
  }
  if (l.dataLeftBytes !== null) {
    const left = Math.max(0, Math.floor(l.dataLeftBytes));
    out.push(['Mikrotik-Total-Limit', left % TWO_POW_32]);
    const giga = Math.floor(left / TWO_POW_32);
    if (giga > 0) out.push(['Mikrotik-Total-Limit-Gigawords', u32(giga)]);
  }
  return out;
};

const chilli = (l: SessionLimits): AttributePair[] => [
  ...wisprRates(l),
  ...(l.dataLeftBytes !== null
    ? [['ChilliSpot-Max-Total-Octets', u32(l.dataLeftBytes)] as const]
    : []),
];

const pfsense = (l: SessionLimits): AttributePair[] => [
  ...(l.rateUpKbps !== null ? [['pfSense-Bandwidth-Max-Up', bits(l.rateUpKbps)] as const] : []),
  ...(l.rateDownKbps !== null
    ? [['pfSense-Bandwidth-Max-Down', bits(l.rateDownKbps)] as const]
    : []),
  ...(l.dataLeftBytes !== null
    ? [['pfSense-Max-Total-Octets', u32(l.dataLeftBytes)] as const]
    : []),
];

/** VENDOR_ATTRIBUTES maps each NAS vendor profile to the attributes that carry its limits. */
export const VENDOR_ATTRIBUTES: Record<NasVendor, (l: SessionLimits) => AttributePair[]> = {
  mikrotik,
  'coova-chilli': chilli,
  openwrt: chilli,
  pfsense,
  unifi: wisprRates,
  generic: wisprRates,
  meraki: wisprRates,
  aruba: wisprRates,
  // openNDS asks no RADIUS server: BinAuth's answer carries its limits (opennds-service.ts).
  opennds: () => [],
};

/**
 * vendorAttributes returns the reply attributes that make a router of `vendor` enforce the
 * limits; an unknown vendor gets the WISPr attributes most routers understand.
 */
export function vendorAttributes(vendor: string, limits: SessionLimits): AttributePair[] {
  const f = (VENDOR_ATTRIBUTES as Record<string, (l: SessionLimits) => AttributePair[]>)[vendor];
  return (f ?? wisprRates)(limits);
}

/** SessionSettings are everything an Access-Accept sets for a session, and a CoA restates. */
export type SessionSettings = {
  /** Seconds from the start of the session (RFC 2865 §5.27), or null for no limit. */
  sessionTimeout: number | null;
  interimIntervalSeconds: number;
  /** 0 means none: the attribute is left out. */
  idleTimeoutSeconds: number;
  sessionClass: string;
  limits: SessionLimits;
};

/** SessionSetting names one part of SessionSettings a router can be told in a CoA-Request. */
export type SessionSetting =
  'Session-Timeout' | 'Acct-Interim-Interval' | 'Idle-Timeout' | 'Class' | 'limits';

/** SessionIdentifier is an attribute that tells a DAS which session a request means. */
export type SessionIdentifier =
  | 'User-Name'
  | 'Acct-Session-Id'
  | 'Calling-Station-Id'
  | 'Framed-IP-Address'
  | 'NAS-IP-Address'
  | 'NAS-Identifier';

/**
 * DasRules are a vendor's Dynamic Authorization rules as its documentation or source states
 * them: which identification attributes to send in a Disconnect/CoA-Request (an attribute
 * the DAS does not accept gets a NAK), which of the Accept's settings a CoA restates, and
 * whether the DAS resets a setting the CoA leaves out.
 */
export type DasRules = {
  identify: readonly SessionIdentifier[];
  /** The DAS NAKs any request with Event-Timestamp or Message-Authenticator (uspot). */
  refusesEventTimestamp: boolean;
  refusesMessageAuthenticator: boolean;
  coaRestates: readonly SessionSetting[];
  coaResetsOmitted: boolean | 'unknown';
  /** Where these rules come from. */
  source: string;
};

const EVERY_SETTING: readonly SessionSetting[] = [
  'Session-Timeout',
  'Acct-Interim-Interval',
  'Idle-Timeout',
  'Class',
  'limits',
];

const RFC5176_IDENTIFY: readonly SessionIdentifier[] = [
  'User-Name',
  'Acct-Session-Id',
  'Calling-Station-Id',
  'Framed-IP-Address',
  'NAS-IP-Address',
  'NAS-Identifier',
];

// CoovaChilli (src/chilli.c cb_radius_coa_ind): User-Name is required and Acct-Session-Id
// narrows the match; every other attribute is ignored, none is refused. A CoA runs
// config_radius_session(..., reconfig=0), which sets every session parameter it does not
// find to 0: Session-Timeout, Idle-Timeout, Acct-Interim-Interval (no more accounting),
// WISPr bandwidth, ChilliSpot-Max-*-Octets, Filter-Id, WISPr-Session-Terminate-Time. Class is
// read only from the Access-Accept, so it is kept.
const chilliDas: DasRules = {
  identify: RFC5176_IDENTIFY,
  refusesEventTimestamp: false,
  refusesMessageAuthenticator: false,
  coaRestates: ['Session-Timeout', 'Acct-Interim-Interval', 'Idle-Timeout', 'limits'],
  coaResetsOmitted: true,
  source: 'coova-chilli src/chilli.c: cb_radius_coa_ind, config_radius_session',
};

// uspot (src/radius-das.c, files/usr/share/uspot/uspot.uc): a Disconnect-Request may carry
// only User-Name, NAS-IP-Address, NAS-Identifier, Class, Called-/Calling-Station-Id,
// Proxy-State, Acct-Session-Id, Acct-Terminate-Cause and Chargeable-User-Identity; a CoA
// also Framed-IP-Address, State, Session-Timeout, Idle-Timeout and Acct-Interim-Interval.
// Anything else (Framed-IP-Address in a Disconnect, any Vendor-Specific, Event-Timestamp,
// Message-Authenticator) gets a NAK. Every identification attribute sent must equal the
// value uspot kept from its own Access-Request, which holds NAS-Identifier but not
// NAS-IP-Address, and a Calling-Station-Id in its configured MAC format. A CoA changes only
// the three timers it carries and keeps the rest.
const uspotDas: DasRules = {
  identify: ['User-Name', 'Acct-Session-Id', 'NAS-Identifier'],
  refusesEventTimestamp: true,
  refusesMessageAuthenticator: true,
  coaRestates: ['Session-Timeout', 'Acct-Interim-Interval', 'Idle-Timeout'],
  coaResetsOmitted: false,
  source: 'uspot src/radius-das.c (attribute filters), uspot.uc das_match_client, das_coa',
};

// MikroTik RouterOS (/radius incoming, help.mikrotik.com RADIUS): a Hotspot session is found
// by its host, so Framed-IP-Address must be present; User-Name and Acct-Session-Id name the
// session. RouterOS does not document whether a CoA keeps what it leaves out, so Portico
// restates everything the Accept set except Class, which RouterOS reads from the Accept.
const mikrotikDas: DasRules = {
  identify: RFC5176_IDENTIFY,
  refusesEventTimestamp: false,
  refusesMessageAuthenticator: false,
  coaRestates: ['Session-Timeout', 'Acct-Interim-Interval', 'Idle-Timeout', 'limits'],
  coaResetsOmitted: 'unknown',
  source: 'RouterOS RADIUS manual (/radius incoming); Framed-IP-Address per PacketFence #7703',
};

// Any other RFC 5176 DAS: the identification RFC 5176 §3 recommends, and a CoA that restates
// the whole authorization, Class included, since a DAS may replace it wholesale.
const rfcDas: DasRules = {
  identify: RFC5176_IDENTIFY,
  refusesEventTimestamp: false,
  refusesMessageAuthenticator: false,
  coaRestates: EVERY_SETTING,
  coaResetsOmitted: 'unknown',
  source: 'RFC 5176 §3',
};

/** DAS_RULES maps each NAS vendor profile to its Dynamic Authorization rules. */
export const DAS_RULES: Record<NasVendor, DasRules> = {
  mikrotik: mikrotikDas,
  'coova-chilli': chilliDas,
  openwrt: uspotDas,
  // pfSense has no RFC 5176 DAS (it re-authenticates instead); the rules only matter if one
  // is put in front of it.
  pfsense: rfcDas,
  unifi: rfcDas,
  generic: rfcDas,
  meraki: rfcDas,
  aruba: rfcDas,
  // openNDS has no DAS at all: Portico sends it nothing (its BinAuth watcher polls instead).
  opennds: rfcDas,
};

/** dasRules returns a vendor's Dynamic Authorization rules; an unknown vendor gets RFC 5176's. */
export function dasRules(vendor: string): DasRules {
  return (DAS_RULES as Record<string, DasRules>)[vendor] ?? rfcDas;
}

/**
 * sessionAttributes returns the attributes that give a session its settings on a router of
 * `vendor`: all of them for an Access-Accept, or only `only` (a CoA's restatement).
 */
export function sessionAttributes(
  vendor: string,
  s: SessionSettings,
  only: readonly SessionSetting[] = EVERY_SETTING,
): AttributePair[] {
  const out: AttributePair[] = [];
  const want = new Set(only);
  if (want.has('Session-Timeout') && s.sessionTimeout !== null)
    out.push(['Session-Timeout', s.sessionTimeout]);
  if (want.has('Acct-Interim-Interval'))
    out.push(['Acct-Interim-Interval', s.interimIntervalSeconds]);
  if (want.has('Idle-Timeout') && s.idleTimeoutSeconds > 0)
    out.push(['Idle-Timeout', s.idleTimeoutSeconds]);
  if (want.has('Class')) out.push(['Class', s.sessionClass]);
  if (want.has('limits')) out.push(...vendorAttributes(vendor, s.limits));
  return out;
}

/**
 * sessionIdentification returns the attributes that tell a router of `vendor` which session
 * a Disconnect- or CoA-Request means, restricted to what its DAS accepts.
 */
export function sessionIdentification(
  vendor: string,
  s: SessionRecord,
  code: string | null,
): AttributePair[] {
  const want = new Set(dasRules(vendor).identify);
  const out: AttributePair[] = [];
  const user = s.userName ?? (s.login === 'mac' ? s.callingStationId : code);
  if (want.has('User-Name') && user) out.push(['User-Name', user]);
  if (want.has('Acct-Session-Id') && s.acctSessionId)
    out.push(['Acct-Session-Id', s.acctSessionId]);
  if (want.has('Calling-Station-Id') && s.callingStationId)
    out.push(['Calling-Station-Id', s.callingStationId]);
  if (
    want.has('Framed-IP-Address') &&
    s.framedIp &&
    /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(s.framedIp)
  )
    out.push(['Framed-IP-Address', s.framedIp]);
  // One NAS identification attribute: the address where the DAS knows it, else the name.
  if (want.has('NAS-IP-Address') && s.nasIpAddress) out.push(['NAS-IP-Address', s.nasIpAddress]);
  else if (want.has('NAS-Identifier') && s.nasIdentifier)
    out.push(['NAS-Identifier', s.nasIdentifier]);
  return out;
}
