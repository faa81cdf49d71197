/** LatencySnapshot summarises the most recent handler latencies, in milliseconds. */
export interface LatencySnapshot {
  /** Handler calls completed since start. */
  readonly count: number;
  /** Handler calls that threw or rejected. */
  readonly errors: number;
  /** Handler calls started and not yet finished. */
  readonly inFlight: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** RadiusMetricsSnapshot is a plain-object copy of the server counters. */
export interface RadiusMetricsSnapshot {
  /** Well-formed packets received, by code name. */
  readonly received: Readonly<Record<string, number>>;
  /** Replies sent, by code name, resent duplicates included. */
  readonly replies: Readonly<Record<string, number>>;
  /** Packets dropped, by reason. */
  readonly drops: Readonly<Record<string, number>>;
  /** Duplicates answered from the cache, and duplicates dropped while in progress. */
  readonly duplicates: { readonly resent: number; readonly inProgress: number };
  readonly handler: LatencySnapshot;
}

/** RadiusMetrics collects the server counters. */
export interface RadiusMetrics {
  received(codeName: string): void;
  replied(codeName: string): void;
  dropped(reason: string): void;
  duplicate(kind: 'resent' | 'inProgress'): void;
  handlerStarted(): void;
  handlerFinished(latencyMs: number, failed: boolean): void;
  snapshot(): RadiusMetricsSnapshot;
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

/**
 * createRadiusMetrics returns empty counters whose latency figures come from a ring of the
 * last reservoirSize handler calls, so a snapshot costs the same however long it runs.
 */
export function createRadiusMetrics(reservoirSize = 1024): RadiusMetrics {
  const received: Record<string, number> = {};
  const replies: Record<string, number> = {};
  const drops: Record<string, number> = {};
  const duplicates = { resent: 0, inProgress: 0 };
  const reservoir: number[] = [];
  let next = 0;
  let count = 0;
  let errors = 0;
  let inFlight = 0;

  return {
    received: (codeName) => increment(received, codeName),
    replied: (codeName) => increment(replies, codeName),
    dropped: (reason) => increment(drops, reason),
    duplicate: (kind) => {
      duplicates[kind]++;
    },
    handlerStarted: () => {
      inFlight++;
    },
    handlerFinished: (latencyMs, failed) => {
      inFlight--;
      count++;
      if (failed) errors++;
      reservoir[next] = latencyMs;
      next = (next + 1) % reservoirSize;
    },
    snapshot: () => {
      const sorted = [...reservoir].sort((a, b) => a - b);
      return {
        received: { ...received },
        replies: { ...replies },
        drops: { ...drops },
        duplicates: { ...duplicates },
        handler: {
          count,
          errors,
          inFlight,
          p50Ms: percentile(sorted, 0.5),
          p99Ms: percentile(sorted, 0.99),
          maxMs: sorted.at(-1) ?? 0,
        },
      };
    },
  };
}
