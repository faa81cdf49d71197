#!/usr/bin/env node
// RADIUS load benchmark: the real Portico server (startPortico: HTTP, RADIUS handler with
// group commit, cut-off scheduler, WAL checkpointer; a database file in a temporary folder)
// in this process, and a load generator in a SECOND process (child_process.fork) on
// loopback. Each generated session replays the full mix a hotspot sends: Access-Request
// (PAP, Message-Authenticator), accounting Start, three Interim-Updates and Stop. One in
// ten sessions is a second device racing for the previous session's one-device token.
//
// Bounded: a fixed number of sessions per concurrency level and a time cap per level. Each
// level's tokens are created before it and followed by a pause of 1.5 s, so that the setup's
// writes are checkpointed before the clock starts.
// After each level the database is checked: every token charged exactly the union of its
// sessions' online intervals and exactly the bytes the generator reported, and no token
// ever had more devices online than it allows.
//
// Run after `npm run build`:  node bench/radius-load.mjs [--record] [--levels 1,16,64,128]
// [--scrape] (PORTICO_DIST=<folder> points it at another build of src/.)
// --scrape: a third process fetches /metrics every second while the load runs, as
// Prometheus would (bench/metrics-cost.mjs compares runs with and without it).

import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, appendFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.env.PORTICO_DIST ?? join(here, '..', 'dist'));
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const SECRET = 'bench-secret-123';
const TIMEOUT_MS = 1000;

if (process.argv[2] === '--generator') {
  await generator();
} else {
  await server();
}

// ---------------------------------------------------------------- generator (child) ---

async function generator() {
  const { encodeAttributes } = await load('radius/attributes.js');
  const { decodePacket, encodeRequest } = await load('radius/packet.js');
  const secret = Buffer.from(SECRET);

  process.on('message', async (msg) => {
    if (msg.type === 'exit') process.exit(0);
    if (msg.type !== 'run') return;
    process.send({ type: 'result', ...(await runLevel(msg)) });
  });

  async function runLevel({ ports, sessions, concurrency, maxMs }) {
    const nSockets = Math.ceil(concurrency / 64);
    const channels = [];
    for (let i = 0; i < nSockets; i++) {
      const socket = createSocket('udp4');
      const ch = { socket, free: Array.from({ length: 256 }, (_, k) => k), waiting: new Map() };
      socket.on('message', (bytes) => {
        const w = ch.waiting.get(bytes[1]);
        if (!w) return;
        ch.waiting.delete(bytes[1]);
        w.resolve(bytes);
      });
      await new Promise((r) => socket.bind(0, '127.0.0.1', r));
      channels.push(ch);
    }
    const lat = { access: [], start: [], interim: [], stop: [] };
    const counts = { accept: 0, reject: 0, timeouts: 0, packets: 0, accounted: [] };
    // One timer sweeps expired requests: a timer per packet would cost the generator more
    // CPU than the packet, and the generator shares the machine with the server.
    const sweeper = setInterval(() => {
      const now = performance.now();
      for (const ch of channels) {
        for (const [id, w] of ch.waiting) {
          if (now - w.t0 < TIMEOUT_MS) continue;
          ch.waiting.delete(id);
          w.resolve(undefined);
        }
      }
    }, 50);
    // `fixed` is a session's attributes encoded once; `pairs` are the ones that vary.
    const send = (ch, code, fixed, pairs, kind) =>
      new Promise((resolveReply) => {
        const id = ch.free.shift();
        const bytes = encodeRequest({
          code,
          identifier: id,
          attributes: [...encodeAttributes(pairs), ...fixed],
          secret,
          messageAuthenticator: code === 1,
        });
        const t0 = performance.now();
        ch.waiting.set(id, {
          t0,
          resolve: (reply) => {
            ch.free.push(id);
            if (reply) lat[kind].push(performance.now() - t0);
            else counts.timeouts++;
            counts.packets++;
            resolveReply(reply);
          },
        });
        ch.socket.send(bytes, code === 1 ? ports.auth : ports.acct, '127.0.0.1');
      });

    const deadline = performance.now() + maxMs;
    let next = 0;
    const worker = async (w) => {
      const ch = channels[w % nSockets];
      while (next < sessions.length && performance.now() < deadline) {
        const s = sessions[next++];
        const who = encodeAttributes([
          ['User-Name', s.code],
          ['Calling-Station-Id', s.mac],
          ['NAS-IP-Address', '10.0.0.1'],
          ['NAS-Identifier', 'bench-nas'],
        ]);
        const accept = await send(ch, 1, who, [['User-Password', s.code]], 'access');
        if (!accept || accept[0] !== 2) {
          if (accept) counts.reject++;
          continue;
        }
        counts.accept++;
        const decoded = decodePacket(accept);
        const cls = decoded.ok ? decoded.packet.attributes.find((a) => a.type === 25) : undefined;
        const acct = [
          ...who,
          ...encodeAttributes([
            ['Acct-Session-Id', s.acctId],
            ['Framed-IP-Address', s.ip],
          ]),
          ...(cls ? [{ type: 25, value: Buffer.from(cls.value) }] : []),
        ];
        await send(ch, 4, acct, [['Acct-Status-Type', 'Start']], 'start');
        for (let k = 1; k <= 3; k++) {
          await send(
            ch,
            4,
            acct,
            [
              ['Acct-Status-Type', 'Interim-Update'],
              ['Acct-Session-Time', 60 * k],
              ['Acct-Input-Octets', 1000 * k],
              ['Acct-Output-Octets', 100_000 * k],
            ],
            'interim',
          );
        }
        const stop = await send(
          ch,
          4,
          acct,
          [
            ['Acct-Status-Type', 'Stop'],
            ['Acct-Session-Time', 240],
            ['Acct-Input-Octets', 4000],
            ['Acct-Output-Octets', 400_000],
            ['Acct-Terminate-Cause', 'User-Request'],
          ],
          'stop',
        );
        if (stop) counts.accounted.push(s.index);
      }
    };
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
    const cpu = process.cpuUsage(cpu0);
    const elapsedMs = performance.now() - t0;
    clearInterval(sweeper);
    for (const ch of channels) ch.socket.close();
    const pct = (xs, f) => {
      if (xs.length === 0) return 0;
      const s = Float64Array.from(xs).sort();
      return s[Math.min(s.length - 1, Math.floor(f * s.length))];
    };
    const summary = {};
    for (const [k, xs] of Object.entries(lat)) {
      summary[k] = { n: xs.length, p50: pct(xs, 0.5), p99: pct(xs, 0.99) };
    }
    const all = Object.values(lat).flat();
    summary.all = { n: all.length, p50: pct(all, 0.5), p99: pct(all, 0.99) };
    const generatorCpuUs = cpu.user + cpu.system;
    return { elapsedMs, counts, latency: summary, sessionsRun: next, generatorCpuUs };
  }
}

// ------------------------------------------------------------------- server (parent) ---

async function server() {
  const args = process.argv.slice(2);
  const levelsArg = args.includes('--levels') ? args[args.indexOf('--levels') + 1] : '1,16,64,128';
  const levels = levelsArg.split(',').map(Number);
  const record = args.includes('--record');
  const scrape = args.includes('--scrape');
  const { loadConfig } = await load('config.js');
  const { startPortico, createLogger } = await load('main.js');
  const { unionMs } = await load('core/intervals.js');

  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  const dbFile = join(dir, 'portico.db');
  const config = loadConfig({
    PORTICO_DB: dbFile,
    PORTICO_HTTP_PORT: '0',
    PORTICO_RADIUS_AUTH_PORT: '0',
    PORTICO_RADIUS_ACCT_PORT: '0',
    PORTICO_RADIUS_HOST: '127.0.0.1',
    PORTICO_ADMIN_PASSWORD: 'bench-admin-password',
    PORTICO_LOG_LEVEL: 'warn',
    PORTICO_TIMEZONE: 'UTC',
  });
  const running = await startPortico(config, { logger: createLogger(config) });
  // The scraper is its own process, as Prometheus is: only the server's side of a scrape
  // lands on the server's CPU.
  const scraper = scrape
    ? spawn(
        process.execPath,
        [
          '-e',
          `let n = 0, bytes = 0;
           setInterval(async () => {
             const r = await fetch(process.argv[1]);
             if (r.status !== 200) throw new Error('scrape answered ' + r.status);
             bytes += (await r.text()).length;
             n++;
           }, 1000);
           process.on('SIGTERM', () => { console.log(JSON.stringify({ scrapes: n, bytes })); process.exit(0); });`,
          `${running.httpUrl}/metrics`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
    : null;
  let scraped = '';
  scraper?.stdout.on('data', (d) => (scraped += d));
  const { services } = running;
  const db = services.store.db;
  await services.nas.add(
    { name: 'bench-nas', address: '127.0.0.1', secret: SECRET, vendor: 'mikrotik' },
    'bench',
  );
  const child = fork(fileURLToPath(import.meta.url), ['--generator'], {
    stdio: 'inherit',
    env: { ...process.env },
  });
  const results = [];
  let walMax = 0;
  const walTimer = setInterval(() => {
    try {
      walMax = Math.max(walMax, statSync(`${dbFile}-wal`).size);
    } catch {
      // no WAL file yet
    }
  }, 100);
  let sessionBase = 0;
  try {
    for (const concurrency of levels) {
      const nSessions = concurrency === 1 ? 600 : 10_000;
      // One token per regular session; every tenth session is a second device racing for
      // the previous session's one-device token.
      const created = (
        await services.tokens.create(
          { minutes: 600, maxDevices: 1, count: nSessions, batchName: `bench c=${concurrency}` },
          'bench',
          'bulk',
        )
      ).tokens;
      const sessions = [];
      for (let i = 0; i < nSessions; i++) {
        const n = sessionBase + i;
        const intruder = i % 10 === 9;
        const token = created[intruder ? i - 1 : i];
        const mac = [
          0x02,
          (n >> 24) & 255,
          (n >> 16) & 255,
          (n >> 8) & 255,
          n & 255,
          intruder ? 1 : 0,
        ]
          .map((b) => b.toString(16).padStart(2, '0'))
          .join(':');
        sessions.push({
          index: i,
          code: token.code,
          tokenId: token.id,
          mac,
          acctId: `b${n.toString(16)}`,
          ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
        });
      }
      sessionBase += nSessions;
      // The level's setup (thousands of token inserts, the previous level's check) is not
      // part of the load: let the checkpointer copy it back before the clock starts.
      await new Promise((r) => setTimeout(r, 1500));
      const statsBefore = services.radiusStats();
      const cpu0 = process.cpuUsage();
      const wall0 = performance.now();
      child.send({ type: 'run', ports: running.radiusPorts, sessions, concurrency, maxMs: 20_000 });
      const r = await new Promise((res) => child.once('message', res));
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - wall0;
      const statsAfter = services.radiusStats();
      const answered = r.counts.packets - r.counts.timeouts;
      const batches = statsAfter.batches.count - statsBefore.batches.count;
      const batched = statsAfter.batches.packets - statsBefore.batches.packets;
      const check = verify(db, sessions, r, unionMs);
      const row = {
        concurrency,
        sessions: r.sessionsRun,
        packets: r.counts.packets,
        pps: Math.round(r.counts.packets / (r.elapsedMs / 1000)),
        timeouts: r.counts.timeouts,
        accepts: r.counts.accept,
        rejects: r.counts.reject,
        latency: r.latency,
        serverCpuUsPerPacket: Math.round((cpu.user + cpu.system) / Math.max(1, answered)),
        serverCpuPct: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100),
        generatorCpuUsPerPacket: Math.round(r.generatorCpuUs / Math.max(1, r.counts.packets)),
        avgBatch: batches > 0 ? +(batched / batches).toFixed(1) : 0,
        check,
      };
      results.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    clearInterval(walTimer);
    if (scraper) {
      scraper.kill('SIGTERM');
      await new Promise((r) => scraper.once('exit', r));
      console.log(JSON.stringify({ scraper: JSON.parse(scraped || '{}') }));
    }
    child.send({ type: 'exit' });
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const md = markdown(results, walMax);
  console.log(md);
  if (record) appendFileSync(join(here, 'RESULTS.md'), md);
  if (results.some((r) => !r.check.ok)) process.exitCode = 1;
}

/** verify checks the database after a level; it returns ok and what, if anything, is wrong. */
function verify(db, sessions, r, unionMs) {
  const problems = [];
  const byToken = new Map();
  for (const s of sessions) byToken.set(s.tokenId, [...(byToken.get(s.tokenId) ?? []), s]);
  const accounted = new Set(r.counts.accounted);
  const rowsOf = db.prepare(
    'SELECT status, started_at, last_seen_at, stopped_at, session_seconds, input_octets, output_octets FROM sessions WHERE token_id = ? AND started_at IS NOT NULL',
  );
  const tokenRow = db.prepare('SELECT used_ms, used_bytes, max_devices FROM tokens WHERE id = ?');
  let checked = 0;
  for (const [tokenId, ss] of byToken) {
    const rows = rowsOf.all(tokenId);
    const t = tokenRow.get(tokenId);
    // Bytes: exactly what the generator's Stops reported, once per session.
    const expectedBytes = ss.filter((s) => accounted.has(s.index)).length * 404_000;
    if (t.used_bytes !== expectedBytes)
      problems.push(`token ${tokenId}: used_bytes ${t.used_bytes}, expected ${expectedBytes}`);
    // Time: the union of its sessions' charged intervals, never more.
    const union = unionMs(rows.map((x) => ({ start: x.started_at, end: x.last_seen_at })));
    if (t.used_ms !== union)
      problems.push(`token ${tokenId}: used_ms ${t.used_ms}, union ${union}`);
    for (const x of rows) {
      if (x.status !== 'closed' || x.session_seconds !== 240)
        problems.push(`token ${tokenId}: session ${x.status} at ${x.session_seconds} s`);
    }
    // Devices: never more online at once than the token allows.
    const edges = rows.flatMap((x) => [
      [x.started_at, 1],
      [x.stopped_at ?? Infinity, -1],
    ]);
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let on = 0;
    for (const [, d] of edges) {
      on += d;
      if (on > t.max_devices) {
        problems.push(`token ${tokenId}: ${on} devices online, limit ${t.max_devices}`);
        break;
      }
    }
    checked++;
  }
  return { ok: problems.length === 0, tokens: checked, problems: problems.slice(0, 5) };
}

function markdown(results, walMax) {
  const date = new Date().toISOString().slice(0, 10);
  const f = (x) => x.toFixed(2);
  const lines = [
    '',
    `## RADIUS load, full session mix (bench/radius-load.mjs, ${date})`,
    '',
    'Real server (startPortico, group commit, WAL, synchronous=NORMAL) in one process, the',
    'generator in a second process (fork) on 127.0.0.1; per session Access-Request (PAP +',
    'Message-Authenticator), Start, 3 Interim-Updates, Stop; one session in ten races for the',
    "previous session's one-device token. Latency in ms per packet type (p50/p99).",
    '',
    '| in flight | packets | packets/s | access p50/p99 | start p50/p99 | interim p50/p99 | stop p50/p99 | all p99 | timeouts | server CPU µs/packet | generator CPU µs/packet | avg batch | accept/reject | DB check |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const l = r.latency;
    lines.push(
      `| ${r.concurrency} | ${r.packets} | ${r.pps} | ${f(l.access.p50)}/${f(l.access.p99)} | ${f(l.start.p50)}/${f(l.start.p99)} | ${f(l.interim.p50)}/${f(l.interim.p99)} | ${f(l.stop.p50)}/${f(l.stop.p99)} | ${f(l.all.p99)} | ${r.timeouts} | ${r.serverCpuUsPerPacket} | ${r.generatorCpuUsPerPacket} | ${r.avgBatch} | ${r.accepts}/${r.rejects} | ${r.check.ok ? `ok (${r.check.tokens} tokens)` : `FAILED: ${r.check.problems.join('; ')}`} |`,
    );
  }
  lines.push('', `Largest WAL file seen during the run: ${(walMax / 1048576).toFixed(1)} MiB.`, '');
  return lines.join('\n');
}
