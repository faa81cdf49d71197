// A real Portico RADIUS side for integration tests: a database file in a temporary folder,
// the real UDP server with the real handler on 127.0.0.1 port 0, a NAS client that speaks
// through the codec, and a fake NAS that answers Disconnect/CoA-Requests.

import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import {
  listAttributes,
  encodeAttributes,
  type AttributePair,
} from '../../src/radius/attributes.js';
import {
  verifyRequestAuthenticator,
  verifyResponseAuthenticator,
} from '../../src/radius/authenticator.js';
import { RadiusCode } from '../../src/radius/codes.js';
import {
  decodePacket,
  encodeRequest,
  encodeResponse,
  type RadiusPacket,
} from '../../src/radius/packet.js';
import type { RetryPolicy } from '../../src/radius/dynamic-authorization.js';
import {
  startRadiusRuntime,
  type RadiusRuntime,
  type RadiusRuntimeLogger,
} from '../../src/services/radius-runtime.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { createStore, type Store } from '../../src/storage/store.js';
import { openTestStore, sqliteSql, testBackend, type TestStore } from '../support/test-store.js';

export const SECRET = 'testing123';

/** Reply is a verified, decoded answer with its attributes by name. */
export type Reply = { code: number; packet: RadiusPacket; attrs: Map<string, unknown[]> };

/** attr returns the first value of a named attribute of a reply. */
export function attr(r: Reply | undefined, name: string): unknown {
  return r?.attrs.get(name)?.[0];
}

/** NasPeer is a UDP socket on 127.0.0.1 that speaks RADIUS to the server as a NAS. */
export type NasPeer = {
  auth(
    pairs: AttributePair[],
    opts?: { timeoutMs?: number; secret?: string },
  ): Promise<Reply | undefined>;
  acct(
    pairs: AttributePair[],
    opts?: { timeoutMs?: number; secret?: string },
  ): Promise<Reply | undefined>;
  /** send sends raw bytes to a port (auth or acct). */
  raw(bytes: Buffer, to: 'auth' | 'acct'): void;
  close(): Promise<void>;
};

/** FakeDas is a NAS's Disconnect/CoA listener that verifies requests and answers them. */
export type FakeDas = {
  port: number;
  /** Verified requests received, in order. */
  received: Array<{ code: number; attrs: Map<string, unknown[]> }>;
  /** What to answer: ACK by default; a NAK carries the given Error-Cause. */
  answer: { kind: 'ack' } | { kind: 'nak'; errorCause: number } | { kind: 'silent' };
  close(): Promise<void>;
};

export type Harness = {
  dir: string;
  /** The backend under test (TEST_BACKEND): a database file, or a PostgreSQL database. */
  backend: TestStore['backend'];
  store: Store;
  /** sql runs raw SQL (`?` placeholders) on the harness's database, for checks and set-up. */
  sql: TestStore['sql'];
  /** url is the database's connection URL (PostgreSQL only), for connections of a test's own. */
  url?: string;
  /** db is the SQLite handle (SQLite only). */
  db?: Db;
  services: Services;
  clock: ReturnType<typeof fixedClock>;
  config: Config;
  runtime: RadiusRuntime;
  nas: NasPeer;
  das: FakeDas;
  nasId: number;
  close(): Promise<void>;
};

const byName = (packet: RadiusPacket): Map<string, unknown[]> => {
  const out = new Map<string, unknown[]>();
  for (const a of listAttributes(packet)) out.set(a.name, [...(out.get(a.name) ?? []), a.value]);
  return out;
};

/** openFakeDas opens a fake NAS's Disconnect/CoA listener on 127.0.0.1 (port 0). */
export async function openFakeDas(secret: string): Promise<FakeDas> {
  const socket = createSocket('udp4');
  const das: FakeDas = {
    port: 0,
    received: [],
    answer: { kind: 'ack' },
    close: () => new Promise((r) => socket.close(() => r())),
  };
  socket.on('message', (bytes, remote) => {
    const d = decodePacket(bytes);
    if (!d.ok) return;
    const p = d.packet;
    if (!verifyRequestAuthenticator(p, Buffer.from(secret))) return;
    das.received.push({ code: p.code, attrs: byName(p) });
    if (das.answer.kind === 'silent') return;
    const ack =
      p.code === RadiusCode.DisconnectRequest ? RadiusCode.DisconnectAck : RadiusCode.CoaAck;
    const nak =
      p.code === RadiusCode.DisconnectRequest ? RadiusCode.DisconnectNak : RadiusCode.CoaNak;
    const reply = encodeResponse({
      code: das.answer.kind === 'ack' ? ack : nak,
      identifier: p.identifier,
      requestAuthenticator: p.authenticator,
      attributes:
        das.answer.kind === 'nak' ? encodeAttributes([['Error-Cause', das.answer.errorCause]]) : [],
      secret: Buffer.from(secret),
      messageAuthenticator: true,
    });
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  das.port = socket.address().port;
  return das;
}

/** openNasPeer opens a NAS's socket that talks to a RADIUS server on 127.0.0.1 at `ports`. */
export async function openNasPeer(ports: { auth: number; acct: number }): Promise<NasPeer> {
  const socket: Socket = createSocket('udp4');
  const waiting = new Map<
    number,
    { resolve: (r: Reply | undefined) => void; auth: Buffer; secret: string }
  >();
  let nextId = 0;
  socket.on('message', (bytes) => {
    const d = decodePacket(bytes);
    if (!d.ok) return;
    const w = waiting.get(d.packet.identifier);
    if (!w) return;
    if (!verifyResponseAuthenticator(d.packet, w.auth, Buffer.from(w.secret))) return;
    waiting.delete(d.packet.identifier);
    w.resolve({ code: d.packet.code, packet: d.packet, attrs: byName(d.packet) });
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const send = (
    code: number,
    port: number,
    pairs: AttributePair[],
    opts: { timeoutMs?: number; secret?: string } = {},
  ) =>
    new Promise<Reply | undefined>((resolve) => {
      const secret = opts.secret ?? SECRET;
      let id = nextId;
      for (let i = 0; i < 256 && waiting.has(id); i++) id = (id + 1) % 256;
      nextId = (id + 1) % 256;
      const bytes = encodeRequest({
        code,
        identifier: id,
        attributes: encodeAttributes(pairs),
        secret: Buffer.from(secret),
        messageAuthenticator: code === RadiusCode.AccessRequest,
      });
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve(undefined);
      }, opts.timeoutMs ?? 3000);
      waiting.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        auth: bytes.subarray(4, 20),
        secret,
      });
      socket.send(bytes, port, '127.0.0.1');
    });
  return {
    auth: (pairs, opts) => send(RadiusCode.AccessRequest, ports.auth, pairs, opts),
    acct: (pairs, opts) => send(RadiusCode.AccountingRequest, ports.acct, pairs, opts),
    raw: (bytes, to) => socket.send(bytes, to === 'auth' ? ports.auth : ports.acct, '127.0.0.1'),
    close: () => new Promise((r) => socket.close(() => r())),
  };
}

/** startHarness starts a RADIUS side over a fresh database file, with one NAS on 127.0.0.1. */
export async function startHarness(
  opts: {
    vendor?: string;
    start?: number;
    retry?: Partial<RetryPolicy>;
    /** Where the RADIUS side logs (default: nowhere). */
    logger?: RadiusRuntimeLogger;
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-radius-'));
  const config = loadConfig({ PORTICO_DB: join(dir, 'portico.db'), PORTICO_TIMEZONE: 'UTC' });
  // SQLite: a real file, as the server has; PostgreSQL: a database of its own on the test server.
  const pgStore = testBackend() === 'postgres' ? await openTestStore() : undefined;
  const db = pgStore ? undefined : openDatabase(config.dbFile);
  const store = pgStore?.store ?? createStore(db as Db);
  const sql = pgStore?.sql ?? sqliteSql(db as Db);
  const clock = fixedClock(opts.start ?? Date.UTC(2026, 11, 3, 8, 0));
  const services = createServices({ store, clock, config });
  const das = await openFakeDas(SECRET);
  const nas = await services.nas.add(
    {
      name: 'hotspot-1',
      address: '127.0.0.1',
      secret: SECRET,
      vendor: opts.vendor ?? 'mikrotik',
      coaPort: das.port,
      requireMessageAuthenticator: false,
    },
    'test',
  );
  const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
  const runtime = await startRadiusRuntime(services, {
    host: '127.0.0.1',
    authPort: 0,
    acctPort: 0,
    logger: opts.logger ?? silent,
    cutoffIntervalMs: 3_600_000,
    retry: opts.retry ?? { irtMs: 100, mrc: 2, mrtMs: 200, mrdMs: 400 },
  });
  const peer = await openNasPeer(runtime.ports);
  return {
    dir,
    backend: pgStore?.backend ?? 'sqlite',
    store,
    sql,
    ...(pgStore?.url !== undefined ? { url: pgStore.url } : {}),
    ...(db ? { db } : {}),
    services,
    clock,
    config,
    runtime,
    nas: peer,
    das,
    nasId: nas.id,
    async close() {
      await peer.close();
      await runtime.close();
      await das.close();
      db?.close();
      await pgStore?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** login returns the Access-Request attributes of a PAP login with `code` from `mac`. */
export function papLogin(code: string, mac: string, extra: AttributePair[] = []): AttributePair[] {
  return [
    ['User-Name', code],
    ['User-Password', code],
    ['Calling-Station-Id', mac],
    ['NAS-IP-Address', '10.0.0.1'],
    ['NAS-Identifier', 'hotspot-1'],
    ...extra,
  ];
}

/** acctPairs returns the attributes of an Accounting-Request for one session. */
export function acctPairs(
  status: 'Start' | 'Stop' | 'Interim-Update' | 'Accounting-On' | 'Accounting-Off',
  s: {
    id?: string;
    user?: string;
    mac?: string;
    cls?: unknown;
    time?: number;
    input?: number;
    output?: number;
    delay?: number;
    cause?: string;
  },
): AttributePair[] {
  const out: AttributePair[] = [
    ['Acct-Status-Type', status],
    ['NAS-IP-Address', '10.0.0.1'],
  ];
  if (s.id !== undefined) out.push(['Acct-Session-Id', s.id]);
  if (s.user !== undefined) out.push(['User-Name', s.user]);
  if (s.mac !== undefined) out.push(['Calling-Station-Id', s.mac]);
  if (s.cls !== undefined) out.push(['Class', s.cls as Buffer]);
  if (s.time !== undefined) out.push(['Acct-Session-Time', s.time]);
  if (s.input !== undefined) out.push(['Acct-Input-Octets', s.input]);
  if (s.output !== undefined) out.push(['Acct-Output-Octets', s.output]);
  if (s.delay !== undefined) out.push(['Acct-Delay-Time', s.delay]);
  if (s.cause !== undefined) out.push(['Acct-Terminate-Cause', s.cause]);
  return out;
}

/** waitUntil polls `check` until it holds, failing after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
