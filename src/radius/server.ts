import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type AttributePair, encodeAttributes } from './attributes.js';
import { verifyMessageAuthenticator, verifyRequestAuthenticator } from './authenticator.js';
import { AttributeType, codeName, isKnownCode, RadiusCode } from './codes.js';
import { defaultDictionary, type Dictionary } from './dictionary.js';
import { createDuplicateCache } from './duplicate-cache.js';
import { normalizeRemoteAddress } from './ip-address.js';
import { createThrottledLog, type RadiusLogger, silentLogger } from './logger.js';
import { decodePacket, encodeResponse, type RadiusAttribute, type RadiusPacket } from './packet.js';
import { createRadiusMetrics, type RadiusMetricsSnapshot } from './server-metrics.js';

/** RadiusClient is a NAS the server accepts packets from, known by its source address. */
export interface RadiusClient {
  readonly id: string | number;
  readonly name: string;
  readonly secret: Buffer;
  /** Drop Access-Requests without Message-Authenticator (BlastRADIUS, CVE-2024-3596). */
  readonly requireMessageAuthenticator: boolean;
  /**
   * Drop Access-Requests that carry Proxy-State but no Message-Authenticator; consulted
   * only when requireMessageAuthenticator is off, as FreeRADIUS 3.2.5 limit_proxy_state.
   */
  readonly limitProxyState: boolean;
}

/** RadiusSocketKind names the socket a request arrived on. */
export type RadiusSocketKind = 'auth' | 'acct';

/** RadiusRequest is what the handler gets: a verified, decoded request and its context. */
export interface RadiusRequest<C extends RadiusClient = RadiusClient> {
  readonly packet: RadiusPacket;
  readonly client: C;
  readonly remote: { readonly address: string; readonly port: number };
  readonly socket: RadiusSocketKind;
  /** When the datagram arrived, in ms from the injected clock. */
  readonly receivedAt: number;
  /** A correlation id for the log lines of this request (unique in this process). */
  readonly rid?: string;
}

/** RadiusReply is the handler's answer; the server adds MA, Proxy-State and authenticators. */
export interface RadiusReply {
  readonly code: RadiusCode;
  readonly attributes?: readonly AttributePair[];
}

/** RadiusHandler decides the answer to a request; null means drop it silently. */
export type RadiusHandler<C extends RadiusClient = RadiusClient> = (
  request: RadiusRequest<C>,
) => Promise<RadiusReply | null> | RadiusReply | null;

/** RadiusServerOptions configures createRadiusServer. */
export interface RadiusServerOptions<C extends RadiusClient = RadiusClient> {
  /** Address to bind both sockets to; default 0.0.0.0. */
  readonly host?: string;
  /** Default 1812; 0 picks a free port. */
  readonly authPort?: number;
  /** Default 1813; 0 picks a free port. */
  readonly acctPort?: number;
  /** Returns the client at a source address, synchronously when it can (a cache hit). */
  readonly lookupClient: (address: string) => C | undefined | Promise<C | undefined>;
  readonly handler: RadiusHandler<C>;
  readonly logger?: RadiusLogger;
  /** Clock in ms for receivedAt and the duplicate cache; default Date.now. */
  readonly now?: () => number;
  readonly dictionary?: Dictionary;
  /** How long answered requests stay in the duplicate cache; default 30 s (RFC 5080 §2.2.2). */
  readonly duplicateTtlMs?: number;
  readonly maxDuplicateEntries?: number;
  /** Each kind of drop is logged at most once per source and interval; default 60 s. */
  readonly dropLogIntervalMs?: number;
  /** SO_RCVBUF for both sockets, to ride out bursts; the kernel may cap it. */
  readonly receiveBufferSize?: number;
}

/** RadiusServer is a running pair of RADIUS sockets. */
export interface RadiusServer {
  /** Binds both sockets and resolves with the ports they got; rejects if either fails. */
  listen(): Promise<{ readonly auth: number; readonly acct: number }>;
  /** The bound ports, 0 before listen() has resolved. */
  readonly ports: { readonly auth: number; readonly acct: number };
  metrics(): RadiusMetricsSnapshot;
  /** Closes both sockets; replies that finish afterwards are discarded. */
  close(): Promise<void>;
}

/** DropReason lists why the server discards a packet, beyond the codec's DecodeFailure. */
export const DropReason = {
  UnknownClient: 'unknown-client',
  ClientLookupFailed: 'client-lookup-failed',
  UnexpectedCode: 'unexpected-code',
  BadRequestAuthenticator: 'bad-request-authenticator',
  BadMessageAuthenticator: 'bad-message-authenticator',
  MissingMessageAuthenticator: 'missing-message-authenticator',
  ProxyStateWithoutMessageAuthenticator: 'proxy-state-without-message-authenticator',
  EapWithoutMessageAuthenticator: 'eap-without-message-authenticator',
  DuplicateInProgress: 'duplicate-in-progress',
  HandlerDropped: 'handler-dropped',
  HandlerError: 'handler-error',
  InvalidReply: 'invalid-reply',
} as const;

/** DropReason is the union of the reasons in the DropReason object. */
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

const allowedReplies: ReadonlyMap<number, readonly number[]> = new Map([
  [
    RadiusCode.AccessRequest,
    [RadiusCode.AccessAccept, RadiusCode.AccessReject, RadiusCode.AccessChallenge],
  ],
  [RadiusCode.AccountingRequest, [RadiusCode.AccountingResponse]],
]);

function acceptsCode(socket: RadiusSocketKind, code: number): boolean {
  if (code === RadiusCode.StatusServer) return true;
  return socket === 'auth'
    ? code === RadiusCode.AccessRequest
    : code === RadiusCode.AccountingRequest;
}

function carries(packet: RadiusPacket, type: number): boolean {
  return packet.attributes.some((a) => a.type === type);
}

function proxyStates(packet: RadiusPacket): RadiusAttribute[] {
  return packet.attributes.filter((a) => a.type === AttributeType.ProxyState);
}

/**
 * createRadiusServer returns a server that, once listening, verifies every datagram on the
 * auth and accounting sockets, answers Status-Server itself, resends cached answers to
 * duplicates, hands everything else to the handler concurrently and signs its replies;
 * nothing a peer sends, and nothing the handler throws, stops the sockets.
 */
export function createRadiusServer<C extends RadiusClient>(
  options: RadiusServerOptions<C>,
): RadiusServer {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const dictionary = options.dictionary ?? defaultDictionary();
  const host = options.host ?? '0.0.0.0';
  const metrics = createRadiusMetrics();
  const cache = createDuplicateCache({
    ttlMs: options.duplicateTtlMs ?? 30_000,
    maxEntries: options.maxDuplicateEntries ?? 200_000,
  });
  const throttled = createThrottledLog(logger, options.dropLogIntervalMs ?? 60_000, now);
  const sockets: { auth?: Socket; acct?: Socket } = {};
  const ports = { auth: 0, acct: 0 };
  let closed = false;

  const drop = (reason: string, remote: RemoteInfo, details: object, msg?: string): void => {
    metrics.dropped(reason);
    throttled.log(
      'warn',
      `${reason}|${remote.address}`,
      { reason, remote: `${remote.address}:${remote.port}`, ...details },
      msg ?? `RADIUS packet dropped: ${reason}`,
    );
  };

  const send = (socket: Socket, bytes: Buffer, remote: RemoteInfo, code: number): void => {
    if (closed) return;
    metrics.replied(codeName(code));
    socket.send(bytes, remote.port, remote.address, (error) => {
      if (error)
        logger.error(
          { err: error, remote: `${remote.address}:${remote.port}` },
          'RADIUS send failed',
        );
    });
  };

  const answerStatusServer = (
    socket: Socket,
    kind: RadiusSocketKind,
    packet: RadiusPacket,
    client: C,
    remote: RemoteInfo,
  ): void => {
    // RFC 5997 §3: Access-Accept on the auth port, Accounting-Response on the accounting
    // port, with Message-Authenticator, and without involving the handler.
    const code = kind === 'auth' ? RadiusCode.AccessAccept : RadiusCode.AccountingResponse;
    const bytes = encodeResponse({
      code,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      attributes: proxyStates(packet),
      secret: client.secret,
      messageAuthenticator: true,
    });
    send(socket, bytes, remote, code);
  };

  const buildReply = (packet: RadiusPacket, client: C, reply: RadiusReply): Buffer | string => {
    if (!allowedReplies.get(packet.code)?.includes(reply.code)) {
      return `${codeName(reply.code)} cannot answer ${codeName(packet.code)}`;
    }
    try {
      const attributes = encodeAttributes(reply.attributes ?? [], dictionary).filter(
        (a) => a.type !== AttributeType.ProxyState && a.type !== AttributeType.MessageAuthenticator,
      );
      // RFC 2865 §5.33: Proxy-State is copied back unmodified and in order. BlastRADIUS:
      // every Access-* reply carries Message-Authenticator, first.
      return encodeResponse({
        code: reply.code,
        identifier: packet.identifier,
        requestAuthenticator: packet.authenticator,
        attributes: [...attributes, ...proxyStates(packet)],
        secret: client.secret,
        // Accounting-Response carries none: radclient 3.2.1 checks one there against a zero
        // authenticator, later FreeRADIUS against the request's, and RFC 2866 needs none.
        messageAuthenticator: packet.code === RadiusCode.AccessRequest,
      });
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };

  const runHandler = (
    socket: Socket,
    request: RadiusRequest<C>,
    key: string,
    remote: RemoteInfo,
  ): void => {
    const { packet, client } = request;
    const authenticator = packet.authenticator;
    const started = performance.now();
    metrics.handlerStarted();
    const settle = (reply: RadiusReply | null, error?: unknown): void => {
      metrics.handlerFinished(performance.now() - started, error !== undefined);
      if (error !== undefined) {
        cache.forget(key, authenticator);
        metrics.dropped(DropReason.HandlerError);
        throttled.log(
          'error',
          `${DropReason.HandlerError}|${client.id}`,
          { err: error, client: client.name, code: codeName(packet.code), id: packet.identifier },
          'RADIUS handler failed; request dropped',
        );
        return;
      }
      if (reply === null) {
        cache.forget(key, authenticator);
        metrics.dropped(DropReason.HandlerDropped);
        logger.debug(
          { client: client.name, id: packet.identifier },
          'RADIUS handler dropped the request',
        );
        return;
      }
      const bytes = buildReply(packet, client, reply);
      if (typeof bytes === 'string') {
        cache.forget(key, authenticator);
        metrics.dropped(DropReason.InvalidReply);
        throttled.log(
          'error',
          `${DropReason.InvalidReply}|${client.id}`,
          { client: client.name, code: codeName(packet.code), detail: bytes },
          'RADIUS handler returned a reply that cannot be sent',
        );
        return;
      }
      cache.complete(key, authenticator, bytes);
      send(socket, bytes, remote, reply.code);
    };
    let result: ReturnType<RadiusHandler<C>>;
    try {
      result = options.handler(request);
    } catch (error) {
      settle(null, error ?? new Error('handler threw a nullish value'));
      return;
    }
    if (result === null || !('then' in result)) {
      settle(result);
      return;
    }
    result.then(
      (reply) => settle(reply),
      (error: unknown) => settle(null, error ?? new Error('handler rejected with a nullish value')),
    );
  };

  // Correlation ids: this server's start time and a counter, so every log line about one
  // request (here and in the handler) carries the same short id.
  const ridPrefix = Date.now().toString(36);
  let ridSeq = 0;

  const onMessage = (
    kind: RadiusSocketKind,
    socket: Socket,
    datagram: Buffer,
    remote: RemoteInfo,
  ): void => {
    const receivedAt = now();
    const address = normalizeRemoteAddress(remote.address);
    const lookupFailed = (error: unknown) => {
      metrics.dropped(DropReason.ClientLookupFailed);
      throttled.log(
        'error',
        DropReason.ClientLookupFailed,
        { err: error, address },
        'RADIUS client lookup failed',
      );
    };
    let found: C | undefined | Promise<C | undefined>;
    try {
      found = options.lookupClient(address);
    } catch (error) {
      lookupFailed(error);
      return;
    }
    // A cached client answers at once; one read from storage continues when it arrives.
    if (found instanceof Promise) {
      found.then(
        (client) => onClient(kind, socket, datagram, remote, receivedAt, address, client),
        lookupFailed,
      );
    } else {
      onClient(kind, socket, datagram, remote, receivedAt, address, found);
    }
  };

  const onClient = (
    kind: RadiusSocketKind,
    socket: Socket,
    datagram: Buffer,
    remote: RemoteInfo,
    receivedAt: number,
    address: string,
    client: C | undefined,
  ): void => {
    if (!client) {
      drop(
        DropReason.UnknownClient,
        remote,
        { socket: kind },
        `RADIUS packet from unknown client ${address} dropped`,
      );
      return;
    }
    const decoded = decodePacket(datagram);
    if (!decoded.ok) {
      drop(decoded.reason, remote, { client: client.name, detail: decoded.detail });
      return;
    }
    const packet = decoded.packet;
    const name = codeName(packet.code);
    const rid = `${ridPrefix}.${(++ridSeq).toString(36)}`;
    // Counter names come from a closed set: a code outside the dictionary counts as "other".
    metrics.received(isKnownCode(packet.code) ? name : 'other');
    logger.debug(
      {
        rid,
        socket: kind,
        code: name,
        id: packet.identifier,
        length: packet.raw.length,
        client: client.name,
        remote: `${address}:${remote.port}`,
      },
      'RADIUS request',
    );
    const context = { rid, client: client.name, code: name, id: packet.identifier };
    if (!acceptsCode(kind, packet.code)) {
      drop(DropReason.UnexpectedCode, remote, { ...context, socket: kind });
      return;
    }
    if (!verifyRequestAuthenticator(packet, client.secret)) {
      drop(
        DropReason.BadRequestAuthenticator,
        remote,
        context,
        `RADIUS ${name} from ${client.name} has a bad authenticator (wrong shared secret?); dropped`,
      );
      return;
    }
    const hasMessageAuthenticator = packet.messageAuthenticatorOffset >= 0;
    if (hasMessageAuthenticator && !verifyMessageAuthenticator(packet, client.secret)) {
      drop(
        DropReason.BadMessageAuthenticator,
        remote,
        context,
        `RADIUS ${name} from ${client.name} has a bad Message-Authenticator (wrong shared secret?); dropped`,
      );
      return;
    }
    if (!hasMessageAuthenticator) {
      if (packet.code === RadiusCode.StatusServer) {
        drop(
          DropReason.MissingMessageAuthenticator,
          remote,
          context,
          'Status-Server without Message-Authenticator dropped (RFC 5997 §3)',
        );
        return;
      }
      if (packet.code === RadiusCode.AccessRequest) {
        if (carries(packet, AttributeType.EapMessage)) {
          drop(
            DropReason.EapWithoutMessageAuthenticator,
            remote,
            context,
            'EAP Access-Request without Message-Authenticator dropped (RFC 3579 §3.3)',
          );
          return;
        }
        if (client.requireMessageAuthenticator) {
          drop(
            DropReason.MissingMessageAuthenticator,
            remote,
            { ...context, nas: client.name, nasId: client.id },
            `Access-Request from NAS "${client.name}" (${address}) has no Message-Authenticator and this NAS requires one (BlastRADIUS, CVE-2024-3596): dropped. Make the NAS send Message-Authenticator, or turn requireMessageAuthenticator off for it.`,
          );
          return;
        }
        if (client.limitProxyState && carries(packet, AttributeType.ProxyState)) {
          drop(
            DropReason.ProxyStateWithoutMessageAuthenticator,
            remote,
            { ...context, nas: client.name, nasId: client.id },
            `Access-Request from NAS "${client.name}" (${address}) has Proxy-State but no Message-Authenticator (BlastRADIUS, CVE-2024-3596): dropped.`,
          );
          return;
        }
      }
    }
    if (packet.code === RadiusCode.StatusServer) {
      answerStatusServer(socket, kind, packet, client, remote);
      return;
    }
    const key = `${kind}|${address}|${remote.port}|${packet.identifier}`;
    const duplicate = cache.check(key, packet.authenticator, receivedAt);
    if (duplicate.kind === 'in-progress') {
      metrics.duplicate('inProgress');
      metrics.dropped(DropReason.DuplicateInProgress);
      logger.debug(context, 'RADIUS duplicate of a request in progress dropped');
      return;
    }
    if (duplicate.kind === 'answered') {
      metrics.duplicate('resent');
      logger.debug(context, 'RADIUS duplicate answered from the cache');
      send(socket, duplicate.response, remote, duplicate.response[0]!);
      return;
    }
    runHandler(
      socket,
      { packet, client, remote: { address, port: remote.port }, socket: kind, receivedAt, rid },
      key,
      remote,
    );
  };

  const open = (kind: RadiusSocketKind, port: number): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = createSocket({
        type: isIPv6(host) ? 'udp6' : 'udp4',
        ...(options.receiveBufferSize ? { recvBufferSize: options.receiveBufferSize } : {}),
      });
      const onBindError = (error: Error): void => {
        socket.close();
        reject(error);
      };
      socket.once('error', onBindError);
      socket.bind({ address: host, port }, () => {
        socket.off('error', onBindError);
        socket.on('error', (error) =>
          logger.error({ err: error, socket: kind }, 'RADIUS socket error'),
        );
        socket.on('message', (datagram, remote) => {
          try {
            onMessage(kind, socket, datagram, remote);
          } catch (error) {
            // A bug in the checks must cost one packet, not the socket.
            metrics.dropped('internal-error');
            throttled.log(
              'error',
              'internal-error',
              { err: error },
              'RADIUS packet processing failed',
            );
          }
        });
        resolve(socket);
      });
    });

  const closeSocket = (socket: Socket | undefined): Promise<void> =>
    new Promise((resolve) => {
      if (!socket) return resolve();
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });

  return {
    async listen() {
      const auth = await open('auth', options.authPort ?? 1812);
      sockets.auth = auth;
      try {
        sockets.acct = await open('acct', options.acctPort ?? 1813);
      } catch (error) {
        await closeSocket(auth);
        sockets.auth = undefined;
        throw error;
      }
      ports.auth = sockets.auth.address().port;
      ports.acct = sockets.acct.address().port;
      logger.info({ host, ...ports }, 'RADIUS server listening');
      return { ...ports };
    },
    get ports() {
      return { ...ports };
    },
    metrics: () => metrics.snapshot(),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([closeSocket(sockets.auth), closeSocket(sockets.acct)]);
    },
  };
}
