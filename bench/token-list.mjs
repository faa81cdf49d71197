// The dashboard's token list at 100,000 tokens: GET /admin/tokens through app.inject (the
// page as staff get it: one page of 50 rows, the counts per state, the batch menu, the HTML),
// for several filters, sorts and a deep page. The target is under 100 ms per page.
// Run after `npm run build`: node bench/token-list.mjs (appends to RESULTS.md)
import { performance } from 'node:perf_hooks';
import { appendResults, seededAdmin } from './_admin-fixture.mjs';

const RUNS = 15;
const f = await seededAdmin(100_000);
const firstBatch = (await f.services.batches.list(20)).at(-1).id;
const someCode = f.db.prepare('SELECT code FROM tokens WHERE id = 77777').pluck().get();

const cases = [
  ['all, newest first', '/admin/tokens'],
  ['state=unused', '/admin/tokens?state=unused'],
  ['state=online', '/admin/tokens?state=online'],
  ['state=expired', '/admin/tokens?state=expired'],
  ['one batch (10,000)', `/admin/tokens?batch=${firstBatch}`],
  ['batch + state=active', `/admin/tokens?batch=${firstBatch}&state=active`],
  ['text: description', '/admin/tokens?q=desk%207'],
  ['text: code prefix', `/admin/tokens?q=${someCode.slice(0, 5)}`],
  ['sort=-used', '/admin/tokens?sort=-used'],
  ['sort=code, page 1000', '/admin/tokens?sort=code&page=1000'],
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lines = [];
let worst = 0;
for (const [name, url] of cases) {
  const ms = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    const r = await f.app.inject({ method: 'GET', url, headers: { cookie: f.cookie } });
    const t = performance.now() - t0;
    if (r.statusCode !== 200) throw new Error(`${url} answered ${r.statusCode}`);
    if (i > 0) ms.push(t);
  }
  worst = Math.max(worst, median(ms));
  const line = `${name} (${url}): median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`;
  lines.push(line);
  console.log(line);
}

// The service call alone (list + counts), for comparison with the whole page.
const svc = [];
for (let i = 0; i <= RUNS; i++) {
  const t0 = performance.now();
  await f.services.tokens.list({}, { limit: 50 });
  if (i > 0) svc.push(performance.now() - t0);
}
lines.push(`services.tokens.list({}, 50 rows + counts) alone: median ${median(svc).toFixed(1)} ms`);
console.log(lines.at(-1));
await f.close();

appendResults('Dashboard token list at 100,000 tokens', 'token-list.mjs', [
  `GET /admin/tokens via app.inject, whole HTML page (50 rows, counts per state, batch menu), ${RUNS} warm runs each; 100,000 tokens in 10 batches, 2% revoked, 2% expired, 2% scheduled, 2% depleted, 10% active, 1,000 devices online`,
  ...lines,
  `slowest median: ${worst.toFixed(1)} ms (target: under 100 ms)`,
]);
if (worst >= 100) process.exitCode = 1;
