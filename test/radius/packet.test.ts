import { describe, expect, it } from 'vitest';
import { encodeAttributes } from '../../src/radius/attributes.js';
import { RadiusCode } from '../../src/radius/codes.js';
import {
  decodePacket,
  encodeRequest,
  encodeResponse,
  type RadiusPacket,
  serializePacket,
} from '../../src/radius/packet.js';
import { getUserPassword, verifyChapRequest } from '../../src/radius/password.js';
import { hex } from './hex.js';

const secret = Buffer.from('xyzzy5461');

// RFC 2865 §7.1: User Telnet to Specified Host, PAP with password "arctangent".
const rfc71Request = hex(`
  01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb
  98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d
  93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8
  01 10 05 06 00 00 00 03`);
const rfc71Accept = hex(`
  02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf
  9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00
  0e 06 c0 a8 01 03`);
// RFC 2865 §7.2: Framed User Authenticating with CHAP.
const rfc72Request = hex(`
  01 01 00 47 2a ee 86 f0 8d 0d 55 96 9c a5 97 8e
  0d 33 67 a2 01 08 66 6c 6f 70 73 79 03 13 16 e9
  75 57 c3 16 18 58 95 f2 93 ff 63 44 07 72 75 04
  06 c0 a8 01 10 05 06 00 00 00 14 06 06 00 00 00
  02 07 06 00 00 00 01`);
const rfc72Accept = hex(`
  02 01 00 38 15 ef bc 7d ab 26 cf a3 dc 34 d9 c0
  3c 86 01 a4 06 06 00 00 00 02 07 06 00 00 00 01
  08 06 ff ff ff fe 0a 06 00 00 00 02 0d 06 00 00
  00 01 0c 06 00 00 05 dc`);

function decoded(bytes: Buffer): RadiusPacket {
  const result = decodePacket(bytes);
  if (!result.ok) throw new Error(`decode failed: ${result.reason} ${result.detail}`);
  return result.packet;
}

describe('RFC 2865 §7.1 PAP example', () => {
  it('decodes the Access-Request and recovers the password', () => {
    const packet = decoded(rfc71Request);
    expect(packet).toMatchObject({ code: 1, identifier: 0, messageAuthenticatorOffset: -1 });
    expect(packet.attributes.map((a) => a.type)).toEqual([1, 2, 4, 5]);
    expect(getUserPassword(packet, secret)).toBe('arctangent');
  });

  it('encodes the Access-Request byte for byte', () => {
    const attributes = encodeAttributes([
      ['User-Name', 'nemo'],
      ['User-Password', 'arctangent'],
      ['NAS-IP-Address', '192.168.1.16'],
      ['NAS-Port', 3],
    ]);
    const bytes = encodeRequest({
      code: RadiusCode.AccessRequest,
      identifier: 0,
      attributes,
      secret,
      authenticator: rfc71Request.subarray(4, 20),
    });
    expect(bytes.toString('hex')).toBe(rfc71Request.toString('hex'));
  });

  it('encodes the Access-Accept with the RFC Response Authenticator', () => {
    const request = decoded(rfc71Request);
    const bytes = encodeResponse({
      code: RadiusCode.AccessAccept,
      identifier: request.identifier,
      requestAuthenticator: request.authenticator,
      attributes: encodeAttributes([
        ['Service-Type', 'Login-User'],
        ['Login-Service', 'Telnet'],
        ['Login-IP-Host', '192.168.1.3'],
      ]),
      secret,
    });
    expect(bytes.toString('hex')).toBe(rfc71Accept.toString('hex'));
  });
});

describe('RFC 2865 §7.2 CHAP example', () => {
  it('decodes and re-encodes the Access-Request byte for byte', () => {
    const packet = decoded(rfc72Request);
    expect(packet.identifier).toBe(1);
    const again = encodeRequest({
      code: packet.code,
      identifier: packet.identifier,
      attributes: packet.attributes,
      secret,
      authenticator: packet.authenticator,
    });
    expect(again.equals(rfc72Request)).toBe(true);
    // The RFC does not give flopsy's password, so only a wrong guess can be checked.
    expect(verifyChapRequest(packet, 'not-the-password')).toBe(false);
  });

  it('encodes the Access-Accept with the RFC Response Authenticator', () => {
    const request = decoded(rfc72Request);
    const bytes = encodeResponse({
      code: RadiusCode.AccessAccept,
      identifier: 1,
      requestAuthenticator: request.authenticator,
      attributes: encodeAttributes([
        ['Service-Type', 'Framed-User'],
        ['Framed-Protocol', 'PPP'],
        ['Framed-IP-Address', '255.255.255.254'],
        ['Framed-Routing', 'Listen'],
        ['Framed-Compression', 'Van-Jacobson-TCP-IP'],
        ['Framed-MTU', 1500],
      ]),
      secret,
    });
    expect(bytes.toString('hex')).toBe(rfc72Accept.toString('hex'));
  });
});

describe('decodePacket length rules', () => {
  const header = (length: number, extra: number[] = []) => {
    const bytes = Buffer.alloc(20);
    bytes[0] = 1;
    bytes.writeUInt16BE(length, 2);
    return Buffer.concat([bytes, Buffer.from(extra)]);
  };

  it.each([
    ['a datagram under 20 octets', Buffer.alloc(19), 'too-short'],
    ['Length 19', header(19), 'length-out-of-range'],
    ['Length 4097', Buffer.concat([header(4097), Buffer.alloc(4077)]), 'length-out-of-range'],
    ['Length beyond the datagram', header(24, [1, 3]), 'length-exceeds-datagram'],
    ['an attribute of length 0', header(22, [1, 0]), 'attribute-too-short'],
    ['an attribute of length 1', header(22, [1, 1]), 'attribute-too-short'],
    ['a lone type octet', header(21, [1]), 'attribute-too-short'],
    ['an attribute past Length', header(23, [1, 4, 0x41]), 'attribute-overflow'],
    [
      'an attribute past Length into trailing bytes',
      header(23, [1, 5, 0x41, 0x42, 0x43]),
      'attribute-overflow',
    ],
    [
      'two Message-Authenticators',
      header(56, [80, 18, ...Buffer.alloc(16), 80, 18, ...Buffer.alloc(16)]),
      'duplicate-message-authenticator',
    ],
    [
      'a 17-octet Message-Authenticator',
      header(37, [80, 17, ...Buffer.alloc(15)]),
      'bad-message-authenticator-length',
    ],
  ])('drops %s with reason %s', (_label, bytes, reason) => {
    const result = decodePacket(bytes);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail).not.toBe('');
    }
  });

  it('ignores bytes after Length', () => {
    const bytes = Buffer.concat([rfc71Request, Buffer.from([9, 9, 9])]);
    const packet = decoded(bytes);
    expect(packet.raw.equals(rfc71Request)).toBe(true);
    expect(packet.attributes).toHaveLength(4);
  });

  it('accepts a bare 20-octet packet and an empty attribute', () => {
    expect(decoded(header(20)).attributes).toEqual([]);
    expect(decoded(header(22, [18, 2])).attributes).toEqual([{ type: 18, value: Buffer.alloc(0) }]);
  });

  it('accepts a packet of exactly 4096 octets', () => {
    const attributes = Array.from({ length: 15 }, () => ({ type: 25, value: Buffer.alloc(253) }));
    attributes.push({ type: 25, value: Buffer.alloc(4096 - 20 - 15 * 255 - 2) });
    const { raw } = serializePacket(4, 1, Buffer.alloc(16), attributes);
    expect(raw.length).toBe(4096);
    expect(decoded(raw).attributes).toHaveLength(16);
  });
});

describe('serializePacket', () => {
  it('refuses a value over 253 octets and a packet over 4096', () => {
    expect(() =>
      serializePacket(2, 0, Buffer.alloc(16), [{ type: 18, value: Buffer.alloc(254) }]),
    ).toThrow(expect.objectContaining({ code: 'ERR_RADIUS_ATTRIBUTE_VALUE' }));
    const many = Array.from({ length: 17 }, () => ({ type: 25, value: Buffer.alloc(253) }));
    expect(() => serializePacket(2, 0, Buffer.alloc(16), many)).toThrow(
      expect.objectContaining({ code: 'ERR_RADIUS_PACKET_TOO_LONG' }),
    );
  });

  it('round-trips attributes through decodePacket', () => {
    const attributes = [
      { type: 1, value: Buffer.from('alice') },
      { type: 33, value: Buffer.from([1, 2, 3]) },
      { type: 33, value: Buffer.from([4]) },
    ];
    const { raw } = serializePacket(5, 200, Buffer.alloc(16, 7), attributes);
    const packet = decoded(raw);
    expect(packet).toMatchObject({ code: 5, identifier: 200 });
    expect(packet.attributes).toEqual(attributes);
  });
});
