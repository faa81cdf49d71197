import { createHash } from 'node:crypto';
import { safeEqual } from './authenticator.js';
import { AttributeType } from './codes.js';
import { RadiusError, RadiusErrorCode } from './errors.js';

/** MAX_PASSWORD_LENGTH is the longest User-Password RFC 2865 §5.2 allows, in octets. */
export const MAX_PASSWORD_LENGTH = 128;

function xorBlocks(input: Buffer, secret: Buffer, authenticator: Buffer, hiding: boolean): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let previous = authenticator;
  for (let offset = 0; offset < input.length; offset += 16) {
    const pad = createHash('md5').update(secret).update(previous).digest();
    for (let i = 0; i < 16; i++) out[offset + i] = input[offset + i]! ^ pad[i]!;
    // Each block is keyed by the previous ciphertext block, so hiding chains on the output
    // and unhiding on the input.
    previous = (hiding ? out : input).subarray(offset, offset + 16);
  }
  return out;
}

/**
 * hidePassword returns the User-Password attribute value for password: padded with zeros
 * to a multiple of 16 and XORed block by block with MD5(secret‖previous) starting from the
 * Request Authenticator (RFC 2865 §5.2); it throws a RadiusError above 128 octets.
 */
export function hidePassword(
  password: string | Buffer,
  secret: Buffer,
  requestAuthenticator: Buffer,
): Buffer {
  const plain = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  if (plain.length > MAX_PASSWORD_LENGTH) {
    throw new RadiusError(RadiusErrorCode.Password, 'User-Password is longer than 128 octets');
  }
  const padded = Buffer.alloc(Math.max(16, Math.ceil(plain.length / 16) * 16));
  plain.copy(padded);
  return xorBlocks(padded, secret, requestAuthenticator, true);
}

/**
 * unhidePassword returns the clear password of a User-Password value with its zero padding
 * removed (RFC 2865 §5.2), or undefined when the value is not 16 to 128 octets in whole
 * 16-octet blocks.
 */
export function unhidePassword(
  hidden: Buffer,
  secret: Buffer,
  requestAuthenticator: Buffer,
): Buffer | undefined {
  if (hidden.length < 16 || hidden.length > MAX_PASSWORD_LENGTH || hidden.length % 16 !== 0) {
    return undefined;
  }
  const plain = xorBlocks(hidden, secret, requestAuthenticator, false);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  return plain.subarray(0, end);
}

/** ChapPacket is the part of a decoded Access-Request that CHAP checks read. */
export interface ChapPacket {
  readonly authenticator: Buffer;
  readonly attributes: readonly { readonly type: number; readonly value: Buffer }[];
}

/**
 * chapChallenge returns the CHAP challenge of an Access-Request: the CHAP-Challenge
 * attribute if present, else the Request Authenticator (RFC 2865 §2.2, §5.40).
 */
export function chapChallenge(packet: ChapPacket): Buffer {
  for (const attribute of packet.attributes) {
    if (attribute.type === AttributeType.ChapChallenge) return attribute.value;
  }
  return packet.authenticator;
}

/**
 * createChapPassword returns the 17-octet CHAP-Password value CHAP-Ident‖MD5(CHAP-Ident‖
 * password‖challenge) that a NAS sends (RFC 2865 §5.3, RFC 1994 §4.1).
 */
export function createChapPassword(
  ident: number,
  password: string | Buffer,
  challenge: Buffer,
): Buffer {
  const id = Buffer.of(ident & 0xff);
  const digest = createHash('md5').update(id).update(password).update(challenge).digest();
  return Buffer.concat([id, digest]);
}

/**
 * verifyChap returns whether chapPassword (the 17-octet CHAP-Password value) is the CHAP
 * response to challenge for candidatePassword, comparing the digests in constant time; it
 * returns false for a value of the wrong length.
 */
export function verifyChap(
  chapPassword: Buffer,
  challenge: Buffer,
  candidatePassword: string | Buffer,
): boolean {
  if (chapPassword.length !== 17) return false;
  const expected = createChapPassword(chapPassword[0]!, candidatePassword, challenge);
  return safeEqual(expected, chapPassword);
}

/**
 * getUserPassword returns the clear User-Password of an Access-Request as UTF-8 text, or
 * undefined when the packet has none or its length is not whole 16-octet blocks.
 */
export function getUserPassword(packet: ChapPacket, secret: Buffer): string | undefined {
  for (const attribute of packet.attributes) {
    if (attribute.type !== AttributeType.UserPassword) continue;
    return unhidePassword(attribute.value, secret, packet.authenticator)?.toString('utf8');
  }
  return undefined;
}

/**
 * verifyChapRequest returns whether the Access-Request's CHAP-Password answers its
 * challenge (CHAP-Challenge, else the Request Authenticator) for candidatePassword; false
 * when the packet has no CHAP-Password.
 */
export function verifyChapRequest(packet: ChapPacket, candidatePassword: string | Buffer): boolean {
  for (const attribute of packet.attributes) {
    if (attribute.type !== AttributeType.ChapPassword) continue;
    return verifyChap(attribute.value, chapChallenge(packet), candidatePassword);
  }
  return false;
}
