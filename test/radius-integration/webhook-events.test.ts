// The RADIUS side's outgoing webhook events, driven by real RADIUS over UDP on loopback:
// each event is written to the webhook outbox once per real-world event, in the transaction
// of the packet or cut-off pass that records the change, and delivered signed to a real
// HTTP receiver on loopback.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { maskCode } from '../../src/core/code.js';
import { RadiusCode } from '../../src/radius/codes.js';
import type { AttributePair } from '../../src/radius/attributes.js';
import { verifySignature } from '../../src/services/webhook-signature.js';
import { WEBHOOK_EVENTS } from '../../src/services/webhook-service.js';
import { acctPairs, attr, papLogin, startHarness, type Harness } from './harness.js';

const MIN = 60_000;

let h: Harness;
let secret: string;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

/** startReceiver accepts webhook POSTs on loopback and keeps them. */
async function startReceiver() {
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/portico`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

beforeEach(async () => {
  h = await startHarness();
  receiver = await startReceiver();
  secret = (
    await h.services.webhooks.register(
      { url: receiver.url, events: [...WEBHOOK_EVENTS], allowPrivateNetwork: true },
      'staff',
    )
  ).secret;
});
afterEach(async () => {
  await h.services.webhooks.worker.stop();
  await h.close();
  await receiver?.close();
  receiver = undefined;
});

/** Event is a queued payload; fields not every event has are typed loosely for the asserts. */
type Event = {
  type: string;
  data: {
    token?: { id: number };
    session: Record<string, unknown>;
    device: Record<string, unknown>;
  } & Record<string, unknown>;
};

/** outbox returns the events queued for delivery, oldest first, optionally of one type. */
const outbox = async (type?: string): Promise<Event[]> =>
  (await h.sql<{ payload: string }>('SELECT payload FROM webhook_deliveries ORDER BY id'))
    .map((r) => JSON.parse(r.payload) as Event)
    .filter((e) => type === undefined || e.type === type);
const types = async () => (await outbox()).map((e) => e.type);

const newToken = async (input: Record<string, unknown> = {}) =>
  (await h.services.tokens.create({ minutes: 60, ...input }, 'staff')).tokens[0]!;

/** goOnline logs a device in and starts its accounting session; returns the Class. */
async function goOnline(code: string, mac: string, id: string): Promise<Buffer> {
  const accept = await h.nas.auth(papLogin(code, mac));
  expect(accept?.code).toBe(RadiusCode.AccessAccept);
  const cls = attr(accept, 'Class') as Buffer;
  const start = await h.nas.acct(acctPairs('Start', { id, user: code, mac, cls }));
  expect(start?.code).toBe(RadiusCode.AccountingResponse);
  return cls;
}

/** Online is a session as the NAS names it in its accounting. */
type Online = { id: string; user: string; mac: string; cls: Buffer };

/**
 * interimAt moves the clock to `min` minutes after `t0` and sends the session's Interim-Update
 * for `min` minutes online (with `extra` attributes, e.g. a retransmission's delay).
 */
function interimAt(
  t0: number,
  s: Online,
  min: number,
  octets: { input?: number; output?: number } = {},
  extra: AttributePair[] = [],
) {
  h.clock.set(t0 + min * MIN);
  return h.nas.acct([
    ...acctPairs('Interim-Update', { ...s, time: min * 60, ...octets }),
    ...extra,
  ]);
}

describe('webhook events from RADIUS', () => {
  it('raises each event of a session lifecycle once, and delivers them signed', async () => {
    const t = await newToken({ minutes: 60 });
    const mac = 'aa-bb-cc-dd-ee-01';
    const T0 = h.clock.now();
    const cls = await goOnline(t.code, mac, 's1');
    // A retransmitted Start (new identifier, Acct-Delay-Time) is the same real-world start.
    await h.nas.acct([
      ...acctPairs('Start', { id: 's1', user: t.code, mac, cls }),
      ['Acct-Delay-Time', 2],
    ]);
    expect(await types()).toEqual(['token.created', 'token.redeemed', 'session.started']);

    const s1: Online = { id: 's1', user: t.code, mac, cls };
    const octets = (min: number) => ({ input: min * 1000, output: min * 9000 });
    await interimAt(T0, s1, 50, octets(50));
    // Ten minutes left of sixty: not yet low (under six, a tenth, is).
    expect(await outbox('token.low_balance')).toHaveLength(0);
    await interimAt(T0, s1, 55, octets(55));
    expect(await outbox('token.low_balance')).toHaveLength(1);
    await interimAt(T0, s1, 57, octets(57));
    await interimAt(T0, s1, 57, octets(57), [['Acct-Delay-Time', 3]]);
    expect(await outbox('token.low_balance')).toHaveLength(1);
    expect((await outbox('token.low_balance'))[0]!.data).toMatchObject({
      token: { id: t.id, code: t.code },
      minutes: 60,
      minutesUsed: 55,
      minutesLeft: 5,
    });

    await interimAt(T0, s1, 60, octets(60));
    expect(await outbox('token.depleted')).toHaveLength(1);
    expect((await outbox('token.depleted'))[0]!.data).toMatchObject({
      token: { id: t.id, code: t.code },
      limit: 'minutes',
      minutesUsed: 60,
      minutesLeft: 0,
    });

    h.clock.set(T0 + 60 * MIN + 5000);
    const stop = acctPairs('Stop', {
      id: 's1',
      user: t.code,
      mac,
      cls,
      time: 3605,
      input: 61_000,
      output: 545_000,
      cause: 'Session-Timeout',
    });
    await h.nas.acct(stop);
    await h.nas.acct([...stop, ['Acct-Delay-Time', 4]]);
    expect(await types()).toEqual([
      'token.created',
      'token.redeemed',
      'session.started',
      'token.low_balance',
      'token.depleted',
      'session.stopped',
    ]);
    const stopped = (await outbox('session.stopped'))[0]!.data;
    expect(stopped).toMatchObject({
      token: { id: t.id, code: t.code },
      session: {
        acctSessionId: 's1',
        mac: 'aa-bb-cc-dd-ee-01',
        nas: 'hotspot-1',
        startedAt: T0,
        stoppedAt: T0 + 3605_000,
        terminateCause: 'Session-Timeout',
        closedBy: 'nas',
        seconds: 3605,
        minutes: 60.1,
        inputOctets: 61_000,
        outputOctets: 545_000,
      },
    });

    // Delivery: one signed POST per event, in order, each verifiable with the secret.
    await h.services.webhooks.worker.runOnce();
    const got = receiver!.received;
    expect(got.map((r) => r.headers['x-portico-event'])).toEqual(await types());
    for (const r of got) {
      const sig = r.headers['x-portico-signature'] as string;
      expect(verifySignature(sig, r.body, secret, h.clock.now()).ok).toBe(true);
    }
    expect(JSON.parse(got.at(-1)!.body).data).toEqual(stopped);
  });

  it('raises nothing for a packet that fails inside a batch; its retransmission raises it once', async () => {
    const a = await newToken();
    const b = await newToken();
    const clsA = (await h.nas
      .auth(papLogin(a.code, 'aa-bb-cc-dd-ee-0a'))
      .then((r) => attr(r, 'Class'))) as Buffer;
    const clsB = (await h.nas
      .auth(papLogin(b.code, 'aa-bb-cc-dd-ee-0b'))
      .then((r) => attr(r, 'Class'))) as Buffer;
    // Fault injection in the real database: writing A's session.started fails, after A's
    // token.redeemed was already written in the same packet's savepoint.
    if (h.backend === 'sqlite') {
      await h.sql(`CREATE TEMP TRIGGER boom BEFORE INSERT ON webhook_deliveries
        WHEN NEW.event_type = 'session.started' AND NEW.payload LIKE '%"acctSessionId":"boom"%'
        BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    } else {
      await h.sql(`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.event_type = 'session.started' AND NEW.payload LIKE '%"acctSessionId":"boom"%'
        THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`);
      await h.sql(`CREATE TRIGGER boom BEFORE INSERT ON webhook_deliveries
        FOR EACH ROW EXECUTE FUNCTION boom()`);
    }
    const startA = acctPairs('Start', {
      id: 'boom',
      user: a.code,
      mac: 'aa-bb-cc-dd-ee-0a',
      cls: clsA,
    });
    const startB = acctPairs('Start', {
      id: 'fine',
      user: b.code,
      mac: 'aa-bb-cc-dd-ee-0b',
      cls: clsB,
    });
    const [ra, rb] = await Promise.all([
      h.nas.acct(startA, { timeoutMs: 800 }),
      h.nas.acct(startB),
    ]);
    expect(ra).toBeUndefined();
    expect(rb?.code).toBe(RadiusCode.AccountingResponse);
    expect(h.services.radiusStats().drops['handler-error']).toBe(1);
    const forA = (await outbox()).filter(
      (e) => e.data.token?.id === a.id && e.type !== 'token.created',
    );
    expect(forA).toEqual([]);
    expect((await outbox()).filter((e) => e.data.token?.id === b.id).map((e) => e.type)).toEqual([
      'token.created',
      'token.redeemed',
      'session.started',
    ]);
    expect((await h.services.tokens.get(a.id)).firstUsedAt).toBeNull();

    await h.sql(
      h.backend === 'sqlite' ? 'DROP TRIGGER boom' : 'DROP TRIGGER boom ON webhook_deliveries',
    );
    expect((await h.nas.acct(startA))?.code).toBe(RadiusCode.AccountingResponse);
    expect((await h.nas.acct(startA))?.code).toBe(RadiusCode.AccountingResponse);
    expect((await outbox()).filter((e) => e.data.token?.id === a.id).map((e) => e.type)).toEqual([
      'token.created',
      'token.redeemed',
      'session.started',
    ]);
  });

  it('raises device.refused for a second device on a one-device token, at most once a minute, with the code masked', async () => {
    const t = await newToken({ maxDevices: 1 });
    await goOnline(t.code, 'aa-bb-cc-dd-ee-01', 's1');
    const second = papLogin(t.code, 'aa-bb-cc-dd-ee-02');
    for (let i = 0; i < 3; i++) {
      const r = await h.nas.auth(second);
      expect(r?.code).toBe(RadiusCode.AccessReject);
      h.clock.advance(10_000);
    }
    // A wrong code is not a known token's refusal.
    const wrong = await h.nas.auth([
      ['User-Name', t.code],
      ['User-Password', 'WRONGCODE'],
      ['Calling-Station-Id', 'aa-bb-cc-dd-ee-03'],
    ]);
    expect(wrong?.code).toBe(RadiusCode.AccessReject);
    let refused = await outbox('device.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.data).toEqual({
      token: { id: t.id, maskedCode: maskCode(t.code) },
      reason: 'device-limit',
      device: { mac: 'aa-bb-cc-dd-ee-02', callingStationId: 'aa-bb-cc-dd-ee-02', login: 'code' },
      nas: { id: h.nasId, name: 'hotspot-1' },
    });
    const raw = (
      await h.sql<{ payload: string }>(
        "SELECT payload FROM webhook_deliveries WHERE event_type = 'device.refused'",
      )
    ).map((r) => r.payload);
    expect(raw.join()).not.toContain(t.code);

    h.clock.advance(31_000);
    expect((await h.nas.auth(second))?.code).toBe(RadiusCode.AccessReject);
    refused = await outbox('device.refused');
    expect(refused).toHaveLength(2);
    // Another device has its own limit.
    expect((await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-04')))?.code).toBe(
      RadiusCode.AccessReject,
    );
    expect((await outbox('device.refused')).map((e) => e.data.device.mac)).toEqual([
      'aa-bb-cc-dd-ee-02',
      'aa-bb-cc-dd-ee-02',
      'aa-bb-cc-dd-ee-04',
    ]);
  });

  it('raises device.refused with the reason for an expired token', async () => {
    const t = await newToken({ validUntil: h.clock.now() + MIN });
    h.clock.advance(2 * MIN);
    expect((await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-01')))?.code).toBe(
      RadiusCode.AccessReject,
    );
    expect((await outbox('device.refused')).map((e) => e.data.reason)).toEqual(['expired']);
    // It expired with nothing online: not a token.expired.
    await h.services.cutoff.scan();
    expect(await outbox('token.expired')).toHaveLength(0);
  });

  it.each([
    { name: 'valid-until', input: { minutes: 600, validUntil: Date.UTC(2026, 11, 3, 8, 30) } },
    { name: 'first-use', input: { minutes: 600, expiresAfterFirstUseMinutes: 30 } },
  ])(
    'raises token.expired once from the cut-off pass when the $name limit passes with a device online',
    async ({ name, input }) => {
      const t = await newToken(input);
      const T0 = h.clock.now();
      const mac = 'aa-bb-cc-dd-ee-01';
      const cls = await goOnline(t.code, mac, 's1');
      const s1: Online = { id: 's1', user: t.code, mac, cls };
      // Interims keep the session from going stale while the clock jumps.
      await interimAt(T0, s1, 29);
      await h.services.cutoff.scan();
      expect(await outbox('token.expired')).toHaveLength(0);
      await interimAt(T0, s1, 31);
      expect((await h.services.cutoff.scan()).disconnects).toBe(1);
      h.clock.set(T0 + 31 * MIN + 40_000);
      await h.services.cutoff.scan();
      const expired = await outbox('token.expired');
      expect(expired).toHaveLength(1);
      expect(expired[0]!.data).toEqual({
        token: { id: t.id, code: t.code },
        limit: name,
        expiredAt: T0 + 30 * MIN,
        liveSessions: 1,
      });
      // The NAS was asked to end it; its Stop then ends the session once.
      await h.services.cutoff.processJobs();
      expect(h.das.received.map((r) => r.code)).toContain(RadiusCode.DisconnectRequest);
      const stop = acctPairs('Stop', {
        id: 's1',
        user: t.code,
        mac,
        cls,
        time: 31 * 60,
        cause: 'Admin-Reset',
      });
      await h.nas.acct(stop);
      expect((await outbox('session.stopped')).map((e) => e.data.session.terminateCause)).toEqual([
        'Admin-Reset',
      ]);
      expect(await outbox('token.expired')).toHaveLength(1);
    },
  );

  it('raises session.stopped when the sweeper or a NAS reboot closes a session, and not again for a late Stop', async () => {
    const t = await newToken({ maxDevices: 3 });
    const T0 = h.clock.now();
    const mac = (n: number) => `aa-bb-cc-dd-ee-0${n}`;
    const s: Online[] = [];
    for (const n of [1, 2, 3]) {
      const id = `s${n}`;
      s.push({ id, user: t.code, mac: mac(n), cls: await goOnline(t.code, mac(n), id) });
    }
    const [s1, s2, s3] = s as [Online, Online, Online];
    const stop = (x: Online, min: number) =>
      h.nas.acct(acctPairs('Stop', { ...x, time: min * 60, cause: 'User-Request' }));
    const stops = async () =>
      (await outbox('session.stopped')).map((e) => [
        e.data.session.acctSessionId,
        e.data.session.closedBy,
        e.data.session.terminateCause,
      ]);
    // s1 and s3 go silent; s2 keeps reporting.
    for (const min of [5, 10, 15, 20]) await interimAt(T0, s2, min);
    await h.services.cutoff.scan();
    expect(await stops()).toEqual([
      ['s1', 'sweeper', 'stale'],
      ['s3', 'sweeper', 'stale'],
    ]);
    expect((await outbox('session.stopped'))[0]!.data.session.stoppedAt).toBe(T0);

    // Their Stops arrive late: s1's straight away, s3 first reopened by an Interim. Neither
    // is a second stop of the same session.
    await stop(s1, 20);
    await interimAt(T0, s3, 20);
    h.clock.set(T0 + 21 * MIN);
    await stop(s3, 21);
    expect(await stops()).toHaveLength(2);

    // The NAS reboots: its open session s2 is closed and announced once.
    h.clock.set(T0 + 22 * MIN);
    const on = acctPairs('Accounting-On', {});
    await h.nas.acct(on);
    await h.nas.acct([...on, ['Acct-Delay-Time', 1]]);
    expect(await stops()).toEqual([
      ['s1', 'sweeper', 'stale'],
      ['s3', 'sweeper', 'stale'],
      ['s2', 'nas-reset', 'nas-reboot'],
    ]);
    expect(await outbox('session.started')).toHaveLength(3);
  });

  it('raises token.low_balance again after staff add minutes, and token.depleted for data used up', async () => {
    const t = await newToken({ minutes: 10, dataQuotaMb: 1 });
    const T0 = h.clock.now();
    const mac = 'aa-bb-cc-dd-ee-01';
    const cls = await goOnline(t.code, mac, 's1');
    const s1: Online = { id: 's1', user: t.code, mac, cls };
    await interimAt(T0, s1, 6);
    expect(await outbox('token.low_balance')).toHaveLength(1);
    await h.services.tokens.update(t.id, { addMinutes: 20 }, 'staff');
    await interimAt(T0, s1, 7);
    // 23 minutes left of 30: not low.
    expect(await outbox('token.low_balance')).toHaveLength(1);
    await interimAt(T0, s1, 26);
    expect(await outbox('token.low_balance')).toHaveLength(2);

    await interimAt(T0, s1, 27, { input: 1_000_000 });
    expect((await outbox('token.depleted')).map((e) => e.data.limit)).toEqual(['data']);
    await interimAt(T0, s1, 28, { input: 1_200_000 });
    expect(await outbox('token.depleted')).toHaveLength(1);
  });
});
