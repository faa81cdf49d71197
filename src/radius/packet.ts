import { randomBytes } from 'node:crypto';
import {
  computeMessageAuthenticator,
  computePacketAuthenticator,
  ZERO_AUTHENTICATOR,
} from './authenticator.js';
import { AttributeType, RadiusCode, usesComputedRequestAuthenticator } from './codes.js';
import { RadiusError, RadiusErrorCode } from './errors.js';
import { hidePassword } from './password.js';

/** HEADER_LENGTH is the size of Code, Identifier, Length and Authenticator (RFC 2865 §3). */
export const HEADER_LENGTH = 20;
/** MAX_PACKET_LENGTH is the largest Length a RADIUS packet may have (RFC 2865 §3). */
export const MAX_PACKET_LENGTH = 4096;
/** MAX_ATTRIBUTE_VALUE_LENGTH is the longest attribute value, 255 minus type and length. */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 253;

/** RadiusAttribute is one top-level attribute: its type and its value bytes. */
export interface RadiusAttribute {
  readonly type: number;
  readonly value: Buffer;
}

/** RadiusPacket is a decoded packet whose attribute values are views into raw. */
export interface RadiusPacket {
  readonly code: number;
  readonly identifier: number;
  readonly authenticator: Buffer;
  readonly attributes: readonly RadiusAttribute[];
  /** The packet bytes, exactly Length long; trailing datagram bytes are cut off. */
  readonly raw: Buffer;
  /** Offset in raw of the Message-Authenticator value, or -1 when the packet has none. */
  readonly messageAuthenticatorOffset: number;
}

/** DecodeFailure lists why a datagram is not a well-formed RADIUS packet. */
export const DecodeFailure = {
  TooShort: 'too-short',
  LengthOutOfRange: 'length-out-of-range',
  LengthExceedsDatagram: 'length-exceeds-datagram',
  AttributeTooShort: 'attribute-too-short',
  AttributeOverflow: 'attribute-overflow',
  DuplicateMessageAuthenticator: 'duplicate-message-authenticator',
  BadMessageAuthenticatorLength: 'bad-message-authenticator-length',
} as const;

/** DecodeFailure is the union of the reasons in the DecodeFailure object. */
export type DecodeFailure = (typeof DecodeFailure)[keyof typeof DecodeFailure];

/** DecodeResult is a decoded packet, or the reason and a short detail for the drop log. */
export type DecodeResult =
  | { readonly ok: true; readonly packet: RadiusPacket }
  | { readonly ok: false; readonly reason: DecodeFailure; readonly detail: string };

function failure(reason: DecodeFailure, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

/**
 * decodePacket splits a datagram into header and attributes without copying, or returns
 * why it is malformed: Length outside 20..4096 or beyond the datagram (RFC 2865 §3; bytes
 * after Length are ignored), an attribute shorter than 2 or running past Length (RFC 2865
 * §5), or a Message-Authenticator that is repeated or not 18 octets long (RFC 3579 §3.2).
 */
export function decodePacket(datagram: Buffer): DecodeResult {
  if (datagram.length < HEADER_LENGTH) {
    return failure(DecodeFailure.TooShort, `datagram of ${datagram.length} octets`);
  }
  const length = datagram.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH) {
    return failure(DecodeFailure.LengthOutOfRange, `Length ${length}`);
  }
  if (length > datagram.length) {
    return failure(
      DecodeFailure.LengthExceedsDatagram,
      `Length ${length} > datagram ${datagram.length}`,
    );
  }
  const raw = length === datagram.length ? datagram : datagram.subarray(0, length);
  const attributes: RadiusAttribute[] = [];
  let messageAuthenticatorOffset = -1;
  let offset = HEADER_LENGTH;
  while (offset < length) {
    if (offset + 2 > length) {
      return failure(DecodeFailure.AttributeTooShort, `attribute header cut at ${offset}`);
    }
    const type = raw[offset]!;
    const attributeLength = raw[offset + 1]!;
    if (attributeLength < 2) {
      return failure(
        DecodeFailure.AttributeTooShort,
        `attribute ${type} length ${attributeLength} at ${offset}`,
      );
    }
    if (offset + attributeLength > length) {
      return failure(
        DecodeFailure.AttributeOverflow,
        `attribute ${type} length ${attributeLength} at ${offset} runs past ${length}`,
      );
    }
    if (type === AttributeType.MessageAuthenticator) {
      if (messageAuthenticatorOffset >= 0) {
        return failure(DecodeFailure.DuplicateMessageAuthenticator, `second one at ${offset}`);
      }
      if (attributeLength !== 18) {
        return failure(DecodeFailure.BadMessageAuthenticatorLength, `length ${attributeLength}`);
      }
      messageAuthenticatorOffset = offset + 2;
    }
    attributes.push({ type, value: raw.subarray(offset + 2, offset + attributeLength) });
    offset += attributeLength;
  }
  return {
    ok: true,
    packet: {
      code: raw[0]!,
      identifier: raw[1]!,
      authenticator: raw.subarray(4, 20),
      attributes,
      raw,
      messageAuthenticatorOffset,
    },
  };
}

/**
 * serializePacket writes header and attributes into a new buffer and returns it with the
 * offset of the Message-Authenticator value (-1 if none); it throws a RadiusError when a
 * value exceeds 253 octets or the packet exceeds 4096 (RFC 2865 §3, §5).
 */
export function serializePacket(
  code: number,
  identifier: number,
  authenticator: Buffer,
  attributes: readonly RadiusAttribute[],
): { readonly raw: Buffer; readonly messageAuthenticatorOffset: number } {
  let length = HEADER_LENGTH;
  for (const attribute of attributes) {
    if (attribute.value.length > MAX_ATTRIBUTE_VALUE_LENGTH) {
      throw new RadiusError(
        RadiusErrorCode.AttributeValue,
        `attribute ${attribute.type} value is ${attribute.value.length} octets, more than 253`,
      );
    }
    length += 2 + attribute.value.length;
  }
  if (length > MAX_PACKET_LENGTH) {
    throw new RadiusError(RadiusErrorCode.PacketTooLong, `packet would be ${length} octets`);
  }
  const raw = Buffer.allocUnsafe(length);
  raw[0] = code;
  raw[1] = identifier & 0xff;
  raw.writeUInt16BE(length, 2);
  authenticator.copy(raw, 4, 0, 16);
  let offset = HEADER_LENGTH;
  let messageAuthenticatorOffset = -1;
  for (const attribute of attributes) {
    raw[offset] = attribute.type;
    raw[offset + 1] = attribute.value.length + 2;
    if (attribute.type === AttributeType.MessageAuthenticator) {
      messageAuthenticatorOffset = offset + 2;
    }
    attribute.value.copy(raw, offset + 2);
    offset += 2 + attribute.value.length;
  }
  return { raw, messageAuthenticatorOffset };
}

const placeholderMessageAuthenticator: RadiusAttribute = {
  type: AttributeType.MessageAuthenticator,
  value: ZERO_AUTHENTICATOR,
};

function withoutMessageAuthenticator(
  attributes: readonly RadiusAttribute[],
): readonly RadiusAttribute[] {
  return attributes.some((a) => a.type === AttributeType.MessageAuthenticator)
    ? attributes.filter((a) => a.type !== AttributeType.MessageAuthenticator)
    : attributes;
}

/** RequestOptions describes a request to encode. */
export interface RequestOptions {
  readonly code: number;
  readonly identifier: number;
  readonly attributes: readonly RadiusAttribute[];
  readonly secret: Buffer;
  /** Add a Message-Authenticator as the first attribute. */
  readonly messageAuthenticator?: boolean;
  /** Access-Request/Status-Server authenticator; random when omitted. Ignored for others. */
  readonly authenticator?: Buffer;
}

/**
 * encodeRequest returns the bytes of a signed request. Access-Request and Status-Server
 * get a random (or the given) authenticator, and User-Password values given in clear are
 * hidden with it (RFC 2865 §5.2); Accounting-, Disconnect- and CoA-Request get
 * MD5 over the packet with a zero authenticator (RFC 2866 §3, RFC 5176 §2.3), computed
 * after the Message-Authenticator, which uses the zero field (RFC 5176 §3.4). It throws a
 * RadiusError if the packet would be too long.
 */
export function encodeRequest(options: RequestOptions): Buffer {
  const computed = usesComputedRequestAuthenticator(options.code);
  const authenticator = computed ? ZERO_AUTHENTICATOR : (options.authenticator ?? randomBytes(16));
  let attributes = withoutMessageAuthenticator(options.attributes);
  if (options.code === RadiusCode.AccessRequest) {
    attributes = attributes.map((a) =>
      a.type === AttributeType.UserPassword
        ? { type: a.type, value: hidePassword(a.value, options.secret, authenticator) }
        : a,
    );
  }
  if (options.messageAuthenticator) attributes = [placeholderMessageAuthenticator, ...attributes];
  const { raw, messageAuthenticatorOffset } = serializePacket(
    options.code,
    options.identifier,
    authenticator,
    attributes,
  );
  if (messageAuthenticatorOffset >= 0) {
    computeMessageAuthenticator(
      raw,
      messageAuthenticatorOffset,
      authenticator,
      options.secret,
    ).copy(raw, messageAuthenticatorOffset);
  }
  if (computed) computePacketAuthenticator(raw, ZERO_AUTHENTICATOR, options.secret).copy(raw, 4);
  return raw;
}

/** ResponseOptions describes a response to encode. */
export interface ResponseOptions {
  readonly code: number;
  readonly identifier: number;
  readonly requestAuthenticator: Buffer;
  readonly attributes: readonly RadiusAttribute[];
  readonly secret: Buffer;
  /** Add a Message-Authenticator as the first attribute (BlastRADIUS mitigation). */
  readonly messageAuthenticator?: boolean;
}

/**
 * encodeResponse returns the bytes of a signed response: the Message-Authenticator, if
 * asked for, is the first attribute and is computed with the request's authenticator in
 * place (RFC 3579 §3.2, RFC 5176 §3.4), then the Response Authenticator is MD5 over the
 * packet with the request authenticator and the secret (RFC 2865 §3). It throws a
 * RadiusError if the packet would be too long.
 */
export function encodeResponse(options: ResponseOptions): Buffer {
  let attributes = withoutMessageAuthenticator(options.attributes);
  if (options.messageAuthenticator) attributes = [placeholderMessageAuthenticator, ...attributes];
  const { raw, messageAuthenticatorOffset } = serializePacket(
    options.code,
    options.identifier,
    options.requestAuthenticator,
    attributes,
  );
  if (messageAuthenticatorOffset >= 0) {
    computeMessageAuthenticator(
      raw,
      messageAuthenticatorOffset,
      options.requestAuthenticator,
      options.secret,
    ).copy(raw, messageAuthenticatorOffset);
  }
  computePacketAuthenticator(raw, options.requestAuthenticator, options.secret).copy(raw, 4);
  return raw;
}
