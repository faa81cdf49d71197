// Rate limits and data quota in each router's own vocabulary. One table row per vendor
// profile; the rest of Portico speaks kbit/s and bytes.

import type { AttributePair } from '../radius/attributes.js';
import type { NasVendor } from '../storage/nas-repo.js';

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
};

/**
 * vendorAttributes returns the reply attributes that make a router of `vendor` enforce the
 * limits; an unknown vendor gets the WISPr attributes most routers understand.
 */
export function vendorAttributes(vendor: string, limits: SessionLimits): AttributePair[] {
  const f = (VENDOR_ATTRIBUTES as Record<string, (l: SessionLimits) => AttributePair[]>)[vendor];
  return (f ?? wisprRates)(limits);
}
