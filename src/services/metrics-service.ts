// Prometheus metrics (prom-client) for operators. Two kinds:
// - observed on the spot, where the work happens: handler latency, batch sizes, Disconnect/CoA
//   answers, checkpoints, HTTP requests. Each is one histogram or counter step on a child
//   whose labels were bound once.
// - read at scrape time: the RADIUS counters the handler and the UDP server already keep, and
//   the counts in the database (open sessions, queues, lockouts, file sizes), each from an
//   indexed query; tokens by state (derived per row) at most every 30 s.
// Every label set is closed: values come from our own code (packet code names, reasons,
// states) or from router names staff typed; nothing a guest or a router sends becomes a label.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { TOKEN_STATES, type TokenState } from '../core/token.js';
import type { Store } from '../storage/store.js';
import type { RadiusHandlerStats } from './radius-service.js';

/** MetricsHooks are the calls the RADIUS handler, cut-off worker, checkpointer and HTTP make. */
export type MetricsHooks = {
  /** radiusBatch records the packet count of one committed group-commit batch. */
  radiusBatch(packets: number): void;
  /** radiusLatency records one packet's time from arrival at the handler to its reply. */
  radiusLatency(kind: 'access' | 'accounting', ms: number): void;
  /** coaFinished records a NAS's answer to one Disconnect or CoA. */
  coaFinished(
    router: string,
    kind: 'disconnect' | 'coa',
    outcome: 'ack' | 'nak' | 'timeout' | 'deferred',
  ): void;
  /** checkpoint records one WAL checkpoint of the checkpointer thread. */
  checkpoint(ms: number, failed: boolean): void;
  /** http records one answered HTTP request by route pattern (not URL) and status. */
  http(method: string, route: string | undefined, status: number, ms: number): void;
};

/**
 * METRIC_NAMES lists the Portico-specific metrics /metrics exposes on SQLite (the dashboard
 * uses them); on PostgreSQL portico_postgres_database_bytes replaces portico_sqlite_file_bytes.
 */
export const METRIC_NAMES = [
  'portico_radius_packets_received_total',
  'portico_radius_replies_total',
  'portico_radius_decisions_total',
  'portico_radius_drops_total',
  'portico_radius_duplicates_total',
  'portico_radius_handler_seconds',
  'portico_radius_batch_packets',
  'portico_radius_batches_failed_total',
  'portico_radius_in_flight',
  'portico_sessions',
  'portico_tokens',
  'portico_coa_requests_total',
  'portico_coa_queue',
  'portico_email_outbox',
  'portico_webhook_outbox',
  'portico_lockouts_active',
  'portico_http_requests_total',
  'portico_http_request_seconds',
  'portico_sqlite_file_bytes',
  'portico_sqlite_checkpoint_seconds',
  'portico_sqlite_checkpoint_failures_total',
] as const;

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const OUTBOX_STATUSES = ['queued', 'sending', 'retrying', 'failed'] as const;
const TOKEN_CACHE_MS = 30_000;

/** radiusCodeLabel returns a packet code name as a label; codes we do not know are `other`. */
function radiusCodeLabel(name: string): string {
  return /^Code-\d+$/.test(name) ? 'other' : name;
}

/**
 * decisionLabels splits a handler outcome key (`access.reject.device-limit`,
 * `acct.interim.charged`) into a kind and an outcome; a key that carries a number from the
 * packet (an Acct-Status-Type we do not handle) becomes `unknown-status-type`.
 */
function decisionLabels(key: string): { kind: string; outcome: string } {
  const dot = key.indexOf('.');
  const kind = dot === -1 ? key : key.slice(0, dot);
  const outcome = dot === -1 ? '' : key.slice(dot + 1);
  return { kind, outcome: /\d/.test(outcome) ? 'unknown-status-type' : outcome };
}

/** dropLabel keeps a drop reason (a fixed word of our code) and folds anything numeric. */
function dropLabel(reason: string): string {
  return /^[a-z-]+$/.test(reason) ? reason : 'other';
}

type Labels = Record<string, string>;
type Series = Array<{ labels: Labels; value: number }>;

/**
 * createMetricsService returns a registry of Portico's metrics over `store`, the hooks that
 * feed it, and `scrape()` for /metrics; `watchRadius` joins the RADIUS counters once they exist.
 */
export function createMetricsService(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  const registry = new Registry();
  const registers = [registry];
  // Process metrics (CPU, memory, event-loop delay) start with the first scrape, so the CLI's
  // short runs, which build the same services, never start their event-loop monitor.
  let processMetrics = false;
  let radiusStats: (() => RadiusHandlerStats) | null = null;
  let tokenCache: { at: number; counts: Record<TokenState, number> } | null = null;

  // A counter or gauge whose values are kept elsewhere: collect() copies them in at scrape time.
  const mirror = (
    kind: 'counter' | 'gauge',
    name: string,
    help: string,
    labelNames: string[],
    read: () => Series | Promise<Series>,
  ) => {
    const collect = async function (this: Counter | Gauge) {
      const series = await read();
      this.reset();
      for (const s of series) {
        if (this instanceof Gauge) this.set(s.labels, s.value);
        else (this as Counter).inc(s.labels, s.value);
      }
    };
    return kind === 'counter'
      ? new Counter({ name, help, labelNames, registers, collect })
      : new Gauge({ name, help, labelNames, registers, collect });
  };
  const fromRecord = (
    rec: Record<string, number>,
    label: string,
    fold = (k: string) => k,
  ): Series => {
    const merged: Record<string, number> = {};
    for (const [k, v] of Object.entries(rec)) merged[fold(k)] = (merged[fold(k)] ?? 0) + v;
    return Object.entries(merged).map(([k, v]) => ({ labels: { [label]: k }, value: v }));
  };
  const stats = () => radiusStats?.() ?? null;

  mirror(
    'counter',
    'portico_radius_packets_received_total',
    'Well-formed RADIUS packets received, by packet code.',
    ['code'],
    () => fromRecord(stats()?.server?.received ?? {}, 'code', radiusCodeLabel),
  );
  mirror(
    'counter',
    'portico_radius_replies_total',
    'RADIUS replies sent (resent duplicates included), by packet code.',
    ['code'],
    () => fromRecord(stats()?.server?.replies ?? {}, 'code', radiusCodeLabel),
  );
  mirror(
    'counter',
    'portico_radius_decisions_total',
    'RADIUS handler decisions: access accept/reject by reason, accounting by status and result.',
    ['kind', 'outcome'],
    () => {
      const merged = new Map<string, Series[number]>();
      for (const [key, v] of Object.entries(stats()?.outcomes ?? {})) {
        const labels = decisionLabels(key);
        const id = `${labels.kind}|${labels.outcome}`;
        const cur = merged.get(id);
        if (cur) cur.value += v;
        else merged.set(id, { labels, value: v });
      }
      return [...merged.values()];
    },
  );
  mirror(
    'counter',
    'portico_radius_drops_total',
    'RADIUS packets dropped unanswered, by where (server: codec and checks; handler: policy) and reason.',
    ['layer', 'reason'],
    () => {
      const s = stats();
      return [
        ...fromRecord(s?.server?.drops ?? {}, 'reason', dropLabel).map((x) => ({
          ...x,
          labels: { ...x.labels, layer: 'server' },
        })),
        ...fromRecord(s?.drops ?? {}, 'reason', dropLabel).map((x) => ({
          ...x,
          labels: { ...x.labels, layer: 'handler' },
        })),
      ];
    },
  );
  mirror(
    'counter',
    'portico_radius_duplicates_total',
    'Duplicate RADIUS requests: answered again from the cache (resent) or dropped while the first was in progress.',
    ['kind'],
    () => {
      const d = stats()?.server?.duplicates ?? { resent: 0, inProgress: 0 };
      return [
        { labels: { kind: 'resent' }, value: d.resent },
        { labels: { kind: 'in-progress' }, value: d.inProgress },
      ];
    },
  );
  mirror(
    'counter',
    'portico_radius_batches_failed_total',
    'Group-commit batches whose transaction failed (their packets were dropped).',
    [],
    () => [{ labels: {}, value: stats()?.batches.failed ?? 0 }],
  );
  mirror(
    'gauge',
    'portico_radius_in_flight',
    'RADIUS requests handed to the handler and not yet answered.',
    [],
    () => [{ labels: {}, value: stats()?.server?.handler.inFlight ?? 0 }],
  );

  const latency = new Histogram({
    name: 'portico_radius_handler_seconds',
    help: 'Time from a RADIUS request reaching the handler to its reply being released (after the commit).',
    labelNames: ['kind'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const latencyAccess = latency.labels({ kind: 'access' });
  const latencyAccounting = latency.labels({ kind: 'accounting' });
  const batchSize = new Histogram({
    name: 'portico_radius_batch_packets',
    help: 'Packets per group-commit transaction.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers,
  });

  mirror(
    'gauge',
    'portico_sessions',
    'Open RADIUS sessions: reserved (accepted, no accounting yet) and live.',
    ['status'],
    async () => {
      const open = await store.metrics.openSessions();
      return ['reserved', 'live'].map((status) => ({
        labels: { status },
        value: open[status] ?? 0,
      }));
    },
  );
  mirror(
    'gauge',
    'portico_tokens',
    'Tokens by derived state (counted at most every 30 s).',
    ['state'],
    async () => {
      const now = clock.now();
      if (!tokenCache || now - tokenCache.at > TOKEN_CACHE_MS)
        tokenCache = { at: now, counts: await store.tokens.countByState({}, now) };
      const counts = tokenCache.counts;
      return TOKEN_STATES.map((state) => ({ labels: { state }, value: counts[state] }));
    },
  );

  const coa = new Counter({
    name: 'portico_coa_requests_total',
    help: 'Disconnect and CoA requests answered by routers, by router, kind and outcome (ack, nak, timeout; deferred: left for a gateway that polls).',
    labelNames: ['router', 'kind', 'outcome'],
    registers,
  });
  mirror(
    'gauge',
    'portico_coa_queue',
    'Disconnect/CoA jobs waiting or being sent, per router.',
    ['router'],
    async () => {
      const queue = await store.metrics.coaQueue();
      const names = new Set([...(await store.metrics.routerNames()), ...Object.keys(queue)]);
      return [...names].map((router) => ({ labels: { router }, value: queue[router] ?? 0 }));
    },
  );
  mirror(
    'gauge',
    'portico_email_outbox',
    'E-mails not yet sent, by status (failed: gave up after retries).',
    ['status'],
    async () => {
      const c = await store.metrics.emailOutbox();
      return OUTBOX_STATUSES.map((status) => ({ labels: { status }, value: c[status] ?? 0 }));
    },
  );
  mirror(
    'gauge',
    'portico_webhook_outbox',
    'Webhook deliveries not yet delivered, by status (failed: gave up after retries).',
    ['status'],
    async () => {
      const c = await store.metrics.webhookOutbox();
      return OUTBOX_STATUSES.map((status) => ({ labels: { status }, value: c[status] ?? 0 }));
    },
  );
  mirror(
    'gauge',
    'portico_lockouts_active',
    'Keys (addresses, devices, staff names) locked out now after wrong codes or passwords.',
    [],
    async () => [{ labels: {}, value: await store.metrics.activeLockouts(clock.now()) }],
  );

  const httpRequests = new Counter({
    name: 'portico_http_requests_total',
    help: 'HTTP requests answered, by route pattern (unmatched: no route), method and status.',
    labelNames: ['route', 'method', 'status'],
    registers,
  });
  const httpSeconds = new Histogram({
    name: 'portico_http_request_seconds',
    help: 'HTTP request duration by route pattern.',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers,
  });

  // SQLite's file and WAL sizes; PostgreSQL's database as the server counts it (its WAL is
  // the server's, shared by every database there, so it is not one database's figure).
  if (store.backend === 'sqlite') {
    mirror(
      'gauge',
      'portico_sqlite_file_bytes',
      'Size of the SQLite database file and of its write-ahead log.',
      ['file'],
      async () => {
        const s = await store.metrics.fileSizes();
        return [
          { labels: { file: 'db' }, value: s.db },
          { labels: { file: 'wal' }, value: s.wal ?? 0 },
        ];
      },
    );
  } else {
    mirror(
      'gauge',
      'portico_postgres_database_bytes',
      'Size of the PostgreSQL database (pg_database_size).',
      [],
      async () => [{ labels: {}, value: (await store.metrics.fileSizes()).db }],
    );
  }
  const checkpoints = new Histogram({
    name: 'portico_sqlite_checkpoint_seconds',
    help: 'Duration of the WAL checkpoints run by the checkpointer thread.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  });
  const checkpointFailures = new Counter({
    name: 'portico_sqlite_checkpoint_failures_total',
    help: 'WAL checkpoints that failed.',
    registers,
  });

  const hooks: MetricsHooks = {
    radiusBatch: (packets) => batchSize.observe(packets),
    radiusLatency: (kind, ms) =>
      (kind === 'access' ? latencyAccess : latencyAccounting).observe(ms / 1000),
    coaFinished: (router, kind, outcome) => coa.inc({ router, kind, outcome }),
    checkpoint: (ms, failed) => {
      if (failed) checkpointFailures.inc();
      else checkpoints.observe(ms / 1000);
    },
    http: (method, route, status, ms) => {
      const r = route ?? 'unmatched';
      httpRequests.inc({
        route: r,
        method: HTTP_METHODS.has(method) ? method : 'other',
        status: String(status),
      });
      httpSeconds.observe({ route: r }, ms / 1000);
    },
  };
  // The routers known at the first scrape get their zero series (reads are asynchronous).
  let zeroed = false;
  const zeroCoa = async () => {
    if (zeroed) return;
    zeroed = true;
    for (const kind of ['disconnect', 'coa'])
      for (const outcome of ['ack', 'nak', 'timeout', 'deferred'])
        for (const router of await store.metrics.routerNames())
          coa.inc({ router, kind, outcome }, 0);
  };

  return {
    hooks,
    /** watchRadius makes the RADIUS handler's and server's counters part of every scrape. */
    watchRadius(read: () => RadiusHandlerStats): void {
      radiusStats = read;
    },
    /** forgetCachedCounts makes the next scrape count tokens again (benchmarks, tests). */
    forgetCachedCounts(): void {
      tokenCache = null;
    },
    /** scrape returns the metrics in Prometheus text format. */
    scrape: async (): Promise<string> => {
      if (!processMetrics) {
        processMetrics = true;
        collectDefaultMetrics({ register: registry, prefix: 'portico_' });
      }
      await zeroCoa();
      return registry.metrics();
    },
    /** contentType is the Content-Type of scrape()'s text. */
    contentType: registry.contentType,
  };
}

/** MetricsService is the metrics registry's interface. */
export type MetricsService = ReturnType<typeof createMetricsService>;
