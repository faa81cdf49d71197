#!/usr/bin/env node
// What scraping /metrics every second costs the RADIUS path: bench/radius-load.mjs at one
// concurrency level, alternately without and with a scraper process fetching /metrics every
// second, PAIRS times each (alternating, so a change in the shared machine's load hits both
// sides alike). Reports the median packets/s of each side and the difference.
// Run after `npm run build`:  node bench/metrics-cost.mjs [--pairs 3] [--level 64] [--record]

import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const pairs = Math.min(10, Number(opt('--pairs', '3')));
const level = opt('--level', '64');

function run(scrape) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(here, 'radius-load.mjs'), '--levels', level, ...(scrape ? ['--scrape'] : [])],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const rows = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      const row = rows.find((r) => r.pps !== undefined);
      if (code !== 0 || !row) return reject(new Error(`radius-load failed (${code}):\n${out}`));
      resolve({ ...row, scraper: rows.find((r) => r.scraper)?.scraper });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const load0 = loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');
const without = [];
const withScrape = [];
for (let i = 0; i < pairs; i++) {
  const a = await run(false);
  without.push(a);
  console.log(`without scraping: ${a.pps} packets/s, p99 ${a.latency.all.p99.toFixed(2)} ms`);
  const b = await run(true);
  withScrape.push(b);
  console.log(
    `with scraping:    ${b.pps} packets/s, p99 ${b.latency.all.p99.toFixed(2)} ms, ${b.scraper?.scrapes} scrapes of ${Math.round((b.scraper?.bytes ?? 0) / Math.max(1, b.scraper?.scrapes ?? 1))} bytes`,
  );
}
// The scrape's own price, measured directly (the machine's noise swamps a few per cent of
// packets/s): CPU time of GET /metrics through the app (app.inject) over a database like the
// load's (10,000 tokens, a router), with the 30 s token count cached (29 scrapes in 30) and
// not (1 in 30).
async function scrapeCpu() {
  const dist = join(here, '..', 'dist');
  const load = (p) => import(pathToFileURL(join(dist, p)).href);
  const { loadConfig } = await load('config.js');
  const { openDatabase } = await load('storage/database.js');
  const { createServices } = await load('services/services.js');
  const { buildApp } = await load('http/app.js');
  const { systemClock } = await load('clock.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'portico-metrics-cost-'));
  const db = openDatabase(join(dir, 'p.db'));
  try {
    const services = createServices({ db, clock: systemClock, config: loadConfig({}) });
    await services.nas.add(
      { name: 'bench-nas', address: '127.0.0.1', secret: 'x'.repeat(16) },
      'bench',
    );
    await services.tokens.create(
      { minutes: 600, count: 10_000, batchName: 'bench' },
      'bench',
      'bulk',
    );
    const app = await buildApp(services);
    const cpuOf = async (n, cold) => {
      const xs = [];
      for (let i = 0; i < n; i++) {
        if (cold) services.metrics.forgetCachedCounts();
        const c0 = process.cpuUsage();
        const r = await app.inject({ url: '/metrics' });
        const c = process.cpuUsage(c0);
        if (r.statusCode !== 200) throw new Error(`scrape answered ${r.statusCode}`);
        xs.push((c.user + c.system) / 1000);
      }
      return median(xs);
    };
    await cpuOf(20, false);
    const warm = await cpuOf(200, false);
    const cold = await cpuOf(30, true);
    // What every packet pays whether or not anyone scrapes: one histogram step (and one per
    // batch), measured over a million calls.
    const hooks = services.metrics.hooks;
    const t0 = process.cpuUsage();
    for (let i = 0; i < 1_000_000; i++) hooks.radiusLatency('accounting', (i % 50) / 10);
    const t = process.cpuUsage(t0);
    const hookNs = (t.user + t.system) / 1000;
    await app.close();
    return { warm, cold, perSecond: (29 * warm + cold) / 30, hookNs };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
const scrapeMs = await scrapeCpu();
const radiusCpuMsPerSecond = median(without.map((r) => (r.serverCpuUsPerPacket * r.pps) / 1000));
const share = (scrapeMs.perSecond / radiusCpuMsPerSecond) * 100;

const load1 = loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');
const m0 = median(without.map((r) => r.pps));
const m1 = median(withScrape.map((r) => r.pps));
const cost = ((m0 - m1) / m0) * 100;
const date = new Date().toISOString().slice(0, 10);
const md = [
  '',
  `## Cost of scraping /metrics on the RADIUS path (bench/metrics-cost.mjs, ${date})`,
  '',
  `- bench/radius-load.mjs at ${level} in flight (full session mix, DB check after each run), ${pairs} runs without and ${pairs} with a separate process fetching /metrics every second, alternating`,
  `- machine load average before: ${load0}, after: ${load1} (2 cores shared with other engineers' work; figures vary with it)`,
  `- without scraping: ${without.map((r) => r.pps).join(', ')} packets/s (median ${m0}); p99 ${without.map((r) => r.latency.all.p99.toFixed(1)).join(', ')} ms`,
  `- scraping every second: ${withScrape.map((r) => r.pps).join(', ')} packets/s (median ${m1}); p99 ${withScrape.map((r) => r.latency.all.p99.toFixed(1)).join(', ')} ms; ${withScrape.map((r) => r.scraper?.scrapes).join(', ')} scrapes`,
  `- difference of the medians: ${cost.toFixed(1)} % of packets/s; DB checks: ${[...without, ...withScrape].every((r) => r.check.ok) ? 'all ok' : 'FAILED'}`,
  `- server CPU per packet: without ${without.map((r) => r.serverCpuUsPerPacket).join(', ')} µs, with scraping ${withScrape.map((r) => r.serverCpuUsPerPacket).join(', ')} µs`,
  `- one scrape measured directly (GET /metrics via app.inject, 10,000 tokens): ${scrapeMs.warm.toFixed(2)} ms CPU with the token count cached, ${scrapeMs.cold.toFixed(2)} ms when it is recounted (once per 30 s): ${scrapeMs.perSecond.toFixed(2)} ms CPU per second of scraping`,
  `- always paid on the RADIUS path, scraped or not: ${scrapeMs.hookNs.toFixed(0)} ns CPU per packet for the latency histogram (measured over a million calls), against ${median(without.map((r) => r.serverCpuUsPerPacket))} µs of server CPU per packet`,
  `- the RADIUS load took a median ${radiusCpuMsPerSecond.toFixed(0)} ms of server CPU per second (CPU µs/packet × packets/s), so scraping every second costs ${share.toFixed(2)} % of the CPU the RADIUS path uses (target: under 3 %)`,
  '',
].join('\n');
console.log(md);
if (args.includes('--record')) appendFileSync(join(here, 'RESULTS.md'), md);
