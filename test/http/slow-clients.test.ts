// Slow and greedy HTTP clients against a listening app: a client trickling header lines is
// cut off after the header timeout, and connections beyond the cap are closed at once.

import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createServices } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

let db: Db;
let app: FastifyInstance;
let port: number;
const sockets: Socket[] = [];
beforeEach(async () => {
  db = openDatabase(':memory:');
  const config = loadConfig({ PORTICO_DB: ':memory:', PORTICO_TIMEZONE: 'UTC' });
  const services = createServices({ db, clock: fixedClock(Date.UTC(2026, 11, 4)), config });
  app = await buildApp(services, {
    httpLimits: { headersTimeoutMs: 1_000, maxConnections: 20, checkIntervalMs: 200 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await app.close();
  db.close();
});

/** open connects to the app and resolves once connected. */
const open = (): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
    s.once('error', reject);
    sockets.push(s);
  });
const closed = (s: Socket) =>
  new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())));

it('cuts off clients that trickle header lines, and still serves others', async () => {
  const slow = await Promise.all(Array.from({ length: 10 }, open));
  let n = 0;
  const drip = setInterval(() => {
    for (const s of slow) if (!s.destroyed) s.write(`X-Drip-${n}: 1\r\n`);
    n++;
  }, 100);
  try {
    for (const s of slow) s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    // The header timeout is 1 s; wait generously for the server to act on it.
    await Promise.race([
      Promise.all(slow.map(closed)),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('still open after 20 s')), 20_000),
      ),
    ]);
  } finally {
    clearInterval(drip);
  }
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(res.status).toBe(200);
}, 60_000);

it('closes connections beyond the cap at once', async () => {
  const held = await Promise.all(Array.from({ length: 20 }, open));
  // Let the server accept them all before the next one arrives.
  await new Promise((r) => setTimeout(r, 300));
  const extra = await open();
  await Promise.race([
    closed(extra),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error('not closed within 10 s')), 10_000),
    ),
  ]);
  expect(held.every((s) => !s.destroyed)).toBe(true);
}, 60_000);
