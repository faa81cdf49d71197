// The cut-off job repository's contract: every method gives the same answers on both
// backends, the fair claim and its leases included.

import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CoaJobRecord, NewCoaJob } from '../../../src/storage/coa-job-repo.js';
import type { Store } from '../../../src/storage/store.js';
import { both, openPair, seed, session, T0, type Pair, type Sql } from './radius-fixtures.js';

let p: Pair;
beforeEach(async () => {
  p = await openPair();
});
afterEach(async () => {
  await p.close();
});

const same = <T>(a: T, b: T) => expect(a).toEqual(b);
const LEASE = 30_000;

/** sessions adds one live session on each router and one whose router was removed. */
async function sessions(store: Store, sql: Sql): Promise<[number, number, number]> {
  await seed(store, sql);
  const a = await store.sessions.insert(session('j-a'));
  const b = await store.sessions.insert(session('j-b', { nasId: 2, acctSessionId: 'B' }));
  const c = await store.sessions.insert(session('j-c', { nasId: null, acctSessionId: 'C' }));
  return [a.id, b.id, c.id];
}

const job = (sessionId: number, over: Partial<NewCoaJob> = {}): NewCoaJob => ({
  sessionId,
  kind: 'disconnect',
  reason: 'revoked',
  requestedBy: null,
  sessionTimeout: null,
  createdAt: T0,
  ...over,
});

const brief = (js: CoaJobRecord[]) => js.map((j) => [j.id, j.nasId, j.state, j.attempts]);

it('queues jobs with their router, finds them by id and session, and knows when any waits', async () => {
  const out = await both(
    p,
    async (store, sql) => {
      const [a, b, c] = await sessions(store, sql);
      const none = await store.coaJobs.hasPending();
      const j1 = await store.coaJobs.insert(job(a));
      const j2 = await store.coaJobs.insert(
        job(b, { kind: 'coa', reason: 'token-minutes', requestedBy: 'alice', sessionTimeout: 600 }),
      );
      const j3 = await store.coaJobs.insert(job(c));
      const j4 = await store.coaJobs.insert(job(a, { createdAt: T0 + 5 }));
      return {
        none,
        some: await store.coaJobs.hasPending(),
        ids: [j1, j2, j3, j4],
        j2: await store.coaJobs.findById(j2),
        missing: await store.coaJobs.findById(999),
        ofA: (await store.coaJobs.ofSession(a)).map((j) => j.id),
        ofC: await store.coaJobs.ofSession(c),
      };
    },
    same,
  );
  expect(out.none).toBe(false);
  expect(out.some).toBe(true);
  expect(out.j2).toEqual({
    id: out.ids[1],
    sessionId: expect.any(Number) as number,
    kind: 'coa',
    reason: 'token-minutes',
    requestedBy: 'alice',
    sessionTimeout: 600,
    state: 'pending',
    attempts: 0,
    errorCause: null,
    createdAt: T0,
    finishedAt: null,
    nasId: 2,
    claimedBy: null,
    leaseUntil: null,
  });
  expect(out.ofA).toEqual([out.ids[0], out.ids[3]]);
  expect(out.ofC.map((j) => j.nasId)).toEqual([null]);
});

it('claims fairly per router within the limits, skipping backed-off routers, probing with one', async () => {
  const out = await both(
    p,
    async (store, sql) => {
      const [a, b, c] = await sessions(store, sql);
      // Router 1 has five jobs, router 2 three, the removed router one (queued last).
      for (let i = 0; i < 5; i++) await store.coaJobs.insert(job(a));
      for (let i = 0; i < 3; i++) await store.coaJobs.insert(job(b));
      await store.coaJobs.insert(job(c));
      const lease = { node: 'n1', until: T0 + LEASE };
      const first = await store.coaJobs.claimFair(T0, { limit: 5, perRouter: 2 }, lease);
      // Router 1 and 2 are at their two in flight; only the removed router's job is left.
      const second = await store.coaJobs.claimFair(T0, { limit: 5, perRouter: 2 }, lease);
      const third = await store.coaJobs.claimFair(T0, { limit: 5, perRouter: 2 }, lease);
      // Router 1 answers one job, then times out twice in one round: it is backed off once.
      // The removed router's job is finished as unsendable.
      await store.coaJobs.finish(first[0]!.id, 'ack', null, T0 + 1);
      await store.coaJobs.routerAnswered(1, T0 + 1);
      await store.coaJobs.finish(first[2]!.id, 'timeout', null, T0 + 2);
      const h1 = await store.coaJobs.routerTimedOut(1, T0 + 2, (r) => r * 1000);
      const hAgain = await store.coaJobs.routerTimedOut(1, T0 + 3, (r) => r * 1000);
      const backedOff = await store.coaJobs.claimFair(T0 + 10, { limit: 9, perRouter: 9 }, lease);
      // After the pause: probation, one in flight at a time.
      await store.coaJobs.finish(first[3]!.id, 'ack', null, T0 + 1003);
      const probing = await store.coaJobs.claimFair(T0 + 1003, { limit: 9, perRouter: 9 }, lease);
      const h2 = await store.coaJobs.routerTimedOut(2, T0 + 1003, (r) => r * 1000);
      return {
        first: brief(first),
        second: brief(second),
        third: brief(third),
        h1,
        hAgain,
        backedOff: brief(backedOff),
        probing: brief(probing),
        h2,
        health: await store.coaJobs.routerHealth(),
        claimed: (await store.coaJobs.findById(first[1]!.id))!,
      };
    },
    same,
  );
  // Round-robin: router 1's oldest, router 2's oldest, then each one's second.
  expect(out.first.map((j) => j[1])).toEqual([1, 2, null, 1, 2]);
  expect(out.first.every((j) => j[2] === 'sending' && j[3] === 1)).toBe(true);
  expect(out.second).toEqual([]);
  expect(out.third).toEqual([]);
  expect(out.h1).toMatchObject({
    nasId: 1,
    rounds: 1,
    backoffUntil: T0 + 1002,
    lastTimeoutAt: T0 + 2,
  });
  expect(out.hAgain).toMatchObject({ rounds: 1, backoffUntil: T0 + 1002, lastTimeoutAt: T0 + 3 });
  // Router 1 is paused; router 2 gets its third job.
  expect(out.backedOff.map((j) => j[1])).toEqual([2]);
  expect(out.probing.map((j) => j[1])).toEqual([1]);
  expect(out.h2).toMatchObject({ nasId: 2, rounds: 1, lastAnswerAt: null });
  expect(out.health.map((h) => [h.nasId, h.rounds, h.pending])).toEqual([
    [1, 1, 2],
    [2, 1, 0],
  ]);
  expect(out.claimed).toMatchObject({ state: 'sending', claimedBy: 'n1', leaseUntil: T0 + LEASE });
});

it('hands a claim that ran out to another node, never back to its own, and renews and requeues by node', async () => {
  const out = await both(
    p,
    async (store, sql) => {
      const [a] = await sessions(store, sql);
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push(await store.coaJobs.insert(job(a)));
      const limits = { limit: 2, perRouter: 4 };
      const n1 = await store.coaJobs.claimFair(T0, limits, { node: 'n1', until: T0 + LEASE });
      // n1 goes on sending its own jobs whatever the clock says; n2 takes only pending ones.
      const n1Later = await store.coaJobs.claimFair(T0 + LEASE, limits, {
        node: 'n1',
        until: T0 + 2 * LEASE,
      });
      const renewed = await store.coaJobs.renewClaims('n1', T0 + 3 * LEASE);
      const n2Early = await store.coaJobs.claimFair(
        T0 + 2 * LEASE,
        { limit: 4, perRouter: 8 },
        {
          node: 'n2',
          until: T0 + 5 * LEASE,
        },
      );
      // n1 stops renewing: once its lease ran out, n2 takes its jobs (a second attempt).
      const n2 = await store.coaJobs.claimFair(
        T0 + 3 * LEASE,
        { limit: 4, perRouter: 8 },
        {
          node: 'n2',
          until: T0 + 5 * LEASE,
        },
      );
      // n1's late answer still counts: the job is finished once, and never claimed again.
      const late = await store.coaJobs.finish(n1[0]!.id, 'ack', null, T0 + 3 * LEASE + 1);
      const again = await store.coaJobs.finish(n1[0]!.id, 'nak', 1, T0 + 3 * LEASE + 2);
      const requeued2 = await store.coaJobs.requeueSending('n2');
      const requeuedNone = await store.coaJobs.requeueSending('n1');
      const n3 = await store.coaJobs.claimFair(
        T0 + 3 * LEASE,
        { limit: 9, perRouter: 9 },
        {
          node: 'n3',
          until: T0 + 4 * LEASE,
        },
      );
      const requeuedAll = await store.coaJobs.requeueSending(null);
      return {
        ids,
        n1: brief(n1),
        n1Later: brief(n1Later),
        renewed,
        n2Early: brief(n2Early),
        n2: brief(n2),
        late,
        again,
        requeued2,
        requeuedNone,
        n3: brief(n3),
        requeuedAll,
        jobs: await store.coaJobs.ofSession(a),
      };
    },
    same,
  );
  const [j1, j2, j3, j4] = out.ids;
  expect(out.n1.map((j) => j[0])).toEqual([j1, j2]);
  expect(out.n1Later.map((j) => j[0])).toEqual([j3, j4]);
  expect(out.renewed).toBe(4);
  expect(out.n2Early).toEqual([]);
  expect(out.n2).toEqual([
    [j1, 1, 'sending', 2],
    [j2, 1, 'sending', 2],
    [j3, 1, 'sending', 2],
    [j4, 1, 'sending', 2],
  ]);
  expect([out.late, out.again]).toEqual([true, false]);
  expect([out.requeued2, out.requeuedNone]).toEqual([3, 0]);
  expect(out.n3.map((j) => j[3])).toEqual([3, 3, 3]);
  expect(out.requeuedAll).toBe(3);
  expect(out.jobs.map((j) => [j.state, j.claimedBy, j.leaseUntil])).toEqual([
    ['ack', 'n2', null],
    ['pending', 'n3', null],
    ['pending', 'n3', null],
    ['pending', 'n3', null],
  ]);
});

it('settles waiting or sending jobs and leaves answered ones alone', async () => {
  const out = await both(
    p,
    async (store, sql) => {
      const [a] = await sessions(store, sql);
      const j1 = await store.coaJobs.insert(job(a));
      const j2 = await store.coaJobs.insert(job(a));
      await store.coaJobs.claimFair(T0, { limit: 1, perRouter: 1 }, { node: 'n', until: T0 + 1 });
      const settledSending = await store.coaJobs.settle(j1, 'ack', T0 + 5);
      const settledPending = await store.coaJobs.settle(j2, 'nak', T0 + 6);
      const settledAgain = await store.coaJobs.settle(j2, 'ack', T0 + 7);
      const finishPending = await store.coaJobs.finish(j2, 'ack', null, T0 + 8);
      await store.coaJobs.lockScheduler();
      return {
        settledSending,
        settledPending,
        settledAgain,
        finishPending,
        jobs: (await store.coaJobs.ofSession(a)).map((j) => [j.state, j.finishedAt, j.errorCause]),
        pending: await store.coaJobs.hasPending(),
      };
    },
    same,
  );
  expect(out).toEqual({
    settledSending: true,
    settledPending: true,
    settledAgain: false,
    finishPending: false,
    jobs: [
      ['ack', T0 + 5, null],
      ['nak', T0 + 6, null],
    ],
    pending: false,
  });
});
