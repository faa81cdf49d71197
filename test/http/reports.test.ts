// The reports page over a month of history recorded through the real accounting: every
// report's numbers against the token pages and against a recount of the seeded sessions.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatBytes } from '../../src/core/describe.js';
import type { Report } from '../../src/services/report-service.js';
import { reportAccounting } from '../support/accounting.js';
import { seedHistory, type SeededHistory, type SeededSession } from '../support/history.js';
import { ADMIN, makeAdmin, type AdminFixture, type Browser } from './admin-fixture.js';

// Berlin is on CET (UTC+1) all November 2026, so its days are recounted with a fixed offset.
const OFFSET = 3_600_000;
const END = Date.parse('2026-12-01T00:00:00Z');
const MIN = 60_000;
const dayOf = (ms: number) => new Date(ms + OFFSET).toISOString().slice(0, 10);
const dayStart = (date: string) => Date.parse(`${date}T00:00:00Z`) - OFFSET;
const DAYS = [
  ...Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`),
  '2026-12-01',
];

type Span = { start: number; end: number };
const union = (spans: Span[]): Span[] => {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
};
const groupBy = <K>(list: SeededSession[], key: (s: SeededSession) => K) => {
  const m = new Map<K, SeededSession[]>();
  for (const s of list) m.set(key(s), [...(m.get(key(s)) ?? []), s]);
  return m;
};

/** recount returns the independent figures of a session list over DAYS. */
function recount(sessions: SeededSession[]) {
  const perDay = new Map(DAYS.map((d) => [d, 0]));
  const heat = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
  const perToken = new Map<number, number>();
  for (const [tokenId, list] of groupBy(sessions, (s) => s.tokenId)) {
    for (const span of union(list)) {
      // Every seeded time is a whole minute: count minute by minute.
      for (let t = span.start; t < span.end; t += MIN) {
        perDay.set(dayOf(t), (perDay.get(dayOf(t)) ?? 0) + MIN);
        const local = new Date(t + OFFSET);
        heat[(local.getUTCDay() + 6) % 7]![local.getUTCHours()]! += MIN;
        perToken.set(tokenId, (perToken.get(tokenId) ?? 0) + MIN);
      }
    }
  }
  const peaks = DAYS.map((d) => {
    const from = dayStart(d);
    const to = from + 86_400_000;
    const instants = [from, ...sessions.map((s) => s.start).filter((t) => t >= from && t < to)];
    return Math.max(
      ...instants.map((t) => sessions.filter((s) => s.start <= t && t < s.end).length),
    );
  });
  return { perDay, heat, perToken, peaks };
}

let f: AdminFixture;
let b: Browser;
let h: SeededHistory;
let report: Report;

beforeAll(async () => {
  f = await makeAdmin();
  h = await seedHistory(f.services, f.clock, { end: END, days: 30, perDay: 15 });
  b = f.browser();
  await b.signIn(ADMIN);
  report = await f.services.reports.build({
    period: 'custom',
    from: '2026-11-01',
    to: '2026-12-01',
  });
}, 120_000);
afterAll(async () => {
  await f.close();
});

describe('reports over a month of history', () => {
  test('the seed is realistic: overlapping devices of one token, both routers, every source', () => {
    expect(h.sessions.length).toBeGreaterThan(300);
    const byToken = groupBy(h.sessions, (s) => s.tokenId);
    const overlapping = [...byToken.values()].some((list) =>
      list.some((a) => list.some((c) => a !== c && a.start < c.end && c.start < a.end)),
    );
    expect(overlapping).toBe(true);
    expect(new Set(h.sessions.map((s) => s.nasId)).size).toBe(2);
    expect(new Set(h.sessions.map((s) => h.sourceOf.get(s.tokenId))).size).toBe(4);
  });

  test('minutes per day, busy hours and the total match a recount and the token pages', async () => {
    const want = recount(h.sessions);
    expect(report.usage.map((u) => u.date)).toEqual(DAYS);
    expect(report.usage.map((u) => u.ms)).toEqual(DAYS.map((d) => want.perDay.get(d)));
    expect(report.heat).toEqual(want.heat);
    // The token pages: each token's used minutes, summed.
    const pages = await Promise.all(h.tokenIds.map((id) => f.services.tokens.get(id)));
    const pageMinutes = pages.reduce((a, t) => a + t.minutesUsed, 0);
    expect(report.totals.ms).toBe(pageMinutes * MIN);
    expect(report.totals.ms).toBe([...want.perToken.values()].reduce((a, n) => a + n, 0));
    // Two devices of one token at once count once: less than the sessions' plain sum.
    const plainSum = h.sessions.reduce((a, s) => a + s.end - s.start, 0);
    expect(report.totals.ms).toBeLessThan(plainSum);
  });

  test('data per day adds up to the token pages’ data used', async () => {
    const pages = await Promise.all(h.tokenIds.map((id) => f.services.tokens.get(id)));
    const pageBytes = pages.reduce((a, t) => a + t.dataUsedBytes, 0);
    expect(pageBytes).toBe(h.sessions.reduce((a, s) => a + s.bytes, 0));
    // Each day is rounded to whole bytes.
    expect(Math.abs(report.totals.bytes - pageBytes)).toBeLessThanOrEqual(DAYS.length);
    // A day's data is the sessions' octets spread over their online time.
    const nov10 = dayStart('2026-11-10');
    const want = h.sessions.reduce((a, s) => {
      const inDay = Math.max(0, Math.min(s.end, nov10 + 86_400_000) - Math.max(s.start, nov10));
      return a + (s.bytes * inDay) / (s.end - s.start);
    }, 0);
    expect(Math.abs(report.usage[9]!.bytes - want)).toBeLessThanOrEqual(1);
  });

  test('peak devices online at once per day match a recount', () => {
    expect(report.peaks.map((p) => p.devices)).toEqual(recount(h.sessions).peaks);
    expect(Math.max(...report.peaks.map((p) => p.devices))).toBeGreaterThan(1);
  });

  test('tokens used for the first time, per day and source, match a recount', async () => {
    const firsts = new Map<number, number>();
    for (const s of h.sessions)
      firsts.set(s.tokenId, Math.min(s.start, firsts.get(s.tokenId) ?? Infinity));
    const want = new Map<string, number>();
    for (const [id, at] of firsts) {
      const key = `${dayOf(at)} ${h.sourceOf.get(id)}`;
      want.set(key, (want.get(key) ?? 0) + 1);
    }
    const got = new Map<string, number>();
    for (const d of report.redeemed)
      for (const [src, n] of Object.entries(d.bySource)) if (n > 0) got.set(`${d.date} ${src}`, n);
    expect(got).toEqual(want);
    expect(report.totals.redeemed).toBe(firsts.size);
    // And the token pages say when each was first used.
    for (const [id, at] of firsts) expect((await f.services.tokens.get(id)).firstUsedAt).toBe(at);
  });

  test('batches: used, unused, depleted and minutes agree with the token list', async () => {
    expect(report.batches.map((x) => x.id).sort()).toEqual([...h.batchIds].sort());
    const want = recount(h.sessions).perToken;
    for (const batch of report.batches) {
      const list = await f.services.tokens.list({ batchId: batch.id }, { limit: 1000 });
      expect(batch.tokens).toBe(list.total);
      expect(batch.unused).toBe(list.counts.unused);
      expect(batch.depleted).toBe(list.counts.depleted);
      expect(batch.used).toBe(list.tokens.filter((t) => t.firstUsedAt !== null).length);
      expect(batch.minutesIssued).toBe(list.tokens.reduce((a, t) => a + (t.minutes ?? 0), 0));
      expect(batch.usedMs).toBe(list.tokens.reduce((a, t) => a + t.minutesUsed, 0) * MIN);
      const ids = [...h.batchOf].filter(([, bid]) => bid === batch.id).map(([id]) => id);
      expect(batch.periodMs).toBe(ids.reduce((a, id) => a + (want.get(id) ?? 0), 0));
    }
    expect(report.batches.some((x) => x.depleted > 0)).toBe(true);
  });

  test('routers: sessions and minutes match a recount per router', async () => {
    for (const nasId of h.nasIds) {
      const mine = h.sessions.filter((s) => s.nasId === nasId);
      const row = report.routers.find((r) => r.nasId === nasId)!;
      const overlapping = [...groupBy(mine, (s) => s.tokenId).values()].some((list) =>
        list.some((a) => list.some((c) => a !== c && a.start < c.end && c.start < a.end)),
      );
      expect(overlapping).toBe(true);
      expect(row.sessions).toBe(mine.length);
      const ms = [...groupBy(mine, (s) => s.tokenId).values()]
        .flatMap(union)
        .reduce((a, s) => a + s.end - s.start, 0);
      expect(row.ms).toBe(ms);
      // The router filter narrows every report to that router's sessions.
      const only = await f.services.reports.build({ ...report.query, nasId });
      expect(only.totals.ms).toBe(ms);
      expect(only.usage.map((u) => u.ms)).toEqual(DAYS.map((d) => recount(mine).perDay.get(d)));
    }
  });

  test('top tokens by minutes and by data are the biggest, with the token pages’ minutes', async () => {
    const want = recount(h.sessions).perToken;
    const sorted = [...want.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, 10);
    expect(report.topByMinutes.map((t) => [t.tokenId, t.ms])).toEqual(sorted);
    for (const t of report.topByMinutes) {
      expect(Math.floor(t.ms / MIN)).toBe((await f.services.tokens.get(t.tokenId)).minutesUsed);
    }
    const bytes = [...groupBy(h.sessions, (s) => s.tokenId)].map(
      ([id, list]) => [id, list.reduce((a, s) => a + s.bytes, 0)] as const,
    );
    const topData = bytes.sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, 10);
    expect(report.topByData.map((t) => t.tokenId)).toEqual(topData.map(([id]) => id));
    for (const t of report.topByData) {
      expect(t.bytes).toBe((await f.services.tokens.get(t.tokenId)).dataUsedBytes);
    }
  });

  test('a batch or source filter narrows to those tokens', async () => {
    const batchId = h.batchIds[0]!;
    const inBatch = h.sessions.filter((s) => h.batchOf.get(s.tokenId) === batchId);
    const r = await f.services.reports.build({ ...report.query, batchId });
    expect(r.usage.map((u) => u.ms)).toEqual(DAYS.map((d) => recount(inBatch).perDay.get(d)));
    expect(r.batches.map((x) => x.id)).toEqual([batchId]);
    const booking = h.sessions.filter((s) => h.sourceOf.get(s.tokenId) === 'booking');
    const rb = await f.services.reports.build({ ...report.query, source: 'booking' });
    expect(rb.peaks.map((p) => p.devices)).toEqual(recount(booking).peaks);
    expect(rb.redeemed.reduce((a, d) => a + d.bySource.bulk!, 0)).toBe(0);
  });

  test('today is reported per hour and includes a device online now; Disconnects count per router', async () => {
    const s = f.services;
    const token = await s.tokens.get(h.tokenIds[0]!);
    const nasId = h.nasIds[1]!;
    f.clock.set(END + 8 * 3_600_000); // 09:00 in Berlin
    await reportAccounting(s, {
      nasId,
      code: token.code,
      acctSessionId: 'LIVE',
      mac: '02-00-00-00-99-01',
    });
    f.clock.advance(30 * MIN);
    await reportAccounting(s, {
      nasId,
      code: token.code,
      acctSessionId: 'LIVE',
      mac: '02-00-00-00-99-01',
      seconds: 1800,
    });
    const live = (await s.sessions.listLive()).sessions[0]!;
    await s.sessions.disconnect(live.id, 'desk');
    const today = await s.reports.build({ period: 'today' });
    expect(today.hourly).toBe(true);
    expect(today.usage).toHaveLength(24);
    expect(today.usage[9]).toMatchObject({ label: '09:00', ms: 30 * MIN });
    // The seed's last Berlin hour (00:00–01:00 on 1 December) is today too.
    const want = recount(h.sessions).perDay.get('2026-12-01')!;
    expect(today.totals.ms).toBe(want + 30 * MIN);
    expect(today.routers.find((r) => r.nasId === nasId)!.disconnect.pending).toBe(1);
    f.clock.set(END);
  });
});

describe('the reports page', () => {
  const q = 'period=custom&from=2026-11-01&to=2026-12-01';

  test('shows each chart as SVG with a title and the numbers in a table', async () => {
    const r = await b.get(`/admin/reports?${q}`);
    expect(r.status).toBe(200);
    const svgs = r.body.match(/<svg class="chart[^"]*"[^>]*role="img"/g) ?? [];
    expect(svgs.length).toBe(5);
    expect(r.body).toContain('<title id="c-usage-t">Online minutes per day</title>');
    expect(r.body).toContain('>minutes</text>');
    // The numbers behind the minutes chart: the 10th of November's row.
    const nov10 = report.usage[9]!;
    expect(r.body).toContain(
      `<th scope="row">2026-11-10</th><td>${Math.round(nov10.ms / 6000) / 10}</td>`,
    );
    // Top tokens link to the token page.
    expect(r.body).toContain(`href="/admin/tokens/${report.topByMinutes[0]!.tokenId}"`);
    expect(r.body).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
  });

  test('each report has a CSV with the page’s numbers, formula cells neutralised', async () => {
    const usage = await b.get(`/admin/reports/export.csv?${q}&report=usage`);
    expect(usage.status).toBe(200);
    expect(usage.headers['content-type']).toMatch(/^text\/csv/);
    const lines = usage.body.trim().split('\r\n');
    expect(lines[0]).toBe('date,minutes,bytes');
    expect(lines[10]).toBe(
      `2026-11-10,${Math.round(report.usage[9]!.ms / 6000) / 10},${report.usage[9]!.bytes}`,
    );
    const batches = await b.get(`/admin/reports/export.csv?${q}&report=batches`);
    expect(batches.body).toContain(`"'=HYPERLINK(""x"")",`);
    for (const name of ['peaks', 'busy-hours', 'redeemed', 'routers', 'top-minutes', 'top-data']) {
      const r = await b.get(`/admin/reports/export.csv?${q}&report=${name}`);
      expect(r.status).toBe(200);
      expect(r.body.split('\r\n').length).toBeGreaterThan(2);
    }
    const top = await b.get(`/admin/reports/export.csv?${q}&report=top-minutes`);
    const first = report.topByMinutes[0]!;
    expect(top.body.split('\r\n')[1]).toContain(`,${Math.floor(first.ms / MIN)},${first.bytes}`);
  });

  test('a bad period is refused with a message naming the field', async () => {
    const r = await b.get('/admin/reports?period=custom&from=2026-11-30&to=2026-11-01');
    expect(r.status).toBe(400);
    expect(r.body).toContain('id="e-to"');
    const csv = await b.get(`/admin/reports/export.csv?${q}&report=nope`);
    expect(csv.status).toBe(400);
  });

  test('needs a staff sign-in', async () => {
    const anon = f.browser();
    const r = await anon.get('/admin/reports');
    expect(r.status).toBe(303);
  });
});

describe('the dashboard home', () => {
  test('shows devices online, tokens used today, today against the week, quiet routers, failing e-mails and the last actions', async () => {
    const s = f.services;
    f.clock.set(END + 10 * 3_600_000); // 11:00 in Berlin on 1 December
    const token = await s.tokens.get(h.tokenIds[1]!);
    const lobby = h.nasIds[0]!;
    await s.store.nas.markSeen(lobby, f.clock.now());
    await reportAccounting(s, {
      nasId: lobby,
      code: token.code,
      acctSessionId: 'HOME',
      mac: '02-00-00-00-98-01',
    });
    f.clock.advance(20 * MIN);
    await reportAccounting(s, {
      nasId: lobby,
      code: token.code,
      acctSessionId: 'HOME',
      mac: '02-00-00-00-98-01',
      seconds: 1200,
    });
    await s.store.nas.markSeen(lobby, f.clock.now());
    const failed = await s.store.emails.enqueue(
      {
        messageId: '<m1@x>',
        kind: 'booking',
        bookingId: null,
        to: 'a@example.org',
        subject: 'Code',
        html: '',
        text: '',
      },
      f.clock.now(),
    );
    await s.store.emails.claim(failed, f.clock.now(), 60_000);
    await s.store.emails.retry(failed, f.clock.now(), 'refused', null);
    await s.audit.record('admin', 'token.revoke', {
      targetType: 'token',
      targetId: String(token.id),
    });

    const today = await s.reports.build({ period: 'today' });
    const week = await s.reports.build({ period: '7d' });
    // Ten hours on, the sign-in has lapsed: sign in again.
    const admin = f.browser();
    await admin.signIn(ADMIN);
    const r = await admin.get('/admin');
    expect(r.status).toBe(200);
    // This device and the one still waiting for its Disconnect from the test above.
    expect((await s.sessions.listLive()).total).toBe(2);
    expect(r.body).toContain('<span class="n">2</span> <span>devices online now');
    expect(r.body).toContain(
      `<span class="n">${today.totals.tokens}</span> <span>tokens used today`,
    );
    expect(r.body).toContain(
      `<strong>${Math.round(today.totals.ms / 6000) / 10}</strong> minutes today`,
    );
    expect(r.body).toContain(`${Math.round(week.totals.ms / 7 / 6000) / 10} a day on average`);
    expect(r.body).toContain('<title id="c-week-t">Online minutes per day, last 7 days</title>');
    // floor-2 never spoke; the lobby just did.
    expect(r.body).toMatch(/<strong>floor-2<\/strong><\/a> has not spoken yet/);
    expect(r.body).not.toMatch(/<strong>lobby<\/strong><\/a> has not spoken/);
    expect(r.body).toContain('<a href="/admin/bookings/outbox?status=failed">1 e-mail failed</a>');
    expect(r.body).toMatch(
      /<strong>admin<\/strong> token\.revoke <span class="muted">token #\d+<\/span>/,
    );
    f.clock.set(END);
  });
});

describe('the token list', () => {
  test('has a data used column with the same figure as the token page', async () => {
    const top = report.topByData[0]!;
    const token = await f.services.tokens.get(top.tokenId);
    const admin = f.browser();
    await admin.signIn(ADMIN);
    const r = await admin.get(`/admin/tokens?q=${token.code}`);
    expect(r.body).toContain('<th scope="col" class="num">Data used</th>');
    expect(r.body).toContain(
      `<td data-label="Data used" class="num">${formatBytes(token.dataUsedBytes)}</td>`,
    );
    expect(token.dataUsedBytes).toBeGreaterThan(0);
  });
});
