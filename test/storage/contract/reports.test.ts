import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import { createReportService, type ReportQuery } from '../../../src/services/report-service.js';
import { insertRow, onBoth, sortBy, T0, type Side } from './both.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const SOURCES = ['manual', 'bulk', 'booking', 'api'];

/** rng returns a seeded generator of integers in [0, n), the same on every run. */
function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s % n;
  };
}

/**
 * seedHistory writes 45 days of use before T0 (across the end of summer time in Berlin on
 * 2026-10-25): three batches, tokens of several sources, sessions on two routers with their
 * charged coverage, and Disconnect/CoA outcomes.
 */
async function seedHistory(side: Side): Promise<void> {
  const r = rng(7);
  for (const [id, name, source] of [
    [1, 'Conference', 'bulk'],
    [2, 'Lobby', 'manual'],
    [3, 'Empty', 'bulk'],
  ] as const)
    await insertRow(side, 'batches', { id, name, source, created_at: T0 - 50 * DAY });
  for (const id of [1, 2])
    await insertRow(side, 'nas_clients', {
      id,
      name: `router-${id}`,
      address: `10.0.0.${id}`,
      secret: 's',
      created_at: T0 - 50 * DAY,
    });
  let session = 0;
  let job = 0;
  for (let id = 1; id <= 60; id++) {
    const batch = id % 4 === 0 ? null : (id % 2) + 1;
    const used = id % 5 !== 0;
    const firstUse = T0 - 45 * DAY + r(45 * DAY);
    const minutes = id % 3 === 0 ? null : 30 + r(300);
    let usedMs = 0;
    const sessions: Array<[number, number, number, number]> = [];
    if (used) {
      let at = firstUse;
      for (let k = 0; k < 1 + r(3); k++) {
        const len = 5 * MIN + r(4 * HOUR);
        sessions.push([at, at + len, r(50_000_000), r(500_000_000)]);
        usedMs += len;
        at += len + r(2 * DAY);
      }
    }
    await insertRow(side, 'tokens', {
      id,
      code: `CODE${id}`,
      description: `token ${id}`,
      batch_id: batch,
      source: batch === null ? SOURCES[id % SOURCES.length] : 'bulk',
      minutes,
      created_at: T0 - 50 * DAY,
      first_used_at: used ? firstUse : null,
      used_ms: usedMs,
      revoked_at: id === 7 ? T0 - DAY : null,
      deleted_at: id === 11 ? T0 - DAY : null,
    });
    for (const [start, end, input, output] of sessions) {
      session++;
      await insertRow(side, 'sessions', {
        id: session,
        token_id: id,
        nas_id: session % 7 === 0 ? null : (session % 2) + 1,
        status: end > T0 ? 'live' : 'closed',
        class: `c${session}`,
        reserved_at: start - 1000,
        started_at: start,
        last_seen_at: Math.min(end, T0),
        stopped_at: end > T0 ? null : end,
        session_seconds: Math.round((Math.min(end, T0) - start) / 1000),
        input_octets: input,
        output_octets: output,
      });
      await insertRow(side, 'token_coverage', {
        token_id: id,
        start_at: start,
        end_at: Math.min(end, T0),
      });
      if (session % 3 === 0) {
        job++;
        await insertRow(side, 'coa_jobs', {
          id: job,
          session_id: session,
          nas_id: session % 2 === 0 ? 1 : 2,
          kind: session % 2 === 0 ? 'disconnect' : 'coa',
          reason: 'depleted',
          state: ['ack', 'nak', 'timeout', 'pending', 'sending'][job % 5],
          created_at: Math.min(end, T0 - 1),
        });
      }
    }
  }
}

const QUERIES: ReportQuery[] = [
  { period: 'today' },
  { period: '7d' },
  { period: '30d' },
  { period: 'custom', from: '2026-10-17', to: '2026-12-01' },
  { period: 'custom', from: '2026-10-25', to: '2026-10-25' },
  { period: '30d', batchId: 1 },
  { period: '30d', source: 'bulk' },
  { period: '30d', nasId: 2 },
  { period: 'custom', from: '2026-10-17', to: '2026-12-01', batchId: 2, nasId: 1 },
];

describe('report repository', () => {
  it('answers every report query as SQLite does over the same history', async () => {
    const from = T0 - 40 * DAY;
    const out = await onBoth(async (side) => {
      await seedHistory(side);
      const rep = side.store.reports;
      const scopes = [
        {},
        { batchId: 1 },
        { source: 'bulk' },
        { nasId: 2 },
        { batchId: 2, nasId: 1 },
      ];
      const perScope = [];
      for (const scope of scopes)
        perScope.push({
          coverage: sortBy(await rep.coverage(scope, from, T0)),
          sessions: sortBy(await rep.sessions(scope, from, T0)),
          firstUses: sortBy(await rep.firstUses(scope, from, T0)),
          cutoffs: await rep.cutoffOutcomes(scope, from, T0),
        });
      return {
        perScope,
        batchTotals: await rep.batchTotals([3, 1, 2, 99], T0),
        noBatches: await rep.batchTotals([], T0),
        batchesOf: [...(await rep.batchesOf([1, 2, 3, 4, 5, 999]))].sort((a, b) => a[0] - b[0]),
        labels: [...(await rep.tokenLabels([2, 1, 999]))].sort((a, b) => a[0] - b[0]),
        noLabels: (await rep.tokenLabels([])).size,
      };
    });
    expect(out.perScope[0]!.coverage.length).toBeGreaterThan(50);
    expect(out.perScope[0]!.sessions.length).toBeGreaterThan(50);
    expect(out.perScope[0]!.cutoffs.length).toBeGreaterThan(3);
    expect(out.perScope[3]!.sessions.every((s) => s.nasId === 2)).toBe(true);
    expect(out.batchTotals.map((b) => [b.id, b.name])).toEqual([
      [1, 'Conference'],
      [2, 'Lobby'],
      [3, 'Empty'],
    ]);
    expect(out.batchTotals[2]).toEqual({
      id: 3,
      name: 'Empty',
      tokens: 0,
      used: 0,
      unused: 0,
      depleted: 0,
      minutesIssued: 0,
      usedMs: 0,
    });
    expect(out.noBatches).toEqual([]);
    expect(out.batchesOf).toEqual([
      [1, 2],
      [2, 1],
      [3, 2],
      [5, 2],
    ]);
    expect(out.labels).toEqual([
      [1, { code: 'CODE1', description: 'token 1' }],
      [2, { code: 'CODE2', description: 'token 2' }],
    ]);
    expect(out.noLabels).toBe(0);
  });

  it('builds every report (days and hours in Berlin, across the end of summer time) as SQLite does', async () => {
    const reports = await onBoth(async (side) => {
      await seedHistory(side);
      const service = createReportService({
        store: side.store,
        clock: fixedClock(T0),
        timeZone: () => 'Europe/Berlin',
      });
      const all = [];
      for (const q of QUERIES) all.push(await service.build(q));
      return all;
    });
    const dst = reports[4]!;
    // 2026-10-25 has 25 hours in Berlin.
    expect(dst.hourly).toBe(true);
    expect(dst.usage).toHaveLength(25);
    const wide = reports[3]!;
    expect(wide.totals.sessions).toBeGreaterThan(50);
    expect(wide.batches.length).toBeGreaterThan(0);
    expect(wide.routers.length).toBeGreaterThan(0);
    expect(wide.topByMinutes).toHaveLength(10);
  });
});
