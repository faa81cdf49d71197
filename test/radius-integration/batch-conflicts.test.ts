// A RADIUS batch that PostgreSQL undoes (deadlock) runs again before any reply is sent
// (PostgreSQL only: SQLite's single writer never deadlocks). Another node's transaction is
// made to deadlock with the batch for sure: it holds the (NAS, Acct-Session-Id) lock the
// batch's Start needs, then asks for the token row the batch took first. With its own
// deadlock_timeout long, the batch is the transaction PostgreSQL chooses to undo.

import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RadiusCode } from '../../src/radius/codes.js';
import { testBackend } from '../support/test-store.js';
import { acctPairs, attr, papLogin, startHarness, waitUntil, type Harness } from './harness.js';

describe.skipIf(testBackend() !== 'postgres')('a RADIUS batch PostgreSQL undoes', () => {
  let h: Harness;
  let other: pg.Client;
  beforeEach(async () => {
    h = await startHarness();
    other = new pg.Client({ connectionString: h.url });
    await other.connect();
  });
  afterEach(async () => {
    await other.end();
    await h.close();
  });

  /** waitersOnLocks counts the connections of this database, but `other`, waiting on a lock. */
  const waitersOnLocks = async (): Promise<number> => {
    const r = await other.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
    );
    return r.rows[0]!.n;
  };

  it('runs again after a deadlock and answers once, with the Start recorded once', async () => {
    const t = (await h.services.tokens.create({ minutes: 60 }, 'staff')).tokens[0]!;
    const mac = 'aa-bb-cc-dd-ee-01';
    const login = await h.nas.auth(papLogin(t.code, mac));
    expect(login?.code).toBe(RadiusCode.AccessAccept);
    const cls = attr(login, 'Class') as Buffer;

    await other.query("SET deadlock_timeout = '60s'");
    await other.query('BEGIN');
    // The lock portico_sessions_by_acct takes for this pair (migration 12).
    await other.query("SELECT pg_advisory_xact_lock(7401, hashtext($1::text || ':' || 's1'))", [
      h.nasId,
    ]);
    const start = h.nas.acct(acctPairs('Start', { id: 's1', user: t.code, mac, cls }), {
      timeoutMs: 15_000,
    });
    // The batch holds the token (taken first, by the Start's Class) and waits for the pair.
    await waitUntil(async () => (await waitersOnLocks()) === 1, 10_000);
    // Now this waits for the batch, which waits for this: PostgreSQL undoes the batch.
    await other.query('SELECT id FROM tokens WHERE id = $1 FOR UPDATE', [t.id]);
    await other.query('COMMIT');

    expect((await start)?.code).toBe(RadiusCode.AccountingResponse);
    const stats = h.services.radiusStats();
    expect(stats.outcomes['batch.retried']).toBeGreaterThanOrEqual(1);
    expect(stats.batches.failed).toBe(0);
    const rows = await h.sql<{ status: string }>('SELECT status FROM sessions WHERE token_id = ?', [
      t.id,
    ]);
    expect(rows.map((r) => r.status)).toEqual(['live']);
  });
});
