// Preloaded into a benchmarked `portico serve` (node --import bench/_serve-probe.mjs): an
// event-loop-lag probe (perf_hooks monitorEventLoopDelay at 1 ms resolution) and the
// garbage collector's pauses, both since the last report. On SIGUSR2 it writes them as one
// JSON object to $BENCH_PROBE_FILE and starts over, so the bench reads one level at a time.
// Nothing of Portico is imported: the probe only watches the process it runs in.

import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const out = process.env.BENCH_PROBE_FILE;
if (out) {
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  let gc = { count: 0, ms: 0, maxMs: 0, major: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.ms += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
      // NODE_PERFORMANCE_GC_MAJOR is 4 (mark-sweep-compact)
      if (e.detail?.kind === 4) gc.major++;
    }
  }).observe({ entryTypes: ['gc'] });
  const ms = (ns) => +(ns / 1e6).toFixed(2);
  process.on('SIGUSR2', () => {
    writeFileSync(
      out,
      JSON.stringify({
        lag: {
          p50: ms(lag.percentile(50)),
          p99: ms(lag.percentile(99)),
          max: ms(lag.max),
          mean: ms(lag.mean),
        },
        gc: { ...gc, ms: +gc.ms.toFixed(1), maxMs: +gc.maxMs.toFixed(2) },
      }),
    );
    lag.reset();
    gc = { count: 0, ms: 0, maxMs: 0, major: 0 };
  });
}
