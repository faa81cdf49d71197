// Which network an IP address belongs to, for the guard on URLs staff type in (calendar
// feeds, outgoing webhooks): Portico must not be talked into fetching the machine's own
// services, the cloud metadata endpoint or the office LAN. Pure: text in, a class out.

/** AddressClass is the kind of network an address is in; only 'public' is reachable by default. */
export type AddressClass =
  'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'reserved' | 'invalid';

/** ADDRESS_CLASS_WORDS say each class in plain words for an error message. */
export const ADDRESS_CLASS_WORDS: Record<AddressClass, string> = {
  public: 'a public address',
  loopback: 'a loopback address (this machine)',
  private: 'a private network address',
  'link-local': 'a link-local address',
  metadata: 'the cloud metadata address',
  reserved: 'a reserved or multicast address',
  invalid: 'not an IP address',
};

const parseV4 = (s: string): number[] | undefined => {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return out.every((n) => n >= 0 && n <= 255) ? out : undefined;
};

/** Words are the eight 16-bit groups of an IPv6 address. */
type Words = [number, number, number, number, number, number, number, number];

const parseV6 = (raw: string): Words | undefined => {
  let s = raw.replace(/%.*$/, '');
  if (s.includes('.')) {
    // An IPv4 tail (::ffff:192.0.2.1) is the last two 16-bit groups.
    const lastColon = s.lastIndexOf(':');
    const v4 = parseV4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    s = `${s.slice(0, lastColon + 1)}${hex(v4[0]!, v4[1]!)}:${hex(v4[2]!, v4[3]!)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string) => (h === '' ? [] : h.split(':'));
  const head = group(halves[0] as string);
  const rest = halves.length === 2 ? group(halves[1] as string) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const words = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...rest];
  const nums = words.map((w) => (/^[0-9a-f]{1,4}$/i.test(w) ? parseInt(w, 16) : NaN));
  return nums.some(Number.isNaN) || nums.length !== 8 ? undefined : (nums as Words);
};

const classifyV4 = ([a, b, c, d]: number[]): AddressClass => {
  const A = a as number;
  const B = b as number;
  if (A === 169 && B === 254 && c === 169 && d === 254) return 'metadata';
  if (A === 127) return 'loopback';
  if (A === 10 || (A === 172 && B >= 16 && B <= 31) || (A === 192 && B === 168)) return 'private';
  // Carrier-grade NAT space is as internal as RFC 1918 on the networks that use it.
  if (A === 100 && B >= 64 && B <= 127) return 'private';
  if (A === 169 && B === 254) return 'link-local';
  if (
    A === 0 ||
    A >= 224 ||
    (A === 192 && B === 0 && (c === 0 || c === 2)) ||
    (A === 198 && (B === 18 || B === 19)) ||
    (A === 198 && B === 51 && c === 100) ||
    (A === 203 && B === 0 && c === 113)
  )
    return 'reserved';
  return 'public';
};

/** classifyAddress returns the network class of an IPv4 or IPv6 address (mapped IPv4 as IPv4). */
export function classifyAddress(address: string): AddressClass {
  const s = address.trim().replace(/^\[|\]$/g, '');
  const v4 = parseV4(s);
  if (v4) return classifyV4(v4);
  const w = parseV6(s);
  if (!w) return 'invalid';
  const [w0, w1, w2, w3, w4, w5, w6, w7] = w;
  const embedded = [w6 >> 8, w6 & 255, w7 >> 8, w7 & 255];
  // ::ffff:a.b.c.d (mapped) and 64:ff9b::a.b.c.d (NAT64) reach the IPv4 address inside.
  if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0xffff)
    return classifyV4(embedded);
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0)
    return classifyV4(embedded);
  if (w.every((x, i) => x === (i === 7 ? 1 : 0))) return 'loopback';
  if (w.every((x) => x === 0)) return 'reserved';
  // AWS's IPv6 metadata endpoint fd00:ec2::254.
  if (
    w0 === 0xfd00 &&
    w1 === 0x0ec2 &&
    w7 === 0x254 &&
    w2 === 0 &&
    w3 === 0 &&
    w4 === 0 &&
    w5 === 0 &&
    w6 === 0
  )
    return 'metadata';
  if ((w0 & 0xfe00) === 0xfc00) return 'private';
  if ((w0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((w0 & 0xff00) === 0xff00 || (w0 === 0x2001 && w1 === 0x0db8)) return 'reserved';
  return 'public';
}

/**
 * addressAllowed returns whether an outgoing request may connect to an address of class
 * `c`: public always; loopback, private and link-local only when staff allowed private
 * addresses for that URL; the metadata address and reserved ranges never.
 */
export function addressAllowed(c: AddressClass, allowPrivateNetwork: boolean): boolean {
  if (c === 'public') return true;
  if (c === 'loopback' || c === 'private' || c === 'link-local') return allowPrivateNetwork;
  return false;
}
