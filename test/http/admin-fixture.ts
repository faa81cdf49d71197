// A real app over a real SQLite file for the dashboard tests, with an admin and a staff
// account, and a tiny browser: a cookie jar, form posts and the CSRF token of the last page.

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

/** ADMIN and STAFF are the fixture's accounts. */
export const ADMIN = { username: 'admin', password: 'admin-password-1' };
export const STAFF = { username: 'desk', password: 'desk-password-1' };

/** Reply is what a request returned, with the page's CSRF token when it has forms. */
export type Reply = {
  status: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
  location: string | undefined;
  csrf: string | undefined;
};

/** Browser keeps cookies across requests like a browser would. */
export type Browser = {
  cookies: Map<string, string>;
  get(url: string): Promise<Reply>;
  post(url: string, form: Record<string, string | string[]>): Promise<Reply>;
  /** signIn posts the sign-in form (with its CSRF value) and returns the reply. */
  signIn(user: { username: string; password: string }): Promise<Reply>;
  /** csrf returns the CSRF token of a signed-in page. */
  csrf(): Promise<string>;
};

/** AdminFixture is a running app over a fresh database. */
export type AdminFixture = {
  app: FastifyInstance;
  services: Services;
  db: Db;
  dir: string;
  clock: ReturnType<typeof fixedClock>;
  browser(): Browser;
  close(): Promise<void>;
};

const encode = (form: Record<string, string | string[]>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) {
    for (const one of Array.isArray(v) ? v : [v]) p.append(k, one);
  }
  return p.toString();
};

/** makeAdmin builds the app over a fresh database file in a temporary directory. */
export async function makeAdmin(env: Record<string, string> = {}): Promise<AdminFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-admin-'));
  const db = openDatabase(join(dir, 'portico.db'));
  const clock = fixedClock(START);
  const config = loadConfig({
    PORTICO_TIMEZONE: 'Europe/Berlin',
    PORTICO_DB: join(dir, 'portico.db'),
    PORTICO_PUBLIC_URL: 'https://wifi.example.org',
    ...env,
  });
  const services = createServices({ db, clock, config });
  await services.staff.add(ADMIN.username, ADMIN.password, 'admin', 'test');
  await services.staff.add(STAFF.username, STAFF.password, 'staff', 'test');
  const app = await buildApp(services);

  const browser = (): Browser => {
    const cookies = new Map<string, string>();
    const send = async (method: 'GET' | 'POST', url: string, payload?: string): Promise<Reply> => {
      const r = await app.inject({
        method,
        url,
        headers: {
          cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(payload === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(payload === undefined ? {} : { payload }),
      });
      for (const c of r.cookies) {
        if (c.value === '' || (c.expires && c.expires.getTime() < Date.now()))
          cookies.delete(c.name);
        else cookies.set(c.name, c.value);
      }
      const m = /name="_csrf" value="([^"]+)"/.exec(r.body);
      return {
        status: r.statusCode,
        body: r.body,
        headers: r.headers,
        location: r.headers.location as string | undefined,
        csrf: m?.[1],
      };
    };
    return {
      cookies,
      get: (url) => send('GET', url),
      post: (url, form) => send('POST', url, encode(form)),
      async signIn(user) {
        const page = await send('GET', '/admin/sign-in');
        return send(
          'POST',
          '/admin/sign-in',
          encode({ ...user, _csrf: page.csrf ?? '', next: '/admin' }),
        );
      },
      async csrf() {
        const page = await send('GET', '/admin/account');
        if (!page.csrf) throw new Error(`no CSRF token on the account page (${page.status})`);
        return page.csrf;
      },
    };
  };

  return {
    app,
    services,
    db,
    dir,
    clock,
    browser,
    async close() {
      await app.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SignedIn is a fixture with one browser signed in and the CSRF token of its session. */
export type SignedIn = { f: AdminFixture; b: Browser; csrf: string };

/** signedIn builds a fixture and signs `user` in. */
export async function signedIn(user: { username: string; password: string }): Promise<SignedIn> {
  const f = await makeAdmin();
  const b = f.browser();
  await b.signIn(user);
  return { f, b, csrf: await b.csrf() };
}
