import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import { createMetricsService } from '../../../src/services/metrics-service.js';
import { metricNames, metricValue } from '../../support/prometheus.js';
import { openTestStore } from '../../support/test-store.js';
import { insertDeliveryRows, insertEmailRow, insertRow, onBoth, seedTokens, T0 } from './both.js';

describe('metrics repository', () => {
  it('counts open sessions, queues, outboxes and lockouts as SQLite does', async () => {
    const out = await onBoth(async (side) => {
      const m = side.store.metrics;
      const empty = {
        sessions: await m.openSessions(),
        coa: await m.coaQueue(),
        routers: await m.routerNames(),
        emails: await m.emailOutbox(),
        hooks: await m.webhookOutbox(),
        lockouts: await m.activeLockouts(T0),
      };
      await seedTokens(side, [{}]);
      for (const [id, name] of [
        [1, 'beta'],
        [2, 'Alpha'],
        [3, 'gamma'],
      ] as const)
        await insertRow(side, 'nas_clients', {
          id,
          name,
          address: `10.0.0.${id}`,
          secret: 's',
          created_at: T0,
        });
      const statuses = ['reserved', 'live', 'live', 'closed'];
      for (const [i, status] of statuses.entries())
        await insertRow(side, 'sessions', {
          id: i + 1,
          token_id: 1,
          nas_id: i === 3 ? null : (i % 2) + 1,
          status,
          class: `c${i}`,
          reserved_at: T0,
        });
      for (const [id, sessionId, state] of [
        [1, 1, 'pending'],
        [2, 2, 'sending'],
        [3, 3, 'pending'],
        [4, 3, 'ack'],
        [5, 4, 'pending'],
      ] as const)
        await insertRow(side, 'coa_jobs', {
          id,
          session_id: sessionId,
          kind: 'disconnect',
          reason: 'r',
          state,
          created_at: T0,
        });
      for (const [id, status] of [
        [1, 'queued'],
        [2, 'queued'],
        [3, 'sent'],
        [4, 'failed'],
        [5, 'retrying'],
      ] as const)
        await insertEmailRow(side, id, status, T0);
      await insertDeliveryRows(side, T0, [
        ['delivered', T0],
        ['sending', null],
      ]);
      for (const [key, until] of [
        ['a', T0 + 1],
        ['b', T0],
        ['c', null],
      ] as const)
        await insertRow(side, 'lockouts', {
          key,
          failures: 5,
          first_failed_at: T0,
          last_failed_at: T0,
          locked_until: until,
        });
      return {
        empty,
        sessions: await m.openSessions(),
        coa: await m.coaQueue(),
        routers: await m.routerNames(),
        emails: await m.emailOutbox(),
        hooks: await m.webhookOutbox(),
        lockouts: await m.activeLockouts(T0),
      };
    });
    expect(out.empty).toEqual({
      sessions: {},
      coa: {},
      routers: [],
      emails: {},
      hooks: {},
      lockouts: 0,
    });
    expect(out.sessions).toEqual({ reserved: 1, live: 2 });
    expect(out.coa).toEqual({ beta: 2, Alpha: 1, '(removed)': 1 });
    expect(out.routers).toEqual(['Alpha', 'beta', 'gamma']);
    expect(out.emails).toEqual({ queued: 2, failed: 1, retrying: 1 });
    expect(out.hooks).toEqual({ sending: 1 });
    expect(out.lockouts).toBe(1);
  });

  it('reports the database size: the file and WAL on SQLite, the database on PostgreSQL', async () => {
    const t = await openTestStore();
    try {
      const sizes = await t.store.metrics.fileSizes();
      if (t.backend === 'postgres') {
        expect(sizes.wal).toBeNull();
        expect(sizes.db).toBeGreaterThan(1_000_000);
      } else {
        // The in-memory database of the tests has no file.
        expect(sizes).toEqual({ db: 0, wal: 0 });
      }
    } finally {
      await t.close();
    }
  });

  it('scrapes the database size metric of the backend in use', async () => {
    const t = await openTestStore();
    try {
      const metrics = createMetricsService({ store: t.store, clock: fixedClock(T0) });
      const text = await metrics.scrape();
      const names = metricNames(text);
      if (t.backend === 'postgres') {
        expect(names.has('portico_sqlite_file_bytes')).toBe(false);
        expect(metricValue(text, 'portico_postgres_database_bytes')).toBeGreaterThan(1_000_000);
      } else {
        expect(names.has('portico_postgres_database_bytes')).toBe(false);
        expect(metricValue(text, 'portico_sqlite_file_bytes', { file: 'wal' })).toBe(0);
      }
    } finally {
      await t.close();
    }
  });
});
