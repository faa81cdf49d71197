// The token row lock across nodes: on PostgreSQL two stores (two pools, as two Portico nodes)
// on one database race for the same token; on SQLite the two "nodes" share the one store,
// whose write transactions exclude each other. Either way exactly one device gets a
// one-device token, and two staff changes to one token both count.

import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { normalizeMac, type MacAddress } from '../../../src/core/mac.js';
import { createAccessService } from '../../../src/services/access-service.js';
import { createTokenService } from '../../../src/services/token-service.js';
import { createPgPool } from '../../../src/storage/pg/connection.js';
import { createPgStore, type PgStore } from '../../../src/storage/pg/store.js';
import type { SessionIdentity } from '../../../src/storage/session-repo.js';
import type { Store } from '../../../src/storage/store.js';
import { testBackend } from '../../support/test-store.js';
import { newToken, T0, withTestStore } from './mirror.js';

const ROUNDS = 25;

/** secondNode returns another store on the same database (PostgreSQL), or the same store (SQLite). */
function secondNode(t: { store: Store; backend: string; url?: string | undefined }) {
  if (t.backend !== 'postgres') return { store: t.store, close: async () => {} };
  const store = createPgStore(createPgPool(t.url!, { max: 4 }));
  return { store: store as Store, close: () => store.close() };
}

const identity = (mac: string): SessionIdentity => ({
  nasId: null,
  acctSessionId: null,
  deviceMac: mac,
  framedIp: null,
  calledStation: null,
  nasPortId: null,
  login: 'code',
  userName: null,
  nasIpAddress: null,
  nasIdentifier: null,
  callingStationId: mac,
});

describe('the token row lock', () => {
  it('gives a one-device token to exactly one of two devices racing on two nodes', async () => {
    await withTestStore(async (t) => {
      const other = secondNode(t);
      try {
        const clock = fixedClock(T0);
        const config = loadConfig({ PORTICO_TIMEZONE: 'UTC', PORTICO_DB: ':memory:' });
        const settings = () => ({
          reservationGraceSeconds: config.reservationGraceSeconds,
          interimIntervalSeconds: config.interimIntervalSeconds,
          staleAfterIntervals: config.staleAfterIntervals,
        });
        const nodes = [t.store, other.store].map((store) => ({
          store,
          access: createAccessService({ store, clock, settings }),
        }));
        const accepted: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const id = await t.store.tokens.insert(newToken(`RACE${String(round).padStart(4, '0')}`));
          const results = await Promise.all(
            nodes.map((n, i) => {
              const mac = normalizeMac(`02-00-00-00-00-0${i + 1}`) as MacAddress;
              return n.store.transaction(async (tx) => {
                // As the RADIUS handler does: the token is read in the transaction, then admitted.
                const token = (await tx.tokens.findById(id))!;
                return n.access.admit(token, mac, identity(mac), clock.now());
              });
            }),
          );
          accepted.push(results.filter((r) => r.decision.ok).length);
          const refused = results.filter((r) => !r.decision.ok);
          for (const r of refused)
            expect(r.decision).toEqual({ ok: false, reason: 'device-limit' });
          const held = await t.sql<{ n: number }>(
            "SELECT COUNT(*) AS n FROM sessions WHERE token_id = ? AND status <> 'closed'",
            [id],
          );
          expect(Number(held[0]!.n)).toBe(1);
        }
        expect(accepted).toEqual(Array.from({ length: ROUNDS }, () => 1));
      } finally {
        await other.close();
      }
    });
  });

  it.skipIf(testBackend() !== 'postgres')(
    'holds the tokens a batch names by code and by Class until it commits (PostgreSQL)',
    async () => {
      await withTestStore(async (t) => {
        const other = secondNode(t);
        try {
          const clock = fixedClock(T0);
          const config = loadConfig({ PORTICO_TIMEZONE: 'UTC', PORTICO_DB: ':memory:' });
          const access = createAccessService({
            store: t.store,
            clock,
            settings: () => ({
              reservationGraceSeconds: config.reservationGraceSeconds,
              interimIntervalSeconds: config.interimIntervalSeconds,
              staleAfterIntervals: config.staleAfterIntervals,
            }),
          });
          const byCode = await t.store.tokens.insert(newToken('LOCK2345'));
          const byClass = await t.store.tokens.insert(newToken('LOCK2346'));
          const free = await t.store.tokens.insert(newToken('LOCK2347'));
          const mac = normalizeMac('02-00-00-00-00-01') as MacAddress;
          const admitted = await t.store.transaction(async (tx) =>
            access.admit((await tx.tokens.findById(byClass))!, mac, identity(mac), T0),
          );
          if (!('session' in admitted)) throw new Error('not admitted');
          const cls = admitted.session.class;
          const tryLock = (id: number) =>
            other.store.transaction(async () => {
              await (other.store as PgStore).conn.query(
                'SELECT id FROM tokens WHERE id = $1 FOR UPDATE NOWAIT',
                [id],
              );
              return 'locked';
            });
          await t.store.transaction(async (tx) => {
            await tx.tokens.lockForRequests({ codes: ['LOCK2345'], classes: [cls], sessions: [] });
            // 55P03: lock_not_available; the row is held by this open transaction.
            await expect(tryLock(byCode)).rejects.toMatchObject({ code: '55P03' });
            await expect(tryLock(byClass)).rejects.toMatchObject({ code: '55P03' });
            expect(await tryLock(free)).toBe('locked');
          });
          expect(await tryLock(byCode)).toBe('locked');
        } finally {
          await other.close();
        }
      });
    },
  );

  it.skipIf(testBackend() !== 'postgres')(
    'takes the tokens a batch names in id order, whatever order it names them in (PostgreSQL)',
    async () => {
      await withTestStore(async (t) => {
        // The lower id gets the code that sorts last, and its row is then rewritten to the
        // end of the table: neither the code index nor a table scan yields id order by itself.
        const low = await t.store.tokens.insert(newToken('ZORD2345'));
        const high = await t.store.tokens.insert(newToken('AORD2345'));
        await t.sql('UPDATE tokens SET minutes = minutes WHERE id = ?', [low]);
        const pool = createPgPool(t.url!, { max: 2 });
        const holder = await pool.connect();
        const probe = await pool.connect();
        let batch: Promise<void> | undefined;
        try {
          await holder.query('BEGIN');
          await holder.query('SELECT id FROM tokens WHERE id = $1 FOR UPDATE', [low]);
          batch = t.store.transaction(async (tx) => {
            await tx.tokens.lockForRequests({
              codes: ['AORD2345', 'ZORD2345'],
              classes: [],
              sessions: [],
            });
          });
          const deadline = Date.now() + 10_000;
          for (;;) {
            const r = await probe.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
                 AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
            );
            if (r.rows[0]!.n === 1) break;
            if (Date.now() > deadline) throw new Error('the batch never waited for the lower id');
            await new Promise((r) => setTimeout(r, 10));
          }
          // Waiting for the lower id, the batch holds no higher one yet: a batch that had taken
          // them in the order named would hold `high` now, and could deadlock with one that
          // holds `high`'s neighbours in the other order.
          const free = await probe.query('SELECT id FROM tokens WHERE id = $1 FOR UPDATE NOWAIT', [
            high,
          ]);
          expect(free.rows).toHaveLength(1);
        } finally {
          await holder.query('ROLLBACK');
          await batch;
          holder.release();
          probe.release();
          await pool.end();
        }
      });
    },
  );

  it('charges time two nodes report at once for one token only once', async () => {
    await withTestStore(async (t) => {
      const other = secondNode(t);
      try {
        const sec = 1000;
        for (let round = 0; round < ROUNDS; round++) {
          const id = await t.store.tokens.insert(newToken(`CHRG${String(round).padStart(4, '0')}`));
          const base = T0 + round * 60 * sec;
          // Two devices' sessions on two nodes, online over overlapping spans: as accounting
          // does, each node locks the token, then merges its span into the coverage.
          const charged = await Promise.all(
            [t.store, other.store].map((store, i) =>
              store.transaction(async (tx) => {
                await tx.tokens.lockForUpdate([id]);
                return tx.tokens.addOnlineTime(
                  id,
                  { start: base + i * 5 * sec, end: base + (10 + i * 5) * sec },
                  0,
                );
              }),
            ),
          );
          expect(charged[0]! + charged[1]!).toBe(15 * sec);
          expect((await t.store.tokens.meterOf(id))?.usedMs).toBe(15 * sec);
          expect(await t.store.tokens.coverageSince(id, 0)).toEqual([
            { start: base, end: base + 15 * sec },
          ]);
        }
      } finally {
        await other.close();
      }
    });
  });

  it('counts both of two staff changes made to one token at once on two nodes', async () => {
    await withTestStore(async (t) => {
      const other = secondNode(t);
      try {
        const clock = fixedClock(T0);
        const services = [t.store, other.store].map((store) =>
          createTokenService({ store, clock, timeZone: () => 'UTC', codeLength: () => 8 }),
        );
        const id = await t.store.tokens.insert(newToken('ADDS2345'));
        const ids = [id];
        for (let i = 0; i < 4; i++) ids.push(await t.store.tokens.insert(newToken(`BULK234${i}`)));
        for (let round = 0; round < ROUNDS; round++) {
          await Promise.all([
            services[0]!.update(id, { addMinutes: 1 }, 'alice'),
            services[1]!.update(id, { addMinutes: 2 }, 'bob'),
            // Overlapping selections in opposite orders: locked in id order, no deadlock.
            services[0]!.bulk(ids, { kind: 'add-minutes', minutes: 1 }, 'carol'),
            services[1]!.bulk([...ids].reverse(), { kind: 'add-minutes', minutes: 1 }, 'dave'),
          ]);
        }
        const after = await t.store.tokens.list({ ids }, T0, {
          sort: 'created',
          limit: 10,
          offset: 0,
        });
        expect(after.map((x) => x.minutes)).toEqual([
          60 + ROUNDS * 5,
          ...Array.from({ length: 4 }, () => 60 + ROUNDS * 2),
        ]);
      } finally {
        await other.close();
      }
    });
  });
});
