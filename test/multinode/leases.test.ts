// Background work that runs once: two sets of services over one database stand for two
// nodes, each with its own clock (on PostgreSQL two pools on one database, on SQLite two
// connections to one file). Only the holder of a lease does the work; a node that stops
// renewing (dies) loses it once it has expired, and the other node takes over.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase } from '../../src/storage/database.js';
import { createPgPool } from '../../src/storage/pg/connection.js';
import { createPgStore } from '../../src/storage/pg/store.js';
import { createStore, type Store } from '../../src/storage/store.js';
import { openTestStore, type TestStore } from '../support/test-store.js';

const T0 = Date.UTC(2026, 11, 4, 8, 0);

type Node = {
  s: Services;
  clock: ReturnType<typeof fixedClock>;
  /** die ends the node's connection to the database without a word (it stops renewing). */
  die(): Promise<void>;
};
let dir: string;
let testDb: TestStore;
let a: Node;
let b: Node;

/** openStoreOfNode returns a node's own store on the database under test. */
function openStoreOfNode(): { store: Store; close(): Promise<void> } {
  if (testDb.backend === 'postgres') {
    const store = createPgStore(createPgPool(testDb.url!, { max: 4 }));
    return { store, close: () => store.close() };
  }
  const db = openDatabase(join(dir, 'p.db'));
  return {
    store: createStore(db),
    close: async () => {
      if (db.open) db.close();
    },
  };
}

function node(name: string): Node {
  const { store, close } = openStoreOfNode();
  const clock = fixedClock(T0);
  const config = loadConfig({
    PORTICO_TIMEZONE: 'UTC',
    PORTICO_DB: join(dir, 'p.db'),
    PORTICO_NODE_ID: name,
  });
  closers.push(close);
  return { clock, s: createServices({ store, clock, config }), die: close };
}
let closers: Array<() => Promise<void>> = [];
const advance = (ms: number) => {
  a.clock.advance(ms);
  b.clock.advance(ms);
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portico-leases-'));
  testDb = await openTestStore();
  a = node('node-a');
  b = node('node-b');
});
afterEach(async () => {
  for (const c of closers) await c().catch(() => undefined);
  closers = [];
  await testDb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('leases', () => {
  it('one holder at a time; renewal keeps it; expiry or release hands it over', async () => {
    const la = a.s.leases.lease('job', 10_000);
    const lb = b.s.leases.lease('job', 10_000);
    expect(await la.hold()).toBe(true);
    expect(await lb.hold()).toBe(false);
    // A renews as it works: B never gets in while A keeps renewing inside the lease time.
    for (let i = 0; i < 5; i++) {
      advance(6_000);
      expect(await la.hold()).toBe(true);
      expect(await lb.hold()).toBe(false);
    }
    // A dies (stops renewing): once its lease has expired, B takes over, and A is out.
    advance(10_001);
    expect(await lb.hold()).toBe(true);
    expect(await la.hold()).toBe(false);
    expect((await a.s.store.leases.find('job'))?.holder).toBe('node-b');
    // A graceful stop gives it back (a node just refused asks again a second later).
    await lb.release();
    advance(1_000);
    expect(await la.hold()).toBe(true);
    expect(await b.s.store.leases.acquire('job', 'node-b', b.clock.now(), b.clock.now() + 1)).toBe(
      false,
    );
  });

  it('two nodes asking at the same instant: exactly one gets it', async () => {
    for (let round = 0; round < 50; round++) {
      const name = `race-${round}`;
      const got = await Promise.all([
        a.s.leases.lease(name, 5_000).hold(),
        b.s.leases.lease(name, 5_000).hold(),
      ]);
      expect(got.filter(Boolean)).toHaveLength(1);
    }
  });
});

describe('background work on two nodes', () => {
  it('the cut-off pass (stale sweeper) runs on the holder only, and moves when it dies', async () => {
    const nas = await a.s.nas.add(
      { name: 'n1', address: '192.0.2.1', secret: 'secret-123', vendor: 'mikrotik' },
      't',
    );
    const t = (await a.s.tokens.create({ minutes: 600, maxDevices: 5 }, 'staff')).tokens[0]!;
    const start = async (acct: string, mac: string) =>
      a.s.store.transaction(() =>
        a.s.accounting.record({
          status: 'start',
          nasId: nas.id,
          identity: {
            nasId: nas.id,
            acctSessionId: acct,
            deviceMac: mac,
            framedIp: '10.5.0.7',
            calledStation: null,
            nasPortId: null,
            login: 'code',
            userName: t.code.toLowerCase(),
            nasIpAddress: '10.0.0.1',
            nasIdentifier: 'hs1',
            callingStationId: mac.toUpperCase(),
          } as never,
          acctSessionId: acct,
          cls: null,
          userName: t.code,
          mac: mac as never,
          eventAt: a.clock.now(),
          receivedAt: a.clock.now(),
          sessionSeconds: undefined,
          inputOctets: undefined,
          outputOctets: undefined,
          terminateCause: null,
        }),
      );
    const open = async () => {
      const q = "SELECT count(*) AS n FROM sessions WHERE status = 'live'";
      if (testDb.backend === 'postgres') return Number((await testDb.sql<{ n: number }>(q))[0]!.n);
      const db = openDatabase(join(dir, 'p.db'));
      try {
        return (db.prepare(q).get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    // A's pass runs: it takes the scheduler's lease and sweeps the silent session.
    await start('S1', 'aa-bb-cc-dd-ee-01');
    advance(10 * 60_000);
    await a.s.cutoff.tick();
    expect(await open()).toBe(0);
    expect((await a.s.store.leases.find('cutoff-scan'))?.holder).toBe('node-a');
    // While A's lease lasts (here: stretched to an hour), B's passes sweep nothing.
    const now = a.clock.now();
    expect(await a.s.store.leases.acquire('cutoff-scan', 'node-a', now, now + 3_600_000)).toBe(
      true,
    );
    await start('S2', 'aa-bb-cc-dd-ee-02');
    advance(10 * 60_000);
    await b.s.cutoff.tick();
    expect(await open()).toBe(1);
    // A dies and never renews: once its lease has expired, B's pass takes over and sweeps.
    advance(3_600_000);
    await b.s.cutoff.tick();
    expect(await open()).toBe(0);
    expect((await a.s.store.leases.find('cutoff-scan'))?.holder).toBe('node-b');
  });

  it('calendar feeds are polled by the holder of the poller lease only', async () => {
    await a.s.bookingSettings.updateBookings({ enabled: true }, 'admin');
    // A feed nobody answers for: a pass counts it as polled (the failure is kept on its row).
    await a.s.feeds.create(
      { name: 'Rooms', url: 'http://127.0.0.1:9/rooms.ics', allowPrivateNetwork: true },
      'admin',
    );
    await a.s.ics.stop();
    await b.s.ics.stop();
    expect(await a.s.store.leases.acquire('ics-poller', 'node-a', T0, T0 + 180_000)).toBe(true);
    expect(await b.s.ics.pollDue()).toBe(0);
    advance(180_001);
    expect(await b.s.ics.pollDue()).toBe(1);
    expect(await a.s.ics.pollDue()).toBe(0);
  });

  it('the retention run happens on one node; the other takes over once the holder died', async () => {
    const runs: string[] = [];
    const start = (n: Node, name: string) =>
      n.s.retention.start({
        firstDelayMs: 0,
        // Every 50 ms of real time; the lease lasts 50 ms of the nodes' (standing) clocks.
        intervalMs: 50,
        onRun: () => runs.push(name),
        onError: () => undefined,
      });
    start(a, 'a');
    start(b, 'b');
    const wait = async (done: () => boolean) => {
      const until = Date.now() + 10_000;
      while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    };
    await wait(() => runs.length >= 5);
    const first = runs[0]!;
    expect(new Set(runs)).toEqual(new Set([first]));
    const [holder, other] = first === 'a' ? [a, b] : [b, a];
    // The holder dies (its database is gone; it never renews); its lease runs out.
    await holder.die();
    await holder.s.retention.stop();
    const before = runs.length;
    advance(51);
    await wait(() => runs.length > before);
    expect(runs.slice(before)[0]).toBe(first === 'a' ? 'b' : 'a');
    expect((await other.s.store.leases.find('retention'))?.holder).toBe(
      `node-${first === 'a' ? 'b' : 'a'}`,
    );
    await other.s.retention.stop();
  });

  it('the controller ticker lease follows the node that runs it', async () => {
    a.s.controllers.start(20);
    const until = Date.now() + 10_000;
    while (!(await a.s.store.leases.find('controller-ticker')) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    b.s.controllers.start(20);
    for (let i = 0; i < 10; i++) {
      advance(1_000);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await a.s.store.leases.find('controller-ticker'))?.holder).toBe('node-a');
    await a.s.controllers.stop();
    const until2 = Date.now() + 10_000;
    while (
      (await a.s.store.leases.find('controller-ticker'))?.holder !== 'node-b' &&
      Date.now() < until2
    ) {
      advance(1_000);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await a.s.store.leases.find('controller-ticker'))?.holder).toBe('node-b');
    await b.s.controllers.stop();
  });
});
