// The token repository's contract, on the backend under test and against SQLite: batches,
// insert and lookups, listings (every order and filter), state counts, updates, coverage
// merging and the row lock.

import { describe, expect, it } from 'vitest';
import { deriveState, TOKEN_STATES, type TokenState } from '../../../src/core/token.js';
import { isUniqueViolation, type Store } from '../../../src/storage/store.js';
import { TOKEN_SORTS, type TokenUpdate } from '../../../src/storage/token-repo.js';
import { newToken as token, onBothBackends, withTestStore, T0 } from './mirror.js';

const MIN = 60_000;

type Sql = (text: string, params?: unknown[]) => Promise<unknown[]>;
let classes = 0;
const session = (sql: Sql, tokenId: number, status: 'reserved' | 'live' | 'closed') =>
  sql('INSERT INTO sessions (token_id, status, class, reserved_at) VALUES (?, ?, ?, ?)', [
    tokenId,
    status,
    `c${++classes}`,
    T0,
  ]);

describe('batches', () => {
  it('creates and gets batches, and finds the newest by name ignoring ASCII case and spaces', async () => {
    const out = await onBothBackends(async (s) => {
      const a = await s.tokens.createBatch('Open Day', 'bulk', 'alice', T0);
      const b = await s.tokens.createBatch('open day ', 'manual', null, T0 + 1);
      await s.tokens.createBatch('Éclair', 'bulk', null, T0 + 2);
      return {
        ids: [a, b],
        got: await s.tokens.getBatch(a),
        none: await s.tokens.getBatch(999),
        found: await s.tokens.findBatchByName('  OPEN DAY'),
        // SQLite folds ASCII letters only: É and é stay different names.
        accent: await s.tokens.findBatchByName('éclair'),
        exact: await s.tokens.findBatchByName('ÉCLAIR'),
        missing: await s.tokens.findBatchByName('open'),
      };
    });
    const [a, b] = out.ids as [number, number];
    expect(out.got).toEqual({ id: a, name: 'Open Day', createdAt: T0 });
    expect(out.none).toBeUndefined();
    expect(out.found).toEqual({ id: b, name: 'open day ' });
    expect(out.accent).toBeUndefined();
    expect(out.exact?.name).toBe('Éclair');
    expect(out.missing).toBeUndefined();
  });

  it('lists the newest batches that still have live tokens, with their counts', async () => {
    const out = await onBothBackends(async (s) => {
      const a = await s.tokens.createBatch('a', 'bulk', null, T0);
      const b = await s.tokens.createBatch('b', 'bulk', null, T0);
      const c = await s.tokens.createBatch('c', 'bulk', null, T0);
      await s.tokens.insert(token('A1', { batchId: a }));
      await s.tokens.insert(token('A2', { batchId: a }));
      const gone = await s.tokens.insert(token('B1', { batchId: b }));
      await s.tokens.softDelete(gone, T0);
      await s.tokens.insert(token('C1', { batchId: c }));
      return { all: await s.batches.listRecent(10), one: await s.batches.listRecent(1) };
    });
    expect(out.all).toEqual([
      { id: 3, name: 'c', createdAt: T0, tokens: 1 },
      { id: 1, name: 'a', createdAt: T0, tokens: 2 },
    ]);
    expect(out.one).toEqual([{ id: 3, name: 'c', createdAt: T0, tokens: 1 }]);
  });
});

describe('insert and lookups', () => {
  it('returns every field as numbers and strings, by code and by id', async () => {
    const out = await onBothBackends(async (s, sql) => {
      const batch = await s.tokens.createBatch('Gala', 'bulk', 'bob', T0);
      const id = await s.tokens.insert(
        token('ABCD2345', {
          minutes: 90,
          validFrom: T0 - MIN,
          validUntil: T0 + 600 * MIN,
          expiresAfterFirstUseMinutes: 30,
          maxDevices: 3,
          whenFull: 'replace-oldest',
          dataQuotaBytes: 5_000_000_000,
          rateDownKbps: 2000,
          rateUpKbps: 500,
          description: 'desk',
          batchId: batch,
          source: 'bulk',
        }),
      );
      await session(sql, id, 'live');
      await session(sql, id, 'live');
      await session(sql, id, 'reserved');
      return {
        id,
        byCode: await s.tokens.findByCode('ABCD2345'),
        byId: await s.tokens.findById(id),
        unknown: await s.tokens.findByCode('NOPE'),
        unknownId: await s.tokens.findById(999),
        exists: await s.tokens.codeExists('ABCD2345'),
        notExists: await s.tokens.codeExists('ABCD2346'),
      };
    });
    expect(out.byCode).toEqual({
      id: out.id,
      code: 'ABCD2345',
      minutes: 90,
      validFrom: T0 - MIN,
      validUntil: T0 + 600 * MIN,
      expiresAfterFirstUseMinutes: 30,
      maxDevices: 3,
      whenFull: 'replace-oldest',
      dataQuotaBytes: 5_000_000_000,
      rateDownKbps: 2000,
      rateUpKbps: 500,
      description: 'desk',
      batchId: 1,
      batchName: 'Gala',
      source: 'bulk',
      createdBy: 'alice',
      createdAt: T0,
      usedMs: 0,
      usedBytes: 0,
      firstUsedAt: null,
      lastUsedAt: null,
      revokedAt: null,
      deletedAt: null,
      liveSessions: 2,
    });
    expect(out.byId).toEqual(out.byCode);
    expect(out.unknown).toBeUndefined();
    expect(out.unknownId).toBeUndefined();
    expect(out.exists).toBe(true);
    expect(out.notExists).toBe(false);
  });

  it('refuses a second token with the same code as a unique violation', async () => {
    await withTestStore(async ({ store }) => {
      await store.tokens.insert(token('SAME2345'));
      const err = await store.tokens.insert(token('SAME2345')).catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
    });
  });

  it('soft-deletes: gone by code and from its batch, kept by id and as a taken code', async () => {
    const out = await onBothBackends(async (s) => {
      const batch = await s.tokens.createBatch('b', 'bulk', null, T0);
      const a = await s.tokens.insert(token('AAAA2345', { batchId: batch }));
      const b = await s.tokens.insert(token('BBBB2345', { batchId: batch }));
      const c = await s.tokens.insert(token('CCCC2345', { batchId: batch }));
      const first = await s.tokens.softDelete(b, T0 + 5);
      const again = await s.tokens.softDelete(b, T0 + 6);
      return {
        first,
        again,
        byCode: await s.tokens.findByCode('BBBB2345'),
        byId: (await s.tokens.findById(b))?.deletedAt,
        taken: await s.tokens.codeExists('BBBB2345'),
        batch: (await s.tokens.listBatch(batch)).map((t) => t.id),
        expected: [a, c],
      };
    });
    expect(out.first).toBe(true);
    expect(out.again).toBe(false);
    expect(out.byCode).toBeUndefined();
    expect(out.byId).toBe(T0 + 5);
    expect(out.taken).toBe(true);
    expect(out.batch).toEqual(out.expected);
  });
});

/** seedStates inserts one token per state (two unused) at T0 and returns their ids by state. */
async function seedStates(s: Store, sql: Sql): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  const batch = await s.tokens.createBatch('Summer_Fest 100%', 'bulk', null, T0);
  ids.unused = await s.tokens.insert(
    token('UNUS2345', { description: 'Front desk', createdAt: T0 - 5 * MIN, batchId: batch }),
  );
  ids.unused2 = await s.tokens.insert(
    token('UNUS6789', { description: 'back office', createdAt: T0 - 5 * MIN, minutes: null }),
  );
  ids.scheduled = await s.tokens.insert(
    token('SCHD2345', { validFrom: T0 + MIN, validUntil: T0 + 90 * MIN, createdAt: T0 - 4 * MIN }),
  );
  ids.expired = await s.tokens.insert(
    token('EXPD2345', { validUntil: T0, createdAt: T0 - 3 * MIN, batchId: batch }),
  );
  ids.firstUseExpired = await s.tokens.insert(
    token('FUEX2345', { expiresAfterFirstUseMinutes: 10, createdAt: T0 - 2 * MIN }),
  );
  await s.tokens.markFirstUse(ids.firstUseExpired, T0 - 10 * MIN);
  ids.depleted = await s.tokens.insert(token('DEPL2345', { minutes: 1, createdAt: T0 - MIN }));
  // Within a second of the end counts as used up (MIN_USABLE_MS).
  await s.tokens.addOnlineTime(ids.depleted, { start: T0 - 2 * MIN, end: T0 - MIN - 500 }, 0);
  ids.dataDepleted = await s.tokens.insert(
    token('DATA2345', { dataQuotaBytes: 1000, createdAt: T0 - MIN }),
  );
  await s.tokens.addOnlineTime(ids.dataDepleted, { start: T0 - MIN, end: T0 - MIN }, 1000);
  ids.online = await s.tokens.insert(token('ONLN2345', { createdAt: T0 + MIN }));
  await session(sql, ids.online, 'live');
  ids.active = await s.tokens.insert(token('ACTV2345', { createdAt: T0 + 2 * MIN }));
  await s.tokens.addOnlineTime(ids.active, { start: T0 - 20 * MIN, end: T0 - 10 * MIN }, 10);
  await session(sql, ids.active, 'closed');
  await session(sql, ids.active, 'reserved');
  ids.revoked = await s.tokens.insert(
    token('RVKD2345', { createdAt: T0 + 3 * MIN, validUntil: T0 + 30 * MIN }),
  );
  await s.tokens.update(ids.revoked, { revokedAt: T0 - MIN });
  const deleted = await s.tokens.insert(token('GONE2345', { createdAt: T0 }));
  await s.tokens.softDelete(deleted, T0);
  return ids;
}

describe('states', () => {
  it('counts and filters by the state deriveState gives, at several times', async () => {
    const out = await onBothBackends(async (s, sql) => {
      const ids = await seedStates(s, sql);
      const at = [T0, T0 + 2 * MIN, T0 + 100 * MIN];
      const runs = [];
      for (const now of at) {
        const byState: Record<string, number[]> = {};
        for (const state of TOKEN_STATES)
          byState[state] = (await s.tokens.list({ state }, now, { limit: 100, offset: 0 })).map(
            (t) => t.id,
          );
        const all = await s.tokens.list({}, now, { limit: 100, offset: 0 });
        const derived = Object.fromEntries(
          all.map((t) => [t.id, deriveState(t, t.usedMs, t.liveSessions, now)]),
        );
        runs.push({
          counts: await s.tokens.countByState({}, now),
          batchCounts: await s.tokens.countByState({ batchId: 1, state: 'expired' }, now),
          byState,
          derived,
        });
      }
      return { ids, runs };
    });
    const { ids, runs } = out;
    for (const run of runs) {
      for (const state of TOKEN_STATES) {
        const expected = Object.entries(run.derived)
          .filter(([, st]) => st === state)
          .map(([id]) => Number(id));
        expect(new Set(run.byState[state])).toEqual(new Set(expected));
        expect(run.counts[state]).toBe(expected.length);
      }
    }
    const first = runs[0]!;
    const stateOf = (id: number): TokenState | undefined => first.derived[id];
    expect(stateOf(ids.unused!)).toBe('unused');
    expect(stateOf(ids.scheduled!)).toBe('scheduled');
    expect(stateOf(ids.expired!)).toBe('expired');
    expect(stateOf(ids.firstUseExpired!)).toBe('expired');
    expect(stateOf(ids.depleted!)).toBe('depleted');
    expect(stateOf(ids.dataDepleted!)).toBe('depleted');
    expect(stateOf(ids.online!)).toBe('online');
    expect(stateOf(ids.active!)).toBe('active');
    expect(stateOf(ids.revoked!)).toBe('revoked');
    expect(first.counts).toEqual({
      scheduled: 1,
      unused: 2,
      active: 1,
      online: 1,
      depleted: 2,
      expired: 2,
      revoked: 1,
    });
    // A state in the filter is ignored by the counts; the batch is not.
    expect(first.batchCounts).toEqual({
      scheduled: 0,
      unused: 1,
      active: 0,
      online: 0,
      depleted: 0,
      expired: 1,
      revoked: 0,
    });
    // Later the scheduled token has begun and the revoked one is still revoked.
    expect(runs[1]!.derived[ids.scheduled!]).toBe('unused');
    expect(runs[2]!.derived[ids.scheduled!]).toBe('expired');
    expect(runs[2]!.derived[ids.revoked!]).toBe('revoked');
  });
});

describe('listing', () => {
  it('sorts in every order and pages with limit and offset', async () => {
    const out = await onBothBackends(async (s, sql) => {
      await seedStates(s, sql);
      const orders: Record<string, string[]> = {};
      for (const sort of TOKEN_SORTS)
        orders[sort] = (await s.tokens.list({}, T0, { sort, limit: 100, offset: 0 })).map(
          (t) => t.code,
        );
      const page = (await s.tokens.list({}, T0, { sort: 'code', limit: 3, offset: 2 })).map(
        (t) => t.code,
      );
      const dflt = (await s.tokens.list({}, T0, { limit: 2, offset: 0 })).map((t) => t.code);
      return { orders, page, dflt };
    });
    const codes = out.orders.code!;
    expect(codes).toEqual([...codes].sort());
    expect(codes).toHaveLength(10);
    expect(out.page).toEqual(codes.slice(2, 5));
    expect(out.orders['-created']!.slice(0, 3)).toEqual(['RVKD2345', 'ACTV2345', 'ONLN2345']);
    expect(out.orders.created!.slice(0, 2)).toEqual(['UNUS2345', 'UNUS6789']);
    expect(out.dflt).toEqual(['RVKD2345', 'ACTV2345']);
    expect(out.orders['-used']!.slice(0, 2)).toEqual(['ACTV2345', 'DEPL2345']);
    expect(out.orders.used!.slice(-2)).toEqual(['DEPL2345', 'ACTV2345']);
    // Tokens without an end come last.
    expect(out.orders.valid_until!.slice(0, 3)).toEqual(['EXPD2345', 'RVKD2345', 'SCHD2345']);
  });

  it('filters by code prefix, description or batch name (ASCII case ignored, wildcards literal), ids and batch', async () => {
    const out = await onBothBackends(async (s, sql) => {
      const ids = await seedStates(s, sql);
      const text = async (q: string) =>
        (await s.tokens.list({ text: q }, T0, { sort: 'code', limit: 100, offset: 0 })).map(
          (t) => t.code,
        );
      return {
        prefix: await text('unus-'),
        spaced: await text('un us'),
        description: await text('FRONT'),
        office: await text('Office'),
        batch: await text('summer_fest'),
        percent: await text('100%'),
        underscore: await text('r_f'),
        likeWildcard: await text('%'),
        ids: (
          await s.tokens.list({ ids: [ids.active!, ids.online!, 999] }, T0, {
            sort: 'code',
            limit: 100,
            offset: 0,
          })
        ).map((t) => t.code),
        emptyIds: await s.tokens.list({ ids: [] }, T0, { limit: 100, offset: 0 }),
        batchId: (
          await s.tokens.list({ batchId: 1, text: 'expd' }, T0, { limit: 100, offset: 0 })
        ).map((t) => t.code),
        combined: await s.tokens.countByState({ text: 'summer', ids: [ids.unused!] }, T0),
      };
    });
    expect(out.prefix).toEqual(['UNUS2345', 'UNUS6789']);
    expect(out.spaced).toEqual(['UNUS2345', 'UNUS6789']);
    expect(out.description).toEqual(['UNUS2345']);
    expect(out.office).toEqual(['UNUS6789']);
    expect(out.batch).toEqual(['EXPD2345', 'UNUS2345']);
    expect(out.percent).toEqual(['EXPD2345', 'UNUS2345']);
    expect(out.underscore).toEqual(['EXPD2345', 'UNUS2345']);
    expect(out.likeWildcard).toEqual(['EXPD2345', 'UNUS2345']);
    expect(out.ids).toEqual(['ACTV2345', 'ONLN2345']);
    expect(out.emptyIds).toEqual([]);
    expect(out.batchId).toEqual(['EXPD2345']);
    expect(out.combined.unused).toBe(1);
  });

  it('iterates every matching token in id order across pages', async () => {
    const out = await onBothBackends(async (s, sql) => {
      const ids = await seedStates(s, sql);
      const seen = async (f: Parameters<Store['tokens']['iterate']>[0], size?: number) => {
        const got: number[] = [];
        for await (const t of s.tokens.iterate(f, T0, size)) got.push(t.id);
        return got;
      };
      return {
        ids,
        all: await seen({}, 3),
        exact: await seen({}, 10),
        dflt: await seen({}),
        unused: await seen({ state: 'unused' }, 1),
        none: await seen({ text: 'zzz' }, 2),
      };
    });
    const live = Object.values(out.ids).sort((a, b) => a - b);
    expect(out.all).toEqual(live);
    expect(out.exact).toEqual(live);
    expect(out.dflt).toEqual(live);
    expect(out.unused).toEqual([out.ids.unused, out.ids.unused2]);
    expect(out.none).toEqual([]);
  });
});

const CHANGES: TokenUpdate = {
  minutes: 120,
  validUntil: null,
  maxDevices: 2,
  whenFull: 'replace-oldest',
  dataQuotaBytes: 10,
  rateDownKbps: 1,
  rateUpKbps: 2,
  description: 'new',
  expiresAfterFirstUseMinutes: 5,
  validFrom: T0 - MIN,
  revokedAt: T0,
};

describe('updates', () => {
  it('changes the given fields, to null too; false for an unknown or deleted token', async () => {
    const out = await onBothBackends(async (s) => {
      const id = await s.tokens.insert(token('UPDT2345', { validUntil: T0 + MIN }));
      const changed = await s.tokens.update(id, CHANGES);
      const nothing = await s.tokens.update(id, {});
      const unknown = await s.tokens.update(999, { minutes: 1 });
      const gone = await s.tokens.insert(token('GONE2345'));
      await s.tokens.softDelete(gone, T0);
      const deleted = await s.tokens.update(gone, { minutes: 1 });
      return {
        changed,
        nothing,
        unknown,
        deleted,
        after: await s.tokens.findById(id),
        goneMinutes: (await s.tokens.findById(gone))?.minutes,
      };
    });
    expect(out).toMatchObject({ changed: true, nothing: true, unknown: false, deleted: false });
    expect(out.goneMinutes).toBe(60);
    expect(out.after).toMatchObject(CHANGES);
  });
});

describe('metered coverage', () => {
  it('charges only newly covered time, merges touching spans and records first and last use', async () => {
    const out = await onBothBackends(async (s) => {
      const id = await s.tokens.insert(token('METR2345'));
      const other = await s.tokens.insert(token('OTHR2345'));
      const s0 = T0;
      const sec = 1000;
      const charged = [
        await s.tokens.addOnlineTime(id, { start: s0, end: s0 + 10 * sec }, 100),
        await s.tokens.addOnlineTime(id, { start: s0 + 5 * sec, end: s0 + 15 * sec }, 0),
        await s.tokens.addOnlineTime(id, { start: s0 + 20 * sec, end: s0 + 30 * sec }, 0),
        await s.tokens.addOnlineTime(id, { start: s0 + 40 * sec, end: s0 + 50 * sec }, 0),
      ];
      const split = await s.tokens.coverageSince(id, 0);
      // Bridging three spans merges them into one.
      charged.push(
        await s.tokens.addOnlineTime(id, { start: s0 + 12 * sec, end: s0 + 45 * sec }, 0),
      );
      charged.push(await s.tokens.addOnlineTime(id, { start: s0, end: s0 + 50 * sec }, 0));
      // An empty span charges bytes only.
      charged.push(await s.tokens.addOnlineTime(id, { start: s0 + 60 * sec, end: s0 }, 23));
      // An earlier span keeps the latest last use.
      charged.push(
        await s.tokens.addOnlineTime(id, { start: s0 - 10 * sec, end: s0 - 5 * sec }, 0),
      );
      await s.tokens.addOnlineTime(other, { start: s0, end: s0 + sec }, 0);
      return {
        charged,
        split,
        merged: await s.tokens.coverageSince(id, 0),
        since: await s.tokens.coverageSince(id, s0 - 5 * sec),
        after: await s.tokens.coverageSince(id, s0 + 51 * sec),
        meter: await s.tokens.meterOf(id),
        t: await s.tokens.findById(id),
        unknownMeter: await s.tokens.meterOf(999),
      };
    });
    const sec = 1000;
    expect(out.charged).toEqual([10 * sec, 5 * sec, 10 * sec, 10 * sec, 15 * sec, 0, 0, 5 * sec]);
    expect(out.split).toEqual([
      { start: T0, end: T0 + 15 * sec },
      { start: T0 + 20 * sec, end: T0 + 30 * sec },
      { start: T0 + 40 * sec, end: T0 + 50 * sec },
    ]);
    expect(out.merged).toEqual([
      { start: T0 - 10 * sec, end: T0 - 5 * sec },
      { start: T0, end: T0 + 50 * sec },
    ]);
    expect(out.since).toEqual(out.merged);
    expect(out.after).toEqual([]);
    expect(out.meter).toEqual({
      code: 'METR2345',
      minutes: 60,
      usedMs: 55 * sec,
      dataQuotaBytes: null,
      usedBytes: 123,
    });
    expect(out.t).toMatchObject({ firstUsedAt: T0, lastUsedAt: T0 + 50 * sec, usedMs: 55 * sec });
    expect(out.unknownMeter).toBeUndefined();
  });

  it('marks the first use once', async () => {
    const out = await onBothBackends(async (s) => {
      const id = await s.tokens.insert(token('FRST2345'));
      return {
        first: await s.tokens.markFirstUse(id, T0 + 1),
        second: await s.tokens.markFirstUse(id, T0 + 2),
        unknown: await s.tokens.markFirstUse(999, T0),
        at: (await s.tokens.findById(id))?.firstUsedAt,
      };
    });
    expect(out).toEqual({ first: true, second: false, unknown: false, at: T0 + 1 });
  });
});

describe('row lock', () => {
  it('locks known, unknown and no tokens inside a transaction', async () => {
    await withTestStore(async ({ store }) => {
      const a = await store.tokens.insert(token('LOCK2345'));
      const b = await store.tokens.insert(token('LOCK6789'));
      const got = await store.transaction(async (tx) => {
        await tx.tokens.lockForUpdate([b, a, 999]);
        await tx.tokens.lockForUpdate([]);
        return tx.tokens.update(a, { description: 'locked' });
      });
      expect(got).toBe(true);
      expect((await store.tokens.findById(a))?.description).toBe('locked');
    });
  });
});
