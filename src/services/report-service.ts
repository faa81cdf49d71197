// Reports for staff: how much the Wi-Fi was used, when, by which batches, routers and tokens.
// Minutes come from the tokens' charged coverage (the union over a token's devices), so a
// report always adds up to what the token pages show; with a router chosen, from the union
// of that router's sessions' charged intervals, which the coverage is made of.

import type { Clock } from '../clock.js';
import type { Interval } from '../core/intervals.js';
import { addToHours, hourSlots, mergeIntervals, peakPerRange } from '../core/report-math.js';
import { formatIsoInZone, parseDateTime, zoneOffsetMs } from '../core/time.js';
import { TOKEN_SOURCES } from '../core/token.js';
import { badInput } from '../errors.js';
import type { BatchTotals, ReportScope, SessionSpan } from '../storage/report-repo.js';
import type { Store } from '../storage/store.js';

/** REPORT_PERIODS are the periods staff pick from; custom takes a from and a to date. */
export const REPORT_PERIODS = ['today', '7d', '30d', 'custom'] as const;
/** ReportPeriod is one of REPORT_PERIODS. */
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

/** MAX_REPORT_DAYS is the longest custom period. */
export const MAX_REPORT_DAYS = 366;

/** ReportQuery is what staff asked for: a period and optionally one batch, source or router. */
export type ReportQuery = {
  period: ReportPeriod;
  /** `YYYY-MM-DD`, first day (custom). */
  from?: string;
  /** `YYYY-MM-DD`, last day, included (custom). */
  to?: string;
} & ReportScope;

/** UsageBucket is the charged time and data of one day (or one hour of a one-day report). */
export type UsageBucket = { label: string; date: string; ms: number; bytes: number };

/** TokenUsageRow is one token's charged time and data in the period. */
export type TokenUsageRow = {
  tokenId: number;
  code: string;
  description: string;
  ms: number;
  bytes: number;
};

/** RouterRow is one router's sessions, charged time and Disconnect/CoA outcomes. */
export type RouterRow = {
  nasId: number | null;
  name: string;
  sessions: number;
  ms: number;
  bytes: number;
  disconnect: Record<'ack' | 'nak' | 'timeout' | 'pending', number>;
  coa: Record<'ack' | 'nak' | 'timeout' | 'pending', number>;
};

/** BatchRow is a batch's codes used, unused and depleted, and its minutes. */
export type BatchRow = BatchTotals & { periodMs: number };

/** Report is everything the reports page and its CSV exports show. */
export type Report = {
  query: ReportQuery;
  timeZone: string;
  from: number;
  to: number;
  fromDate: string;
  toDate: string;
  hourly: boolean;
  usage: UsageBucket[];
  totals: { ms: number; bytes: number; sessions: number; tokens: number; redeemed: number };
  peaks: Array<{ date: string; devices: number }>;
  /** heat[weekday][hour]: charged milliseconds, Monday first. */
  heat: number[][];
  redeemed: Array<{ date: string; total: number; bySource: Record<string, number> }>;
  batches: BatchRow[];
  routers: RouterRow[];
  topByMinutes: TokenUsageRow[];
  topByData: TokenUsageRow[];
};

const DAY_MS = 86_400_000;
const TOP = 10;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const addDays = (date: string, n: number): string => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

const outcomes = () => ({ ack: 0, nak: 0, timeout: 0, pending: 0 });

/** createReportService returns the report use cases over a store. */
export function createReportService(deps: { store: Store; clock: Clock; timeZone: () => string }) {
  const { store, clock } = deps;

  /** The first and last local date of the period, checked. */
  const dates = (q: ReportQuery, tz: string): { fromDate: string; toDate: string } => {
    const today = formatIsoInZone(clock.now(), tz).slice(0, 10);
    if (q.period === 'today') return { fromDate: today, toDate: today };
    if (q.period === '7d') return { fromDate: addDays(today, -6), toDate: today };
    if (q.period === '30d') return { fromDate: addDays(today, -29), toDate: today };
    const fields: Array<{ field: string; message: string }> = [];
    const from = q.from ?? '';
    const to = q.to ?? '';
    if (!DATE.test(from) || parseDateTime(from, tz) === undefined)
      fields.push({ field: 'from', message: 'give the first day as YYYY-MM-DD' });
    if (!DATE.test(to) || parseDateTime(to, tz) === undefined)
      fields.push({ field: 'to', message: 'give the last day as YYYY-MM-DD' });
    if (fields.length) throw badInput(fields);
    if (to < from) throw badInput([{ field: 'to', message: 'must be on or after the first day' }]);
    const days = Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1;
    if (days > MAX_REPORT_DAYS)
      throw badInput([
        { field: 'to', message: `at most ${MAX_REPORT_DAYS} days after the first day` },
      ]);
    return { fromDate: from, toDate: to };
  };

  return {
    /** build computes every report of the asked period and scope. */
    async build(q: ReportQuery): Promise<Report> {
      if (!REPORT_PERIODS.includes(q.period))
        throw badInput([{ field: 'period', message: `one of ${REPORT_PERIODS.join(', ')}` }]);
      if (q.source !== undefined && !(TOKEN_SOURCES as readonly string[]).includes(q.source))
        throw badInput([{ field: 'source', message: `one of ${TOKEN_SOURCES.join(', ')}` }]);
      const tz = deps.timeZone();
      const { fromDate, toDate } = dates(q, tz);
      const from = parseDateTime(fromDate, tz) as number;
      const to = parseDateTime(toDate, tz, { endOfDay: true }) as number;
      const scope: ReportScope = { batchId: q.batchId, source: q.source, nasId: q.nasId };
      const slots = hourSlots(from, to, (ms) => zoneOffsetMs(ms, tz));
      const hourly = fromDate === toDate;

      const sessions = await store.reports.sessions(scope, from, to);
      // The charged spans per token: the coverage, or with a router chosen the union of that
      // router's sessions' intervals (each is part of the coverage it was merged into).
      const spansByToken = new Map<number, Interval[]>();
      if (scope.nasId === undefined) {
        for (const c of await store.reports.coverage(scope, from, to)) {
          let list = spansByToken.get(c.tokenId);
          if (!list) spansByToken.set(c.tokenId, (list = []));
          list.push(c); // a span is an interval: no copy of 60,000 spans a year
        }
      } else {
        const raw = new Map<number, Interval[]>();
        for (const s of sessions) {
          let list = raw.get(s.tokenId);
          if (!list) raw.set(s.tokenId, (list = []));
          list.push(s);
        }
        for (const [id, list] of raw) spansByToken.set(id, mergeIntervals(list));
      }

      const msPerHour = slots.map(() => 0);
      const bytesPerHour = slots.map(() => 0);
      const tokenMs = new Map<number, number>();
      const tokenBytes = new Map<number, number>();
      const clipped = (i: Interval) => Math.max(0, Math.min(i.end, to) - Math.max(i.start, from));
      for (const [id, spans] of spansByToken) {
        let ms = 0;
        for (const sp of spans) {
          addToHours(msPerHour, from, sp);
          ms += clipped(sp);
        }
        if (ms > 0) tokenMs.set(id, ms);
      }
      // Data is reported by the sessions' counters, spread evenly over each session's
      // charged interval (accounting tells the octets, not when within an update they flowed).
      const bytesIn = (s: SessionSpan): number => {
        if (s.end > s.start) return (s.bytes * clipped(s)) / (s.end - s.start);
        return s.start >= from && s.start < to ? s.bytes : 0;
      };
      for (const s of sessions) {
        if (s.end > s.start) addToHours(bytesPerHour, from, s, s.bytes / (s.end - s.start));
        else if (s.start >= from && s.start < to) {
          const i = Math.floor((s.start - from) / 3_600_000);
          bytesPerHour[i] = (bytesPerHour[i] ?? 0) + s.bytes;
        }
        const b = bytesIn(s);
        if (b > 0) tokenBytes.set(s.tokenId, (tokenBytes.get(s.tokenId) ?? 0) + b);
      }

      // Buckets: hours for a one-day report, else local days.
      const dayList: string[] = [];
      for (let d = fromDate; d <= toDate; d = addDays(d, 1)) dayList.push(d);
      const dayIndex = new Map(dayList.map((d, i) => [d, i]));
      const usage: UsageBucket[] = hourly
        ? slots.map((s, i) => ({
            label: `${String(s.hour).padStart(2, '0')}:00`,
            date: s.date,
            ms: msPerHour[i] ?? 0,
            bytes: Math.round(bytesPerHour[i] ?? 0),
          }))
        : dayList.map((d) => ({ label: d, date: d, ms: 0, bytes: 0 }));
      const heat = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
      const dayBytes = dayList.map(() => 0);
      slots.forEach((s, i) => {
        const row = heat[s.weekday] as number[];
        row[s.hour] = (row[s.hour] ?? 0) + (msPerHour[i] ?? 0);
        const di = dayIndex.get(s.date);
        if (!hourly && di !== undefined) {
          (usage[di] as UsageBucket).ms += msPerHour[i] ?? 0;
          dayBytes[di] = (dayBytes[di] ?? 0) + (bytesPerHour[i] ?? 0);
        }
      });
      if (!hourly) usage.forEach((u, i) => (u.bytes = Math.round(dayBytes[i] ?? 0)));

      const dayRanges = dayList.map((d) => ({
        start: parseDateTime(d, tz) as number,
        end: parseDateTime(d, tz, { endOfDay: true }) as number,
      }));
      const peakList = peakPerRange(sessions, dayRanges);
      const peaks = dayList.map((date, i) => ({ date, devices: peakList[i] ?? 0 }));

      const firstUses = await store.reports.firstUses(scope, from, to);
      const redeemed = dayList.map((date) => ({
        date,
        total: 0,
        bySource: Object.fromEntries(TOKEN_SOURCES.map((s) => [s, 0])) as Record<string, number>,
      }));
      for (const u of firstUses) {
        const slot = slots[Math.floor((u.at - from) / 3_600_000)];
        const r = slot ? redeemed[dayIndex.get(slot.date) ?? -1] : undefined;
        if (!r) continue;
        r.total++;
        r.bySource[u.source] = (r.bySource[u.source] ?? 0) + 1;
      }

      // Batches: the chosen one, or those whose codes were used in the period.
      const tokenIds = [...new Set([...tokenMs.keys(), ...tokenBytes.keys()])];
      const batchOf = await store.reports.batchesOf(tokenIds);
      const batchMs = new Map<number, number>();
      for (const [id, ms] of tokenMs) {
        const b = batchOf.get(id);
        if (b !== undefined) batchMs.set(b, (batchMs.get(b) ?? 0) + ms);
      }
      const batchIds = new Set(batchOf.values());
      if (scope.batchId !== undefined) batchIds.add(scope.batchId);
      const batches: BatchRow[] = (await store.reports.batchTotals([...batchIds], clock.now())).map(
        (b) => ({ ...b, periodMs: batchMs.get(b.id) ?? 0 }),
      );

      // Routers: each router's own union per token, so two routers' minutes may overlap when
      // one token's devices used both at once.
      const names = new Map((await store.nas.list()).map((n) => [n.id, n.name]));
      const routerMap = new Map<number | null, RouterRow>();
      const router = (nasId: number | null): RouterRow => {
        let r = routerMap.get(nasId);
        if (!r) {
          r = {
            nasId,
            name: nasId === null ? '(removed router)' : (names.get(nasId) ?? `#${nasId}`),
            sessions: 0,
            ms: 0,
            bytes: 0,
            disconnect: outcomes(),
            coa: outcomes(),
          };
          routerMap.set(nasId, r);
        }
        return r;
      };
      const perRouterToken = new Map<number | null, Map<number, Interval[]>>();
      for (const s of sessions) {
        const r = router(s.nasId);
        if (s.start >= from) r.sessions++;
        r.bytes += bytesIn(s);
        let byToken = perRouterToken.get(s.nasId);
        if (!byToken) perRouterToken.set(s.nasId, (byToken = new Map()));
        let list = byToken.get(s.tokenId);
        if (!list) byToken.set(s.tokenId, (list = []));
        list.push(s);
      }
      for (const [nasId, byToken] of perRouterToken) {
        const r = router(nasId);
        for (const list of byToken.values())
          for (const sp of mergeIntervals(list)) r.ms += clipped(sp);
      }
      for (const o of await store.reports.cutoffOutcomes(scope, from, to)) {
        const r = router(o.nasId);
        const key = o.state === 'sending' ? 'pending' : (o.state as keyof RouterRow['coa']);
        r[o.kind === 'coa' ? 'coa' : 'disconnect'][key] += o.n;
      }
      const routers = [...routerMap.values()].map((r) => ({ ...r, bytes: Math.round(r.bytes) }));
      routers.sort((a, b) => a.name.localeCompare(b.name));

      const top = async (metric: Map<number, number>): Promise<TokenUsageRow[]> => {
        const ids = [...metric.entries()]
          .sort((a, b) => b[1] - a[1] || a[0] - b[0])
          .slice(0, TOP)
          .map(([id]) => id);
        const labels = await store.reports.tokenLabels(ids);
        return ids.map((id) => ({
          tokenId: id,
          code: labels.get(id)?.code ?? '',
          description: labels.get(id)?.description ?? '',
          ms: tokenMs.get(id) ?? 0,
          bytes: Math.round(tokenBytes.get(id) ?? 0),
        }));
      };

      const totalMs = [...tokenMs.values()].reduce((a, n) => a + n, 0);
      const totalBytes = usage.reduce((a, u) => a + u.bytes, 0);
      return {
        query: q,
        timeZone: tz,
        from,
        to,
        fromDate,
        toDate,
        hourly,
        usage,
        totals: {
          ms: totalMs,
          bytes: totalBytes,
          sessions: sessions.filter((s) => s.start >= from).length,
          tokens: tokenMs.size,
          redeemed: firstUses.length,
        },
        peaks,
        heat,
        redeemed,
        batches,
        routers,
        topByMinutes: await top(tokenMs),
        topByData: await top(tokenBytes),
      };
    },
  };
}

/** ReportService is the report use cases' interface. */
export type ReportService = ReturnType<typeof createReportService>;
