// A small RADIUS client codec for the benchmarks, written from the RFCs with node:crypto
// and sharing nothing with Portico's src/radius: a load generator that used Portico's own
// codec would agree with Portico's mistakes. It builds what a hotspot sends and checks what
// comes back:
//   RFC 2865 §3    packet layout, Response Authenticator
//   RFC 2865 §5.2  User-Password hiding (PAP)
//   RFC 2866 §3    Accounting-Request Request Authenticator
//   RFC 3579 §3.2  Message-Authenticator (HMAC-MD5)

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** CODE holds the RADIUS packet codes the benchmarks use (RFC 2865 §3, RFC 2866 §3). */
export const CODE = {
  AccessRequest: 1,
  AccessAccept: 2,
  AccessReject: 3,
  AccountingRequest: 4,
  AccountingResponse: 5,
};

/** ATTR holds the attribute numbers the benchmarks use (RFC 2865 §5, RFC 2866 §5, RFC 3579). */
export const ATTR = {
  UserName: 1,
  UserPassword: 2,
  NasIpAddress: 4,
  FramedIpAddress: 8,
  Class: 25,
  CallingStationId: 31,
  NasIdentifier: 32,
  AcctStatusType: 40,
  AcctInputOctets: 42,
  AcctOutputOctets: 43,
  AcctSessionId: 44,
  AcctSessionTime: 46,
  AcctTerminateCause: 49,
  MessageAuthenticator: 80,
};

/** ACCT_STATUS holds the Acct-Status-Type values (RFC 2866 §5.1). */
export const ACCT_STATUS = { Start: 1, Stop: 2, InterimUpdate: 3 };

const md5 = (...parts) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** attr returns one attribute (type, length, value) as bytes; value is a Buffer (RFC 2865 §5). */
export function attr(type, value) {
  if (value.length > 253) throw new Error(`attribute ${type} longer than 253 octets`);
  const out = Buffer.allocUnsafe(2 + value.length);
  out[0] = type;
  out[1] = 2 + value.length;
  value.copy(out, 2);
  return out;
}

/** text returns a string attribute (UTF-8). */
export const text = (type, s) => attr(type, Buffer.from(s, 'utf8'));

/** int returns a 32-bit unsigned integer attribute (RFC 2865 §5, "integer"). */
export function int(type, n) {
  const v = Buffer.allocUnsafe(4);
  v.writeUInt32BE(n >>> 0, 0);
  return attr(type, v);
}

/** ipv4 returns an address attribute from dotted-quad text. */
export const ipv4 = (type, dotted) => attr(type, Buffer.from(dotted.split('.').map(Number)));

/**
 * hidePassword returns the User-Password value for `password` (RFC 2865 §5.2): padded with
 * NULs to a multiple of 16, each 16-octet block XORed with MD5(secret + previous block),
 * the first with MD5(secret + Request Authenticator).
 */
export function hidePassword(password, secret, requestAuthenticator) {
  const p = Buffer.from(password, 'utf8');
  const len = Math.max(16, Math.ceil(p.length / 16) * 16);
  if (len > 128) throw new Error('User-Password longer than 128 octets');
  const out = Buffer.alloc(len);
  p.copy(out);
  let prev = requestAuthenticator;
  for (let i = 0; i < len; i += 16) {
    const b = md5(secret, prev);
    for (let j = 0; j < 16; j++) out[i + j] ^= b[j];
    prev = out.subarray(i, i + 16);
  }
  return out;
}

function header(code, identifier, length, authenticator) {
  const h = Buffer.allocUnsafe(20);
  h[0] = code;
  h[1] = identifier;
  h.writeUInt16BE(length, 2);
  authenticator.copy(h, 4);
  return h;
}

/**
 * accessRequest returns an Access-Request with a random Request Authenticator, the
 * hidden User-Password when `password` is given, and a Message-Authenticator as its first
 * attribute (RFC 3579 §3.2: HMAC-MD5 over the packet with the field zeroed); it also
 * returns the Request Authenticator, which the reply's checks need.
 */
export function accessRequest({ identifier, secret, password, attributes }) {
  const authenticator = randomBytes(16);
  const parts = [attr(ATTR.MessageAuthenticator, Buffer.alloc(16))];
  if (password !== undefined)
    parts.push(attr(ATTR.UserPassword, hidePassword(password, secret, authenticator)));
  parts.push(...attributes);
  const body = Buffer.concat(parts);
  const packet = Buffer.concat([
    header(CODE.AccessRequest, identifier, 20 + body.length, authenticator),
    body,
  ]);
  createHmac('md5', secret).update(packet).digest().copy(packet, 22);
  return { packet, authenticator };
}

/**
 * accountingRequest returns an Accounting-Request whose Request Authenticator is
 * MD5(Code + Identifier + Length + 16 zero octets + Attributes + Secret) (RFC 2866 §3).
 */
export function accountingRequest({ identifier, secret, attributes }) {
  const body = Buffer.concat(attributes);
  const packet = Buffer.concat([
    header(CODE.AccountingRequest, identifier, 20 + body.length, Buffer.alloc(16)),
    body,
  ]);
  md5(packet, secret).copy(packet, 4);
  return { packet, authenticator: packet.subarray(4, 20) };
}

/**
 * decodeReply returns a reply's code, identifier and attributes after checking its length,
 * its Response Authenticator (RFC 2865 §3: MD5 over the reply with the request's
 * authenticator in place of its own, then the secret) and, when present, its
 * Message-Authenticator (RFC 3579 §3.2, computed the same way with the field zeroed); it
 * returns { ok: false, why } for anything that does not check out.
 */
export function decodeReply(bytes, secret, requestAuthenticator) {
  if (bytes.length < 20) return { ok: false, why: 'short' };
  const length = bytes.readUInt16BE(2);
  if (length < 20 || length > bytes.length) return { ok: false, why: 'bad length' };
  const packet = bytes.subarray(0, length);
  const attributes = [];
  let maAt = -1;
  for (let i = 20; i < length;) {
    const len = packet[i + 1];
    if (len === undefined || len < 2 || i + len > length)
      return { ok: false, why: 'bad attribute' };
    const type = packet[i];
    if (type === ATTR.MessageAuthenticator) {
      if (len !== 18) return { ok: false, why: 'bad Message-Authenticator length' };
      maAt = i + 2;
    }
    attributes.push({ type, value: packet.subarray(i + 2, i + len) });
    i += len;
  }
  const check = Buffer.from(packet);
  requestAuthenticator.copy(check, 4);
  const expected = md5(check, secret);
  if (!timingSafeEqual(expected, packet.subarray(4, 20)))
    return { ok: false, why: 'bad Response Authenticator' };
  if (maAt >= 0) {
    check.fill(0, maAt, maAt + 16);
    const mac = createHmac('md5', secret).update(check).digest();
    if (!timingSafeEqual(mac, packet.subarray(maAt, maAt + 16)))
      return { ok: false, why: 'bad Message-Authenticator' };
  }
  return {
    ok: true,
    code: packet[0],
    identifier: packet[1],
    attributes,
    hasMessageAuthenticator: maAt >= 0,
  };
}
