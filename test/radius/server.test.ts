import { describe, expect, it } from 'vitest';
import {
  type AttributePair,
  encodeAttributes,
  getAllOctets,
  getInteger,
  getString,
} from '../../src/radius/attributes.js';
import {
  verifyMessageAuthenticator,
  verifyResponseAuthenticator,
} from '../../src/radius/authenticator.js';
import { RadiusCode } from '../../src/radius/codes.js';
import { decodePacket, encodeRequest, type RadiusPacket } from '../../src/radius/packet.js';
import { getUserPassword } from '../../src/radius/password.js';
import {
  createRadiusServer,
  type RadiusClient,
  type RadiusHandler,
  type RadiusServer,
  type RadiusServerOptions,
} from '../../src/radius/server.js';
import { captureLogger, openPeer, type TestPeer, waitFor, useCleanup } from './udp.js';

const secret = Buffer.from('s3cret');
const baseClient: RadiusClient = {
  id: 7,
  name: 'hs1',
  secret,
  requireMessageAuthenticator: true,
  limitProxyState: true,
};

const cleanup = { push: useCleanup() };

interface Setup {
  server: RadiusServer;
  nas: TestPeer;
  calls: RadiusPacket[];
  logger: ReturnType<typeof captureLogger>;
}

async function start(
  handler: RadiusHandler,
  overrides: Partial<RadiusServerOptions> & { client?: Partial<RadiusClient> } = {},
): Promise<Setup> {
  const calls: RadiusPacket[] = [];
  const logger = captureLogger();
  const client = { ...baseClient, ...overrides.client };
  const server = createRadiusServer({
    host: '127.0.0.1',
    authPort: 0,
    acctPort: 0,
    logger,
    now: () => 1_700_000_000_000,
    lookupClient: (address) => (address === '127.0.0.1' ? client : undefined),
    ...overrides,
    handler: (request) => {
      calls.push(request.packet);
      return handler(request);
    },
  });
  await server.listen();
  cleanup.push(() => server.close());
  const nas = await openPeer();
  cleanup.push(() => nas.close());
  return { server, nas, calls, logger };
}

function decoded(bytes: Buffer | undefined): RadiusPacket {
  if (!bytes) throw new Error('no reply');
  const result = decodePacket(bytes);
  if (!result.ok) throw new Error(result.reason);
  return result.packet;
}

function accessRequest(
  pairs: AttributePair[],
  options: { identifier?: number; messageAuthenticator?: boolean; secret?: Buffer } = {},
): Buffer {
  return encodeRequest({
    code: RadiusCode.AccessRequest,
    identifier: options.identifier ?? 1,
    attributes: encodeAttributes(pairs),
    secret: options.secret ?? secret,
    messageAuthenticator: options.messageAuthenticator ?? true,
  });
}

function accountingRequest(
  pairs: AttributePair[],
  identifier = 1,
  key = secret,
  messageAuthenticator = false,
): Buffer {
  return encodeRequest({
    code: RadiusCode.AccountingRequest,
    identifier,
    attributes: encodeAttributes(pairs),
    secret: key,
    messageAuthenticator,
  });
}

const acceptAll: RadiusHandler = (request) =>
  request.socket === 'auth'
    ? { code: RadiusCode.AccessAccept, attributes: [['Session-Timeout', 3600]] }
    : { code: RadiusCode.AccountingResponse };

describe('RADIUS server on 127.0.0.1', () => {
  it('answers an Access-Request with MA first, Proxy-State in order and valid authenticators', async () => {
    let seen: { password?: string; receivedAt?: number; socket?: string } = {};
    const { server, nas } = await start((request) => {
      seen = {
        password: getUserPassword(request.packet, request.client.secret),
        receivedAt: request.receivedAt,
        socket: request.socket,
      };
      return {
        code: RadiusCode.AccessAccept,
        attributes: [
          ['Session-Timeout', 3600],
          ['Acct-Interim-Interval', 60],
          ['Mikrotik-Rate-Limit', '2M/4M'],
          ['WISPr-Bandwidth-Max-Down', 4000000],
        ],
      };
    });
    expect(server.ports.auth).toBeGreaterThan(0);
    expect(server.ports.acct).toBeGreaterThan(0);
    const bytes = accessRequest([
      ['User-Name', 'AB12CD34'],
      ['User-Password', 'a password longer than sixteen'],
      ['NAS-Identifier', 'hs1'],
      ['Proxy-State', Buffer.from('first')],
      ['Proxy-State', Buffer.from('second')],
    ]);
    const request = decoded(bytes);
    nas.send(bytes, server.ports.auth);
    const reply = decoded(await nas.next());
    expect(seen).toEqual({
      password: 'a password longer than sixteen',
      receivedAt: 1_700_000_000_000,
      socket: 'auth',
    });
    expect(reply.code).toBe(RadiusCode.AccessAccept);
    expect(reply.identifier).toBe(1);
    expect(reply.attributes[0]?.type).toBe(80);
    expect(verifyResponseAuthenticator(reply, request.authenticator, secret)).toBe(true);
    expect(verifyMessageAuthenticator(reply, secret, request.authenticator)).toBe(true);
    expect(getInteger(reply, 'Session-Timeout')).toBe(3600);
    expect(getString(reply, 'Mikrotik-Rate-Limit')).toBe('2M/4M');
    expect(getInteger(reply, 'WISPr-Bandwidth-Max-Down')).toBe(4000000);
    expect(getAllOctets(reply, 'Proxy-State').map(String)).toEqual(['first', 'second']);
    expect(server.metrics()).toMatchObject({
      received: { 'Access-Request': 1 },
      replies: { 'Access-Accept': 1 },
      handler: { count: 1, errors: 0, inFlight: 0 },
    });
  });

  it('answers an Accounting-Request carrying MA with a signed Accounting-Response without MA', async () => {
    const { server, nas, calls } = await start(acceptAll);
    const bytes = accountingRequest(
      [
        ['Acct-Status-Type', 'Interim-Update'],
        ['Acct-Session-Id', '5f1a'],
        ['Acct-Output-Octets', 4294967295],
        ['Acct-Output-Gigawords', 1],
      ],
      1,
      secret,
      true,
    );
    nas.send(bytes, server.ports.acct);
    const reply = decoded(await nas.next());
    expect(reply.code).toBe(RadiusCode.AccountingResponse);
    expect(reply.messageAuthenticatorOffset).toBe(-1);
    expect(verifyResponseAuthenticator(reply, decoded(bytes).authenticator, secret)).toBe(true);
    expect(getInteger(calls[0]!, 'Acct-Status-Type')).toBe(3);
  });

  it('answers Status-Server on both sockets without calling the handler', async () => {
    const { server, nas, calls } = await start(acceptAll);
    for (const [port, code] of [
      [server.ports.auth, RadiusCode.AccessAccept],
      [server.ports.acct, RadiusCode.AccountingResponse],
    ] as const) {
      const bytes = encodeRequest({
        code: RadiusCode.StatusServer,
        identifier: 9,
        attributes: [],
        secret,
        messageAuthenticator: true,
      });
      nas.send(bytes, port);
      const reply = decoded(await nas.next());
      expect(reply.code).toBe(code);
      expect(reply.attributes[0]?.type).toBe(80);
      expect(verifyMessageAuthenticator(reply, secret, decoded(bytes).authenticator)).toBe(true);
    }
    expect(calls).toHaveLength(0);
  });

  describe('drops', () => {
    it.each([
      {
        label: 'a packet from an unknown address',
        reason: 'unknown-client',
        overrides: { lookupClient: () => undefined },
        bytes: () => accessRequest([['User-Name', 'x']]),
      },
      {
        label: 'an Accounting-Request signed with another secret',
        reason: 'bad-request-authenticator',
        bytes: () => accountingRequest([['Acct-Session-Id', 'x']], 1, Buffer.from('wrong')),
        acct: true,
      },
      {
        label: 'an Access-Request whose MA uses another secret',
        reason: 'bad-message-authenticator',
        bytes: () => accessRequest([['User-Name', 'x']], { secret: Buffer.from('wrong') }),
      },
      {
        label: 'an Access-Request without MA from a NAS that must send it',
        reason: 'missing-message-authenticator',
        bytes: () => accessRequest([['User-Name', 'x']], { messageAuthenticator: false }),
      },
      {
        label: 'Proxy-State without MA when limitProxyState is on',
        reason: 'proxy-state-without-message-authenticator',
        client: { requireMessageAuthenticator: false },
        bytes: () =>
          accessRequest(
            [
              ['User-Name', 'x'],
              ['Proxy-State', 'p'],
            ],
            { messageAuthenticator: false },
          ),
      },
      {
        label: 'Status-Server without MA',
        reason: 'missing-message-authenticator',
        bytes: () => encodeRequest({ code: 12, identifier: 1, attributes: [], secret }),
      },
      {
        label: 'an Accounting-Request on the auth port',
        reason: 'unexpected-code',
        bytes: () => accountingRequest([['Acct-Session-Id', 'x']]),
      },
      {
        label: 'a packet whose Length is below 20',
        reason: 'length-out-of-range',
        bytes: () => Buffer.from([1, 1, 0, 19, ...Buffer.alloc(16)]),
      },
      {
        label: 'an attribute running past Length',
        reason: 'attribute-overflow',
        bytes: () => Buffer.from([1, 1, 0, 23, ...Buffer.alloc(16), 1, 9, 0x41]),
      },
    ])('$label', async ({ reason, overrides, bytes, acct, client }) => {
      const { server, nas, calls, logger } = await start(acceptAll, { ...overrides, client });
      nas.send(bytes(), acct ? server.ports.acct : server.ports.auth);
      await waitFor(() => server.metrics().drops[reason] === 1);
      expect(calls).toHaveLength(0);
      expect(nas.pending).toBe(0);
      const warning = logger.lines.find((l) => l.level === 'warn');
      expect(warning?.obj).toMatchObject({ reason });
      expect(JSON.stringify(logger.lines)).not.toContain('s3cret');
    });

    it('logs the missing MA once per NAS and interval, naming the NAS', async () => {
      const { server, nas, logger } = await start(acceptAll);
      for (const identifier of [1, 2, 3]) {
        nas.send(
          accessRequest([['User-Name', 'x']], { identifier, messageAuthenticator: false }),
          server.ports.auth,
        );
      }
      await waitFor(() => server.metrics().drops['missing-message-authenticator'] === 3);
      const warnings = logger.lines.filter((l) => l.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.msg).toContain('NAS "hs1" (127.0.0.1)');
      expect(warnings[0]?.msg).toContain('BlastRADIUS');
    });

    it('answers an Access-Request without MA when the NAS is not required to send one', async () => {
      const { server, nas } = await start(acceptAll, {
        client: { requireMessageAuthenticator: false, limitProxyState: false },
      });
      nas.send(
        accessRequest(
          [
            ['User-Name', 'x'],
            ['Proxy-State', 'p'],
          ],
          { messageAuthenticator: false },
        ),
        server.ports.auth,
      );
      const reply = decoded(await nas.next());
      expect(reply.code).toBe(RadiusCode.AccessAccept);
      expect(reply.attributes[0]?.type).toBe(80);
    });
  });

  describe('duplicates (RFC 5080 §2.2)', () => {
    it('resends the cached reply without calling the handler again', async () => {
      const { server, nas, calls } = await start(acceptAll);
      const bytes = accessRequest([['User-Name', 'x']]);
      nas.send(bytes, server.ports.auth);
      const first = await nas.next();
      nas.send(bytes, server.ports.auth);
      const second = await nas.next();
      expect(second).toEqual(first);
      expect(calls).toHaveLength(1);
      expect(server.metrics().duplicates).toEqual({ resent: 1, inProgress: 0 });
    });

    it('drops a duplicate while the original is still being processed', async () => {
      let release: (() => void) | undefined;
      const { server, nas, calls } = await start(
        () =>
          new Promise((resolve) => {
            release = () => resolve({ code: RadiusCode.AccessReject });
          }),
      );
      const bytes = accessRequest([['User-Name', 'x']]);
      nas.send(bytes, server.ports.auth);
      await waitFor(() => release !== undefined);
      nas.send(bytes, server.ports.auth);
      await waitFor(() => server.metrics().duplicates.inProgress === 1);
      release!();
      expect(decoded(await nas.next()).code).toBe(RadiusCode.AccessReject);
      expect(calls).toHaveLength(1);
    });

    it('treats the same Identifier with a new authenticator as a new request', async () => {
      const { server, nas, calls } = await start(acceptAll);
      nas.send(accessRequest([['User-Name', 'a']]), server.ports.auth);
      await nas.next();
      nas.send(accessRequest([['User-Name', 'b']]), server.ports.auth);
      await nas.next();
      expect(calls.map((p) => getString(p, 'User-Name'))).toEqual(['a', 'b']);
    });

    it('processes a retransmission again after the handler dropped the original', async () => {
      let answer = false;
      const { server, nas, calls } = await start(() =>
        answer ? { code: RadiusCode.AccountingResponse } : null,
      );
      const bytes = accountingRequest([['Acct-Session-Id', 's']]);
      nas.send(bytes, server.ports.acct);
      await waitFor(() => server.metrics().drops['handler-dropped'] === 1);
      answer = true;
      nas.send(bytes, server.ports.acct);
      expect(decoded(await nas.next()).code).toBe(RadiusCode.AccountingResponse);
      expect(calls).toHaveLength(2);
    });

    it('never caches a packet with a bad Message-Authenticator', async () => {
      const { server, nas, calls } = await start(acceptAll);
      const good = accessRequest([['User-Name', 'x']]);
      const forged = Buffer.from(good);
      forged[forged.length - 1] = forged[forged.length - 1]! ^ 1;
      nas.send(forged, server.ports.auth);
      await waitFor(() => server.metrics().drops['bad-message-authenticator'] === 1);
      nas.send(good, server.ports.auth);
      expect(decoded(await nas.next()).code).toBe(RadiusCode.AccessAccept);
      expect(calls).toHaveLength(1);
      expect(server.metrics().duplicates.resent).toBe(0);
    });
  });

  it('keeps serving after the handler throws or rejects', async () => {
    let mode = 0;
    const { server, nas, logger } = await start((request) => {
      mode++;
      if (mode === 1) throw new Error('boom');
      if (mode === 2) return Promise.reject(new Error('async boom'));
      return acceptAll(request);
    });
    nas.send(accessRequest([['User-Name', 'x']], { identifier: 1 }), server.ports.auth);
    await waitFor(() => server.metrics().drops['handler-error'] === 1);
    nas.send(accessRequest([['User-Name', 'x']], { identifier: 2 }), server.ports.auth);
    await waitFor(() => server.metrics().drops['handler-error'] === 2);
    nas.send(accessRequest([['User-Name', 'x']], { identifier: 3 }), server.ports.auth);
    const reply = decoded(await nas.next());
    expect(reply).toMatchObject({ code: RadiusCode.AccessAccept, identifier: 3 });
    expect(server.metrics().handler).toMatchObject({ count: 3, errors: 2 });
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('calls the handler for the next packet before the previous one is answered', async () => {
    const pending: (() => void)[] = [];
    const { server, nas } = await start(
      (request) =>
        new Promise((resolve) => {
          pending.push(() =>
            resolve({
              code: RadiusCode.AccessAccept,
              attributes: [['Reply-Message', String(request.packet.identifier)]],
            }),
          );
        }),
    );
    nas.send(accessRequest([['User-Name', 'x']], { identifier: 1 }), server.ports.auth);
    nas.send(accessRequest([['User-Name', 'y']], { identifier: 2 }), server.ports.auth);
    await waitFor(() => pending.length === 2);
    expect(server.metrics().handler.inFlight).toBe(2);
    pending[1]!();
    expect(decoded(await nas.next()).identifier).toBe(2);
    pending[0]!();
    expect(decoded(await nas.next()).identifier).toBe(1);
  });

  it('drops a reply code that cannot answer the request', async () => {
    const { server, nas } = await start(() => ({ code: RadiusCode.AccountingResponse }));
    nas.send(accessRequest([['User-Name', 'x']]), server.ports.auth);
    await waitFor(() => server.metrics().drops['invalid-reply'] === 1);
    expect(nas.pending).toBe(0);
  });

  it('closes cleanly and reports a bind failure', async () => {
    const { server } = await start(acceptAll);
    const clash = createRadiusServer({
      host: '127.0.0.1',
      authPort: server.ports.auth,
      acctPort: 0,
      lookupClient: () => undefined,
      handler: acceptAll,
    });
    await expect(clash.listen()).rejects.toThrow(/EADDRINUSE/);
    await clash.close();
    await server.close();
    await server.close();
  });
});
