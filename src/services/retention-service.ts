// Retention: once a day, delete what is older than staff chose to keep (closed sessions,
// audit rows, sent e-mails, delivered webhooks, ended tokens), in short transactions of a
// bounded size so RADIUS never waits long behind it. A session's time and bytes are added to
// the per-day totals in the transaction that deletes it; a token's own totals (minutes and
// bytes used) live on the token row and do not depend on its sessions. So usage per token
// and per day reads the same before and after a run.

import type { Clock } from '../clock.js';
import { formatIsoInZone } from '../core/time.js';
import type { UsageDay, UsageRow } from '../storage/retention-repo.js';
import type { Store } from '../storage/store.js';
import { alwaysHeld, type Lease } from './lease-service.js';
import type { Settings } from './settings-service.js';

/** RetentionResult is what one run removed, and when it ran. */
export type RetentionResult = {
  startedAt: number;
  finishedAt: number;
  removed: {
    sessions: number;
    audit: number;
    emails: number;
    webhooks: number;
    tokens: number;
  };
  /** The error that stopped the run early, or null (what was removed before it stays removed). */
  error: string | null;
};

const DAY_MS = 86_400_000;
const CHUNK = 500;
const LAST_RUN_KEY = 'retention.lastRun';

/** createRetentionService returns the retention job, its last result and usage per day. */
export function createRetentionService(deps: {
  store: Store;
  clock: Clock;
  settings: { get(): Promise<Settings> };
  /**
   * The lease the daily run needs, taken for a day and kept after the run, so that of
   * several nodes only its holder runs it (default: held, one process alone).
   */
  lease?: (ttlMs: number) => Lease;
}) {
  const { store, clock } = deps;
  const repo = store.retention;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RetentionResult> | undefined;
  let lease: Lease | undefined;
  const pause = () => new Promise<void>((r) => setImmediate(r));

  /** sumByDay adds sessions' usage to per-day totals keyed by local day. */
  const sumByDay = (
    rows: Iterable<UsageRow>,
    timeZone: string,
    into = new Map<string, UsageDay>(),
  ) => {
    for (const r of rows) {
      const day = formatIsoInZone(r.startedAt, timeZone).slice(0, 10);
      const d = into.get(day) ?? { day, sessions: 0, seconds: 0, inputOctets: 0, outputOctets: 0 };
      d.sessions++;
      d.seconds += r.seconds;
      d.inputOctets += r.inputOctets;
      d.outputOctets += r.outputOctets;
      into.set(day, d);
    }
    return into;
  };

  /** removeSessions folds sessions into usage_days and deletes them (inside a transaction). */
  const removeSessions = async (rows: UsageRow[], timeZone: string) => {
    const started = rows.filter((r) => r.startedAt !== null);
    for (const d of sumByDay(started, timeZone).values()) await repo.addUsageDay(d);
    for (const r of rows) await repo.deleteSession(r.id);
  };

  const runOnce = async (): Promise<RetentionResult> => {
    const startedAt = clock.now();
    const s = await deps.settings.get();
    const removed = { sessions: 0, audit: 0, emails: 0, webhooks: 0, tokens: 0 };
    const cutoff = (days: number) => (days > 0 ? startedAt - days * DAY_MS : null);
    let error: string | null = null;
    try {
      const sessionsBefore = cutoff(s.retainSessionsDays);
      if (sessionsBefore !== null) {
        for (;;) {
          const n = await store.transaction(async () => {
            const rows = await repo.oldClosedSessions(sessionsBefore, CHUNK);
            await removeSessions(rows, s.timeZone);
            const lapsed = await repo.oldLapsedReservations(sessionsBefore, CHUNK);
            for (const id of lapsed) await repo.deleteSession(id);
            return rows.length + lapsed.length;
          });
          removed.sessions += n;
          if (n === 0) break;
          await pause();
        }
      }
      const steps: Array<[keyof typeof removed, number, (c: number) => Promise<number>]> = [
        ['audit', s.retainAuditDays, (c) => repo.deleteAudit(c, CHUNK)],
        ['emails', s.retainOutboxDays, (c) => repo.deleteSentEmails(c, CHUNK)],
        ['webhooks', s.retainOutboxDays, (c) => repo.deleteDeliveredWebhooks(c, CHUNK)],
      ];
      for (const [key, days, del] of steps) {
        const before = cutoff(days);
        if (before === null) continue;
        for (;;) {
          const n = await store.transaction(async () => del(before));
          removed[key] += n;
          if (n < CHUNK) break;
          await pause();
        }
      }
      const tokensBefore = cutoff(s.retainTokensDays);
      if (tokensBefore !== null) {
        for (;;) {
          // A token takes its sessions with it, so fewer per transaction.
          const ids = await store.transaction(async () => {
            const batch = await repo.endedTokens(tokensBefore, 50);
            for (const id of batch) {
              const rows = await repo.sessionsOfToken(id);
              await removeSessions(rows, s.timeZone);
              removed.sessions += rows.length;
              await repo.deleteToken(id);
            }
            return batch;
          });
          removed.tokens += ids.length;
          if (ids.length === 0) break;
          await pause();
        }
      }
    } catch (err) {
      error = (err as Error).message;
    }
    const result: RetentionResult = { startedAt, finishedAt: clock.now(), removed, error };
    await store.transaction(async (tx) => {
      await tx.settings.set(LAST_RUN_KEY, result);
      await tx.audit.record({
        at: result.finishedAt,
        actor: 'portico',
        action: 'retention.run',
        targetType: null,
        targetId: null,
        details: { removed, error },
      });
    });
    return result;
  };

  const run = (): Promise<RetentionResult> => {
    if (!running) running = runOnce().finally(() => (running = undefined));
    return running;
  };

  return {
    /** run deletes what is older than the retention settings and returns what it removed. */
    run,
    /** lastRun returns the result of the most recent run, or null before the first. */
    async lastRun(): Promise<RetentionResult | null> {
      return ((await store.settings.get(LAST_RUN_KEY)) as RetentionResult | undefined) ?? null;
    },
    /**
     * usageByDay returns sessions, online seconds and bytes per local day: the totals of the
     * sessions retention removed plus the sessions still stored.
     */
    async usageByDay(zone?: string): Promise<UsageDay[]> {
      const timeZone = zone ?? (await deps.settings.get()).timeZone;
      const days = new Map((await repo.usageDays()).map((d) => [d.day, { ...d }]));
      // Page by page: a year of sessions is not held in memory at once.
      const page: UsageRow[] = [];
      for await (const r of repo.startedSessions()) {
        page.push(r);
        if (page.length >= 1000) sumByDay(page.splice(0), timeZone, days);
      }
      sumByDay(page, timeZone, days);
      return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
    },
    /** start runs the job `firstDelayMs` from now and then every `intervalMs` (a day). */
    start(
      opts: {
        intervalMs?: number;
        firstDelayMs?: number;
        onError?: (err: unknown) => void;
        /** Hears each run this node made (another node's runs are not heard here). */
        onRun?: (r: RetentionResult) => void;
      } = {},
    ) {
      // The lease lasts one interval: the holder renews it at its next run, and another node
      // takes over only a whole interval after the holder's last run.
      lease = deps.lease?.(opts.intervalMs ?? DAY_MS) ?? alwaysHeld('retention');
      const held = lease;
      const tick = () => {
        held
          .hold()
          .then((mine) => (mine ? run() : null))
          .then((r) => {
            if (r) opts.onRun?.(r);
            if (r?.error) opts.onError?.(new Error(r.error));
          })
          .catch((err: unknown) => opts.onError?.(err))
          .finally(() => {
            if (timer) timer = setTimeout(tick, opts.intervalMs ?? DAY_MS).unref();
          });
      };
      timer = setTimeout(tick, opts.firstDelayMs ?? 60_000).unref();
    },
    /** stop cancels the next run and resolves once a run in progress has finished. */
    async stop(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      await running;
      await lease?.release().catch(() => undefined);
    },
  };
}

/** RetentionService is the retention job's interface. */
export type RetentionService = ReturnType<typeof createRetentionService>;
