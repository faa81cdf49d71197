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
// --serve: Portico runs as `bin/portico.js serve` in its own process on the SQLite file
// (CPU per packet from /proc/<pid>/stat, event-loop lag and GC pauses per level from the
// preloaded bench/_serve-probe.mjs); --cpu-prof DIR also writes its V8 CPU profile there
// (summarise it with bench/cpu-profile-summary.mjs); with --postgres, one per node.
// The generator never uses Portico's codec: it speaks RADIUS through bench/radius-wire.mjs
// (written from RFC 2865/2866/3579) and checks every reply's authenticators.

import { fork, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.env.PORTICO_DIST ?? join(here, '..', 'dist'));
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const SECRET = 'bench-secret-123';
const TIMEOUT_MS = 1000;

// ---------------------------------------------------------------- generator (child) ---

async function generator() {
  // The generator speaks RADIUS through bench/radius-wire.mjs, written from the RFCs, not
  // through Portico's codec: a reply Portico signs wrongly counts as bad, not as an answer.
  const wire = await import('./radius-wire.mjs');
  const { ATTR, ACCT_STATUS } = wire;
  const secret = Buffer.from(SECRET);

  process.on('message', async (msg) => {
    if (msg.type === 'exit') process.exit(0);
    if (msg.type !== 'run') return;
    process.send({ type: 'result', ...(await runLevel(msg)) });
  });

  async function runLevel({ targets, sessions, concurrency, maxMs }) {
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
    const counts = { accept: 0, reject: 0, timeouts: 0, bad: 0, packets: 0, accounted: [] };
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
    // `fixed` is a session's attributes encoded once; `vary` the ones that change. The
    // reply resolves decoded, or undefined after a timeout or a failed check.
    const send = (ch, ports, code, fixed, vary, kind, password) =>
      new Promise((resolveReply) => {
        const id = ch.free.shift();
        const attributes = [...vary, ...fixed];
        const { packet, authenticator } =
          code === wire.CODE.AccessRequest
            ? wire.accessRequest({ identifier: id, secret, password, attributes })
            : wire.accountingRequest({ identifier: id, secret, attributes });
        const t0 = performance.now();
        ch.waiting.set(id, {
          t0,
          resolve: (bytes) => {
            const t1 = performance.now();
            ch.free.push(id);
            counts.packets++;
            if (!bytes) {
              counts.timeouts++;
              return resolveReply(undefined);
            }
            const reply = wire.decodeReply(bytes, secret, authenticator);
            const expected =
              code === wire.CODE.AccessRequest
                ? reply.code === wire.CODE.AccessAccept || reply.code === wire.CODE.AccessReject
                : reply.code === wire.CODE.AccountingResponse;
            // RFC 3579 and BlastRADIUS: every Access-* reply carries Message-Authenticator.
            if (!reply.ok || !expected || (code === 1 && !reply.hasMessageAuthenticator)) {
              counts.bad++;
              return resolveReply(undefined);
            }
            lat[kind].push(t1 - t0);
            resolveReply(reply);
          },
        });
        ch.socket.send(packet, code === 1 ? ports.auth : ports.acct, '127.0.0.1');
      });

    const deadline = performance.now() + maxMs;
    let next = 0;
    const worker = async (w) => {
      const ch = channels[w % nSockets];
      // Sessions are spread over the nodes: worker w always talks to node w mod n, as a
      // router talks to its primary server.
      const ports = targets[w % targets.length];
      while (next < sessions.length && performance.now() < deadline) {
        const s = sessions[next++];
        const who = [
          wire.text(ATTR.UserName, s.code),
          wire.text(ATTR.CallingStationId, s.mac),
          wire.ipv4(ATTR.NasIpAddress, '10.0.0.1'),
          wire.text(ATTR.NasIdentifier, 'bench-nas'),
        ];
        const accept = await send(ch, ports, 1, who, [], 'access', s.code);
        if (!accept || accept.code !== wire.CODE.AccessAccept) {
          if (accept) counts.reject++;
          continue;
        }
        counts.accept++;
        // RFC 2865 §5.25: the Class of the Accept goes back unmodified in accounting.
        const cls = accept.attributes.find((a) => a.type === ATTR.Class);
        const acct = [
          ...who,
          wire.text(ATTR.AcctSessionId, s.acctId),
          wire.ipv4(ATTR.FramedIpAddress, s.ip),
          ...(cls ? [wire.attr(ATTR.Class, cls.value)] : []),
        ];
        await send(ch, ports, 4, acct, [wire.int(ATTR.AcctStatusType, ACCT_STATUS.Start)], 'start');
        for (let k = 1; k <= 3; k++) {
          await send(
            ch,
            ports,
            4,
            acct,
            [
              wire.int(ATTR.AcctStatusType, ACCT_STATUS.InterimUpdate),
              wire.int(ATTR.AcctSessionTime, 60 * k),
              wire.int(ATTR.AcctInputOctets, 1000 * k),
              wire.int(ATTR.AcctOutputOctets, 100_000 * k),
            ],
            'interim',
          );
        }
        const stop = await send(
          ch,
          ports,
          4,
          acct,
          [
            wire.int(ATTR.AcctStatusType, ACCT_STATUS.Stop),
            wire.int(ATTR.AcctSessionTime, 240),
            wire.int(ATTR.AcctInputOctets, 4000),
            wire.int(ATTR.AcctOutputOctets, 400_000),
            wire.int(ATTR.AcctTerminateCause, 1), // User-Request (RFC 2866 §5.10)
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
  const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
  const levels = opt('--levels', '1,16,64,128').split(',').map(Number);
  const record = args.includes('--record');
  const scrape = args.includes('--scrape');
  const postgres = args.includes('--postgres');
  const { unionMs } = await load('core/intervals.js');
  if (postgres) {
    const nodeCounts = opt('--nodes', '1,2').split(',').map(Number);
    const results = [];
    for (const nodes of nodeCounts) {
      const target = await startPgTarget({
        nodes,
        pool: opt('--pool', undefined),
        statements: args.includes('--statements'),
        cpuProf: opt('--cpu-prof', undefined),
        socket: args.includes('--socket'),
      });
      try {
        results.push(...(await runLevels(target, levels, unionMs)));
      } finally {
        await target.close();
      }
    }
    const md = markdownPg(results);
    console.log(md);
    if (record) appendFileSync(join(here, 'RESULTS.md'), md);
    if (results.some((r) => !r.check.ok)) process.exitCode = 1;
    return;
  }
  const target = args.includes('--serve')
    ? await startSqliteServeTarget({ cpuProf: opt('--cpu-prof', undefined) })
    : await startSqliteTarget(scrape);
  let results;
  try {
    results = await runLevels(target, levels, unionMs);
  } finally {
    await target.close();
  }
  const md = markdown(results, target.walMax(), args.includes('--serve'));
  console.log(md);
  if (record) appendFileSync(join(here, 'RESULTS.md'), md);
  if (results.some((r) => !r.check.ok)) process.exitCode = 1;
}

/**
 * runLevels replays the session mix at each concurrency level against `target` and returns
 * one row of figures per level, each with the database check that followed it.
 */
async function runLevels(target, levels, unionMs) {
  const { services } = target;
  await services.nas.add(
    { name: 'bench-nas', address: '127.0.0.1', secret: SECRET, vendor: 'mikrotik' },
    'bench',
  );
  const child = fork(fileURLToPath(import.meta.url), ['--generator'], {
    stdio: 'inherit',
    env: { ...process.env },
  });
  const results = [];
  let sessionBase = 0;
  try {
    for (const concurrency of levels) {
      const nSessions = concurrency === 1 ? Number(process.env.K1_SESSIONS ?? 600) : 10_000;
      // One token per regular session; every tenth session is a second device racing for
      // the previous session's one-device token.
      const created = (
        await services.tokens.create(
          {
            minutes: 600,
            maxDevices: 1,
            count: nSessions,
            batchName: `bench c=${concurrency} #${results.length + 1}`,
          },
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
      await target.beforeLevel?.();
      const batchesBefore = await target.batches();
      const cpu0 = target.cpuUs();
      const db0 = target.dbCpuUs?.() ?? 0;
      const wall0 = performance.now();
      const load0 = loadavg();
      // The probe starts over here, so that the loop lag and GC it reports are the level's
      // own, not the previous level's token set-up or the server's start.
      await target.loop?.();
      child.send({ type: 'run', targets: target.ports, sessions, concurrency, maxMs: 20_000 });
      const r = await new Promise((res) => child.once('message', res));
      const cpuUs = target.cpuUs() - cpu0;
      const dbUs = (target.dbCpuUs?.() ?? 0) - db0;
      const wallMs = performance.now() - wall0;
      const batchesAfter = await target.batches();
      const answered = r.counts.packets - r.counts.timeouts - r.counts.bad;
      const batches = batchesAfter.count - batchesBefore.count;
      const batched = batchesAfter.packets - batchesBefore.packets;
      const check = verify(await target.rows(sessions), sessions, r, unionMs);
      const row = {
        nodes: target.ports.length,
        concurrency,
        sessions: r.sessionsRun,
        packets: r.counts.packets,
        pps: Math.round(r.counts.packets / (r.elapsedMs / 1000)),
        timeouts: r.counts.timeouts,
        badReplies: r.counts.bad,
        accepts: r.counts.accept,
        rejects: r.counts.reject,
        latency: r.latency,
        serverCpuUsPerPacket: Math.round(cpuUs / Math.max(1, answered)),
        serverCpuPct: Math.round((cpuUs / 1000 / wallMs) * 100),
        dbCpuUsPerPacket: Math.round(dbUs / Math.max(1, answered)),
        dbCpuPct: Math.round((dbUs / 1000 / wallMs) * 100),
        generatorCpuUsPerPacket: Math.round(r.generatorCpuUs / Math.max(1, r.counts.packets)),
        avgBatch: batches > 0 ? +(batched / batches).toFixed(1) : 0,
        loadavg: [load0, loadavg()].map((l) => l.map((x) => x.toFixed(1)).join(' ')),
        statements: (await target.afterLevel?.(answered)) ?? undefined,
        loop: (await target.loop?.()) ?? undefined,
        check,
      };
      results.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    child.send({ type: 'exit' });
  }
  return results;
}

// What every benchmarked node is told besides its database: loopback ports the system picks.
const NODE_ENV = {
  PORTICO_HTTP_PORT: '0',
  PORTICO_RADIUS_AUTH_PORT: '0',
  PORTICO_RADIUS_ACCT_PORT: '0',
  PORTICO_RADIUS_HOST: '127.0.0.1',
  PORTICO_ADMIN_PASSWORD: 'bench-admin-password',
  PORTICO_LOG_LEVEL: 'warn',
  PORTICO_TIMEZONE: 'UTC',
};

/** startSqliteTarget runs the real server (startPortico) on a SQLite file in this process. */
async function startSqliteTarget(scrape) {
  const { loadConfig } = await load('config.js');
  const { startPortico, createLogger } = await load('main.js');
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  const dbFile = join(dir, 'portico.db');
  const config = loadConfig({
    PORTICO_DB: dbFile,
    ...NODE_ENV,
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
  const watch = watchSqlite(db, dbFile);
  return {
    services,
    ports: [running.radiusPorts],
    cpuUs: () => {
      const c = process.cpuUsage();
      return c.user + c.system;
    },
    batches: () => services.radiusStats().batches,
    rows: watch.rows,
    walMax: watch.walMax,
    async close() {
      watch.stop();
      if (scraper) {
        scraper.kill('SIGTERM');
        await new Promise((r) => scraper.once('exit', r));
        console.log(JSON.stringify({ scraper: JSON.parse(scraped || '{}') }));
      }
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * watchSqlite returns the check's reader of token and session rows in `db` and the largest
 * WAL file of `dbFile` seen so far (sampled every 100 ms until stop()).
 */
function watchSqlite(db, dbFile) {
  let walMax = 0;
  const timer = setInterval(() => {
    try {
      walMax = Math.max(walMax, statSync(`${dbFile}-wal`).size);
    } catch {
      // no WAL file yet
    }
  }, 100);
  const rowsOf = db.prepare(
    'SELECT status, started_at, last_seen_at, stopped_at, session_seconds, input_octets, output_octets FROM sessions WHERE token_id = ? AND started_at IS NOT NULL',
  );
  const tokenRow = db.prepare('SELECT used_ms, used_bytes, max_devices FROM tokens WHERE id = ?');
  return {
    rows: (sessions) => {
      const out = new Map();
      for (const s of sessions) {
        if (!out.has(s.tokenId))
          out.set(s.tokenId, { token: tokenRow.get(s.tokenId), sessions: rowsOf.all(s.tokenId) });
      }
      return out;
    },
    walMax: () => walMax,
    stop: () => clearInterval(timer),
  };
}

/**
 * startSqliteServeTarget runs `bin/portico.js serve` on a SQLite file as its own process,
 * with the event-loop and GC probe (bench/_serve-probe.mjs) preloaded and, given a folder,
 * `--cpu-prof` writing a profile there on exit; setup and the check run in this process on
 * the same file (WAL: the server's writes are visible here after its commits). Its CPU is
 * read from /proc/<pid>/stat.
 */
async function startSqliteServeTarget({ cpuProf }) {
  const { loadConfig } = await load('config.js');
  const { openStore } = await load('storage/open-store.js');
  const { createServices } = await load('services/services.js');
  const { systemClock } = await load('clock.js');
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  const dbFile = join(dir, 'portico.db');
  const probeFile = join(dir, 'probe.json');
  const env = { PORTICO_DB: dbFile, ...NODE_ENV, BENCH_PROBE_FILE: probeFile };
  const config = loadConfig({ PORTICO_DB: dbFile, ...NODE_ENV });
  const opened = await openStore(config);
  const services = createServices({ store: opened.store, clock: systemClock, config });
  const nodeArgs = ['--import', pathToFileURL(join(here, '_serve-probe.mjs')).href];
  if (cpuProf) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', resolve(cpuProf));
  let node;
  try {
    node = await startNodeProcess(env, nodeArgs);
  } catch (err) {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const db = opened.db;
  const watch = watchSqlite(db, dbFile);
  const probe = async () => {
    rmSync(probeFile, { force: true });
    node.proc.kill('SIGUSR2');
    for (let i = 0; i < 100; i++) {
      try {
        return JSON.parse(readFileSync(probeFile, 'utf8'));
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    return undefined;
  };
  return {
    services,
    ports: [node.ports],
    cpuUs: () => procCpuUs(node.proc.pid),
    batches: async () => {
      const text = await (await fetch(`${node.httpUrl}/metrics`)).text().catch(() => '');
      return {
        count: metric(text, 'portico_radius_batch_packets_count'),
        packets: metric(text, 'portico_radius_batch_packets_sum'),
      };
    },
    beforeLevel: async () => void (await probe()),
    loop: probe,
    rows: watch.rows,
    walMax: watch.walMax,
    async close() {
      watch.stop();
      await node.stop();
      await opened.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The bench's PostgreSQL server keeps the defaults that make a commit durable (fsync on,
// synchronous_commit on, full_page_writes on); only memory and checkpoint spacing are set,
// as anyone running PostgreSQL for a busy service would.
const PG_BENCH_SETTINGS = {
  shared_buffers: '256MB',
  max_wal_size: '2GB',
  checkpoint_timeout: '15min',
};

/**
 * startPgTarget starts a durable throwaway PostgreSQL 15 server and `nodes` Portico nodes
 * (`bin/portico.js serve`, each its own process) on it; setup and the check run in this
 * process over the same database.
 */
async function startPgTarget({ nodes, pool, statements, cpuProf, socket }) {
  const { startPostgres } = await import('../test/support/postgres-server.mjs');
  const { loadConfig } = await load('config.js');
  const { openStore } = await load('storage/open-store.js');
  const { createServices } = await load('services/services.js');
  const { systemClock } = await load('clock.js');
  const pg = await startPostgres({
    durable: true,
    settings: {
      ...PG_BENCH_SETTINGS,
      ...(statements
        ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' }
        : {}),
    },
  });
  const procs = [];
  let opened;
  try {
    const { createPgPool } = await load('storage/pg/connection.js');
    const admin = createPgPool(pg.url(), { max: 1 });
    await admin.query('CREATE DATABASE portico_bench');
    await admin.end();
    const url = socket ? pg.socketUrl('portico_bench') : pg.url('portico_bench');
    const env = {
      PORTICO_DATABASE_URL: url,
      ...NODE_ENV,
      ...(pool ? { PORTICO_DATABASE_POOL: pool } : {}),
    };
    const config = loadConfig({
      ...env,
      PORTICO_NODE_ID: 'bench-setup',
      PORTICO_DATABASE_POOL: '4',
    });
    opened = await openStore(config);
    const services = createServices({ store: opened.store, clock: systemClock, config });
    const ports = [];
    for (let i = 0; i < nodes; i++) {
      const n = await startNodeProcess(
        { ...env, PORTICO_NODE_ID: `bench-node-${i + 1}` },
        cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [],
      );
      procs.push(n);
      ports.push(n.ports);
    }
    const sql = opened.store.conn;
    if (statements) await sql.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const postmaster = pg.pid();
    return {
      services,
      ports,
      cpuUs: () => procs.reduce((sum, n) => sum + procCpuUs(n.proc.pid), 0),
      dbCpuUs: () => serverCpuUs(postmaster),
      batches: async () => {
        const all = { count: 0, packets: 0 };
        for (const n of procs) {
          const text = await (await fetch(`${n.httpUrl}/metrics`)).text().catch(() => '');
          all.count += metric(text, 'portico_radius_batch_packets_count');
          all.packets += metric(text, 'portico_radius_batch_packets_sum');
        }
        return all;
      },
      beforeLevel: statements
        ? async () => void (await sql.query('SELECT pg_stat_statements_reset()'))
        : undefined,
      afterLevel: statements
        ? async (packets) =>
            (
              await sql.query(
                `SELECT calls, total_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
                   FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
                  ORDER BY calls DESC LIMIT 25`,
              )
            ).map((r) => ({
              perPacket: +(Number(r.calls) / Math.max(1, packets)).toFixed(3),
              msPerCall: +(Number(r.total_exec_time) / Math.max(1, Number(r.calls))).toFixed(3),
              query: r.query,
            }))
        : undefined,
      rows: async (sessions) => {
        const ids = [...new Set(sessions.map((s) => s.tokenId))];
        const out = new Map();
        for (const t of await sql.query(
          'SELECT id, used_ms, used_bytes, max_devices FROM tokens WHERE id = ANY($1::bigint[])',
          [ids],
        ))
          out.set(t.id, { token: t, sessions: [] });
        for (const x of await sql.query(
          `SELECT token_id, status, started_at, last_seen_at, stopped_at, session_seconds,
                  input_octets, output_octets
             FROM sessions WHERE token_id = ANY($1::bigint[]) AND started_at IS NOT NULL`,
          [ids],
        ))
          out.get(x.token_id)?.sessions.push(x);
        return out;
      },
      async close() {
        for (const n of procs) await n.stop();
        await opened.close();
        await pg.stop();
      },
    };
  } catch (err) {
    for (const n of procs) await n.stop();
    await opened?.close();
    await pg.stop();
    throw err;
  }
}

/** startNodeProcess starts `portico serve` with `env` and resolves once it listens. */
async function startNodeProcess(env, nodeArgs = []) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('PORTICO_')),
  );
  const proc = spawn(
    process.execPath,
    [...nodeArgs, join(here, '..', 'bin', 'portico.js'), 'serve'],
    {
      env: { ...clean, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => proc.once('exit', r));
  const ready = await new Promise((resolveReady) => {
    const timer = setTimeout(() => resolveReady(null), 60_000);
    const look = () => {
      const web = /web: +(http:\/\/\S+?)\/ /.exec(out);
      const radius = /auth (\d+)\/udp, accounting (\d+)\/udp/.exec(out);
      if (!web || !radius) return;
      clearTimeout(timer);
      resolveReady({ httpUrl: web[1], ports: { auth: +radius[1], acct: +radius[2] } });
    };
    proc.stdout.on('data', look);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolveReady(null);
    });
  });
  if (!ready) {
    proc.kill('SIGKILL');
    throw new Error(`portico serve did not start:\n${out}`);
  }
  return {
    proc,
    ...ready,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
      // A node's own errors (a failed batch, say) belong in the bench's output.
      if (/"level":(50|60)/.test(out)) console.error(out.slice(-3000));
    },
  };
}

const TICK_US = 1e6 / 100; // USER_HZ on Linux

/** procCpuUs returns the user+system CPU time of process `pid` in µs (0 when it is gone). */
function procCpuUs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_US;
  } catch {
    return 0;
  }
}

/** serverCpuUs returns the CPU time of the postmaster and every backend it started, in µs. */
function serverCpuUs(postmaster) {
  let sum = procCpuUs(postmaster);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const f = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(f[1]) === postmaster) sum += (Number(f[11]) + Number(f[12])) * TICK_US;
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

/** metric returns the value of an unlabelled Prometheus sample in `text`, or 0. */
function metric(text, name) {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** verify checks the database after a level; it returns ok and what, if anything, is wrong. */
function verify(rowsByToken, sessions, r, unionMs) {
  const problems = [];
  const byToken = new Map();
  for (const s of sessions) byToken.set(s.tokenId, [...(byToken.get(s.tokenId) ?? []), s]);
  const accounted = new Set(r.counts.accounted);
  let checked = 0;
  for (const [tokenId, ss] of byToken) {
    const found = rowsByToken.get(tokenId);
    if (!found?.token) {
      problems.push(`token ${tokenId}: missing`);
      continue;
    }
    const t = found.token;
    const rows = found.sessions.map((x) => ({
      status: x.status,
      started_at: Number(x.started_at),
      last_seen_at: Number(x.last_seen_at),
      stopped_at: x.stopped_at === null ? null : Number(x.stopped_at),
      session_seconds: Number(x.session_seconds),
    }));
    // Bytes: exactly what the generator's Stops reported, once per session.
    const expectedBytes = ss.filter((s) => accounted.has(s.index)).length * 404_000;
    if (Number(t.used_bytes) !== expectedBytes)
      problems.push(`token ${tokenId}: used_bytes ${t.used_bytes}, expected ${expectedBytes}`);
    // Time: the union of its sessions' charged intervals, never more.
    const union = unionMs(rows.map((x) => ({ start: x.started_at, end: x.last_seen_at })));
    if (Number(t.used_ms) !== union)
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
      if (on > Number(t.max_devices)) {
        problems.push(`token ${tokenId}: ${on} devices online, limit ${t.max_devices}`);
        break;
      }
    }
    checked++;
  }
  return { ok: problems.length === 0, tokens: checked, problems: problems.slice(0, 5) };
}

function markdownPg(results) {
  const date = new Date().toISOString().slice(0, 10);
  const f = (x) => x.toFixed(1);
  const lines = [
    '',
    `## RADIUS load on PostgreSQL, full session mix (bench/radius-load.mjs --postgres, ${date})`,
    '',
    'Portico nodes as separate processes (`bin/portico.js serve`) on one durable throwaway',
    'PostgreSQL 15 (fsync and synchronous_commit on; shared_buffers 256MB, max_wal_size 2GB),',
    'the generator in another process spreading sessions over the nodes; latency in ms.',
    '',
    `| nodes | in flight | packets | packets/s | access p50/p99 | acct p50/p99 (start, interim, stop) | all p99 | timeouts | node CPU % / µs per packet | PostgreSQL CPU % / µs per packet | avg batch | load avg before → after | DB check |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const l = r.latency;
    lines.push(
      `| ${r.nodes} | ${r.concurrency} | ${r.packets} | ${r.pps} | ${f(l.access.p50)}/${f(l.access.p99)} | ${f(l.start.p50)}/${f(l.start.p99)}, ${f(l.interim.p50)}/${f(l.interim.p99)}, ${f(l.stop.p50)}/${f(l.stop.p99)} | ${f(l.all.p99)} | ${r.timeouts} | ${r.serverCpuPct} / ${r.serverCpuUsPerPacket} | ${r.dbCpuPct} / ${r.dbCpuUsPerPacket} | ${r.avgBatch} | ${r.loadavg.join(' → ')} | ${r.check.ok ? `ok (${r.check.tokens} tokens)` : `FAILED: ${r.check.problems.join('; ')}`} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

function markdown(results, walMax, serve) {
  const date = new Date().toISOString().slice(0, 10);
  const f = (x) => x.toFixed(2);
  const lines = [
    '',
    `## RADIUS load, full session mix (bench/radius-load.mjs, ${date})`,
    '',
    serve
      ? 'Real server (`bin/portico.js serve`, group commit, WAL, synchronous=NORMAL) as its own process, the'
      : 'Real server (startPortico, group commit, WAL, synchronous=NORMAL) in one process, the',
    "generator (bench/radius-wire.mjs, not Portico's codec) in another process on 127.0.0.1; per session Access-Request (PAP +",
    'Message-Authenticator), Start, 3 Interim-Updates, Stop; one session in ten races for the',
    "previous session's one-device token. Latency in ms per packet type (p50/p99).",
    '',
    '| in flight | packets | packets/s | access p50/p99 | start p50/p99 | interim p50/p99 | stop p50/p99 | all p99 | timeouts / bad replies | server CPU µs/packet | generator CPU µs/packet | avg batch | loop lag p99/max, GC ms (max) | load avg before → after | accept/reject | DB check |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const l = r.latency;
    lines.push(
      `| ${r.concurrency} | ${r.packets} | ${r.pps} | ${f(l.access.p50)}/${f(l.access.p99)} | ${f(l.start.p50)}/${f(l.start.p99)} | ${f(l.interim.p50)}/${f(l.interim.p99)} | ${f(l.stop.p50)}/${f(l.stop.p99)} | ${f(l.all.p99)} | ${r.timeouts} / ${r.badReplies} | ${r.serverCpuUsPerPacket} | ${r.generatorCpuUsPerPacket} | ${r.avgBatch} | ${r.loop ? `${r.loop.lag.p99}/${r.loop.lag.max}, ${r.loop.gc.ms} (${r.loop.gc.maxMs})` : '–'} | ${r.loadavg.join(' → ')} | ${r.accepts}/${r.rejects} | ${r.check.ok ? `ok (${r.check.tokens} tokens)` : `FAILED: ${r.check.problems.join('; ')}`} |`,
    );
  }
  lines.push('', `Largest WAL file seen during the run: ${(walMax / 1048576).toFixed(1)} MiB.`, '');
  return lines.join('\n');
}

// Last, so that every constant above is initialised before either side runs.
if (process.argv[2] === '--generator') {
  await generator();
} else {
  await server();
}
