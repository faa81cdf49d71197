import type { Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import {
  type AttributePair,
  encodeAttributes,
  getInteger,
  getString,
} from '../../src/radius/attributes.js';
import {
  verifyMessageAuthenticator,
  verifyRequestAuthenticator,
} from '../../src/radius/authenticator.js';
import { ErrorCause, RadiusCode } from '../../src/radius/codes.js';
import {
  createDynamicAuthorizationClient,
  type DasTarget,
  type DynamicAuthorizationClientOptions,
} from '../../src/radius/dynamic-authorization.js';
import { decodePacket, encodeResponse, type RadiusPacket } from '../../src/radius/packet.js';
import { openPeer, waitFor, useCleanup } from './udp.js';

const secret = Buffer.from('coa-secret');
const session: AttributePair[] = [
  ['User-Name', 'AB12CD34'],
  ['Acct-Session-Id', '80f00003'],
];

const cleanup = { push: useCleanup() };

interface Received {
  packet: RadiusPacket;
  bytes: Buffer;
  validAuthenticator: boolean;
  validMessageAuthenticator: boolean;
}

type Answer = (
  request: RadiusPacket,
  index: number,
) => { code: number; pairs?: AttributePair[]; secret?: Buffer } | null;

async function fakeDas(answer: Answer) {
  const received: Received[] = [];
  const reply = (socket: Socket, packet: RadiusPacket, port: number, index: number) => {
    const decision = answer(packet, index);
    if (!decision) return;
    const bytes = encodeResponse({
      code: decision.code,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      attributes: encodeAttributes(decision.pairs ?? []),
      secret: decision.secret ?? secret,
      messageAuthenticator: true,
    });
    socket.send(bytes, port, '127.0.0.1');
  };
  const das = await openPeer((bytes, remote, socket) => {
    const result = decodePacket(bytes);
    if (!result.ok) return;
    const packet = result.packet;
    received.push({
      packet,
      bytes,
      validAuthenticator: verifyRequestAuthenticator(packet, secret),
      validMessageAuthenticator: verifyMessageAuthenticator(packet, secret),
    });
    reply(socket, packet, remote.port, received.length - 1);
  });
  cleanup.push(() => das.close());
  const target = (overrides: Partial<DasTarget> = {}): DasTarget => ({
    address: '127.0.0.1',
    port: das.port,
    secret,
    addEventTimestamp: true,
    addMessageAuthenticator: true,
    ...overrides,
  });
  return { received, target };
}

function client(options: DynamicAuthorizationClientOptions = {}) {
  const dac = createDynamicAuthorizationClient({
    retry: { irtMs: 200, mrc: 3, mrtMs: 400, mrdMs: 5_000 },
    now: () => 1_700_000_000_000,
    ...options,
  });
  cleanup.push(() => dac.close());
  return dac;
}

describe('Disconnect/CoA client against a fake DAS', () => {
  it('gets a Disconnect-ACK for a signed request with Event-Timestamp and MA', async () => {
    const { received, target } = await fakeDas(() => ({ code: RadiusCode.DisconnectAck }));
    const result = await client().sendDisconnect(target(), session);
    expect(result).toMatchObject({ outcome: 'ack', attempts: 1 });
    expect(result.errorCause).toBeUndefined();
    expect(result.rttMs).toBeGreaterThanOrEqual(0);
    const [request] = received;
    expect(request?.packet.code).toBe(RadiusCode.DisconnectRequest);
    expect(request?.validAuthenticator).toBe(true);
    expect(request?.validMessageAuthenticator).toBe(true);
    expect(request?.packet.attributes[0]?.type).toBe(80);
    expect(getInteger(request!.packet, 'Event-Timestamp')).toBe(1_700_000_000);
    expect(getString(request!.packet, 'Acct-Session-Id')).toBe('80f00003');
  });

  it('leaves Event-Timestamp and MA out when the target says so', async () => {
    const { received, target } = await fakeDas(() => ({ code: RadiusCode.CoaAck }));
    const result = await client().sendCoa(
      target({ addEventTimestamp: false, addMessageAuthenticator: false }),
      [...session, ['Session-Timeout', 600]],
    );
    expect(result.outcome).toBe('ack');
    const request = received[0]!.packet;
    expect(request.code).toBe(RadiusCode.CoaRequest);
    expect(received[0]!.validAuthenticator).toBe(true);
    expect(request.messageAuthenticatorOffset).toBe(-1);
    expect(getInteger(request, 'Event-Timestamp')).toBeUndefined();
    expect(getInteger(request, 'Session-Timeout')).toBe(600);
  });

  it('reports a NAK with its Error-Cause', async () => {
    const { target } = await fakeDas(() => ({
      code: RadiusCode.DisconnectNak,
      pairs: [['Error-Cause', 'Session-Context-Not-Found']],
    }));
    const result = await client().sendDisconnect(target(), session);
    expect(result).toMatchObject({
      outcome: 'nak',
      errorCause: ErrorCause.SessionContextNotFound,
      attempts: 1,
    });
  });

  it('retransmits the same bytes and times out after MRC transmissions', async () => {
    const { received, target } = await fakeDas(() => null);
    const result = await client({
      retry: { irtMs: 20, mrc: 3, mrtMs: 40, mrdMs: 5_000 },
    }).sendDisconnect(target(), session);
    expect(result).toMatchObject({ outcome: 'timeout', attempts: 3 });
    expect(result.reply).toBeUndefined();
    await waitFor(() => received.length === 3);
    expect(received[1]!.bytes).toEqual(received[0]!.bytes);
    expect(received[2]!.bytes).toEqual(received[0]!.bytes);
  });

  it('gives up at MRD even when MRC would allow more', async () => {
    const { target } = await fakeDas(() => null);
    const dac = client({
      retry: { irtMs: 20, mrc: 50, mrtMs: 20, mrdMs: 100, jitter: 0.1 },
      random: () => 0.5,
    });
    const result = await dac.sendDisconnect(target(), session);
    expect(result).toMatchObject({ outcome: 'timeout', attempts: 5 });
  });

  it('succeeds when only a retransmission is answered', async () => {
    const { target } = await fakeDas((_request, index) =>
      index === 0 ? null : { code: RadiusCode.DisconnectAck },
    );
    const result = await client({
      retry: { irtMs: 50, mrc: 5, mrtMs: 200, mrdMs: 5_000 },
    }).sendDisconnect(target(), session);
    expect(result.outcome).toBe('ack');
    expect(result.attempts).toBeGreaterThanOrEqual(2);
  });

  it('ignores a reply signed with another secret', async () => {
    const { received, target } = await fakeDas(() => ({
      code: RadiusCode.DisconnectAck,
      secret: Buffer.from('not-the-secret'),
    }));
    const result = await client({
      retry: { irtMs: 20, mrc: 2, mrtMs: 40, mrdMs: 5_000 },
    }).sendDisconnect(target(), session);
    expect(result).toMatchObject({ outcome: 'timeout', attempts: 2 });
    expect(received.length).toBe(2);
  });

  it('ignores a reply with the wrong code', async () => {
    const { target } = await fakeDas(() => ({ code: RadiusCode.CoaAck }));
    const result = await client({
      retry: { irtMs: 20, mrc: 2, mrtMs: 40, mrdMs: 5_000 },
    }).sendDisconnect(target(), session);
    expect(result.outcome).toBe('timeout');
  });

  it('never has two requests in flight with the same Identifier', async () => {
    const held: RadiusPacket[] = [];
    let heldOnce = false;
    const { target } = await fakeDas((request) => {
      // Hold the first 256 requests unanswered, so the 257th must wait for a free id.
      if (!heldOnce) {
        held.push(request);
        return null;
      }
      return { code: RadiusCode.DisconnectAck };
    });
    const dac = client({ retry: { irtMs: 30_000, mrc: 1, mrtMs: 30_000, mrdMs: 30_000 } });
    const results = Array.from({ length: 300 }, (_, i) =>
      dac.sendDisconnect(target(), [['Acct-Session-Id', `s${i}`]]),
    );
    await waitFor(() => held.length === 256);
    expect(new Set(held.map((p) => p.identifier)).size).toBe(256);
    heldOnce = true;
    const socketClosed = dac.close();
    const outcomes = await Promise.all(results.map((r) => r.catch(() => 'closed')));
    await socketClosed;
    expect(outcomes.filter((o) => typeof o === 'object' && o.outcome === 'timeout')).toHaveLength(
      256,
    );
    expect(outcomes.filter((o) => o === 'closed')).toHaveLength(44);
  });

  it('lets requests that waited for an Identifier go once others finish', async () => {
    const { received, target } = await fakeDas((_request, index) =>
      index < 256 ? null : { code: RadiusCode.DisconnectAck },
    );
    const dac = client({ retry: { irtMs: 1000, mrc: 1, mrtMs: 1000, mrdMs: 1000 } });
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        dac.sendDisconnect(target(), [['Acct-Session-Id', `s${i}`]]),
      ),
    );
    expect(results.filter((r) => r.outcome === 'timeout')).toHaveLength(256);
    expect(results.filter((r) => r.outcome === 'ack')).toHaveLength(44);
    expect(received).toHaveLength(300);
  });

  it('rejects unknown attribute names without sending anything', async () => {
    const { received, target } = await fakeDas(() => ({ code: RadiusCode.DisconnectAck }));
    await expect(client().sendDisconnect(target(), [['No-Such-Thing', 1]])).rejects.toMatchObject({
      code: 'ERR_RADIUS_UNKNOWN_ATTRIBUTE',
    });
    expect(received).toHaveLength(0);
  });
});
