// The dashboard's CSV export streamed over a real loopback socket: GET /admin/tokens/export.csv
// with a staff session, of 10,000 and of 100,000 tokens, downloaded by curl in its own process
// (so the client does not share the server's event loop). Flat memory means the server's peak
// resident size while streaming grows by about the same small amount for both sizes, not by
// the size of the file; time to first byte shows it streams rather than builds the file.
// Run after `npm run build`: node --expose-gc bench/export.mjs (appends to RESULTS.md)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { appendResults, seededAdmin } from './_admin-fixture.mjs';

const f = await seededAdmin(100_000);
const scratch = mkdtempSync(join(tmpdir(), 'portico-bench-export-'));
await f.app.listen({ host: '127.0.0.1', port: 0 });
const { port } = f.app.server.address();
const firstBatch = (await f.services.batches.list(20)).at(-1).id;

/** download streams one export and returns its size, rows, time and memory. */
async function download(path) {
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 5);
  const t0 = performance.now();
  const file = join(scratch, 'export.csv');
  const out = await new Promise((resolve, reject) => {
    const curl = spawn('curl', [
      '-sS',
      '-o',
      file,
      '-w',
      '%{http_code} %{size_download} %{time_starttransfer}',
      '-H',
      `Cookie: ${f.cookie}`,
      `http://127.0.0.1:${port}${path}`,
    ]);
    let text = '';
    curl.stdout.on('data', (c) => (text += c));
    curl.on('error', reject);
    curl.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`curl ${code}`))));
  });
  const [status, size, ttfb] = out.split(' ');
  if (status !== '200') throw new Error(`${path} answered ${status}`);
  const bytes = Number(size);
  const firstByteMs = Number(ttfb) * 1000;
  const ms = performance.now() - t0;
  clearInterval(sampler);
  const csv = readFileSync(file);
  let rows = -1;
  for (const b of csv) if (b === 10) rows++;
  if (csv.length !== bytes) throw new Error('curl saved a different size');
  return { bytes, rows, ms, firstByteMs, rssBefore, rssPeak };
}

const mib = (b) => `${(b / 1_048_576).toFixed(1)} MiB`;
const lines = [];
for (const [name, path] of [
  ['one batch, 10,000 tokens', `/admin/tokens/export.csv?batch=${firstBatch}`],
  ['all, 100,000 tokens', '/admin/tokens/export.csv'],
  ['all, 100,000 tokens, with BOM (again)', '/admin/tokens/export.csv?bom=1'],
]) {
  const r = await download(path);
  const line = `${name}: ${r.rows} rows, ${mib(r.bytes)} in ${(r.ms / 1000).toFixed(2)} s (${Math.round(r.rows / (r.ms / 1000))} rows/s, first byte after ${r.firstByteMs.toFixed(0)} ms); RSS ${mib(r.rssBefore)} before, peak ${mib(r.rssPeak)} while streaming (+${mib(r.rssPeak - r.rssBefore)})`;
  lines.push(line);
  console.log(line);
}
await f.close();
rmSync(scratch, { recursive: true, force: true });

appendResults('Dashboard CSV export, streamed', 'export.mjs', [
  "GET /admin/tokens/export.csv with a staff session over loopback, downloaded by curl in its own process; the server's RSS sampled every 5 ms",
  ...lines,
]);
