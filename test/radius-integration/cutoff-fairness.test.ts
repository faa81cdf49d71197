// One router that never answers Disconnect/CoA must not hold up the others: the worker keeps
// a bounded number in flight per router and backs a silent router off as a whole. Real UDP
// on loopback: a socket on 127.0.0.2 that never answers is the dead router's CoA port, the
// harness's fake NAS on 127.0.0.1 answers for the healthy one.

import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { decodePacket } from '../../src/radius/packet.js';
import { RadiusCode } from '../../src/radius/codes.js';
import { PER_ROUTER_IN_FLIGHT, routerBackoffMs } from '../../src/services/cutoff-service.js';
import { acctPairs, startHarness, waitUntil, type Harness } from './harness.js';

type Dead = { socket: Socket; port: number; ids: Set<string>; packets: number };

/** openDeadRouter binds a UDP socket that counts what reaches it and never answers. */
async function openDeadRouter(): Promise<Dead> {
  const socket = createSocket('udp4');
  const dead: Dead = { socket, port: 0, ids: new Set(), packets: 0 };
  socket.on('message', (bytes) => {
    const d = decodePacket(bytes);
    dead.packets++;
    if (d.ok && d.packet.code === RadiusCode.DisconnectRequest) {
      // Distinct requests: a retransmission repeats the identifier and authenticator.
      dead.ids.add(`${d.packet.identifier}:${d.packet.authenticator.toString('hex')}`);
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.2', r));
  dead.port = socket.address().port;
  return dead;
}

let h: Harness | undefined;
let dead: Dead | undefined;
afterEach(async () => {
  await h?.close();
  await new Promise<void>((r) => (dead ? dead.socket.close(() => r()) : r()));
  h = undefined;
  dead = undefined;
});

/** queueDeadJobs puts `n` live sessions on the dead router, each with a Disconnect queued. */
async function queueDeadJobs(h: Harness, deadNasId: number, n: number): Promise<number> {
  const t = (await h.services.tokens.create({ minutes: 600, maxDevices: 1 }, 'staff')).tokens[0]!;
  const now = h.clock.now();
  await h.services.store.transaction(async () => {
    for (let i = 0; i < n; i++) {
      const mac = `02-00-00-00-${((i >> 8) & 0xff).toString(16).padStart(2, '0')}-${(i & 0xff)
        .toString(16)
        .padStart(2, '0')}`;
      const s = await h.services.store.sessions.insert({
        tokenId: t.id,
        status: 'live',
        class: `dead-${i}`,
        reservedAt: now,
        reservationExpiresAt: null,
        startedAt: now,
        lastSeenAt: now,
        updatedAt: now,
        interimInterval: null,
        nasId: deadNasId,
        acctSessionId: `D${i}`,
        deviceMac: mac,
        framedIp: null,
        calledStation: null,
        nasPortId: null,
        login: 'code',
        userName: t.code,
        nasIpAddress: '127.0.0.2',
        nasIdentifier: 'dead-1',
        callingStationId: mac.toUpperCase(),
      });
      await h.services.store.coaJobs.insert({
        sessionId: s.id,
        kind: 'disconnect',
        reason: 'staff',
        requestedBy: 'staff',
        sessionTimeout: null,
        createdAt: now,
      });
    }
  });
  return t.id;
}

/** healthyOnline puts a device of a new token online on the healthy router by accounting. */
async function healthyOnline(h: Harness, acctId: string): Promise<number> {
  const t = (await h.services.tokens.create({ minutes: 60 }, 'staff')).tokens[0]!;
  const r = await h.nas.acct(
    acctPairs('Start', { id: acctId, user: t.code, mac: 'AA-BB-CC-00-00-01' }),
  );
  expect(r?.code).toBe(RadiusCode.AccountingResponse);
  return t.id;
}

const disconnectsTo = (h: Harness, acctId: string) =>
  h.das.received.filter(
    (r) =>
      r.code === RadiusCode.DisconnectRequest && r.attrs.get('Acct-Session-Id')?.[0] === acctId,
  ).length;

describe('cut-off worker with a dead router', () => {
  it('4,000 jobs for a dead router, then a revoke on a healthy router reaches the healthy router before any dead job times out', async () => {
    // RFC 5080 timing: every unanswered Disconnect holds its place for about 30 s.
    h = await startHarness({ retry: {} });
    dead = await openDeadRouter();
    const deadNas = await h.services.nas.add(
      { name: 'dead-1', address: '127.0.0.2', secret: 'dead-secret-1', coaPort: dead.port },
      'test',
    );
    await queueDeadJobs(h, deadNas.id, 4000);
    h.services.cutoff.wake();
    const d = dead;
    await waitUntil(() => d.ids.size >= Math.min(PER_ROUTER_IN_FLIGHT, 4000), 20_000);

    const tokenId = await healthyOnline(h, 'H1');
    await h.services.tokens.revoke(tokenId, 'staff');
    const harness = h;
    await waitUntil(() => disconnectsTo(harness, 'H1') > 0, 20_000);
    // Each unanswered Disconnect holds its place for about 30 s: the healthy router's job went
    // out while every dead job was still waiting for its answer, not after any of them gave up.
    expect(
      await h.sql("SELECT COUNT(*) AS n FROM coa_jobs WHERE nas_id = ? AND state = 'timeout'", [
        deadNas.id,
      ]),
    ).toEqual([{ n: 0 }]);

    // The dead router holds only its own lane: the rest of its jobs wait in the database.
    expect(dead.ids.size).toBeLessThanOrEqual(PER_ROUTER_IN_FLIGHT);
    const health = (await h.services.cutoff.routerHealth()).find((r) => r.nasId === deadNas.id);
    expect(health?.pending).toBe(4000 - dead.ids.size);
  }, 60_000);

  it('backs a silent router off as a whole, keeps its jobs, and probes it with one job', async () => {
    // Short retransmission so the dead router's first round times out quickly.
    h = await startHarness({ retry: { irtMs: 50, mrc: 2, mrtMs: 100, mrdMs: 200 } });
    dead = await openDeadRouter();
    const deadNas = await h.services.nas.add(
      { name: 'dead-1', address: '127.0.0.2', secret: 'dead-secret-1', coaPort: dead.port },
      'test',
    );
    await queueDeadJobs(h, deadNas.id, 100);
    await h.services.cutoff.processJobs();
    const first = dead.ids.size;
    expect(first).toBe(PER_ROUTER_IN_FLIGHT);
    const backedOff = (await h.services.cutoff.routerHealth()).find((r) => r.nasId === deadNas.id)!;
    expect(backedOff).toMatchObject({ state: 'backed-off', rounds: 1, pending: 100 - first });
    expect(backedOff.backoffUntil).toBe(h.clock.now() + routerBackoffMs(1));

    // Backed off: a pass sends nothing more to it, while the healthy router is still served.
    const tokenId = await healthyOnline(h, 'H2');
    await h.services.tokens.revoke(tokenId, 'staff');
    await h.services.cutoff.tick();
    expect(disconnectsTo(h, 'H2')).toBe(1);
    expect(dead.ids.size).toBe(first);

    // After the pause one job probes it; unanswered, the pause doubles.
    h.clock.advance(routerBackoffMs(1));
    await h.services.cutoff.tick();
    expect(dead.ids.size).toBe(first + 1);
    expect(
      (await h.services.cutoff.routerHealth()).find((r) => r.nasId === deadNas.id),
    ).toMatchObject({
      state: 'backed-off',
      rounds: 2,
      backoffUntil: h.clock.now() + routerBackoffMs(2),
    });

    // /healthz says a router is backed off, without naming it.
    const app = await buildApp(h.services);
    try {
      const res = await app.inject({ method: 'GET', url: '/healthz' });
      expect(res.json()).toMatchObject({ coa: { routersBackedOff: 1 } });
      expect(res.body).not.toContain('dead-1');
    } finally {
      await app.close();
    }
  }, 60_000);
});
