// The router repository's contract: every method gives the same answers on both backends,
// names compared ignoring ASCII case as SQLite's NOCASE does.

import { afterEach, beforeEach, expect, it } from 'vitest';
import { both, NAS, NAS2, openPair, T0, type Pair } from './radius-fixtures.js';

let p: Pair;
beforeEach(async () => {
  p = await openPair();
});
afterEach(async () => {
  await p.close();
});

const same = <T>(a: T, b: T) => expect(a).toEqual(b);
const code = (err: unknown) => {
  const c = (err as { code?: string }).code;
  return c === 'SQLITE_CONSTRAINT_UNIQUE' || c === '23505' ? 'unique' : String(c);
};

it('adds, lists by name, finds, updates, marks seen and removes routers', async () => {
  const out = await both(
    p,
    async (store) => {
      const a = await store.nas.insert(NAS);
      const b = await store.nas.insert(NAS2);
      const c = await store.nas.insert({ ...NAS2, name: 'Zed', address: '192.0.2.3' });
      const errors: string[] = [];
      for (const n of [
        { ...NAS, address: '192.0.2.9', name: 'LOBBY' },
        { ...NAS, name: 'other' },
      ]) {
        try {
          await store.transaction(async (tx) => tx.nas.insert(n));
        } catch (err) {
          errors.push(code(err));
        }
      }
      const listed = (await store.nas.list()).map((n) => n.name);
      const updated = await store.nas.update(b, {
        name: 'Bar',
        requireMessageAuthenticator: false,
        limitProxyState: true,
        loginHosts: ['a.example'],
        uamSecret: 'uam',
        controllerUrl: 'https://unifi.example',
      });
      const noop = await store.nas.update(b, {});
      const missing = await store.nas.update(999, { name: 'x' });
      await store.nas.markSeen(a, T0 + 10);
      await store.nas.markSeen(a, T0 + 5);
      await store.nas.markSeen(a, T0 + 20);
      const removed = await store.nas.remove(c);
      const removedAgain = await store.nas.remove(c);
      return {
        errors,
        listed,
        updated,
        noop,
        missing,
        removed,
        removedAgain,
        byId: await store.nas.findById(a),
        byAddress: (await store.nas.findByAddress('192.0.2.2'))?.id,
        noAddress: await store.nas.findByAddress('192.0.2.99'),
        byName: (await store.nas.findByName('bar'))?.id,
        byUpper: (await store.nas.findByName('LOBBY'))?.id,
        noName: await store.nas.findByName('zed'),
        b: await store.nas.findById(b),
        after: (await store.nas.list()).map((n) => n.id),
        ids: [a, b, c],
      };
    },
    same,
  );
  const [a, b] = out.ids;
  expect(out.errors).toEqual(['unique', 'unique']);
  expect(out.listed).toEqual(['bar', 'Lobby', 'Zed']);
  expect([out.updated, out.noop, out.missing, out.removed, out.removedAgain]).toEqual([
    true,
    true,
    false,
    true,
    false,
  ]);
  expect(out.byId).toEqual({ ...NAS, id: a, lastSeenAt: T0 + 20 });
  expect([out.byAddress, out.byName, out.byUpper]).toEqual([b, b, a]);
  expect(out.noAddress).toBeUndefined();
  expect(out.noName).toBeUndefined();
  expect(out.b).toMatchObject({
    name: 'Bar',
    requireMessageAuthenticator: false,
    limitProxyState: true,
    loginHosts: ['a.example'],
    uamSecret: 'uam',
    controllerUrl: 'https://unifi.example',
    lastSeenAt: null,
  });
  expect(out.after).toEqual([b, a]);
});
