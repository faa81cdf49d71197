// WAL checkpoints off the main thread. A checkpoint copies the WAL back into the database
// file and fsyncs it: tens of milliseconds that, on the main thread, would stall every RADIUS
// packet in flight. A worker thread with its own connection runs PASSIVE checkpoints, which
// never block writers, and resets the WAL with a TRUNCATE checkpoint once it has grown past a
// limit. A TRUNCATE checkpoint does block writers while it runs (40-60 ms measured under load:
// the main thread's BEGIN waits in SQLite's busy handler, and every packet in flight with it),
// so it waits for a quiet moment, a tick in which nothing was written; only a WAL four times
// past the limit is reset under load, so that it cannot grow without bound.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** CheckpointerOptions tunes how often the WAL is copied back and when it is reset. */
export type CheckpointerOptions = {
  /** Pause between PASSIVE checkpoints. */
  intervalMs?: number;
  /**
   * WAL size in pages (4 KiB) above which the worker resets it with TRUNCATE once nothing was
   * written for a tick; at four times this it resets it even under load.
   */
  truncateAbovePages?: number;
  onError?: (message: string) => void;
  /** Called after each checkpoint with its duration (failed: it threw). */
  onCheckpoint?: (ms: number, failed: boolean) => void;
};

/** CheckpointerStats counts what the worker has done. */
export type CheckpointerStats = {
  checkpoints: number;
  truncates: number;
  largestWalPages: number;
  errors: number;
};

/** Checkpointer is a running checkpoint worker. */
export type Checkpointer = { stats(): CheckpointerStats; stop(): Promise<void> };

/**
 * shouldTruncate says whether the worker resets the WAL after a PASSIVE checkpoint that
 * returned `r`: past `limit` pages and quiet (no frame written since the last tick, whose
 * WAL had `lastLog` frames), or past four times `limit` whatever the load. Never while a
 * reader or writer kept the checkpoint from finishing (busy).
 */
export function shouldTruncate(
  r: { busy: number; log: number },
  lastLog: number,
  limit: number,
): boolean {
  if (r.busy !== 0 || r.log <= limit) return false;
  return r.log === lastLog || r.log > 4 * limit;
}

// Plain CommonJS so the worker runs the same from src/ (tests) and dist/ (installed); the
// decision above is copied into it as source.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 2000');
let timer;
let stopped = false;
let lastLog = -1;
const shouldTruncate = ${shouldTruncate.toString()};
const tick = () => {
  const started = performance.now();
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    let truncated = false;
    const reset = shouldTruncate(r, lastLog, workerData.truncateAbovePages);
    lastLog = r.log;
    if (reset) {
      db.pragma('wal_checkpoint(TRUNCATE)');
      truncated = true;
    }
    parentPort.postMessage({ type: 'done', log: r.log, truncated, ms: performance.now() - started });
  } catch (err) {
    parentPort.postMessage({ type: 'error', message: String(err && err.message) });
  }
  if (!stopped) timer = setTimeout(tick, workerData.intervalMs);
};
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  stopped = true;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
tick();
`;

/**
 * startCheckpointer returns a worker thread that checkpoints the WAL of the database `file`
 * every `intervalMs`; stop() ends it and resolves once its connection is closed.
 */
export function startCheckpointer(file: string, opts: CheckpointerOptions = {}): Checkpointer {
  const stats: CheckpointerStats = { checkpoints: 0, truncates: 0, largestWalPages: 0, errors: 0 };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: opts.intervalMs ?? 200,
      truncateAbovePages: opts.truncateAbovePages ?? 32_768,
    },
  });
  worker.unref();
  worker.on(
    'message',
    (m: { type: string; log?: number; truncated?: boolean; message?: string; ms?: number }) => {
      if (m.type === 'done') {
        opts.onCheckpoint?.(m.ms ?? 0, false);
        stats.checkpoints++;
        if (m.truncated) stats.truncates++;
        stats.largestWalPages = Math.max(stats.largestWalPages, m.log ?? 0);
      } else if (m.type === 'error') {
        opts.onCheckpoint?.(0, true);
        stats.errors++;
        opts.onError?.(m.message ?? 'unknown error');
      }
    },
  );
  worker.on('error', (err) => {
    stats.errors++;
    opts.onError?.(err.message);
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stats: () => ({ ...stats }),
    async stop() {
      // Keep the process alive until the worker has closed its connection: shutdown awaits it.
      worker.ref();
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 5000)));
      if ((await Promise.race([exited, timeout])) === 'timeout') await worker.terminate();
      clearTimeout(timer);
    },
  };
}
