import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeAttributes } from '../../src/radius/attributes.js';
import { decodePacket, encodeRequest, type RadiusPacket } from '../../src/radius/packet.js';
import {
  chapChallenge,
  createChapPassword,
  getUserPassword,
  hidePassword,
  unhidePassword,
  verifyChap,
  verifyChapRequest,
} from '../../src/radius/password.js';
import { hex } from './hex.js';

const secret = Buffer.from('xyzzy5461');
const authenticator = hex('0f403f9473978057bd83d5cb98f4227a');

function decoded(bytes: Buffer): RadiusPacket {
  const result = decodePacket(bytes);
  if (!result.ok) throw new Error(result.reason);
  return result.packet;
}

describe('User-Password hiding', () => {
  it('matches RFC 2865 §7.1', () => {
    expect(hidePassword('arctangent', secret, authenticator).toString('hex')).toBe(
      '0dbe708d93d413ce3196e43f782a0aee',
    );
  });

  it('chains blocks for passwords over 16 octets (RFC 2865 §5.2)', () => {
    const password = 'correct horse battery staple!!'; // 30 octets, two blocks
    const hidden = hidePassword(password, secret, authenticator);
    expect(hidden).toHaveLength(32);
    const b1 = createHash('md5').update(secret).update(authenticator).digest();
    const b2 = createHash('md5').update(secret).update(hidden.subarray(0, 16)).digest();
    const padded = Buffer.alloc(32);
    Buffer.from(password).copy(padded);
    const expected = Buffer.alloc(32);
    for (let i = 0; i < 16; i++) expected[i] = padded[i]! ^ b1[i]!;
    for (let i = 0; i < 16; i++) expected[16 + i] = padded[16 + i]! ^ b2[i]!;
    expect(hidden).toEqual(expected);
  });

  it.each([0, 1, 15, 16, 17, 31, 32, 33, 100, 128])('round-trips %i octets', (length) => {
    const password = Buffer.alloc(length, 0x61);
    const hidden = hidePassword(password, secret, authenticator);
    expect(hidden.length % 16).toBe(0);
    expect(hidden.length).toBe(Math.max(16, Math.ceil(length / 16) * 16));
    expect(unhidePassword(hidden, secret, authenticator)).toEqual(password);
  });

  it('refuses passwords over 128 octets and hidden values of the wrong size', () => {
    expect(() => hidePassword(Buffer.alloc(129, 1), secret, authenticator)).toThrow(
      expect.objectContaining({ code: 'ERR_RADIUS_PASSWORD' }),
    );
    for (const length of [0, 15, 17, 144]) {
      expect(unhidePassword(Buffer.alloc(length), secret, authenticator)).toBeUndefined();
    }
  });

  it('getUserPassword reads a long password from an encoded Access-Request', () => {
    const password = 'a-rather-long-password-of-forty-octets!!';
    const bytes = encodeRequest({
      code: 1,
      identifier: 5,
      attributes: encodeAttributes([
        ['User-Name', 'u'],
        ['User-Password', password],
      ]),
      secret,
    });
    const packet = decoded(bytes);
    expect(packet.attributes[1]?.value).toHaveLength(48);
    expect(packet.attributes[1]?.value.includes(Buffer.from('rather'))).toBe(false);
    expect(getUserPassword(packet, secret)).toBe(password);
    expect(getUserPassword(packet, Buffer.from('wrong'))).not.toBe(password);
  });
});

describe('CHAP', () => {
  it('computes Ident‖MD5(Ident‖password‖challenge)', () => {
    const challenge = Buffer.alloc(16, 0x42);
    const value = createChapPassword(0xf1, 'secret123', challenge);
    const digest = createHash('md5')
      .update(Buffer.of(0xf1))
      .update('secret123')
      .update(challenge)
      .digest();
    expect(value).toEqual(Buffer.concat([Buffer.of(0xf1), digest]));
    expect(verifyChap(value, challenge, 'secret123')).toBe(true);
    expect(verifyChap(value, challenge, 'secret124')).toBe(false);
    expect(verifyChap(value.subarray(0, 16), challenge, 'secret123')).toBe(false);
  });

  it('uses CHAP-Challenge when present', () => {
    const challenge = Buffer.from('0123456789abcdef0123');
    const bytes = encodeRequest({
      code: 1,
      identifier: 2,
      attributes: encodeAttributes([
        ['User-Name', 'AB12CD34'],
        ['CHAP-Challenge', challenge],
        ['CHAP-Password', createChapPassword(7, 'AB12CD34', challenge)],
      ]),
      secret,
    });
    const packet = decoded(bytes);
    expect(chapChallenge(packet)).toEqual(challenge);
    expect(verifyChapRequest(packet, 'AB12CD34')).toBe(true);
    expect(verifyChapRequest(packet, 'AB12CD35')).toBe(false);
  });

  it('falls back to the Request Authenticator without CHAP-Challenge', () => {
    const bytes = encodeRequest({
      code: 1,
      identifier: 2,
      authenticator,
      attributes: encodeAttributes([
        ['User-Name', 'AB12CD34'],
        ['CHAP-Password', createChapPassword(9, 'AB12CD34', authenticator)],
      ]),
      secret,
    });
    const packet = decoded(bytes);
    expect(chapChallenge(packet)).toEqual(authenticator);
    expect(verifyChapRequest(packet, 'AB12CD34')).toBe(true);
  });

  it('is false for a request without CHAP-Password', () => {
    const packet = decoded(encodeRequest({ code: 1, identifier: 1, attributes: [], secret }));
    expect(verifyChapRequest(packet, 'x')).toBe(false);
  });
});
