// Device MAC addresses arrive in every spelling routers use; inside Portico there is one.

/** MacAddress is a normalised device address: six lower-case hex pairs joined by dashes. */
export type MacAddress = string & { readonly __mac: unique symbol };

const HEX12 = /^[0-9a-f]{12}$/;

/**
 * normalizeMac returns the `aa-bb-cc-dd-ee-ff` form of a MAC written as `AA-BB-..`,
 * `aa:bb:..`, `aabbccddeeff` or `AABB.CCDD.EEFF`, or undefined when it is not a MAC.
 */
export function normalizeMac(input: string | undefined | null): MacAddress | undefined {
  if (!input) return undefined;
  const hex = input
    .trim()
    .toLowerCase()
    .replace(/[-:.\s]/g, '');
  if (!HEX12.test(hex)) return undefined;
  return hex.replace(/(..)(?!$)/g, '$1-') as MacAddress;
}

/**
 * parseCalledStationId returns the access point MAC and SSID of a Called-Station-Id written
 * as `mac:ssid` (UniFi, Meraki, CoovaChilli), or only a name when it is not a MAC (MikroTik
 * sends its hotspot server name).
 */
export function parseCalledStationId(value: string | undefined): {
  apMac?: MacAddress;
  ssid?: string;
  name?: string;
} {
  if (!value) return {};
  const m = /^([0-9A-Fa-f]{2}(?:[-:.]?[0-9A-Fa-f]{2}){5})(?::(.*))?$/.exec(value.trim());
  if (m) {
    const apMac = normalizeMac(m[1]);
    if (apMac) return m[2] !== undefined ? { apMac, ssid: m[2] } : { apMac };
  }
  return { name: value };
}

/**
 * isRandomizedMac returns true for a locally administered address (the U/L bit set: second hex
 * digit 2, 6, A or E for unicast), which phones use as a per-network private address.
 */
export function isRandomizedMac(mac: MacAddress): boolean {
  const second = parseInt(mac[1] ?? '0', 16);
  return (second & 0x2) === 0x2;
}

/**
 * formatMac returns a MAC in the one form pages show it, `AA:BB:CC:DD:EE:FF`, whatever
 * spelling it came in; text that is not a MAC comes back unchanged.
 */
export function formatMac(input: string): string {
  const mac = normalizeMac(input);
  return mac ? mac.toUpperCase().replace(/-/g, ':') : input;
}
