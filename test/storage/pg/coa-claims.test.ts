// Cut-off jobs with two nodes on one PostgreSQL: every job is claimed by exactly one node
// however the claims interleave, a claim whose lease ran out is taken by the other node,
// and a job answered is never claimed again.

import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { CoaJobRecord } from '../../../src/storage/coa-job-repo.js';
import type { PgStore } from '../../../src/storage/pg/store.js';
import { NAS, NAS2, T0 } from '../contract/radius-fixtures.js';
import { openTwoNodes, startPostgres } from './two-nodes.js';

let server: Awaited<ReturnType<typeof startPostgres>>;
let nodes: Awaited<ReturnType<typeof openTwoNodes>>;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  nodes = await openTwoNodes(server);
});
afterEach(async () => {
  await nodes.close();
});

const LEASE = 30_000;

/** queue adds `perRouter` jobs for each of two routers' sessions and returns their ids. */
async function queue(store: PgStore, perRouter: number): Promise<number[]> {
  const n1 = await store.nas.insert(NAS);
  const n2 = await store.nas.insert(NAS2);
  await store.pool.query(
    `INSERT INTO tokens (id, code, source, created_at) VALUES (1, 'AAAA1111', 'test', $1)`,
    [T0],
  );
  const ids: number[] = [];
  for (const [i, nasId] of [n1, n2].entries()) {
    const { rows } = await store.pool.query<{ id: number }>(
      `INSERT INTO sessions (token_id, nas_id, status, class, acct_session_id, reserved_at)
      VALUES (1, $1, 'live', $2, $2, $3) RETURNING id`,
      [nasId, `c${i}`, T0],
    );
    const sessionId = rows[0]!.id;
    for (let j = 0; j < perRouter; j++) {
      ids.push(
        await store.coaJobs.insert({
          sessionId,
          kind: 'disconnect',
          reason: 'revoked',
          requestedBy: null,
          sessionTimeout: null,
          createdAt: T0,
        }),
      );
    }
  }
  return ids;
}

const claim = (store: PgStore, node: string, now: number, limit: number, perRouter = 8) =>
  store.transaction(async (tx) =>
    tx.coaJobs.claimFair(now, { limit, perRouter }, { node, until: now + LEASE }),
  );

it('claims every job exactly once when two nodes claim at the same time, over and over', async () => {
  const { a, b } = nodes;
  const ids = await queue(a, 150);
  const claimed = new Map<number, string>();
  const twice: number[] = [];
  // Each node keeps claiming small batches and finishing them, as the worker does, until
  // the queue is empty; the claims of the two nodes run side by side.
  const worker = async (store: PgStore, node: string) => {
    for (let round = 0; round < 200; round++) {
      const jobs: CoaJobRecord[] = await claim(store, node, T0, 7, 8);
      if (jobs.length === 0 && !(await store.coaJobs.hasPending())) return;
      for (const j of jobs) {
        if (claimed.has(j.id)) twice.push(j.id);
        claimed.set(j.id, node);
        expect(j.claimedBy).toBe(node);
      }
      await store.transaction(async (tx) => {
        for (const j of jobs) await tx.coaJobs.finish(j.id, 'ack', null, T0 + 1);
      });
    }
  };
  await Promise.all([worker(a, 'node-a'), worker(b, 'node-b')]);
  expect(twice).toEqual([]);
  expect([...claimed.keys()].sort((x, y) => x - y)).toEqual(ids);
  // Both nodes did part of the work.
  const byNode = [...claimed.values()];
  expect(byNode.filter((n) => n === 'node-a').length).toBeGreaterThan(0);
  expect(byNode.filter((n) => n === 'node-b').length).toBeGreaterThan(0);
  const { rows } = await a.pool.query<{ state: string; n: number }>(
    'SELECT state, COUNT(*) AS n FROM coa_jobs GROUP BY state',
  );
  expect(rows).toEqual([{ state: 'ack', n: 300 }]);
});

it('keeps the per-router limit across both nodes claiming at the same time', async () => {
  const { a, b } = nodes;
  await queue(a, 20);
  for (let round = 0; round < 20; round++) {
    await Promise.all([claim(a, 'node-a', T0, 64, 5), claim(b, 'node-b', T0, 64, 5)]);
    const { rows } = await a.pool.query<{ nas_id: number; n: number }>(
      "SELECT nas_id, COUNT(*) AS n FROM coa_jobs WHERE state = 'sending' GROUP BY nas_id ORDER BY nas_id",
    );
    expect(rows).toEqual([
      { nas_id: 1, n: 5 },
      { nas_id: 2, n: 5 },
    ]);
    await a.coaJobs.requeueSending(null);
  }
});

it("takes over a dead node's claims once their lease ran out, and never an answered job", async () => {
  const { a, b } = nodes;
  const ids = await queue(a, 2);
  // Node a claims everything and dies before answering; it answered one job first.
  const mine = await claim(a, 'node-a', T0, 10);
  expect(mine.map((j) => j.id).sort((p, q) => p - q)).toEqual(ids);
  await a.coaJobs.finish(mine[0]!.id, 'ack', null, T0 + 5);
  await a.close();
  // Within the lease node b leaves them; after it, b takes the three unanswered ones.
  expect(await claim(b, 'node-b', T0 + LEASE - 1, 10)).toEqual([]);
  const taken = await claim(b, 'node-b', T0 + LEASE, 10);
  expect(taken.map((j) => j.id).sort((p, q) => p - q)).toEqual(
    ids.filter((id) => id !== mine[0]!.id),
  );
  expect(taken.every((j) => j.attempts === 2 && j.claimedBy === 'node-b')).toBe(true);
  // Renewed by b, they stay b's however late it is, and the answered job stays answered.
  expect(await b.coaJobs.renewClaims('node-b', T0 + 10 * LEASE)).toBe(3);
  expect(await claim(b, 'node-b', T0 + 5 * LEASE, 10)).toEqual([]);
  expect((await b.coaJobs.findById(mine[0]!.id))?.state).toBe('ack');
  // Reopened for afterEach's close.
  nodes = { ...nodes, a: b, close: () => b.close() } as typeof nodes;
});
