// The loop that drains an outbox: claim the next due row, hand it to `process` (which does
// the network work outside any transaction and records the outcome), and so on until none is
// due; then sleep until
// the next row is due, a kick arrives, or the idle interval passes. Shared by the e-mail and
// the webhook outbox.

import type { Clock } from '../clock.js';

/** retryDelayMs returns the back-off before attempt `attempt + 1`: base doubling up to max. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** OutboxWorker drains one outbox in the background; runOnce drains it once, for tests and CLI. */
export type OutboxWorker = {
  /** runOnce processes every row due now and returns how many it processed. */
  runOnce(): Promise<number>;
  /** start begins the background loop; `onError` (else the one given at creation) hears failures. */
  start(opts?: { onError?: (err: unknown) => void }): void;
  /** kick wakes the loop now (new work was just committed). */
  kick(): void;
  /** stop ends the loop and waits for the row in hand. */
  stop(): Promise<void>;
};

/** OutboxWorkerOptions are what a worker needs: how to claim due rows and how to handle one. */
export type OutboxWorkerOptions = {
  clock: Clock;
  /**
   * claimNext claims the next due row under a lease and returns its id, or null when none is
   * due. One row at a time: a claimed row waits for no other row's network work, so its
   * lease cannot run out while it sits in a batch.
   */
  claimNext(now: number): Promise<number | null>;
  nextDueAt(): Promise<number | null>;
  /** process handles a row claimNext returned: it finishes the row or puts it back. */
  process(id: number): Promise<void>;
  onError?: (err: unknown) => void;
  /** Longest sleep between looks at the table, so rows written by other processes are seen. */
  idleMs?: number;
};

/** createOutboxWorker returns a worker over an outbox; nothing runs until start or runOnce. */
export function createOutboxWorker(opts: OutboxWorkerOptions): OutboxWorker {
  const idleMs = opts.idleMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  let again = false;
  let onError = opts.onError;

  const drain = async (): Promise<number> => {
    let n = 0;
    for (;;) {
      const id = await opts.claimNext(opts.clock.now());
      if (id === null) return n;
      // A row whose handling threw stays claimed until its lease runs out, so it is neither
      // taken again in this drain nor lost: a later drain (here or on another node) retakes it.
      try {
        await opts.process(id);
      } catch (err) {
        onError?.(err);
      }
      n++;
    }
  };

  const runOnce = (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = drain().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, Math.max(10, ms));
    timer.unref();
  };

  const tick = () => {
    timer = undefined;
    void runOnce()
      .catch((err: unknown) => onError?.(err))
      .then(async () => {
        if (again) {
          again = false;
          schedule(0);
          return;
        }
        const next = await opts.nextDueAt();
        schedule(next === null ? idleMs : Math.min(idleMs, next - opts.clock.now()));
      })
      .catch((err: unknown) => {
        onError?.(err);
        schedule(idleMs);
      });
  };

  return {
    runOnce,
    start(startOpts = {}) {
      if (!stopped) return;
      onError = startOpts.onError ?? onError;
      stopped = false;
      schedule(0);
    },
    kick() {
      if (stopped) return;
      if (running) again = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
