// A real app over a real SQLite file for the /api/v1 tests, with an admin and a staff key.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

/** START is the fixed clock's start: 1 December 2026, 10:00 UTC (11:00 in Berlin). */
export const START = Date.parse('2026-12-01T10:00:00Z');

/** ApiFixture is a running app, its services and database, and two keys. */
export type ApiFixture = {
  app: FastifyInstance;
  services: Services;
  db: Db;
  clock: ReturnType<typeof fixedClock>;
  adminKey: string;
  staffKey: string;
  call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    opts?: { key?: string | null; body?: unknown; headers?: Record<string, string> },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read bodies loosely; expectations check the shape
  ): Promise<{ status: number; json: any; body: string; headers: Record<string, unknown> }>;
  close(): Promise<void>;
};

/** makeApi builds the app over a fresh database file in a temporary directory. */
export async function makeApi(): Promise<ApiFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-api-'));
  const db = openDatabase(join(dir, 'portico.db'));
  const clock = fixedClock(START);
  const config = loadConfig({ PORTICO_TIMEZONE: 'Europe/Berlin' });
  const services = createServices({ db, clock, config });
  const app = await buildApp(services);
  const adminKey = (await services.apiKeys.create({ name: 'ops', role: 'admin' }, 'test')).key;
  const staffKey = (await services.apiKeys.create({ name: 'desk', role: 'staff' }, 'test')).key;
  return {
    app,
    services,
    db,
    clock,
    adminKey,
    staffKey,
    async call(method, url, opts = {}) {
      const key = opts.key === undefined ? adminKey : opts.key;
      const r = await app.inject({
        method,
        url,
        headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...opts.headers },
        ...(opts.body === undefined ? {} : { payload: opts.body as object }),
      });
      let json: unknown;
      try {
        json = r.json();
      } catch {
        json = undefined;
      }
      return { status: r.statusCode, json, body: r.body, headers: r.headers };
    },
    async close() {
      await app.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** count returns a single number from SQL, for checking what reached the database. */
export function count(db: Db, sql: string, ...params: unknown[]): number {
  return db
    .prepare(sql)
    .pluck()
    .get(...params) as number;
}
