// Which adapter serves a request: the NAS's vendor profile when the NAS is known, otherwise
// whatever the parameters look like. A new vendor is one line in ADAPTER_BY_VENDOR.

import { coovaAdapter } from './coova-adapter.js';
import { genericAdapter } from './generic-adapter.js';
import { macAuthAdapter } from './macauth-adapter.js';
import { mikrotikAdapter } from './mikrotik-adapter.js';
import { pfsenseAdapter } from './pfsense-adapter.js';
import { unifiAdapter } from './unifi-adapter.js';
import { openndsAdapter } from './opennds-adapter.js';
import type { AdapterName, RouterAdapter } from './router-adapter.js';

const ADAPTER_BY_VENDOR = {
  'coova-chilli': coovaAdapter,
  openwrt: coovaAdapter,
  mikrotik: mikrotikAdapter,
  unifi: unifiAdapter,
  meraki: macAuthAdapter,
  aruba: macAuthAdapter,
  pfsense: pfsenseAdapter,
  opennds: openndsAdapter,
  generic: genericAdapter,
} as const satisfies Record<string, RouterAdapter>;

/** VendorProfile is a NAS vendor setting Portico knows an adapter for. */
export type VendorProfile = keyof typeof ADAPTER_BY_VENDOR;

/** VENDOR_PROFILES lists every VendorProfile. */
export const VENDOR_PROFILES = Object.keys(ADAPTER_BY_VENDOR) as readonly VendorProfile[];

const ADAPTER_BY_NAME: Record<AdapterName, RouterAdapter> = {
  coova: coovaAdapter,
  mikrotik: mikrotikAdapter,
  macauth: macAuthAdapter,
  pfsense: pfsenseAdapter,
  unifi: unifiAdapter,
  opennds: openndsAdapter,
  generic: genericAdapter,
};

// MikroTik pages copied from Coova setups often also send uamip/uamport, so MikroTik's
// link-login-only is tried first; generic matches everything and comes last.
const DETECTION_ORDER: readonly RouterAdapter[] = [
  mikrotikAdapter,
  coovaAdapter,
  pfsenseAdapter,
  unifiAdapter,
  openndsAdapter,
  macAuthAdapter,
  genericAdapter,
];

/** isVendorProfile returns true when `vendor` is one of VENDOR_PROFILES. */
export function isVendorProfile(vendor: string | undefined): vendor is VendorProfile {
  return vendor !== undefined && Object.hasOwn(ADAPTER_BY_VENDOR, vendor);
}

/**
 * selectAdapter returns the adapter for a known NAS vendor profile, or, for an unknown NAS or
 * vendor, the first adapter whose parameters match (generic when none does).
 */
export function selectAdapter(
  vendor: string | undefined,
  params: Record<string, string>,
): RouterAdapter {
  if (isVendorProfile(vendor)) return ADAPTER_BY_VENDOR[vendor];
  return DETECTION_ORDER.find((adapter) => adapter.matches(params)) ?? genericAdapter;
}

/** adapterByName returns the adapter a ClientContext names, to build its hand-off. */
export function adapterByName(name: AdapterName): RouterAdapter {
  return ADAPTER_BY_NAME[name];
}
