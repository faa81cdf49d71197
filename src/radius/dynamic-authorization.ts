import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type AttributePair, encodeAttributes, getInteger } from './attributes.js';
import { verifyMessageAuthenticator, verifyResponseAuthenticator } from './authenticator.js';
import { AttributeType, codeName, RadiusCode } from './codes.js';
import { defaultDictionary, type Dictionary } from './dictionary.js';
import { RadiusError, RadiusErrorCode } from './errors.js';
import { formatIpv6, normalizeRemoteAddress, parseIpv6 } from './ip-address.js';
import { type RadiusLogger, silentLogger } from './logger.js';
import { decodePacket, encodeRequest, type RadiusPacket } from './packet.js';

/** DasTarget is a NAS acting as Dynamic Authorization Server (RFC 5176), usually on port 3799. */
export interface DasTarget {
  readonly address: string;
  readonly port: number;
  readonly secret: Buffer;
  /** Add Event-Timestamp for replay protection (RFC 5176 §6.3); some DASes NAK it. */
  readonly addEventTimestamp: boolean;
  /** Add Message-Authenticator (RFC 5176 §3.4); some DASes NAK it. */
  readonly addMessageAuthenticator: boolean;
}

/** RetryPolicy holds the retransmission parameters of RFC 5080 §2.2.1, in milliseconds. */
export interface RetryPolicy {
  /** Initial retransmission time. */
  readonly irtMs: number;
  /** Maximum number of transmissions. */
  readonly mrc: number;
  /** Maximum retransmission time. */
  readonly mrtMs: number;
  /** Maximum total duration. */
  readonly mrdMs: number;
  /** Each timeout varies by up to ± this fraction. */
  readonly jitter: number;
}

/** DEFAULT_RETRY_POLICY is RFC 5080 §2.2.1's IRT 2 s, MRC 5, MRT 16 s, MRD 30 s, ±10 %. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  irtMs: 2_000,
  mrc: 5,
  mrtMs: 16_000,
  mrdMs: 30_000,
  jitter: 0.1,
};

/** DynamicAuthorizationResult is how a Disconnect or CoA attempt ended. */
export interface DynamicAuthorizationResult {
  readonly outcome: 'ack' | 'nak' | 'timeout';
  /** Error-Cause of the reply (RFC 5176 §3.5), when it had one. */
  readonly errorCause?: number;
  /** Transmissions made, the first included. */
  readonly attempts: number;
  /** Milliseconds from the first transmission to the reply, or to giving up. */
  readonly rttMs: number;
  /** The verified reply, absent on timeout. */
  readonly reply?: RadiusPacket;
}

/** DynamicAuthorizationClient sends Disconnect- and CoA-Requests from one shared socket. */
export interface DynamicAuthorizationClient {
  /** Sends a Disconnect-Request and resolves with its outcome; rejects only on bad attributes or after close. */
  sendDisconnect(
    target: DasTarget,
    attributes: readonly AttributePair[],
  ): Promise<DynamicAuthorizationResult>;
  /** Sends a CoA-Request and resolves with its outcome; rejects only on bad attributes or after close. */
  sendCoa(
    target: DasTarget,
    attributes: readonly AttributePair[],
  ): Promise<DynamicAuthorizationResult>;
  /** Closes the socket; requests still waiting resolve as timeouts. */
  close(): Promise<void>;
}

/** DynamicAuthorizationClientOptions configures createDynamicAuthorizationClient. */
export interface DynamicAuthorizationClientOptions {
  readonly retry?: Partial<RetryPolicy>;
  readonly logger?: RadiusLogger;
  /** Clock in ms for Event-Timestamp; default Date.now. */
  readonly now?: () => number;
  /** Source of randomness in [0, 1) for the jitter; default Math.random. */
  readonly random?: () => number;
  readonly dictionary?: Dictionary;
  /** Local address to send from; default any. */
  readonly bindAddress?: string;
}

interface Pending {
  readonly target: DasTarget;
  readonly expectedCodes: readonly [ack: number, nak: number];
  readonly requestAuthenticator: Buffer;
  readonly startedAt: number;
  attempts: number;
  timer?: NodeJS.Timeout;
  finish(result: DynamicAuthorizationResult): void;
}

interface Channel {
  readonly socket: Promise<Socket>;
  /**
   * Identifiers in flight on this socket, never reused until answered or abandoned;
   * undefined marks one reserved for a request that is still being encoded.
   */
  readonly inFlight: Map<number, Pending | undefined>;
  readonly waiting: (() => void)[];
  nextId: number;
}

function canonicalAddress(address: string): string {
  const plain = normalizeRemoteAddress(address);
  const v6 = isIPv6(plain) ? parseIpv6(plain) : undefined;
  return v6 ? formatIpv6(v6) : plain;
}

/**
 * createDynamicAuthorizationClient returns a Dynamic Authorization Client (RFC 5176) that
 * signs each request, retransmits it with RFC 5080 back-off until a verified ACK or NAK
 * arrives, and never reuses an Identifier that is still in flight on its socket.
 */
export function createDynamicAuthorizationClient(
  options: DynamicAuthorizationClientOptions = {},
): DynamicAuthorizationClient {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const dictionary = options.dictionary ?? defaultDictionary();
  const channels = new Map<'udp4' | 'udp6', Channel>();
  let closed = false;

  const jittered = (ms: number): number => ms + (random() * 2 - 1) * policy.jitter * ms;

  const onMessage = (channel: Channel, bytes: Buffer, remote: RemoteInfo): void => {
    const decoded = decodePacket(bytes);
    const from = `${remote.address}:${remote.port}`;
    if (!decoded.ok) {
      logger.warn(
        { from, reason: decoded.reason },
        'malformed reply to a Disconnect/CoA request ignored',
      );
      return;
    }
    const packet = decoded.packet;
    const pending = channel.inFlight.get(packet.identifier);
    if (
      !pending ||
      remote.port !== pending.target.port ||
      canonicalAddress(remote.address) !== canonicalAddress(pending.target.address)
    ) {
      logger.debug({ from, id: packet.identifier }, 'unexpected Disconnect/CoA reply ignored');
      return;
    }
    const secret = pending.target.secret;
    const valid =
      pending.expectedCodes.includes(packet.code) &&
      verifyResponseAuthenticator(packet, pending.requestAuthenticator, secret) &&
      (packet.messageAuthenticatorOffset < 0 ||
        verifyMessageAuthenticator(packet, secret, pending.requestAuthenticator));
    if (!valid) {
      // A forged or mis-signed reply must not end the exchange; the real one may follow.
      logger.warn(
        { from, code: codeName(packet.code), id: packet.identifier },
        'Disconnect/CoA reply with a wrong code or authenticator ignored (wrong shared secret?)',
      );
      return;
    }
    const errorCause = getInteger(packet, 'Error-Cause', dictionary);
    pending.finish({
      outcome: packet.code === pending.expectedCodes[0] ? 'ack' : 'nak',
      ...(errorCause === undefined ? {} : { errorCause }),
      attempts: pending.attempts,
      rttMs: performance.now() - pending.startedAt,
      reply: packet,
    });
  };

  const channelFor = (address: string): Channel => {
    const type = isIPv6(address) ? 'udp6' : 'udp4';
    const existing = channels.get(type);
    if (existing) return existing;
    const socket = createSocket(type);
    const channel: Channel = {
      inFlight: new Map(),
      waiting: [],
      nextId: Math.floor(random() * 256),
      socket: new Promise((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(
          { port: 0, ...(options.bindAddress ? { address: options.bindAddress } : {}) },
          () => {
            socket.off('error', reject);
            socket.on('error', (error) =>
              logger.error({ err: error }, 'Disconnect/CoA socket error'),
            );
            resolve(socket);
          },
        );
      }),
    };
    socket.on('message', (bytes, remote) => onMessage(channel, bytes, remote));
    channels.set(type, channel);
    return channel;
  };

  const release = (channel: Channel, identifier: number): void => {
    channel.inFlight.delete(identifier);
    channel.waiting.shift()?.();
  };

  const acquireId = async (channel: Channel): Promise<number> => {
    for (;;) {
      if (closed) throw new RadiusError(RadiusErrorCode.Closed, 'Disconnect/CoA client is closed');
      for (let i = 0; i < 256; i++) {
        const id = (channel.nextId + i) % 256;
        if (!channel.inFlight.has(id)) {
          // Reserved at once: concurrent callers resume later and must not see it as free.
          channel.inFlight.set(id, undefined);
          channel.nextId = (id + 1) % 256;
          return id;
        }
      }
      await new Promise<void>((resolve) => channel.waiting.push(resolve));
    }
  };

  const send = async (
    code: typeof RadiusCode.DisconnectRequest | typeof RadiusCode.CoaRequest,
    target: DasTarget,
    pairs: readonly AttributePair[],
  ): Promise<DynamicAuthorizationResult> => {
    const attributes = encodeAttributes(pairs, dictionary);
    if (
      target.addEventTimestamp &&
      !attributes.some((a) => a.type === AttributeType.EventTimestamp)
    ) {
      attributes.push(
        ...encodeAttributes([['Event-Timestamp', Math.floor(now() / 1000)]], dictionary),
      );
    }
    const channel = channelFor(target.address);
    const socket = await channel.socket;
    const identifier = await acquireId(channel);
    let bytes: Buffer;
    try {
      if (closed) throw new RadiusError(RadiusErrorCode.Closed, 'Disconnect/CoA client is closed');
      bytes = encodeRequest({
        code,
        identifier,
        attributes,
        secret: target.secret,
        messageAuthenticator: target.addMessageAuthenticator,
      });
    } catch (error) {
      release(channel, identifier);
      throw error;
    }
    const expectedCodes: Pending['expectedCodes'] =
      code === RadiusCode.DisconnectRequest
        ? [RadiusCode.DisconnectAck, RadiusCode.DisconnectNak]
        : [RadiusCode.CoaAck, RadiusCode.CoaNak];
    const name = codeName(code);
    return new Promise((resolve) => {
      let spentMs = 0;
      let timeoutMs = jittered(policy.irtMs);
      const pending: Pending = {
        target,
        expectedCodes,
        requestAuthenticator: bytes.subarray(4, 20),
        startedAt: performance.now(),
        attempts: 0,
        finish(result) {
          clearTimeout(pending.timer);
          release(channel, identifier);
          logger.info(
            {
              to: `${target.address}:${target.port}`,
              code: name,
              id: identifier,
              outcome: result.outcome,
              errorCause: result.errorCause,
              attempts: result.attempts,
            },
            `${name} ${result.outcome}`,
          );
          resolve(result);
        },
      };
      const transmit = (): void => {
        if (closed) return;
        pending.attempts++;
        socket.send(bytes, target.port, target.address, (error) => {
          if (error)
            logger.warn(
              { err: error, to: `${target.address}:${target.port}` },
              `${name} send failed`,
            );
        });
        // RFC 5080 §2.2.1: stop after MRC transmissions or MRD in total; otherwise double
        // the timeout with jitter, capping it near MRT.
        const waitMs = Math.max(0, Math.min(timeoutMs, policy.mrdMs - spentMs));
        pending.timer = setTimeout(() => {
          spentMs += waitMs;
          if (pending.attempts >= policy.mrc || spentMs >= policy.mrdMs) {
            pending.finish({
              outcome: 'timeout',
              attempts: pending.attempts,
              rttMs: performance.now() - pending.startedAt,
            });
            return;
          }
          timeoutMs = 2 * timeoutMs + (random() * 2 - 1) * policy.jitter * timeoutMs;
          if (timeoutMs > policy.mrtMs) timeoutMs = jittered(policy.mrtMs);
          transmit();
        }, waitMs);
      };
      channel.inFlight.set(identifier, pending);
      transmit();
    });
  };

  return {
    sendDisconnect: (target, attributes) => send(RadiusCode.DisconnectRequest, target, attributes),
    sendCoa: (target, attributes) => send(RadiusCode.CoaRequest, target, attributes),
    async close() {
      if (closed) return;
      closed = true;
      const sockets: Promise<void>[] = [];
      for (const channel of channels.values()) {
        for (const pending of [...channel.inFlight.values()]) {
          pending?.finish({
            outcome: 'timeout',
            attempts: pending.attempts,
            rttMs: performance.now() - pending.startedAt,
          });
        }
        for (const wake of channel.waiting.splice(0)) wake();
        sockets.push(
          channel.socket.then(
            (socket) => new Promise<void>((resolve) => socket.close(() => resolve())),
            () => undefined,
          ),
        );
      }
      await Promise.all(sockets);
    },
  };
}
