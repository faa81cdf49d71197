// A Portico app over an in-memory database with a fixed clock, one CoovaChilli router with a
// UAM secret, and helpers to arrive at the splash page the way that router sends guests.

import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { coovaRedirectUrl } from '../../src/demo/coova-redirect.js';
import { buildApp } from '../../src/http/app.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

/** T0 is the fixed start time of every portal test: 10 March 2026, 10:00 in Berlin. */
export const T0 = Date.UTC(2026, 2, 10, 9, 0);
export const PUBLIC_URL = 'http://portal.test';
export const UAM_SECRET = 'uam-secret-1';
export const NAS_ID = 'lobby';
export const GUEST_MAC = 'AA-BB-CC-DD-EE-01';

export type PortalFixture = {
  db: Db;
  app: FastifyInstance;
  services: Services;
  clock: ReturnType<typeof fixedClock>;
  /** Every line the app logged, as JSON text. */
  logs: string[];
  /** newToken creates a token and returns its code. */
  newToken(input?: Record<string, unknown>): Promise<{ id: number; code: string }>;
  /** arrivalPath returns the splash path (with query) CoovaChilli would redirect a guest to. */
  arrivalPath(extra?: Record<string, string>, opts?: { secret?: string; mac?: string }): string;
  close(): Promise<void>;
};

/** portalFixture builds the app; pass env overrides such as PORTICO_TIMEZONE. */
export async function portalFixture(env: Record<string, string> = {}): Promise<PortalFixture> {
  const db = openDatabase(':memory:');
  const clock = fixedClock(T0);
  const config = loadConfig({
    PORTICO_DB: ':memory:',
    PORTICO_TIMEZONE: 'Europe/Berlin',
    PORTICO_PUBLIC_URL: PUBLIC_URL,
    ...env,
  });
  const services = createServices({ db, clock, config });
  await services.nas.add(
    {
      name: NAS_ID,
      address: '10.1.0.1',
      secret: 'radius-secret-1',
      vendor: 'coova-chilli',
      uamSecret: UAM_SECRET,
    },
    'test',
  );
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const app = await buildApp(services, { logger });
  return {
    db,
    app,
    services,
    clock,
    logs,
    async newToken(input = {}) {
      const t = (await services.tokens.create({ minutes: 120, ...input }, 'test')).tokens[0];
      if (!t) throw new Error('no token created');
      return { id: t.id, code: t.code };
    },
    arrivalPath(extra = {}, opts = {}) {
      const params: Array<[string, string]> = Object.entries({
        res: 'notyet',
        uamip: '10.1.0.1',
        uamport: '3990',
        challenge: '0123456789abcdef0123456789abcdef',
        called: '00-11-22-33-44-55',
        mac: opts.mac ?? GUEST_MAC,
        ip: '10.1.0.23',
        nasid: NAS_ID,
        sessionid: '5f1a0001',
        userurl: 'http://example.com/news',
        ...extra,
      });
      const url = coovaRedirectUrl(`${PUBLIC_URL}/`, params, opts.secret ?? UAM_SECRET);
      return url.slice(PUBLIC_URL.length);
    },
    async close() {
      await app.close();
      db.close();
    },
  };
}

/** hiddenFields returns the hidden inputs of the first form on a page. */
export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    out[m[1] as string] = decodeEntities(m[2] as string);
  return out;
}

/** decodeEntities undoes the HTML escaping eta applies to attribute values. */
export function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** form returns `fields` as an application/x-www-form-urlencoded body. */
export function form(fields: Record<string, string>): {
  payload: string;
  headers: Record<string, string>;
} {
  return {
    payload: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'portal.test' },
  };
}
