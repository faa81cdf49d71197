import { isIPv4, isIPv6 } from 'node:net';

/** parseIpv4 returns the 4 octets of a dotted-quad address, or undefined if it is not one. */
export function parseIpv4(text: string): Buffer | undefined {
  if (!isIPv4(text)) return undefined;
  return Buffer.from(text.split('.').map(Number));
}

/** formatIpv4 returns the dotted-quad form of 4 octets. */
export function formatIpv4(bytes: Buffer): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** parseIpv6 returns the 16 octets of an IPv6 address in any RFC 4291 text form, or undefined. */
export function parseIpv6(text: string): Buffer | undefined {
  if (!isIPv6(text)) return undefined;
  let groups: string[];
  const zone = text.indexOf('%');
  const address = zone >= 0 ? text.slice(0, zone) : text;
  const tail = address.lastIndexOf(':');
  let embedded: Buffer | undefined;
  let head = address;
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  if (address.includes('.')) {
    embedded = parseIpv4(address.slice(tail + 1));
    head = address.slice(0, tail + 1) + '0:0';
  }
  const [left, right] = head.split('::');
  if (right === undefined) {
    groups = left!.split(':');
  } else {
    const l = left === '' ? [] : left!.split(':');
    const r = right === '' ? [] : right.split(':');
    groups = [...l, ...new Array<string>(8 - l.length - r.length).fill('0'), ...r];
  }
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(Number.parseInt(group, 16), i * 2));
  embedded?.copy(out, 12);
  return out;
}

/** formatIpv6 returns the RFC 5952 text form of 16 octets (lower case, longest zero run as ::). */
export function formatIpv6(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** normalizeRemoteAddress returns an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as plain IPv4. */
export function normalizeRemoteAddress(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}
