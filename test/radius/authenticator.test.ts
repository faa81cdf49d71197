import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeAttributes } from '../../src/radius/attributes.js';
import {
  verifyMessageAuthenticator,
  verifyRequestAuthenticator,
  verifyResponseAuthenticator,
} from '../../src/radius/authenticator.js';
import { RadiusCode } from '../../src/radius/codes.js';
import {
  decodePacket,
  encodeRequest,
  encodeResponse,
  type RadiusPacket,
} from '../../src/radius/packet.js';

const secret = Buffer.from('s3cret');
const zeros = Buffer.alloc(16);

function decoded(bytes: Buffer): RadiusPacket {
  const result = decodePacket(bytes);
  if (!result.ok) throw new Error(`decode failed: ${result.reason}`);
  return result.packet;
}

// An independent oracle: copy the packet, zero the Message-Authenticator, put `field` in
// the authenticator position and HMAC the copy.
function oracleMessageAuthenticator(raw: Buffer, offset: number, field: Buffer): Buffer {
  const copy = Buffer.from(raw);
  field.copy(copy, 4);
  copy.fill(0, offset, offset + 16);
  return createHmac('md5', secret).update(copy).digest();
}

function oracleAuthenticator(raw: Buffer, field: Buffer): Buffer {
  const copy = Buffer.from(raw);
  field.copy(copy, 4);
  return createHash('md5').update(copy).update(secret).digest();
}

const sessionAttributes = () =>
  encodeAttributes([
    ['User-Name', 'AB12CD34'],
    ['Acct-Session-Id', '5f1a'],
  ]);

describe('requests with a computed authenticator', () => {
  it.each([
    ['Accounting-Request', RadiusCode.AccountingRequest],
    ['Disconnect-Request', RadiusCode.DisconnectRequest],
    ['CoA-Request', RadiusCode.CoaRequest],
  ])('%s: Message-Authenticator over a zero authenticator, then RA over that', (_n, code) => {
    const bytes = encodeRequest({
      code,
      identifier: 7,
      attributes: sessionAttributes(),
      secret,
      messageAuthenticator: true,
    });
    const packet = decoded(bytes);
    expect(packet.attributes[0]?.type).toBe(80);
    const offset = packet.messageAuthenticatorOffset;
    expect(packet.raw.subarray(offset, offset + 16)).toEqual(
      oracleMessageAuthenticator(packet.raw, offset, zeros),
    );
    expect(packet.authenticator).toEqual(oracleAuthenticator(packet.raw, zeros));
    expect(verifyRequestAuthenticator(packet, secret)).toBe(true);
    expect(verifyMessageAuthenticator(packet, secret)).toBe(true);
    expect(verifyRequestAuthenticator(packet, Buffer.from('wrong'))).toBe(false);
    expect(verifyMessageAuthenticator(packet, Buffer.from('wrong'))).toBe(false);
  });

  it('rejects a tampered Accounting-Request', () => {
    const bytes = encodeRequest({
      code: RadiusCode.AccountingRequest,
      identifier: 1,
      attributes: encodeAttributes([['Acct-Output-Octets', 1000]]),
      secret,
    });
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    expect(verifyRequestAuthenticator(decoded(bytes), secret)).toBe(false);
  });
});

describe('requests with a random authenticator', () => {
  it.each([
    ['Access-Request', RadiusCode.AccessRequest],
    ['Status-Server', RadiusCode.StatusServer],
  ])('%s: Message-Authenticator over the packet with its own authenticator', (_n, code) => {
    const bytes = encodeRequest({
      code,
      identifier: 3,
      attributes: encodeAttributes([['NAS-Identifier', 'hs1']]),
      secret,
      messageAuthenticator: true,
    });
    const packet = decoded(bytes);
    const offset = packet.messageAuthenticatorOffset;
    expect(packet.attributes[0]?.type).toBe(80);
    expect(packet.raw.subarray(offset, offset + 16)).toEqual(
      oracleMessageAuthenticator(packet.raw, offset, packet.authenticator),
    );
    expect(verifyRequestAuthenticator(packet, secret)).toBe(true);
    expect(verifyMessageAuthenticator(packet, secret)).toBe(true);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    expect(verifyMessageAuthenticator(decoded(bytes), secret)).toBe(false);
  });

  it('reports a missing Message-Authenticator as not verified', () => {
    const bytes = encodeRequest({ code: 1, identifier: 1, attributes: [], secret });
    expect(verifyMessageAuthenticator(decoded(bytes), secret)).toBe(false);
  });
});

describe('responses', () => {
  const request = decoded(
    encodeRequest({
      code: RadiusCode.DisconnectRequest,
      identifier: 9,
      attributes: sessionAttributes(),
      secret,
    }),
  );

  it.each([
    ['Access-Accept', RadiusCode.AccessAccept],
    ['Access-Reject', RadiusCode.AccessReject],
    ['Access-Challenge', RadiusCode.AccessChallenge],
    ['Accounting-Response', RadiusCode.AccountingResponse],
    ['Disconnect-ACK', RadiusCode.DisconnectAck],
    ['CoA-NAK', RadiusCode.CoaNak],
  ])('%s: Message-Authenticator first, over the request authenticator', (_n, code) => {
    const bytes = encodeResponse({
      code,
      identifier: 9,
      requestAuthenticator: request.authenticator,
      attributes: encodeAttributes([['Reply-Message', 'hi']]),
      secret,
      messageAuthenticator: true,
    });
    const packet = decoded(bytes);
    expect(packet.attributes.map((a) => a.type)).toEqual([80, 18]);
    const offset = packet.messageAuthenticatorOffset;
    expect(packet.raw.subarray(offset, offset + 16)).toEqual(
      oracleMessageAuthenticator(packet.raw, offset, request.authenticator),
    );
    expect(packet.authenticator).toEqual(oracleAuthenticator(packet.raw, request.authenticator));
    expect(verifyResponseAuthenticator(packet, request.authenticator, secret)).toBe(true);
    expect(verifyMessageAuthenticator(packet, secret, request.authenticator)).toBe(true);
    expect(verifyResponseAuthenticator(packet, zeros, secret)).toBe(false);
    expect(verifyMessageAuthenticator(packet, secret)).toBe(false);
  });

  // FreeRADIUS up to 3.2.8 signed ACK/NAK/Accounting-Response with a zero authenticator.
  function zeroVariant(code: number): Buffer {
    const bytes = encodeResponse({
      code,
      identifier: 9,
      requestAuthenticator: request.authenticator,
      attributes: [],
      secret,
      messageAuthenticator: true,
    });
    oracleMessageAuthenticator(bytes, 22, zeros).copy(bytes, 22);
    oracleAuthenticator(bytes, request.authenticator).copy(bytes, 4);
    return bytes;
  }

  it('accepts a Disconnect-ACK signed with either authenticator variant', () => {
    const packet = decoded(zeroVariant(RadiusCode.DisconnectAck));
    expect(verifyResponseAuthenticator(packet, request.authenticator, secret)).toBe(true);
    expect(verifyMessageAuthenticator(packet, secret, request.authenticator)).toBe(true);
  });

  it('refuses the zero variant on Access-Accept, which must bind to the request', () => {
    const packet = decoded(zeroVariant(RadiusCode.AccessAccept));
    expect(verifyMessageAuthenticator(packet, secret, request.authenticator)).toBe(false);
  });

  it('refuses a response for another request', () => {
    const bytes = encodeResponse({
      code: RadiusCode.DisconnectNak,
      identifier: 9,
      requestAuthenticator: Buffer.alloc(16, 1),
      attributes: [],
      secret,
      messageAuthenticator: true,
    });
    const packet = decoded(bytes);
    expect(verifyResponseAuthenticator(packet, request.authenticator, secret)).toBe(false);
    expect(verifyMessageAuthenticator(packet, secret, request.authenticator)).toBe(false);
  });
});
