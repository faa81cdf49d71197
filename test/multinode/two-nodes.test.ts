// Two Portico nodes on one PostgreSQL database, as a router with a primary and a secondary
// RADIUS server sees them: real `portico serve` processes, real UDP on loopback, a fake NAS
// Disconnect listener, and the database read afterwards. Every loop is bounded in count and
// in time. On SQLite, which one server owns, a second node is refused instead.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { unionMs } from '../../src/core/intervals.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openStore, type OpenedStore } from '../../src/storage/open-store.js';
import { createPgPool } from '../../src/storage/pg/connection.js';
import {
  acctPairs,
  attr,
  openFakeDas,
  openNasPeer,
  papLogin,
  SECRET,
  waitUntil,
  type FakeDas,
  type NasPeer,
  type Reply,
} from '../radius-integration/harness.js';
import { createTestDatabase, testBackend } from '../support/test-store.js';
import { ADMIN_PASSWORD, bearer, startNode, type PorticoNode } from './cluster.js';

const ACCEPT = 2;
const REJECT = 3;

let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let url: string;
let opened: OpenedStore;
let s: Services;
let sql: pg.Pool;
let das: FakeDas;
let apiKey: string;
const nodes: Record<'a' | 'b', PorticoNode | undefined> = { a: undefined, b: undefined };
const peers: Record<'a' | 'b', NasPeer | undefined> = { a: undefined, b: undefined };

const node = (n: 'a' | 'b') => nodes[n] as PorticoNode;
const peer = (n: 'a' | 'b') => peers[n] as NasPeer;

async function start(n: 'a' | 'b') {
  await peers[n]?.close();
  nodes[n] = await startNode(url, `node-${n}`);
  peers[n] = await openNasPeer(node(n).ports);
}

const postgres = testBackend() === 'postgres';

beforeAll(async () => {
  if (!postgres) return;
  // Empty: the first node migrates it on start, as a new installation does.
  database = await createTestDatabase({ empty: true });
  url = database.url;
  const config = loadConfig({
    PORTICO_DATABASE_URL: url,
    PORTICO_NODE_ID: 'test',
    PORTICO_TIMEZONE: 'UTC',
  });
  // The test's own view of the database: it sets up routers and tokens, as staff would.
  opened = await openStore(config);
  s = createServices({ store: opened.store, clock: systemClock, config });
  await s.settings.refresh();
  // BIGINT columns as numbers, as the store reads them.
  sql = createPgPool(url, { max: 2 });
  das = await openFakeDas(SECRET);
  await s.nas.add(
    {
      name: 'hotspot-1',
      address: '127.0.0.1',
      secret: SECRET,
      vendor: 'mikrotik',
      coaPort: das.port,
      requireMessageAuthenticator: false,
    },
    'test',
  );
  apiKey = (await s.apiKeys.create({ name: 'multinode', role: 'staff' }, 'test')).key;
  // One after the other: the first migrates and creates the admin, the second finds both.
  await start('a');
  await start('b');
}, 240_000);

afterAll(async () => {
  for (const n of ['a', 'b'] as const) {
    await peers[n]?.close();
    await nodes[n]?.kill('SIGKILL');
  }
  await das?.close();
  await sql?.end();
  await opened?.close();
  await database?.drop();
}, 120_000);

/** auth sends an Access-Request to node `n`, again (up to 3 times) while it goes unanswered. */
async function auth(n: 'a' | 'b', code: string, mac: string): Promise<Reply | undefined> {
  for (let i = 0; i < 3; i++) {
    const r = await peer(n).auth(papLogin(code, mac), { timeoutMs: 5000 });
    if (r) return r;
  }
  return undefined;
}

describe.runIf(!postgres)('two nodes on one SQLite file', () => {
  it('are refused: the second server finds the pid file of the first and does not start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-two-'));
    const env = {
      PORTICO_DB: join(dir, 'p.db'),
      PORTICO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PORTICO_DATABASE_URL: '',
    };
    let first: PorticoNode | undefined;
    try {
      first = await startNode('', 'sqlite-a', { env });
      await expect(startNode('', 'sqlite-b', { env, timeoutMs: 60_000 })).rejects.toThrow(
        /exited with 1[\s\S]*another Portico server \(pid \d+\) is running/,
      );
      expect(first.proc.exitCode).toBeNull();
    } finally {
      await first?.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.runIf(postgres)('two nodes on one PostgreSQL', () => {
  it('500 rounds of two devices racing for a one-device token, one per node: one accept each', async () => {
    const rounds = 500;
    const tokens = (
      await s.tokens.create(
        { minutes: 60, maxDevices: 1, count: rounds, batchName: 'race' },
        'test',
        'bulk',
      )
    ).tokens;
    const wrong: string[] = [];
    const deadline = Date.now() + 240_000;
    for (let i = 0; i < rounds && Date.now() < deadline; i++) {
      const code = tokens[i]!.code;
      const hex = (i + 256).toString(16).padStart(4, '0');
      const mac = (dev: string) => `02-00-${dev}-00-${hex.slice(0, 2)}-${hex.slice(2)}`;
      const [ra, rb] = await Promise.all([auth('a', code, mac('0a')), auth('b', code, mac('0b'))]);
      const codes = [ra?.code, rb?.code];
      const accepts = codes.filter((c) => c === ACCEPT).length;
      const rejects = codes.filter((c) => c === REJECT).length;
      if (accepts !== 1 || rejects !== 1) wrong.push(`round ${i}: ${codes.join(', ')}`);
    }
    expect(wrong).toEqual([]);
    // Every round ran, and the database agrees: one device per token, never two.
    const held = await sql.query<{ devices: number }>(
      `SELECT count(DISTINCT s.device_mac)::int AS devices FROM tokens t
         LEFT JOIN sessions s ON s.token_id = t.id WHERE t.batch_id = $1 GROUP BY t.id`,
      [tokens[0]!.batchId],
    );
    expect(held.rows).toHaveLength(rounds);
    expect(held.rows.filter((r) => r.devices !== 1)).toEqual([]);
  }, 300_000);

  it('a Disconnect queued by a node that dies is sent by the survivor', async () => {
    const t = (await s.tokens.create({ minutes: 60, maxDevices: 1 }, 'test')).tokens[0]!;
    const mac = '02-00-0c-00-00-01';
    const accept = await auth('b', t.code, mac);
    expect(accept?.code).toBe(ACCEPT);
    const started = await peer('b').acct(
      acctPairs('Start', { id: 'dc-1', user: t.code, mac, cls: attr(accept, 'Class') }),
      { timeoutMs: 10_000 },
    );
    expect(started).toBeDefined();
    const session = (
      await sql.query<{ id: number }>("SELECT id FROM sessions WHERE acct_session_id = 'dc-1'")
    ).rows[0]!;

    // The router does not answer yet: node A queues the Disconnect and starts sending it.
    das.answer = { kind: 'silent' };
    const before = das.received.length;
    const res = await fetch(
      `${node('a').httpUrl}/api/v1/sessions/${session.id}/disconnect?waitMs=0`,
      { method: 'POST', headers: bearer(apiKey) },
    );
    expect(res.status).toBe(202);
    await waitUntil(() => das.received.length > before, 30_000);

    // Node A dies with the job on the wire; the router answers from now on.
    await node('a').kill('SIGKILL');
    const afterDeath = das.received.length;
    das.answer = { kind: 'ack' };
    const stateOf = async () =>
      (
        await sql.query<{ state: string }>(
          "SELECT state FROM coa_jobs WHERE session_id = $1 AND kind = 'disconnect' ORDER BY id DESC LIMIT 1",
          [session.id],
        )
      ).rows[0]?.state;
    await waitUntil(async () => (await stateOf()) === 'ack', 120_000);
    expect(das.received.length).toBeGreaterThan(afterDeath);
    expect(das.received.at(-1)?.code).toBe(40); // Disconnect-Request
    expect(node('b').proc.exitCode).toBeNull();
  }, 200_000);

  it('a node killed in the middle of accounting load loses no acknowledged packet', async () => {
    await start('a');
    const sessions = 240;
    const tokens = (
      await s.tokens.create(
        { minutes: 600, maxDevices: 1, count: sessions, batchName: 'load' },
        'test',
        'bulk',
      )
    ).tokens;
    type Acked = { acctId: string; status: string; time: number };
    const acked: Acked[] = [];
    const failed: string[] = [];
    let killed = false;
    const dead = new Set<'a' | 'b'>();
    const deadline = Date.now() + 180_000;

    /**
     * send sends one packet as a router with a primary and a secondary server does: to the
     * primary, and once that goes unanswered to the other one for good; at most 6 tries.
     */
    const send = async (
      order: Array<'a' | 'b'>,
      kind: 'auth' | 'acct',
      pairs: Parameters<NasPeer['acct']>[0],
    ): Promise<Reply | undefined> => {
      for (let attempt = 0; attempt < 6 && Date.now() < deadline; attempt++) {
        const n = order.find((x) => !dead.has(x)) ?? order[0]!;
        const r = await peer(n)[kind](pairs, { timeoutMs: 2000 });
        if (r) return r;
        // Unanswered: this session's router fails over to the other server.
        if (order[0] === n) order.reverse();
      }
      return undefined;
    };

    const run = async (i: number) => {
      const t = tokens[i]!;
      const order: Array<'a' | 'b'> = i % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
      const mac = `02-00-0d-00-${(i >> 8).toString(16).padStart(2, '0')}-${(i & 255).toString(16).padStart(2, '0')}`;
      const id = `load-${i}`;
      const accept = await send(order, 'auth', papLogin(t.code, mac));
      if (accept?.code !== ACCEPT) return void failed.push(`${id}: access ${accept?.code}`);
      const cls = attr(accept, 'Class');
      const steps: Array<{ status: 'Start' | 'Interim-Update' | 'Stop'; time: number }> = [
        { status: 'Start', time: 0 },
        { status: 'Interim-Update', time: 60 },
        { status: 'Interim-Update', time: 120 },
        { status: 'Interim-Update', time: 180 },
        { status: 'Stop', time: 240 },
      ];
      for (const step of steps) {
        const k = step.time / 60;
        const pairs = acctPairs(step.status, {
          id,
          user: t.code,
          mac,
          cls,
          ...(step.status === 'Start'
            ? {}
            : { time: step.time, input: 1000 * k, output: 100_000 * k }),
          ...(step.status === 'Stop' ? { cause: 'User-Request' } : {}),
        });
        const r = await send(order, 'acct', pairs);
        if (!r) return void failed.push(`${id}: ${step.status} never answered`);
        acked.push({ acctId: id, status: step.status, time: step.time });
      }
    };

    // 16 sessions in flight; node A is killed once a third of the packets were answered.
    let next = 0;
    const worker = async () => {
      while (next < sessions && Date.now() < deadline) await run(next++);
    };
    const killer = (async () => {
      await waitUntil(() => acked.length >= (sessions * 5) / 3, 120_000);
      await node('a').kill('SIGKILL');
      dead.add('a');
      killed = true;
    })();
    await Promise.all([...Array.from({ length: 16 }, worker), killer]);
    expect(killed).toBe(true);
    expect(failed).toEqual([]);
    expect(next).toBe(sessions);

    // Every acknowledged packet is in the database, once.
    const rows = (
      await sql.query<{
        acct_session_id: string;
        status: string;
        session_seconds: number | null;
        input_octets: number;
        output_octets: number;
        token_id: number;
        started_at: number;
        last_seen_at: number;
      }>(
        `SELECT acct_session_id, status, session_seconds, input_octets, output_octets, token_id,
                started_at, last_seen_at
           FROM sessions WHERE acct_session_id LIKE 'load-%'`,
      )
    ).rows;
    const byId = new Map<string, (typeof rows)[number][]>();
    for (const r of rows) byId.set(r.acct_session_id, [...(byId.get(r.acct_session_id) ?? []), r]);
    const problems: string[] = [];
    for (const a of acked) {
      const rs = byId.get(a.acctId) ?? [];
      if (rs.length !== 1) {
        problems.push(`${a.acctId}: ${rs.length} session rows`);
        continue;
      }
      const row = rs[0]!;
      if (a.status !== 'Start' && (row.session_seconds ?? 0) < a.time)
        problems.push(
          `${a.acctId}: ${a.status} at ${a.time} s acked, row at ${row.session_seconds}`,
        );
      if (a.status === 'Stop' && row.status !== 'closed')
        problems.push(`${a.acctId}: Stop acked, row ${row.status}`);
    }
    expect(problems).toEqual([]);
    expect(acked.filter((a) => a.status === 'Stop')).toHaveLength(sessions);

    // No double charge: each token is charged its one session's bytes once, and the union
    // of its online time, never more.
    const charged = (
      await sql.query<{ id: number; used_ms: number; used_bytes: number }>(
        'SELECT id, used_ms, used_bytes FROM tokens WHERE batch_id = $1',
        [tokens[0]!.batchId],
      )
    ).rows;
    expect(charged).toHaveLength(sessions);
    for (const t of charged) {
      const own = rows.filter((r) => r.token_id === t.id);
      expect(own, `token ${t.id}`).toHaveLength(1);
      expect(t.used_bytes, `token ${t.id}`).toBe(4000 + 400_000);
      expect(t.used_ms, `token ${t.id}`).toBe(
        unionMs(own.map((r) => ({ start: r.started_at, end: r.last_seen_at }))),
      );
    }
  }, 300_000);
});
