import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { radclient } from '../support/radclient.js';
import { SECRET, startHarness, type Harness } from '../radius-integration/harness.js';

// End-to-end with Debian's radclient (freeradius-utils): an independent RADIUS client that
// verifies our authenticators and Message-Authenticator itself, against Portico's real
// handler, database and accounting rules.

/** received returns the attributes radclient printed for the reply, as `Name = value` lines. */
function received(output: string): Record<string, string> {
  const at = output.indexOf('Received ');
  const out: Record<string, string> = {};
  if (at < 0) return out;
  for (const line of output.slice(at).split('\n').slice(1)) {
    const m = /^\s+([\w-]+) = (.*)$/.exec(line);
    if (!m) break;
    out[m[1] as string] = (m[2] as string).replace(/^"(.*)"$/, '$1');
  }
  return out;
}

let h: Harness;
let code: string;
let tokenId: number;
const run = (kind: 'auth' | 'acct', input: string, secret = SECRET, extra: string[] = []) =>
  radclient(
    [
      '-x',
      '-t',
      '2',
      '-r',
      '1',
      ...extra,
      `127.0.0.1:${kind === 'auth' ? h.runtime.ports.auth : h.runtime.ports.acct}`,
      kind,
      secret,
    ],
    input,
  );

beforeAll(async () => {
  h = await startHarness({ vendor: 'mikrotik' });
  const t = (
    await h.services.tokens.create(
      { minutes: 120, maxDevices: 5, rateDownKbps: 2048, rateUpKbps: 512 },
      'staff',
    )
  ).tokens[0]!;
  code = t.code;
  tokenId = t.id;
});
afterAll(async () => {
  await h.close();
});

describe('radclient against Portico', () => {
  it('gets an Access-Accept for a PAP login with the token limits', async () => {
    const r = await run(
      'auth',
      `User-Name = "${code}", User-Password = "${code}", Calling-Station-Id = "AA-BB-CC-DD-EE-01", NAS-IP-Address = 10.0.0.1, Message-Authenticator = 0x00\n`,
    );
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(/Received Access-Accept/);
    const attrs = received(r.output);
    expect(attrs['Session-Timeout']).toBe('7200');
    expect(attrs['Acct-Interim-Interval']).toBe(String(h.config.interimIntervalSeconds));
    expect(attrs['Mikrotik-Rate-Limit']).toBe('512k/2048k');
    expect(attrs['Class']).toMatch(/^0x/);
  });

  it('gets an Access-Accept for a CHAP login typed in lower case with a dash', async () => {
    const typed = `${code.slice(0, 4)}-${code.slice(4)}`.toLowerCase();
    const r = await run(
      'auth',
      `User-Name = "${typed}", CHAP-Password = "${typed}", Calling-Station-Id = "AA-BB-CC-DD-EE-02", NAS-IP-Address = 10.0.0.1, Message-Authenticator = 0x00\n`,
    );
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(/Received Access-Accept/);
    expect(received(r.output)['Session-Timeout']).toBe('7200');
  });

  it('gets an Access-Reject with a Reply-Message for a wrong PAP or CHAP password', async () => {
    for (const attr of ['User-Password', 'CHAP-Password']) {
      const r = await run(
        'auth',
        `User-Name = "${code}", ${attr} = "NOTTHECODE", Calling-Station-Id = "AA-BB-CC-DD-EE-03", NAS-IP-Address = 10.0.0.1, Message-Authenticator = 0x00\n`,
      );
      expect(r.output).toMatch(/Received Access-Reject/);
      expect(received(r.output)['Reply-Message']).toMatch(/not valid/);
    }
  });

  it('records an accounting Start, Interim-Update and Stop in the database', async () => {
    const accept = await run(
      'auth',
      `User-Name = "${code}", User-Password = "${code}", Calling-Station-Id = "AA-BB-CC-DD-EE-04", NAS-IP-Address = 10.0.0.1, Message-Authenticator = 0x00\n`,
    );
    const cls = received(accept.output)['Class'];
    expect(cls).toMatch(/^0x/);
    const common = `User-Name = "${code}", Acct-Session-Id = "rc-1", Calling-Station-Id = "AA-BB-CC-DD-EE-04", NAS-IP-Address = 10.0.0.1, Class = ${cls}`;
    const start = await run('acct', `Acct-Status-Type = Start, ${common}\n`);
    expect(start.output).toMatch(/Received Accounting-Response/);
    expect((await h.services.sessions.listLive({ tokenId })).sessions.map((s) => s.mac)).toContain(
      'aa-bb-cc-dd-ee-04',
    );
    h.clock.advance(60_000);
    const interim = await run(
      'acct',
      `Acct-Status-Type = Interim-Update, ${common}, Acct-Session-Time = 60, Acct-Input-Octets = 1000, Acct-Output-Octets = 20000\n`,
    );
    expect(interim.output).toMatch(/Received Accounting-Response/);
    h.clock.advance(30_000);
    const stop = await run(
      'acct',
      `Acct-Status-Type = Stop, ${common}, Acct-Session-Time = 90, Acct-Input-Octets = 2000, Acct-Output-Octets = 30000, Acct-Terminate-Cause = Idle-Timeout\n`,
    );
    expect(stop.output).toMatch(/Received Accounting-Response/);
    const [row] = await h.sql(
      "SELECT status, session_seconds, input_octets, output_octets, terminate_cause FROM sessions WHERE acct_session_id = 'rc-1'",
    );
    expect(row).toEqual({
      status: 'closed',
      session_seconds: 90,
      input_octets: 2000,
      output_octets: 30000,
      terminate_cause: 'Idle-Timeout',
    });
    expect((await h.services.tokens.get(tokenId)).dataUsedBytes).toBe(32_000);
    expect(await h.services.access.projectedUsedMs(tokenId)).toBe(90_000);
  });

  it('leaves a packet with the wrong secret unanswered', async () => {
    const r = await run(
      'auth',
      `User-Name = "${code}", User-Password = "${code}", NAS-IP-Address = 10.0.0.1, Message-Authenticator = 0x00\n`,
      'not-the-secret',
      ['-t', '1', '-r', '1'],
    );
    expect(r.exitCode).not.toBe(0);
    expect(r.output).not.toMatch(/Received Access-/);
    expect(r.output).toMatch(/No reply from server/);
  });
});
