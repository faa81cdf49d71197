import { describe, expect, it } from 'vitest';
import { radclient } from '../support/radclient.js';
import { getAcctOutputOctets64, getString } from '../../src/radius/attributes.js';
import { RadiusCode } from '../../src/radius/codes.js';
import { getUserPassword, verifyChapRequest } from '../../src/radius/password.js';
import {
  createRadiusServer,
  type RadiusClient,
  type RadiusHandler,
  type RadiusRequest,
  type RadiusServer,
} from '../../src/radius/server.js';
import { useCleanup } from './udp.js';

// End-to-end: Debian's radclient (freeradius-utils 3.2.1) is a real, independent RADIUS
// client; it verifies our Response Authenticator and Message-Authenticator itself.
const SECRET = 'testing123';
const cleanup = useCleanup();

const seen: RadiusRequest[] = [];

// A trivial policy: the code is its own password; accounting is always recorded.
const handler: RadiusHandler = (request) => {
  seen.push(request);
  if (request.socket === 'acct') return { code: RadiusCode.AccountingResponse };
  const user = getString(request.packet, 'User-Name') ?? '';
  const ok =
    getUserPassword(request.packet, request.client.secret) === user ||
    verifyChapRequest(request.packet, user);
  return ok
    ? {
        code: RadiusCode.AccessAccept,
        attributes: [
          ['Session-Timeout', 3600],
          ['Mikrotik-Rate-Limit', '2M/4M'],
        ],
      }
    : { code: RadiusCode.AccessReject, attributes: [['Reply-Message', 'Unknown code']] };
};

async function start(client: Partial<RadiusClient> = {}): Promise<RadiusServer> {
  seen.length = 0;
  const server = createRadiusServer({
    host: '127.0.0.1',
    authPort: 0,
    acctPort: 0,
    lookupClient: () => ({
      id: 'nas-1',
      name: 'radclient',
      secret: Buffer.from(SECRET),
      requireMessageAuthenticator: true,
      limitProxyState: true,
      ...client,
    }),
    handler,
  });
  await server.listen();
  cleanup(() => server.close());
  return server;
}

const auth = (server: RadiusServer, secret = SECRET) => [
  '-x',
  '-r',
  '1',
  '-t',
  '2',
  `127.0.0.1:${server.ports.auth}`,
  'auth',
  secret,
];

describe('radclient 3.2.1 against our server', () => {
  it('gets Access-Accept for PAP with Message-Authenticator', async () => {
    const server = await start();
    const run = await radclient(
      auth(server),
      'User-Name = "AB12CD34", User-Password = "AB12CD34", NAS-Identifier = "hs1", Message-Authenticator = 0x00\n',
    );
    expect(run.output).toContain('Received Access-Accept');
    expect(run.output).toContain('Session-Timeout = 3600');
    expect(run.output).toContain('Mikrotik-Rate-Limit = "2M/4M"');
    expect(run.exitCode).toBe(0);
  });

  it('gets Access-Reject for a wrong PAP password', async () => {
    const server = await start();
    const run = await radclient(
      auth(server),
      'User-Name = "AB12CD34", User-Password = "nope", Message-Authenticator = 0x00\n',
    );
    expect(run.output).toContain('Received Access-Reject');
    expect(run.output).toContain('Reply-Message = "Unknown code"');
  });

  it('gets Access-Accept for CHAP', async () => {
    const server = await start();
    const run = await radclient(
      auth(server),
      'User-Name = "AB12CD34", CHAP-Password = "AB12CD34", Message-Authenticator = 0x00\n',
    );
    expect(run.output).toContain('Received Access-Accept');
    expect(seen[0]?.packet.attributes.some((a) => a.type === 3)).toBe(true);
  });

  it('gets Accounting-Response, with and without Message-Authenticator', async () => {
    const server = await start();
    for (const extra of ['', ', Message-Authenticator = 0x00']) {
      const run = await radclient(
        ['-x', '-r', '1', '-t', '2', `127.0.0.1:${server.ports.acct}`, 'acct', SECRET],
        'Acct-Status-Type = Interim-Update, Acct-Session-Id = "5f1a", User-Name = "AB12CD34", ' +
          `Acct-Session-Time = 300, Acct-Output-Octets = 4294967295, Acct-Output-Gigawords = 1${extra}\n`,
      );
      expect(run.output).toContain('Received Accounting-Response');
      expect(run.exitCode).toBe(0);
    }
    expect(seen).toHaveLength(2);
    expect(getAcctOutputOctets64(seen[0]!.packet)).toBe(2 ** 33 - 1);
  });

  it('gets an answer to Status-Server on both ports', async () => {
    const server = await start();
    for (const port of [server.ports.auth, server.ports.acct]) {
      const run = await radclient(
        ['-x', '-r', '1', '-t', '2', `127.0.0.1:${port}`, 'status', SECRET],
        'Message-Authenticator = 0x00\n',
      );
      expect(run.output).toMatch(/Received (Access-Accept|Accounting-Response)/);
    }
    expect(seen).toHaveLength(0);
  });

  it('gets no answer with a wrong secret', async () => {
    const server = await start();
    const run = await radclient(
      ['-x', '-r', '1', '-t', '1', `127.0.0.1:${server.ports.auth}`, 'auth', 'wrong-secret'],
      'User-Name = "AB12CD34", User-Password = "AB12CD34", Message-Authenticator = 0x00\n',
    );
    expect(run.output).not.toContain('Received');
    expect(run.exitCode).not.toBe(0);
    expect(server.metrics().drops['bad-message-authenticator']).toBe(1);
    const acct = await radclient(
      ['-x', '-r', '1', '-t', '1', `127.0.0.1:${server.ports.acct}`, 'acct', 'wrong-secret'],
      'Acct-Status-Type = Start, Acct-Session-Id = "x"\n',
    );
    expect(acct.output).not.toContain('Received');
    expect(server.metrics().drops['bad-request-authenticator']).toBe(1);
    expect(seen).toHaveLength(0);
  });

  it('gets no answer without Message-Authenticator from a NAS that must send it', async () => {
    const server = await start();
    const run = await radclient(
      ['-x', '-r', '1', '-t', '1', `127.0.0.1:${server.ports.auth}`, 'auth', SECRET],
      'User-Name = "AB12CD34", User-Password = "AB12CD34"\n',
    );
    expect(run.output).not.toContain('Received');
    expect(server.metrics().drops['missing-message-authenticator']).toBe(1);
  });
});
