import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isRequestCode, RadiusCode, usesComputedRequestAuthenticator } from './codes.js';

/** ZERO_AUTHENTICATOR is the 16 zero octets that stand in for an authenticator while signing. */
export const ZERO_AUTHENTICATOR: Buffer = Buffer.alloc(16);

/** AuthenticatedPacket is the part of a decoded packet the authenticator checks read. */
export interface AuthenticatedPacket {
  readonly code: number;
  readonly authenticator: Buffer;
  /** The packet bytes, exactly Length long. */
  readonly raw: Buffer;
  /** Offset in raw of the Message-Authenticator value, or -1 when the packet has none. */
  readonly messageAuthenticatorOffset: number;
}

/** safeEqual returns whether two byte strings are equal, in time independent of their content. */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * computePacketAuthenticator returns MD5(Code‖Identifier‖Length‖authenticatorField‖
 * Attributes‖secret) over raw: the Response Authenticator when authenticatorField is the
 * request's authenticator (RFC 2865 §3), the Accounting/Disconnect/CoA Request
 * Authenticator when it is 16 zeros (RFC 2866 §3, RFC 5176 §2.3).
 */
export function computePacketAuthenticator(
  raw: Buffer,
  authenticatorField: Buffer,
  secret: Buffer,
): Buffer {
  return createHash('md5')
    .update(raw.subarray(0, 4))
    .update(authenticatorField)
    .update(raw.subarray(20))
    .update(secret)
    .digest();
}

/**
 * computeMessageAuthenticator returns HMAC-MD5(secret, packet) with the
 * Message-Authenticator value zeroed and authenticatorField in the authenticator position
 * (RFC 3579 §3.2, RFC 5176 §3.4), reading raw in place without copying it.
 */
export function computeMessageAuthenticator(
  raw: Buffer,
  messageAuthenticatorOffset: number,
  authenticatorField: Buffer,
  secret: Buffer,
): Buffer {
  return createHmac('md5', secret)
    .update(raw.subarray(0, 4))
    .update(authenticatorField)
    .update(raw.subarray(20, messageAuthenticatorOffset))
    .update(ZERO_AUTHENTICATOR)
    .update(raw.subarray(messageAuthenticatorOffset + 16))
    .digest();
}

/**
 * verifyRequestAuthenticator returns false when an Accounting-, Disconnect- or CoA-Request
 * carries an authenticator other than MD5 over the packet with 16 zeros and the secret
 * (RFC 2866 §3, RFC 5176 §2.3); Access-Request and Status-Server authenticators are
 * random, so it returns true for them.
 */
export function verifyRequestAuthenticator(packet: AuthenticatedPacket, secret: Buffer): boolean {
  if (!usesComputedRequestAuthenticator(packet.code)) return true;
  const expected = computePacketAuthenticator(packet.raw, ZERO_AUTHENTICATOR, secret);
  return safeEqual(expected, packet.authenticator);
}

/**
 * verifyResponseAuthenticator returns whether a response's authenticator equals
 * MD5(Code‖ID‖Length‖RequestAuth‖Attributes‖Secret) for the request it answers (RFC 2865 §3).
 */
export function verifyResponseAuthenticator(
  packet: AuthenticatedPacket,
  requestAuthenticator: Buffer,
  secret: Buffer,
): boolean {
  const expected = computePacketAuthenticator(packet.raw, requestAuthenticator, secret);
  return safeEqual(expected, packet.authenticator);
}

/**
 * verifyMessageAuthenticator returns true only when the packet carries a
 * Message-Authenticator and it matches. Requests are checked with their own authenticator
 * (Access-Request, Status-Server) or 16 zeros (Accounting-, Disconnect-, CoA-Request,
 * RFC 5176 §3.4); responses need requestAuthenticator and are checked with it (RFC 3579
 * §3.2). Accounting-Response and Disconnect/CoA-ACK/NAK also pass with 16 zeros, because
 * FreeRADIUS up to 3.2.8 signed them that way.
 */
export function verifyMessageAuthenticator(
  packet: AuthenticatedPacket,
  secret: Buffer,
  requestAuthenticator?: Buffer,
): boolean {
  const offset = packet.messageAuthenticatorOffset;
  if (offset < 0) return false;
  const received = packet.raw.subarray(offset, offset + 16);
  const check = (field: Buffer): boolean =>
    safeEqual(computeMessageAuthenticator(packet.raw, offset, field, secret), received);
  if (isRequestCode(packet.code)) {
    return check(
      usesComputedRequestAuthenticator(packet.code) ? ZERO_AUTHENTICATOR : packet.authenticator,
    );
  }
  if (!requestAuthenticator) return false;
  if (check(requestAuthenticator)) return true;
  const isAccessReply =
    packet.code === RadiusCode.AccessAccept ||
    packet.code === RadiusCode.AccessReject ||
    packet.code === RadiusCode.AccessChallenge;
  return !isAccessReply && check(ZERO_AUTHENTICATOR);
}
