// The contract of staff accounts, their sign-in sessions, API keys and settings, on the
// backend under test and against SQLite.

import { describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../../src/storage/store.js';
import { onBothBackends, withTestStore, T0 } from './mirror.js';

describe('staff accounts', () => {
  it('inserts, finds by username ignoring ASCII case only, lists by username and changes', async () => {
    const out = await onBothBackends(async (s) => {
      const alice = await s.staff.insert('Alice', 'h1', 'admin', T0);
      const bob = await s.staff.insert('bob', 'h2', 'staff', T0 + 1);
      const zoe = await s.staff.insert('Zoë', 'h3', 'staff', T0 + 2);
      await s.staff.insert('_ops', 'h4', 'staff', T0 + 3);
      await s.staff.setPasswordHash(bob, 'h2b');
      await s.staff.setDisabled(bob, T0 + 9);
      await s.staff.setRole(bob, 'admin');
      await s.staff.setDisabled(alice, T0 + 5);
      await s.staff.setDisabled(alice, null);
      return {
        ids: [alice, bob, zoe],
        alice: await s.staff.findByUsername('ALICE'),
        bob: await s.staff.findById(bob),
        zoe: await s.staff.findByUsername('zoë'),
        zoeUpper: await s.staff.findByUsername('ZOË'),
        none: await s.staff.findByUsername('carol'),
        noneId: await s.staff.findById(999),
        list: (await s.staff.list()).map((u) => u.username),
        count: await s.staff.count(),
      };
    });
    const [alice, bob] = out.ids as [number, number];
    expect(out.alice).toEqual({
      id: alice,
      username: 'Alice',
      passwordHash: 'h1',
      role: 'admin',
      createdAt: T0,
      disabledAt: null,
      language: 'en',
    });
    expect(out.bob).toEqual({
      id: bob,
      username: 'bob',
      passwordHash: 'h2b',
      role: 'admin',
      createdAt: T0 + 1,
      disabledAt: T0 + 9,
      language: 'en',
    });
    expect(out.zoe?.username).toBe('Zoë');
    expect(out.zoeUpper).toBeUndefined();
    expect(out.none).toBeUndefined();
    expect(out.noneId).toBeUndefined();
    // NOCASE order: ASCII letters as lower case ("_" before them), the rest by their bytes.
    expect(out.list).toEqual(['_ops', 'Alice', 'bob', 'Zoë']);
    expect(out.count).toBe(4);
  });

  it('keeps each account its own dashboard language (schema 15), English by default', async () => {
    const out = await onBothBackends(async (s) => {
      const alice = await s.staff.insert('alice', 'h', 'admin', T0);
      const bob = await s.staff.insert('bob', 'h', 'staff', T0);
      const fresh = (await s.staff.findById(alice))?.language;
      await s.staff.setLanguage(alice, 'de');
      const afterDe = [
        (await s.staff.findById(alice))?.language,
        (await s.staff.findById(bob))?.language,
      ];
      await s.staff.setLanguage(bob, 'de');
      await s.staff.setLanguage(alice, 'en');
      return {
        fresh,
        afterDe,
        list: (await s.staff.list()).map((u) => [u.username, u.language]),
      };
    });
    expect(out).toEqual({
      fresh: 'en',
      afterDe: ['de', 'en'],
      list: [
        ['alice', 'en'],
        ['bob', 'de'],
      ],
    });
  });

  it('refuses a username that differs only in ASCII case as a unique violation', async () => {
    await withTestStore(async ({ store }) => {
      await store.staff.insert('alice', 'h', 'staff', T0);
      const err = await store.staff.insert('ALICE', 'h', 'staff', T0).catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
    });
  });
});

describe('web sessions', () => {
  it('stores, finds with the account, touches, counts, removes and purges', async () => {
    const out = await onBothBackends(async (s) => {
      const alice = await s.staff.insert('alice', 'h', 'admin', T0);
      const bob = await s.staff.insert('bob', 'h', 'staff', T0);
      await s.staff.setDisabled(bob, T0 + 1);
      await s.staff.setLanguage(alice, 'de');
      const put = (idHash: string, userId: number, lastSeenAt: number, expiresAt: number) =>
        s.webSessions.insert({
          idHash,
          userId,
          csrfSecret: `csrf-${idHash}`,
          createdAt: T0,
          lastSeenAt,
          expiresAt,
        });
      await put('a1', alice, T0, T0 + 100);
      await put('a2', alice, T0, T0 + 100);
      await put('a3', alice, T0, T0 + 100);
      await put('b1', bob, T0, T0 + 100);
      await put('old', bob, T0 - 50, T0 + 100);
      await put('expired', alice, T0 + 10, T0 + 20);
      await s.webSessions.touch('a1', T0 + 7);
      const found = await s.webSessions.find('a1');
      const bobs = await s.webSessions.find('b1');
      const countAlice = await s.webSessions.countForUser(alice);
      const removed = await s.webSessions.remove('a2');
      const removedAgain = await s.webSessions.remove('a2');
      const purged = await s.webSessions.purge(T0 + 20, T0 - 10);
      const afterPurge = [await s.webSessions.find('old'), await s.webSessions.find('expired')];
      const kept = await s.webSessions.removeForUser(alice, 'a1');
      const all = await s.webSessions.removeForUser(bob);
      return {
        found,
        bobs,
        countAlice,
        removed,
        removedAgain,
        purged,
        afterPurge,
        kept,
        all,
        left: [await s.webSessions.countForUser(alice), await s.webSessions.countForUser(bob)],
        unknown: await s.webSessions.find('nope'),
      };
    });
    expect(out.found).toEqual({
      idHash: 'a1',
      userId: 1,
      username: 'alice',
      role: 'admin',
      language: 'de',
      userDisabledAt: null,
      csrfSecret: 'csrf-a1',
      createdAt: T0,
      lastSeenAt: T0 + 7,
      expiresAt: T0 + 100,
    });
    expect(out.bobs).toMatchObject({ username: 'bob', role: 'staff', userDisabledAt: T0 + 1 });
    expect(out.countAlice).toBe(4);
    expect(out.removed).toBe(true);
    expect(out.removedAgain).toBe(false);
    expect(out.purged).toBe(2);
    expect(out.afterPurge).toEqual([undefined, undefined]);
    expect(out.kept).toBe(1);
    expect(out.all).toBe(1);
    expect(out.left).toEqual([1, 0]);
    expect(out.unknown).toBeUndefined();
  });
});

describe('API keys', () => {
  it('inserts, finds by hash and id, lists, revokes once and touches forward only', async () => {
    const out = await onBothBackends(async (s) => {
      const key = (name: string, keyHash: string) =>
        s.apiKeys.insert({
          name,
          prefix: `pk_${name}`,
          keyHash,
          role: 'staff',
          createdBy: 'alice',
          createdAt: T0,
        });
      const a = await key('booking', 'hash-a');
      const b = await key('script', 'hash-b');
      const revoked = await s.apiKeys.revoke(b, T0 + 1);
      const again = await s.apiKeys.revoke(b, T0 + 2);
      const unknown = await s.apiKeys.revoke(999, T0);
      await s.apiKeys.touch(a, T0 + 100, T0);
      // A use already recorded at or after notBefore is kept.
      await s.apiKeys.touch(a, T0 + 150, T0 + 100);
      const kept = (await s.apiKeys.findById(a))?.lastUsedAt;
      await s.apiKeys.touch(a, T0 + 200, T0 + 101);
      return {
        a: await s.apiKeys.findByHash('hash-a'),
        b: await s.apiKeys.findById(b),
        none: await s.apiKeys.findByHash('nope'),
        list: (await s.apiKeys.list()).map((k) => k.name),
        revoked,
        again,
        unknown,
        kept,
      };
    });
    expect(out.a).toEqual({
      id: 1,
      name: 'booking',
      prefix: 'pk_booking',
      keyHash: 'hash-a',
      role: 'staff',
      createdBy: 'alice',
      createdAt: T0,
      lastUsedAt: T0 + 200,
      revokedAt: null,
    });
    expect(out.b?.revokedAt).toBe(T0 + 1);
    expect(out.none).toBeUndefined();
    expect(out.list).toEqual(['booking', 'script']);
    expect([out.revoked, out.again, out.unknown]).toEqual([true, false, false]);
    expect(out.kept).toBe(T0 + 100);
  });

  it('refuses a second key with the same hash as a unique violation', async () => {
    await withTestStore(async ({ store }) => {
      const k = {
        name: 'x',
        prefix: 'p',
        keyHash: 'same',
        role: 'admin' as const,
        createdBy: null,
        createdAt: T0,
      };
      await store.apiKeys.insert(k);
      const err = await store.apiKeys.insert(k).catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
    });
  });
});

describe('settings', () => {
  it('stores JSON values by key, replaces them and lists them all', async () => {
    const out = await onBothBackends(async (s) => {
      const before = await s.settings.get('timeZone');
      await s.settings.set('timeZone', 'Europe/Berlin');
      await s.settings.set('codeLength', 8);
      await s.settings.set('codeLength', 10);
      await s.settings.set('portal', { title: 'Café', colors: ['#fff'], on: true, none: null });
      await s.settings.set('nothing', null);
      return {
        before,
        tz: await s.settings.get('timeZone'),
        len: await s.settings.get('codeLength'),
        nothing: await s.settings.get('nothing'),
        all: await s.settings.all(),
      };
    });
    expect(out.before).toBeUndefined();
    expect(out.tz).toBe('Europe/Berlin');
    expect(out.len).toBe(10);
    expect(out.nothing).toBeNull();
    expect(out.all).toEqual({
      timeZone: 'Europe/Berlin',
      codeLength: 10,
      portal: { title: 'Café', colors: ['#fff'], on: true, none: null },
      nothing: null,
    });
  });
});
