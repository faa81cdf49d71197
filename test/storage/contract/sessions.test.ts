// The session repository's contract: every method gives the same answers on both backends.

import { afterEach, beforeEach, expect, it } from 'vitest';
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
const MIN = 60_000;

it('inserts, finds by id, Class, Acct-Session-Id and reservation, and rejects a taken Class', async () => {
  const out = await both(
    p,
    async (store: Store, sql: Sql) => {
      await seed(store, sql);
      const a = await store.sessions.insert(session('c-a'));
      const b = await store.sessions.insert(
        session('c-b', { status: 'closed', stoppedAt: T0 + MIN } as never),
      );
      await store.sessions.close(b.id, {
        stoppedAt: T0 + MIN,
        terminateCause: 'user-request',
        closedBy: 'nas',
        updatedAt: T0 + MIN,
      });
      const c = await store.sessions.insert(session('c-c', { acctSessionId: 'A2' }));
      const r = await store.sessions.insert(
        session('c-r', {
          status: 'reserved',
          acctSessionId: null,
          deviceMac: 'AA-BB-CC-00-00-09',
          startedAt: null,
          lastSeenAt: null,
          updatedAt: null,
          reservationExpiresAt: T0 + 5 * MIN,
        }),
      );
      let dup: unknown;
      try {
        await store.transaction(async (tx) => tx.sessions.insert(session('c-a')));
      } catch (err) {
        dup = (err as { code?: string }).code;
      }
      return {
        a,
        byId: await store.sessions.findById(a.id),
        missing: await store.sessions.findById(999),
        byClass: await store.sessions.findByClass('c-c'),
        noClass: await store.sessions.findByClass('nope'),
        // Open before closed, newest first within each.
        byAcct: (await store.sessions.findByAcct(1, 'A1')).map((s) => [s.id, s.status]),
        otherNas: await store.sessions.findByAcct(2, 'A1'),
        reserved: (await store.sessions.findReserved(1, 'AA-BB-CC-00-00-09'))?.id,
        noReserved: await store.sessions.findReserved(1, 'AA-BB-CC-00-00-01'),
        ids: [a.id, b.id, c.id, r.id],
        dup: dup === 'SQLITE_CONSTRAINT_UNIQUE' || dup === '23505',
      };
    },
    same,
  );
  expect(out.byId).toEqual(out.a);
  expect(out.byAcct).toEqual([
    [out.ids[0], 'live'],
    [out.ids[1], 'closed'],
  ]);
  expect(out.otherNas).toEqual([]);
  expect(out.reserved).toBe(out.ids[3]);
  expect(out.noReserved).toBeUndefined();
  expect(out.dup).toBe(true);
});

it('counts slots, live, swept and open sessions of a token, device and router', async () => {
  const out = await both(
    p,
    async (store, sql) => {
      await seed(store, sql);
      const live = await store.sessions.insert(session('s-live'));
      const held = await store.sessions.insert(
        session('s-held', {
          status: 'reserved',
          acctSessionId: null,
          deviceMac: 'AA-BB-CC-00-00-02',
          reservationExpiresAt: T0 + 2 * MIN,
        }),
      );
      const lapsed = await store.sessions.insert(
        session('s-lapsed', {
          status: 'reserved',
          acctSessionId: null,
          deviceMac: 'AA-BB-CC-00-00-03',
          reservationExpiresAt: T0 + MIN,
        }),
      );
      const released = await store.sessions.insert(session('s-rel', { acctSessionId: 'A9' }));
      await store.sessions.releaseSlot(released.id, T0 + 10);
      await store.sessions.releaseSlot(released.id, T0 + 20);
      const swept = await store.sessions.insert(session('s-swept', { acctSessionId: 'A3' }));
      await store.sessions.close(swept.id, {
        stoppedAt: T0,
        terminateCause: 'stale',
        closedBy: 'sweeper',
        updatedAt: T0,
      });
      const swept2 = await store.sessions.insert(session('s-swept2', { acctSessionId: 'A4' }));
      await store.sessions.close(swept2.id, {
        stoppedAt: T0,
        terminateCause: 'stale',
        closedBy: 'sweeper',
        updatedAt: T0,
      });
      await store.sessions.insert(session('s-nas2', { nasId: 2, tokenId: 3 }));
      const ids = (xs: Array<{ id: number }>) => xs.map((x) => x.id);
      const before = {
        slots: ids(await store.sessions.slotsOf(1, T0 + 90_000)),
        live: ids(await store.sessions.liveOf(1)),
        swept: ids(await store.sessions.sweptOf(1, 1)),
        sweptAll: ids(await store.sessions.sweptOf(1, 10)),
        device: ids(await store.sessions.openOfDevice(1, 'AA-BB-CC-00-00-01')),
        nas1: ids(await store.sessions.openOfNas(1)),
        nas2: (await store.sessions.openOfNas(2)).map((s) => s.class),
        released: (await store.sessions.findById(released.id))?.slotReleasedAt,
      };
      await store.sessions.restoreSlot(released.id);
      await store.sessions.restoreSlot(held.id);
      return {
        ...before,
        restored: ids(await store.sessions.slotsOf(1, T0 + 90_000)),
        all: [live.id, held.id, lapsed.id, released.id, swept.id, swept2.id],
      };
    },
    same,
  );
  const [live, held, , released, swept, swept2] = out.all;
  expect(out.slots).toEqual([live, held]);
  expect(out.live).toEqual([live, released]);
  expect(out.swept).toEqual([swept2]);
  expect(out.sweptAll).toEqual([swept2, swept]);
  expect(out.device).toEqual([live, released]);
  expect(out.nas2).toEqual(['s-nas2']);
  expect(out.released).toBe(T0 + 10);
  expect(out.restored).toEqual([live, held, released]);
});

it('extends, activates, advances, backdates, closes, reopens and lapses sessions', async () => {
  const out = await both(
    p,
    async (store, sql) => {
      await seed(store, sql);
      const r = await store.sessions.insert(
        session('a-r', {
          status: 'reserved',
          acctSessionId: null,
          framedIp: '10.0.0.5',
          startedAt: null,
          lastSeenAt: null,
          updatedAt: null,
          reservationExpiresAt: T0 + MIN,
        }),
      );
      await store.sessions.extendReservation(r.id, T0 + 3 * MIN);
      await store.sessions.extendReservation(r.id, T0 + 2 * MIN);
      const extended = (await store.sessions.findById(r.id))?.reservationExpiresAt;
      const activated = await store.sessions.activate(
        (await store.sessions.findById(r.id))!,
        {
          nasId: 2,
          acctSessionId: 'X1',
          deviceMac: null,
          framedIp: null,
          calledStation: 'ssid',
          nasPortId: null,
          login: null,
          userName: 'AAAA1111',
          nasIpAddress: null,
          nasIdentifier: 'bar',
          callingStationId: null,
        },
        { startedAt: T0 + 1000, lastSeenAt: T0 + 1000, updatedAt: T0 + 1500 },
      );
      const stored = await store.sessions.findById(r.id);
      // Not after a report: backdating only moves a session that reported nothing yet.
      const backdated = await store.sessions.backdateStart(r.id, T0 + 500);
      const notLater = await store.sessions.backdateStart(r.id, T0 + 5000);
      await store.sessions.recordUsage(r.id, {
        lastSeenAt: T0 + 61_000,
        updatedAt: T0 + 61_000,
        sessionSeconds: 60,
        inputOctets: 5_000_000_000,
        outputOctets: 7,
      });
      // updated_at never goes back.
      await store.sessions.recordUsage(r.id, {
        lastSeenAt: T0 + 62_000,
        updatedAt: T0 + 1,
        sessionSeconds: 61,
        inputOctets: 5_000_000_001,
        outputOctets: 8,
      });
      const noBackdate = await store.sessions.backdateStart(r.id, T0);
      await store.sessions.setFramedIp(r.id, '10.0.0.9');
      await store.sessions.close(r.id, {
        stoppedAt: T0 + 62_000,
        terminateCause: 'stale',
        closedBy: 'sweeper',
        updatedAt: T0 + 10,
      });
      const closed = await store.sessions.findById(r.id);
      await store.sessions.reopen(r.id);
      const reopened = await store.sessions.findById(r.id);
      const lapse1 = await store.sessions.insert(
        session('a-l1', {
          status: 'reserved',
          acctSessionId: null,
          reservationExpiresAt: T0 + MIN,
        }),
      );
      await store.sessions.insert(
        session('a-l2', {
          status: 'reserved',
          acctSessionId: null,
          reservationExpiresAt: T0 + 9 * MIN,
        }),
      );
      const lapsed = await store.sessions.closeLapsedReservations(T0 + MIN);
      return {
        extended,
        activated,
        stored,
        backdated,
        notLater,
        noBackdate,
        closed,
        reopened,
        lapsed,
        lapsedRow: await store.sessions.findById(lapse1.id),
      };
    },
    same,
  );
  expect(out.extended).toBe(T0 + 3 * MIN);
  expect(out.stored).toEqual({ ...out.activated });
  expect(out.activated).toMatchObject({ nasId: 2, framedIp: '10.0.0.5', login: 'code' });
  expect(out.backdated).toBe(true);
  expect(out.notLater).toBe(false);
  expect(out.noBackdate).toBe(false);
  expect(out.closed).toMatchObject({
    status: 'closed',
    updatedAt: T0 + 61_000,
    inputOctets: 5_000_000_001,
    framedIp: '10.0.0.9',
    startedAt: T0 + 500,
  });
  expect(out.reopened).toMatchObject({ status: 'live', stoppedAt: null, closedBy: null });
  expect(out.lapsed).toBe(1);
  expect(out.lapsedRow).toMatchObject({
    status: 'closed',
    stoppedAt: T0 + MIN,
    terminateCause: 'reservation-lapsed',
    closedBy: 'portico',
    reservationExpiresAt: null,
  });
});

it('lists stale sessions and closes one only while accounting has not moved it', async () => {
  const out = await both(
    p,
    async (store, sql) => {
      await seed(store, sql);
      const old = await store.sessions.insert(session('st-old', { updatedAt: T0 - 20 * MIN }));
      await store.sessions.insert(
        session('st-long', { acctSessionId: 'A2', updatedAt: T0 - 15 * MIN, interimInterval: 600 }),
      );
      const older = await store.sessions.insert(
        session('st-older', {
          acctSessionId: 'A3',
          updatedAt: T0 - 30 * MIN,
          interimInterval: null,
        }),
      );
      await store.sessions.insert(session('st-fresh', { acctSessionId: 'A4', updatedAt: T0 }));
      const stale = (await store.sessions.listStale(T0 - 10 * MIN, T0, 2.5)).map((s) => s.class);
      const limited = (await store.sessions.listStale(T0 - 10 * MIN, T0, 2.5, 1)).map(
        (s) => s.class,
      );
      const how = { stoppedAt: T0 - 20 * MIN, terminateCause: 'stale', closedBy: 'sweeper' };
      // Accounting moved it since it was listed: left live.
      const moved = await store.sessions.closeStale(old.id, { ...how, updatedAt: T0 - 21 * MIN });
      const closedOnce = await store.sessions.closeStale(old.id, {
        ...how,
        updatedAt: T0 - 20 * MIN,
      });
      const closedTwice = await store.sessions.closeStale(old.id, {
        ...how,
        updatedAt: T0 - 20 * MIN,
      });
      return {
        stale,
        limited,
        moved,
        closedOnce,
        closedTwice,
        row: await store.sessions.findById(old.id),
        older: older.id,
      };
    },
    same,
  );
  expect(out.stale).toEqual(['st-older', 'st-old']);
  expect(out.limited).toEqual(['st-older']);
  expect([out.moved, out.closedOnce, out.closedTwice]).toEqual([false, true, false]);
  expect(out.row).toMatchObject({
    status: 'closed',
    closedBy: 'sweeper',
    updatedAt: T0 - 20 * MIN,
  });
});

it('reports live budgets, device limits and used-up tokens', async () => {
  const out = await both(
    p,
    async (store, sql) => {
      await seed(store, sql);
      await store.sessions.insert(session('b1', { lastSeenAt: T0 + 5 * MIN }));
      await store.sessions.insert(session('b2', { acctSessionId: 'A2', lastSeenAt: T0 + 2 * MIN }));
      // Token 2 allows one device: two live devices and a held reservation for a third.
      await store.sessions.insert(
        session('b3', { tokenId: 2, acctSessionId: 'B1', deviceMac: 'M1' }),
      );
      await store.sessions.insert(
        session('b4', { tokenId: 2, acctSessionId: 'B2', deviceMac: null }),
      );
      await store.sessions.insert(
        session('b5', {
          tokenId: 2,
          status: 'reserved',
          acctSessionId: null,
          deviceMac: 'M3',
          reservationExpiresAt: T0 + MIN,
        }),
      );
      // Token 3: one device with two sessions, and a reservation only (no live one).
      await store.sessions.insert(
        session('b6', { tokenId: 3, acctSessionId: 'C1', deviceMac: 'M1' }),
      );
      await store.sessions.insert(
        session('b7', { tokenId: 3, acctSessionId: 'C2', deviceMac: 'M1' }),
      );
      const before = {
        budgets: await store.sessions.liveTokenBudgets(),
        over: await store.sessions.overDeviceLimit(T0),
        overLater: await store.sessions.overDeviceLimit(T0 + 2 * MIN),
        limit: [
          await store.sessions.tokenLimitReached(1),
          await store.sessions.tokenLimitReached(2),
          await store.sessions.tokenLimitReached(3),
          await store.sessions.tokenLimitReached(99),
        ],
      };
      await sql('UPDATE tokens SET used_ms = ? WHERE id = 1', [60 * MIN]);
      await sql('UPDATE tokens SET used_bytes = ? WHERE id = 2', [1000]);
      return {
        ...before,
        after: [
          await store.sessions.tokenLimitReached(1),
          await store.sessions.tokenLimitReached(2),
        ],
      };
    },
    same,
  );
  expect(out.budgets.map((b) => [b.tokenId, b.since, b.firstUseDeadline])).toEqual([
    [1, T0 + 2 * MIN, T0 + 120 * MIN],
    [2, T0, null],
    [3, T0, null],
  ]);
  expect(out.over).toEqual([2]);
  expect(out.overLater).toEqual([2]);
  expect(out.limit).toEqual([false, false, false, false]);
  expect(out.after).toEqual([true, true]);
});

it('reads rows with their code, router and latest job, and pages a filtered list', async () => {
  const out = await both(
    p,
    async (store, sql) => {
      await seed(store, sql);
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) {
        const s = await store.sessions.insert(
          session(`l${i}`, {
            acctSessionId: `L${i}`,
            tokenId: i % 2 === 0 ? 1 : 3,
            nasId: i < 4 ? 1 : 2,
            deviceMac: i === 3 ? 'AA-BB-CC-00-00-03' : 'AA-BB-CC-00-00-01',
            startedAt: i === 5 ? null : T0 + i * MIN,
            status: i === 5 ? 'reserved' : 'live',
            reservedAt: T0 + i * MIN,
            lastSeenAt: i === 5 ? null : T0 + i * MIN + 30_000,
          }),
        );
        ids.push(s.id);
      }
      await store.sessions.close(ids[1]!, {
        stoppedAt: T0 + 90 * MIN,
        terminateCause: 'user-request',
        closedBy: 'nas',
        updatedAt: T0 + 90 * MIN,
      });
      await store.coaJobs.insert({
        sessionId: ids[0]!,
        kind: 'coa',
        reason: 'first',
        requestedBy: 'alice',
        sessionTimeout: 60,
        createdAt: T0,
      });
      const last = await store.coaJobs.insert({
        sessionId: ids[0]!,
        kind: 'disconnect',
        reason: 'revoked',
        requestedBy: 'bob',
        sessionTimeout: null,
        createdAt: T0 + 1,
      });
      await store.coaJobs.claimFair(
        T0 + 2,
        { limit: 1, perRouter: 5 },
        { node: 'n', until: T0 + 9 },
      );
      await store.coaJobs.claimFair(
        T0 + 2,
        { limit: 5, perRouter: 5 },
        { node: 'n', until: T0 + 9 },
      );
      await store.coaJobs.finish(last, 'nak', 503, T0 + 3);
      const page = { limit: 2, offset: 0 };
      const list = async (f: Parameters<Store['sessions']['list']>[0], pg = page) => {
        const r = await store.sessions.list(f, pg);
        return { total: r.total, ids: r.rows.map((x) => x.id) };
      };
      return {
        ids,
        row: await store.sessions.getRow(ids[0]!),
        plain: await store.sessions.getRow(ids[4]!),
        none: await store.sessions.getRow(999),
        all: await list({ statuses: ['reserved', 'live', 'closed'] }, { limit: 10, offset: 0 }),
        paged: await list({ statuses: ['reserved', 'live', 'closed'] }, { limit: 2, offset: 2 }),
        live: await list({ statuses: ['live'] }, { limit: 10, offset: 0 }),
        token: await list({ statuses: ['live', 'closed'], tokenId: 3 }),
        nas: await list({ statuses: ['live', 'reserved'], nasId: 2 }),
        mac: await list({ statuses: ['live'], mac: 'AA-BB-CC-00-00-03' }),
        started: await list(
          { statuses: ['live', 'reserved'], startedOnly: true },
          { limit: 10, offset: 0 },
        ),
        window: await list(
          { statuses: ['live', 'closed', 'reserved'], since: T0 + 2 * MIN, until: T0 + 4 * MIN },
          { limit: 10, offset: 0 },
        ),
        empty: await list({ statuses: [] }),
        rowsOf: (await store.sessions.list({ statuses: ['live'], tokenId: 1 }, page)).rows,
      };
    },
    same,
  );
  const [s0, s1, s2, s3, s4, s5] = out.ids as [number, number, number, number, number, number];
  expect(out.row).toMatchObject({
    code: 'AAAA1111',
    nasName: 'Lobby',
    coaKind: 'disconnect',
    coaState: 'nak',
    coaAt: T0 + 3,
    coaErrorCause: 503,
    coaReason: 'revoked',
    coaRequestedBy: 'bob',
    tokenDescription: 'first',
    tokenMinutes: 60,
    tokenUsedMs: 0,
    tokenValidUntil: null,
  });
  expect(out.plain).toMatchObject({ nasName: 'bar', coaKind: null, coaAt: null });
  expect(out.none).toBeUndefined();
  expect(out.all).toEqual({ total: 6, ids: [s5, s4, s3, s2, s1, s0] });
  expect(out.paged).toEqual({ total: 6, ids: [s3, s2] });
  expect(out.live.ids).toEqual([s4, s3, s2, s0]);
  expect(out.token).toEqual({ total: 2, ids: [s3, s1] });
  expect(out.nas).toEqual({ total: 2, ids: [s5, s4] });
  expect(out.mac).toEqual({ total: 1, ids: [s3] });
  expect(out.started.ids).toEqual([s4, s3, s2, s0]);
  expect(out.window.ids).toEqual([s3, s2, s1]);
  expect(out.empty).toEqual({ total: 0, ids: [] });
});
