#!/usr/bin/env node
// Redeem benchmark: POST /portal/redeem with a valid code, the request every guest makes on the
// splash page. The real Portico (startPortico: HTTP, RADIUS, cut-off worker, WAL checkpointer,
// a database file in a temporary folder) runs in this process; autocannon runs in a SECOND
// process (child_process.fork) against it on 127.0.0.1.
//
// Why a valid code can be posted again and again: the splash page only pre-checks the code
// (read-only: lockout check, token, device slots, projected usage), forgives the device's
// failure counter, seals a success link and answers 303 to the router's /logon with the CHAP
// response. Nothing is consumed until the router's RADIUS Access-Request, which the RADIUS
// benchmark measures. So the load is 400 different guests (each its own CoovaChilli redirect,
// MAC, challenge and sealed context) typing 400 different valid codes (each allowing 1000
// devices), cycled; every answer is checked to be the 303 hand-off.
//
// Two runs: as fast as 32 connections go (throughput), then a fixed 1,000 requests/s over 16
// connections (the latency a venue sees at that rate; autocannon releases each second's
// quota in a burst, so this is a harsher test than a smooth 1,000/s; latencies are as
// measured, without autocannon's coordinated-omission back-fill, see below).
//
// Run after `npm run build`:  node bench/redeem.mjs [--record] [--seconds 15]
// (PORTICO_DIST=<folder> points it at another build of src/.)

import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL, URLSearchParams } from 'node:url';

const { AbortSignal } = globalThis;

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.env.PORTICO_DIST ?? join(here, '..', 'dist'));
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const GUESTS = 400;
const UAM_SECRET = 'bench-uam-secret';

if (process.argv[2] === '--generator') await generator();
else await main();

// ------------------------------------------------------------- generator (child) ---

async function generator() {
  const { default: autocannon } = await import('autocannon');
  process.on('message', async (msg) => {
    if (msg.type !== 'run') return;
    const result = await autocannon({
      url: msg.url,
      connections: msg.connections,
      duration: msg.seconds,
      // At a fixed rate autocannon back-fills latencies as if each connection were due every
      // 1 ms (its coordinated-omission correction with ceil(1/rate)); record what was measured.
      ...(msg.rate ? { overallRate: msg.rate, ignoreCoordinatedOmission: true } : {}),
      requests: msg.bodies.map((body) => ({
        method: 'POST',
        path: '/portal/redeem',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      })),
    });
    process.send({
      type: 'result',
      requests: result.requests,
      latency: result.latency,
      statusCodeStats: result.statusCodeStats,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      duration: result.duration,
    });
  });
  process.send({ type: 'ready' });
}

// ----------------------------------------------------------------- server (parent) ---

function coovaRedirect(portal, params) {
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const url = `${portal}/?${query}`;
  const md = createHash('md5').update(url).update(UAM_SECRET).digest('hex').toUpperCase();
  return `${url}&md=${md}`;
}

async function main() {
  const args = process.argv.slice(2);
  const record = args.includes('--record');
  const secondsArg = args.indexOf('--seconds');
  const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : 15;
  process.env.NODE_ENV = 'production';

  const { startPortico } = await load('main.js');
  const { loadConfig } = await load('config.js');
  const pino = (await import('pino')).default;
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-redeem-'));
  const config = loadConfig({
    PORTICO_DB: join(dir, 'bench.db'),
    PORTICO_HTTP_HOST: '127.0.0.1',
    PORTICO_HTTP_PORT: '0',
    PORTICO_RADIUS_HOST: '127.0.0.1',
    PORTICO_RADIUS_AUTH_PORT: '0',
    PORTICO_RADIUS_ACCT_PORT: '0',
    PORTICO_ADMIN_PASSWORD: 'bench-password-1',
    PORTICO_LOG_LEVEL: 'warn',
  });
  const running = await startPortico(config, { logger: pino({ level: 'warn' }) });
  const s = running.services;
  try {
    s.nas.add(
      {
        name: 'bench-gw',
        address: '127.0.0.1',
        secret: 'bench-radius-secret',
        vendor: 'coova-chilli',
        uamSecret: UAM_SECRET,
      },
      'bench',
    );
    const tokens = s.tokens.create(
      { minutes: 600, maxDevices: 1000, count: GUESTS },
      'bench',
    ).tokens;

    // Each guest arrives the way CoovaChilli sends them, and the splash page seals its context.
    const bodies = [];
    for (let i = 0; i < GUESTS; i++) {
      const mac =
        `02-00-00-00-${((i >> 8) & 0xff).toString(16).padStart(2, '0')}-${(i & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();
      const url = coovaRedirect(running.httpUrl, [
        ['res', 'notyet'],
        ['uamip', '10.1.0.1'],
        ['uamport', '3990'],
        ['challenge', createHash('md5').update(`c${i}`).digest('hex')],
        ['called', '02-00-00-00-00-01'],
        ['mac', mac],
        ['ip', `10.1.${i >> 8}.${i & 0xff}`],
        ['nasid', 'bench-gw'],
        ['sessionid', `s${i}`],
        ['userurl', 'http://example.com/'],
      ]);
      const splash = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const html = await splash.text();
      const ctx = /name="ctx" value="([^"]+)"/.exec(html)?.[1];
      if (splash.status !== 200 || !ctx) throw new Error(`splash for guest ${i}: ${splash.status}`);
      const code = tokens[i].code;
      const typed = `${code.slice(0, 4)}-${code.slice(4)}`.toLowerCase();
      bodies.push(new URLSearchParams({ ctx, lang: 'en', code: typed }).toString());
    }
    // One request by hand: the answer must be the hand-off to the router.
    const probe = await fetch(`${running.httpUrl}/portal/redeem`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: bodies[0],
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    const to = probe.headers.get('location') ?? '';
    if (probe.status !== 303 || !to.startsWith('http://10.1.0.1:3990/logon?username='))
      throw new Error(`redeem answered ${probe.status} ${to}`);

    const child = fork(fileURLToPath(import.meta.url), ['--generator'], { stdio: 'inherit' });
    await new Promise((r) => child.once('message', r));
    const run = (opts) =>
      new Promise((resolveRun, reject) => {
        const timer = setTimeout(
          () => reject(new Error('generator timed out')),
          (seconds + 60) * 1000,
        );
        child.once('message', (m) => {
          clearTimeout(timer);
          resolveRun(m);
        });
        child.send({ type: 'run', url: running.httpUrl, bodies, seconds, ...opts });
      });
    const load0 = loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
    const max = await run({ connections: 32 });
    const fixed = await run({ connections: 16, rate: 1000 });
    child.kill();

    const line = (name, r) => {
      const codes = Object.entries(r.statusCodeStats)
        .map(([c, v]) => `${c}: ${v.count}`)
        .join(', ');
      return `- ${name}: ${r.requests.average.toFixed(0)} req/s average over ${r.duration.toFixed(0)} s (${r.requests.total} requests; ${codes}; errors ${r.errors}, timeouts ${r.timeouts}); latency p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms`;
    };
    const bad = [max, fixed].some(
      (r) =>
        r.errors > 0 || r.timeouts > 0 || Object.keys(r.statusCodeStats).some((c) => c !== '303'),
    );
    const section = [
      '',
      `## Redeem on the splash page (bench/redeem.mjs, ${new Date().toISOString().slice(0, 10)})`,
      '',
      `- POST /portal/redeem with a valid code (${GUESTS} guests with their own sealed CoovaChilli context and their own token, cycled), answered 303 to the router's /logon with the CHAP response; autocannon in a second process, ${seconds} s per run (32 connections flat out; 16 connections at the fixed rate), NODE_ENV=production`,
      `- machine load average before measuring: ${load0} (2 cores shared with other work)`,
      line('as fast as it goes', max),
      line('fixed 1,000 req/s', fixed),
      `- every answer was the 303 hand-off: ${bad ? 'NO (see counts above)' : 'yes'}`,
      '- the redeem is a read-only pre-check (the RADIUS Access-Request grants access and is measured by bench/radius-load.mjs); per request: verify the sealed context (HMAC-SHA256), lockout check for ip and mac keys, token lookup, device slots and projected usage, forgiving the device failure counter (a DELETE in a transaction), sealing the success link, the CHAP MD5',
      '',
    ].join('\n');
    console.log(section);
    if (record) appendFileSync(join(here, 'RESULTS.md'), section);
    if (bad) process.exitCode = 1;
  } finally {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
