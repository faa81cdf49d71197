// The reports page over a year of history at 200 sessions a day: GET /admin/reports through
// app.inject (the whole HTML page with its SVG charts) for today, 7 days, 30 days, a whole
// year, and 30 days for one router and one batch. The target is under 300 ms per page.
// The history is written in SQL the way accounting leaves it (sessions with their charged
// intervals, each token's coverage as the union of its sessions, the tokens' totals), because
// replaying 73,000 sessions' packets through accounting would take minutes.
// Run after `npm run build`: node bench/reports.mjs (appends to RESULTS.md)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fixedClock } from '../dist/clock.js';
import { loadConfig } from '../dist/config.js';
import { buildApp } from '../dist/http/app.js';
import { mergeIntervals } from '../dist/core/report-math.js';
import { createServices } from '../dist/services/services.js';
import { openDatabase } from '../dist/storage/database.js';
import { appendResults } from './_admin-fixture.mjs';

const RUNS = Number(process.env.RUNS ?? 9);
const DAYS = 365;
const PER_DAY = 200;
const MIN = 60_000;
const NOW = Date.parse('2026-12-04T15:00:00Z');

const dir = mkdtempSync(join(tmpdir(), 'portico-bench-reports-'));
if (process.env.KEEP) console.log(dir);
const db = openDatabase(join(dir, 'portico.db'));
const clock = fixedClock(NOW - (DAYS + 1) * 86_400_000);
const config = loadConfig({
  PORTICO_DB: join(dir, 'portico.db'),
  PORTICO_TIMEZONE: 'Europe/Berlin',
});
const services = createServices({ db, clock, config });

let s = 12345;
const rnd = () => (s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;

const t0 = performance.now();
const batches = [];
for (let b = 0; b < 24; b++) {
  const r = await services.tokens.create(
    { minutes: 600, count: 500, batchName: `Event ${b + 1}`, maxDevices: 3 },
    'bench',
    'bulk',
  );
  batches.push({ id: r.batchId, tokens: r.tokens.map((t) => t.id) });
}
const tokenIds = batches.flatMap((b) => b.tokens);
const nas = [];
for (const i of [1, 2, 3])
  nas.push((await services.nas.add({ name: `ap-${i}`, address: `192.0.2.${i}` }, 'bench')).id);
clock.set(NOW);

const first = NOW - DAYS * 86_400_000;
const sessions = [];
for (let d = 0; d < DAYS; d++) {
  for (let k = 0; k < PER_DAY; k++) {
    // Each day uses a window of about 100 tokens that moves on through the year.
    const token = tokenIds[(d * 33 + Math.floor(rnd() * 100)) % tokenIds.length];
    const start =
      first +
      d * 86_400_000 +
      (6 + Math.floor(rnd() * 15)) * 3_600_000 +
      Math.floor(rnd() * 60) * MIN;
    const end = Math.min(NOW, start + (5 + Math.floor(rnd() * 170)) * MIN);
    if (end <= start) continue;
    sessions.push({
      token,
      nas: nas[Math.floor(rnd() * 3)],
      start,
      end,
      bytes: Math.floor(rnd() * 2e8),
    });
  }
}
const insSession =
  db.prepare(`INSERT INTO sessions (token_id, nas_id, status, class, acct_session_id,
  device_mac, reserved_at, started_at, last_seen_at, updated_at, stopped_at, session_seconds,
  input_octets, output_octets) VALUES (?, ?, 'closed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
const insCoverage = db.prepare(
  'INSERT INTO token_coverage (token_id, start_at, end_at) VALUES (?, ?, ?)',
);
const setUsage = db.prepare(
  'UPDATE tokens SET used_ms = ?, used_bytes = ?, first_used_at = ?, last_used_at = ? WHERE id = ?',
);
db.transaction(() => {
  const byToken = new Map();
  sessions.forEach((x, i) => {
    insSession.run(
      x.token,
      x.nas,
      `bench:${i}`,
      `s${i}`,
      `02-00-00-00-00-${String(i % 100).padStart(2, '0')}`,
      x.start,
      x.start,
      x.end,
      x.end,
      x.end,
      (x.end - x.start) / 1000,
      Math.floor(x.bytes / 4),
      x.bytes - Math.floor(x.bytes / 4),
    );
    const list = byToken.get(x.token) ?? [];
    list.push(x);
    byToken.set(x.token, list);
  });
  for (const [token, list] of byToken) {
    const cover = mergeIntervals(list.map((x) => ({ start: x.start, end: x.end })));
    for (const c of cover) insCoverage.run(token, c.start, c.end);
    const ms = cover.reduce((a, c) => a + c.end - c.start, 0);
    const bytes = list.reduce((a, x) => a + x.bytes, 0);
    setUsage.run(
      ms,
      bytes,
      Math.min(...list.map((x) => x.start)),
      Math.max(...list.map((x) => x.end)),
      token,
    );
  }
})();
db.exec('ANALYZE');
const seedSeconds = (performance.now() - t0) / 1000;
const coverageRows = db.prepare('SELECT COUNT(*) FROM token_coverage').pluck().get();

await services.staff.add('admin', 'bench-password-1', 'admin', 'bench');
const signed = await services.webSessions.signIn('admin', 'bench-password-1', '127.0.0.1');
if (!signed.ok) throw new Error('could not sign in');
const app = await buildApp(services);
const cookie = `portico_staff=${signed.sessionId}`;

const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const cases = [
  ['today (per hour)', '/admin/reports?period=today'],
  ['last 7 days', '/admin/reports?period=7d'],
  ['last 30 days', '/admin/reports?period=30d'],
  [
    'a whole year (365 days)',
    `/admin/reports?period=custom&from=${day(first + 86_400_000)}&to=${day(NOW)}`,
  ],
  ['30 days, one router', `/admin/reports?period=30d&router=${nas[0]}`],
  ['30 days, one batch', `/admin/reports?period=30d&batch=${batches[23].id}`],
  [
    'CSV of the year, usage',
    `/admin/reports/export.csv?report=usage&period=custom&from=${day(first + 86_400_000)}&to=${day(NOW)}`,
  ],
  ['dashboard home', '/admin'],
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lines = [];
let worst = 0;
for (const [name, url] of cases) {
  const ms = [];
  for (let i = 0; i <= RUNS; i++) {
    const t = performance.now();
    const r = await app.inject({ method: 'GET', url, headers: { cookie } });
    const took = performance.now() - t;
    if (r.statusCode !== 200)
      throw new Error(`${url} answered ${r.statusCode}: ${r.body.slice(0, 300)}`);
    if (i > 0) ms.push(took);
  }
  if (url.startsWith('/admin/reports')) worst = Math.max(worst, median(ms));
  const line = `${name} (${url}): median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`;
  lines.push(line);
  console.log(line);
}
await app.close();
db.close();
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });

if (!process.env.KEEP)
  appendResults('Reports page over a year of history', 'reports.mjs', [
    `GET /admin/reports via app.inject, whole HTML page with five SVG charts and the tables, ${RUNS} warm runs each; ${sessions.length} sessions over ${DAYS} days (${PER_DAY} a day) on 3 routers, 12,000 tokens in 24 batches, ${coverageRows} coverage spans; time zone Europe/Berlin; seeded in SQL in ${seedSeconds.toFixed(1)} s`,
    'no per-day aggregate table: every figure is computed from token_coverage and sessions at request time',
    ...lines,
    `slowest reports median: ${worst.toFixed(1)} ms (target: under 300 ms)`,
  ]);
if (worst >= 300) process.exitCode = 1;
