// Bulk token creation and CSV export, in-process against the built dist/:
//  1. services.tokens.create({ count: 10000 }) (one transaction) on a fresh database file,
//     several runs: median and max;
//  2. the same through the API, POST /api/v1/tokens with count 10000 (app.inject, JSON body
//     with all 10,000 tokens included);
//  3. GET /api/v1/tokens/export.csv of 100,000 tokens over a real loopback socket: time, rows,
//     and resident memory before and at its peak while streaming.
// Run after `npm run build`: node --expose-gc bench/bulk-create.mjs (appends to RESULTS.md)
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../dist/clock.js';
import { loadConfig } from '../dist/config.js';
import { buildApp } from '../dist/http/app.js';
import { createServices } from '../dist/services/services.js';
import { openDatabase } from '../dist/storage/database.js';

const RUNS = 7;
const COUNT = 10_000;

function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  const db = openDatabase(join(dir, 'portico.db'));
  const services = createServices({ db, clock: systemClock, config: loadConfig({}) });
  return {
    db,
    services,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(0)} ms`;

// 1. The service, one transaction per run, fresh database file each time. Run 0 is the cold
// one (JIT warming up, first prepare): reported apart, not in the median.
const serviceMs = [];
for (let i = 0; i <= RUNS; i++) {
  const f = fresh();
  const t0 = performance.now();
  const r = await f.services.tokens.create(
    { minutes: 60, count: COUNT, batchName: `run ${i}` },
    'bench',
  );
  serviceMs.push(performance.now() - t0);
  if (r.tokens.length !== COUNT) throw new Error('short batch');
  f.close();
}

// 2. Through the API.
const api = fresh();
const app = await buildApp(api.services);
const { key } = await api.services.apiKeys.create({ name: 'bench', role: 'staff' }, 'bench');
const apiMs = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: { authorization: `Bearer ${key}` },
    payload: { minutes: 60, count: COUNT, batchName: `api run ${i}` },
  });
  apiMs.push(performance.now() - t0);
  if (res.statusCode !== 201) throw new Error(`API answered ${res.statusCode}`);
}

// 3. Export of 100,000 tokens (the 70,000 above plus 30,000 more) over a real socket.
for (let i = 0; i < 3; i++)
  await api.services.tokens.create({ minutes: 60, count: COUNT, batchName: 'fill' }, 'bench');
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address();
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
let rssPeak = rssBefore;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
}, 5);
const t0 = performance.now();
const { bytes, rows } = await new Promise((resolve, reject) => {
  const req = get(
    { host: '127.0.0.1', port, path: '/api/v1/tokens/export.csv', headers: { 'x-api-key': key } },
    (res) => {
      let bytes = 0;
      let rows = 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
        for (const b of chunk) if (b === 10) rows++;
      });
      res.on('end', () => resolve({ bytes, rows: rows - 1 }));
      res.on('error', reject);
    },
  );
  req.setTimeout(120_000, () => req.destroy(new Error('export timed out')));
  req.on('error', reject);
});
const exportMs = performance.now() - t0;
clearInterval(sampler);
await app.close();
api.close();

const mib = (b) => `${(b / 1_048_576).toFixed(0)} MiB`;
const load = loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');
const lines = [
  `machine load average while measuring: ${load} (2 cores shared with other work; figures vary with it)`,
  `services.tokens.create({count: 10000}), one transaction, fresh DB file each run, ${RUNS} warm runs: median ${fmt(median(serviceMs.slice(1)))}, max ${fmt(Math.max(...serviceMs.slice(1)))} (cold first run ${fmt(serviceMs[0])}); all runs: ${serviceMs.map((x) => x.toFixed(0)).join(', ')} ms`,
  `POST /api/v1/tokens count 10000 (app.inject, 201 with all 10,000 tokens in the body), DB growing to 70,000, ${RUNS} runs: median ${fmt(median(apiMs))}, max ${fmt(Math.max(...apiMs))}`,
  `GET /api/v1/tokens/export.csv, ${rows} rows (${mib(bytes)}) over loopback: ${fmt(exportMs)}; RSS ${mib(rssBefore)} before, peak ${mib(rssPeak)} while streaming (+${mib(rssPeak - rssBefore)})`,
];
for (const l of lines) console.log(l);

const date = new Date().toISOString().slice(0, 10);
const results = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
appendFileSync(
  results,
  `\n## Bulk token creation and CSV export (bench/bulk-create.mjs, ${date})\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`,
);
