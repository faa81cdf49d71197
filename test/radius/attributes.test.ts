import { describe, expect, it } from 'vitest';
import {
  combineCounter,
  encodeAttributes,
  getAcctInputOctets64,
  getAcctOutputOctets64,
  getAllOctets,
  getInteger,
  getInteger64,
  getIp,
  getOctets,
  getString,
  hasAttribute,
  listAttributes,
} from '../../src/radius/attributes.js';
import { decodePacket, type RadiusPacket, serializePacket } from '../../src/radius/packet.js';
import { hex } from './hex.js';

function packetOf(pairs: Parameters<typeof encodeAttributes>[0]): RadiusPacket {
  const { raw } = serializePacket(4, 1, Buffer.alloc(16), encodeAttributes(pairs));
  const result = decodePacket(raw);
  if (!result.ok) throw new Error(result.reason);
  return result.packet;
}

describe('encodeAttributes', () => {
  it('wraps vendor attributes in Vendor-Specific (RFC 2865 §5.26)', () => {
    const [rate, down] = encodeAttributes([
      ['Mikrotik-Rate-Limit', '2M/4M'],
      ['WISPr-Bandwidth-Max-Down', 4000000],
    ]);
    expect(rate).toEqual({ type: 26, value: hex('00003a8c 08 07 324d2f344d') });
    expect(down).toEqual({ type: 26, value: hex('0000372a 08 06 003d0900') });
  });

  it('resolves VALUE names and encodes every type', () => {
    const attributes = encodeAttributes([
      ['Acct-Status-Type', 'Interim-Update'],
      ['Termination-Action', 'RADIUS-Request'],
      ['Framed-IP-Address', '10.0.0.1'],
      ['NAS-IPv6-Address', '2001:db8::1'],
      ['Framed-IPv6-Prefix', '2001:db8:1::/48'],
      ['Framed-Interface-Id', '0011:2233:4455:6677'],
      ['Event-Timestamp', 1_700_000_000],
      ['Ubiquiti-Data-Rate-DL', 5_000_000_000n],
      ['Class', Buffer.from([0, 255])],
    ]);
    expect(attributes.map((a) => a.value.toString('hex'))).toEqual([
      '00000003',
      '00000001',
      '0a000001',
      '20010db8000000000000000000000001',
      '003020010db80001',
      '0011223344556677',
      '6553f100',
      '0000a098' + '01' + '0a' + '000000012a05f200',
      '00ff',
    ]);
  });

  it.each([
    ['No-Such-Attribute', 'x', 'ERR_RADIUS_UNKNOWN_ATTRIBUTE'],
    ['Session-Timeout', -1, 'ERR_RADIUS_ATTRIBUTE_VALUE'],
    ['Session-Timeout', 2 ** 32, 'ERR_RADIUS_ATTRIBUTE_VALUE'],
    ['Session-Timeout', 1.5, 'ERR_RADIUS_ATTRIBUTE_VALUE'],
    ['Session-Timeout', 'Forever', 'ERR_RADIUS_ATTRIBUTE_VALUE'],
    ['Framed-IP-Address', '10.0.0', 'ERR_RADIUS_ATTRIBUTE_VALUE'],
    ['NAS-IPv6-Address', 'nope', 'ERR_RADIUS_ATTRIBUTE_VALUE'],
    ['User-Name', 5, 'ERR_RADIUS_ATTRIBUTE_VALUE'],
    ['Mikrotik-Rate-Limit', 'x'.repeat(248), 'ERR_RADIUS_ATTRIBUTE_VALUE'],
  ] as const)('refuses %s = %j', (name, value, code) => {
    expect(() => encodeAttributes([[name, value]])).toThrow(expect.objectContaining({ code }));
  });
});

describe('typed getters', () => {
  const packet = packetOf([
    ['User-Name', 'AB12CD34'],
    ['Acct-Status-Type', 'Stop'],
    ['Acct-Input-Octets', 4294967295],
    ['Acct-Input-Gigawords', 1],
    ['Acct-Output-Octets', 10],
    ['Framed-IP-Address', '192.168.88.10'],
    ['NAS-IPv6-Address', 'fe80::1'],
    ['Framed-IPv6-Prefix', '2001:db8:1::/48'],
    ['Class', 'session-1'],
    ['Proxy-State', Buffer.from([1])],
    ['Proxy-State', Buffer.from([2])],
    ['Mikrotik-Host-IP', '10.5.50.2'],
    ['Ubiquiti-Data-Rate-UL', 12n],
  ]);

  it('reads standard and vendor attributes by name', () => {
    expect(getString(packet, 'User-Name')).toBe('AB12CD34');
    expect(getString(packet, 'Class')).toBe('session-1');
    expect(getInteger(packet, 'Acct-Status-Type')).toBe(2);
    expect(getIp(packet, 'Framed-IP-Address')).toBe('192.168.88.10');
    expect(getIp(packet, 'NAS-IPv6-Address')).toBe('fe80::1');
    expect(getIp(packet, 'Framed-IPv6-Prefix')).toBe('2001:db8:1::/48');
    expect(getIp(packet, 'Mikrotik-Host-IP')).toBe('10.5.50.2');
    expect(getInteger64(packet, 'Ubiquiti-Data-Rate-UL')).toBe(12n);
    expect(getInteger64(packet, 'Acct-Input-Octets')).toBe(4294967295n);
    expect(getOctets(packet, 'Proxy-State')).toEqual(Buffer.from([1]));
    expect(getAllOctets(packet, 'Proxy-State')).toEqual([Buffer.from([1]), Buffer.from([2])]);
    expect(hasAttribute(packet, 'Acct-Session-Id')).toBe(false);
    expect(getString(packet, 'Acct-Session-Id')).toBeUndefined();
  });

  it('combines 64-bit counters from octets and gigawords (RFC 2869 §5.1)', () => {
    expect(getAcctInputOctets64(packet)).toBe(2 ** 33 - 1);
    expect(getAcctOutputOctets64(packet)).toBe(10);
    expect(combineCounter(5, 2)).toBe(2 * 2 ** 32 + 5);
    expect(getAcctInputOctets64(packetOf([]))).toBeUndefined();
  });

  it('refuses the wrong getter for a type and unknown names', () => {
    expect(() => getInteger(packet, 'User-Name')).toThrow(
      expect.objectContaining({ code: 'ERR_RADIUS_ATTRIBUTE_TYPE' }),
    );
    expect(() => getString(packet, 'Session-Timeout')).toThrow(
      expect.objectContaining({ code: 'ERR_RADIUS_ATTRIBUTE_TYPE' }),
    );
    expect(() => getString(packet, 'Nope')).toThrow(
      expect.objectContaining({ code: 'ERR_RADIUS_UNKNOWN_ATTRIBUTE' }),
    );
  });

  it('returns undefined for a value of the wrong length', () => {
    const { raw } = serializePacket(4, 1, Buffer.alloc(16), [
      { type: 27, value: Buffer.from([1, 2, 3]) },
      { type: 8, value: Buffer.from([1, 2]) },
    ]);
    const result = decodePacket(raw);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(getInteger(result.packet, 'Session-Timeout')).toBeUndefined();
    expect(getIp(result.packet, 'Framed-IP-Address')).toBeUndefined();
  });
});

describe('vendor-specific attributes from the wire', () => {
  // A ChilliSpot type 10 (unnamed), an unknown vendor, a VSA that is not TLV-shaped, and a
  // known WISPr attribute, as CoovaChilli-like NAS might send them.
  const raw = serializePacket(1, 1, Buffer.alloc(16), [
    { type: 26, value: hex('000038df 0a 06 00000001') },
    { type: 26, value: hex('0001869f 01 05 616263') },
    { type: 26, value: hex('00000009 ff') },
    { type: 26, value: hex('0000372a 02 06 43616665') },
    { type: 200, value: Buffer.from('x') },
  ]).raw;

  it('never drops the packet and carries unknown parts through as octets', () => {
    const result = decodePacket(raw);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(listAttributes(result.packet)).toEqual([
      { name: 'Attr-26.14559.10', vendorId: 14559, type: 10, value: hex('00000001') },
      { name: 'Attr-26.99999.1', vendorId: 99999, type: 1, value: Buffer.from('abc') },
      { name: 'Vendor-Specific', vendorId: 0, type: 26, value: hex('00000009ff') },
      { name: 'WISPr-Location-Name', vendorId: 14122, type: 2, value: 'Cafe' },
      { name: 'Attr-200', vendorId: 0, type: 200, value: Buffer.from('x') },
    ]);
    expect(getString(result.packet, 'WISPr-Location-Name')).toBe('Cafe');
    const again = serializePacket(1, 1, Buffer.alloc(16), result.packet.attributes).raw;
    expect(again.equals(raw)).toBe(true);
  });

  it('finds a vendor attribute among several sub-attributes of one VSA', () => {
    const packet = decodePacket(
      serializePacket(1, 1, Buffer.alloc(16), [
        { type: 26, value: hex('00003a8c 03 04 6767 08 07 324d2f344d') },
      ]).raw,
    );
    expect(packet.ok && getString(packet.packet, 'Mikrotik-Rate-Limit')).toBe('2M/4M');
    expect(packet.ok && getString(packet.packet, 'Mikrotik-Group')).toBe('gg');
  });
});
