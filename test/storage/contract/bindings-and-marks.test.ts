// The device-binding and event-mark repositories' contract: every method gives the same
// answers on both backends.

import { afterEach, beforeEach, expect, it } from 'vitest';
import { both, openPair, seed, T0, type Pair } from './radius-fixtures.js';

let p: Pair;
beforeEach(async () => {
  p = await openPair();
});
afterEach(async () => {
  await p.close();
});

const same = <T>(a: T, b: T) => expect(a).toEqual(b);

it('binds a MAC to one token at a time, releases and lists live bindings', async () => {
  const out = await both(
    p,
    async (store, sql) => {
      await seed(store, sql);
      const b1 = await store.bindings.bind(1, 'M1', 1, T0);
      const b2 = await store.bindings.bind(1, 'M2', null, T0 + 1);
      // Binding M1 again (to another token) releases the first binding.
      const b3 = await store.bindings.bind(2, 'M1', 2, T0 + 2);
      const live1 = await store.bindings.liveOfToken(1);
      const released = await store.bindings.release(1, 'M2', T0 + 3);
      const releasedAgain = await store.bindings.release(1, 'M2', T0 + 4);
      const wrongToken = await store.bindings.release(1, 'M1', T0 + 4);
      return {
        ids: [b1, b2, b3],
        live1,
        liveM1: await store.bindings.findLive('M1'),
        liveM2: await store.bindings.findLive('M2'),
        released,
        releasedAgain,
        wrongToken,
        after: await store.bindings.liveOfToken(1),
      };
    },
    same,
  );
  const [, b2, b3] = out.ids;
  expect(out.live1).toEqual([
    { id: b2, tokenId: 1, deviceMac: 'M2', nasId: null, createdAt: T0 + 1, releasedAt: null },
  ]);
  expect(out.liveM1).toEqual({
    id: b3,
    tokenId: 2,
    deviceMac: 'M1',
    nasId: 2,
    createdAt: T0 + 2,
    releasedAt: null,
  });
  expect(out.liveM2).toBeUndefined();
  expect([out.released, out.releasedAgain, out.wrongToken]).toEqual([true, false, false]);
  expect(out.after).toEqual([]);
});

it('claims an event once, throttles it per interval, clears and prunes marks', async () => {
  const out = await both(
    p,
    async (store) => {
      const m = store.eventMarks;
      const claims = [
        await m.claim('token.depleted', 'token:1', T0),
        await m.claim('token.depleted', 'token:1', T0 + 1),
        await m.claim('token.depleted', 'token:2', T0 + 2),
      ];
      const throttles = [
        await m.throttle('device.refused', 'token:1/M1', T0, 60_000),
        await m.throttle('device.refused', 'token:1/M1', T0 + 59_999, 60_000),
        await m.throttle('device.refused', 'token:1/M1', T0 + 60_000, 60_000),
        await m.throttle('device.refused', 'token:1/M1', T0 + 60_001, 60_000),
      ];
      const has = [
        await m.has('token.depleted', 'token:1'),
        await m.has('token.expired', 'token:1'),
      ];
      await m.clear('token.depleted', 'token:1');
      const cleared = await m.has('token.depleted', 'token:1');
      const reclaimed = await m.claim('token.depleted', 'token:1', T0 + 9);
      const pruned = await m.prune('token.depleted', T0 + 5);
      const prunedOther = await m.prune('device.refused', T0);
      return {
        claims,
        throttles,
        has,
        cleared,
        reclaimed,
        pruned,
        prunedOther,
        left: [await m.has('token.depleted', 'token:1'), await m.has('token.depleted', 'token:2')],
      };
    },
    same,
  );
  expect(out).toEqual({
    claims: [true, false, true],
    throttles: [true, false, true, false],
    has: [true, false],
    cleared: false,
    reclaimed: true,
    pruned: 1,
    prunedOther: 0,
    left: [true, false],
  });
});
