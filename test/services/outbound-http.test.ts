// The guard on admin-entered URLs (calendar feeds, outgoing webhooks), against real servers
// on loopback. 127.0.0.2 stands in for "a public server" where a test needs one: it is
// passed as trusted, while 127.0.0.1 and localhost stay what they are, loopback.

import { readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { ERROR_CODES } from '../../src/errors.js';
import { createOutboundHttp, OutboundError } from '../../src/services/outbound-http.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const T0 = Date.UTC(2027, 2, 1, 9, 0);
const config: Config = loadConfig({ PORTICO_TIMEZONE: 'Europe/Berlin', PORTICO_DB: ':memory:' });
const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'BEGIN:VEVENT',
  'UID:one',
  'DTSTART:20270302T090000Z',
  'DTEND:20270302T100000Z',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

let db: Db;
let s: Services;
const servers: Server[] = [];
let hits: string[] = [];

/** serve starts an HTTP server on `host` that records each request as "host path". */
async function serve(host: string, handler: RequestListener): Promise<string> {
  const server = createServer((req, res) => {
    hits.push(`${host} ${req.url}`);
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

const calendar: RequestListener = (_req, res) => {
  res.setHeader('content-type', 'text/calendar');
  res.end(ICS);
};

/** resolver answers host names from a table that a test may change between polls. */
const names = new Map<string, string>();
const outbound = {
  resolve: async (host: string) => {
    const a = names.get(host);
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return [{ address: a, family: 4 }];
  },
  trusted: (address: string) => address === '127.0.0.2',
};

beforeEach(() => {
  db = openDatabase(':memory:');
  s = createServices({ db, clock: fixedClock(T0), config, outbound });
  hits = [];
  names.clear();
});
afterEach(async () => {
  await s.ics.stop();
  await s.webhooks.worker.stop();
  await Promise.all(
    servers.splice(0).map(
      (srv) =>
        new Promise<void>((resolve) => {
          srv.closeAllConnections();
          srv.close(() => resolve());
        }),
    ),
  );
  db.close();
});

const feedError = async (url: string, extra: Record<string, unknown> = {}) => {
  const f = await s.feeds.create({ name: 'Room', url, ...extra }, 'admin');
  const r = await s.ics.pollFeed(f.id);
  return { r, feed: await s.feeds.get(f.id) };
};

describe('calendar feed URLs', () => {
  it('refuses a loopback or metadata IP typed into the form, naming the checkbox', async () => {
    let err: unknown;
    try {
      await s.feeds.create({ name: 'Room', url: 'http://127.0.0.1:8080/rooms.ics' }, 'admin');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: ERROR_CODES.BAD_INPUT });
    expect((err as Error).message).toMatch(
      /127\.0\.0\.1 is a loopback address \(this machine\); .*"allow private addresses"/,
    );
    // The metadata address stays refused with private addresses allowed.
    await expect(
      s.feeds.create(
        { name: 'x', url: 'http://169.254.169.254/latest/meta-data/', allowPrivateNetwork: true },
        'admin',
      ),
    ).rejects.toThrow(/the cloud metadata address; Portico never connects there/);
    await expect(
      s.feeds.create({ name: 'x', url: 'http://[::ffff:10.0.0.1]/a.ics' }, 'admin'),
    ).rejects.toThrow(/private network address/);
  });

  it('checks the address a host name resolves to when connecting, every time (DNS rebinding)', async () => {
    const good = await serve('127.0.0.2', calendar);
    const port = new URL(good).port;
    names.set('rooms.example', '127.0.0.2');
    const f = await s.feeds.create(
      { name: 'Room', url: `http://rooms.example:${port}/a.ics` },
      'admin',
    );
    expect(await s.ics.pollFeed(f.id)).toMatchObject({ ok: true, created: 1 });
    // The name now points at this machine: the next poll does not connect at all.
    names.set('rooms.example', '127.0.0.1');
    const before = hits.length;
    expect(await s.ics.pollFeed(f.id)).toMatchObject({
      ok: false,
      error:
        'rooms.example (127.0.0.1) is a loopback address (this machine); Portico connects there only when "allow private addresses" is ticked for this URL',
    });
    expect(hits).toHaveLength(before);
    // The booking from the good read stays.
    expect(await s.bookings.list()).toHaveLength(1);
  });

  it('refuses localhost by name, and fetches it once private addresses are allowed', async () => {
    const local = await serve('127.0.0.1', calendar);
    const url = local.replace('127.0.0.1', 'localhost');
    names.set('localhost', '127.0.0.1');
    const { r, feed } = await feedError(`${url}/a.ics`);
    expect(r).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^localhost \(127\.0\.0\.1\) is a loopback address/),
    });
    expect(feed).toMatchObject({ lastOutcome: 'failed', lastError: r.ok ? '' : r.error });
    expect(hits).toEqual([]);
    await s.feeds.update(
      feed.id,
      { name: 'Room', url: `${url}/a.ics`, allowPrivateNetwork: true },
      'admin',
    );
    expect(await s.ics.pollFeed(feed.id)).toMatchObject({ ok: true, created: 1 });
    expect(hits).toEqual(['127.0.0.1 /a.ics']);
  });

  it('checks every redirect hop', async () => {
    const inside = await serve('127.0.0.1', calendar);
    const outside = await serve('127.0.0.2', (req, res) => {
      res.statusCode = 302;
      res.setHeader('location', req.url === '/by-ip' ? `${inside}/secret.ics` : '/by-ip');
      res.end();
    });
    names.set('outside.example', '127.0.0.2');
    const { r } = await feedError(`${outside.replace('127.0.0.2', 'outside.example')}/start`);
    expect(r).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^127\.0\.0\.1 is a loopback address/),
    });
    expect(hits).toEqual(['127.0.0.2 /start', '127.0.0.2 /by-ip']);
  });

  it('fails an HTTPS feed with an untrusted certificate, saying so', async () => {
    const server = createHttpsServer(
      {
        key: readFileSync('test/fixtures/tls/self-signed.key'),
        cert: readFileSync('test/fixtures/tls/self-signed.crt'),
      },
      calendar,
    );
    servers.push(server as unknown as Server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const { r, feed } = await feedError(`https://127.0.0.1:${port}/a.ics`, {
      allowPrivateNetwork: true,
    });
    expect(r).toMatchObject({
      ok: false,
      error: `the HTTPS certificate of 127.0.0.1:${port} is not trusted (self-signed certificate); fix the certificate on the server or use its http:// address`,
    });
    expect(feed.lastError).toMatch(/not trusted/);
    expect(await s.bookings.list()).toHaveLength(0);
  });
});

describe('the guarded client', () => {
  const http = createOutboundHttp(outbound);
  const get = (url: string, opts: { maxBytes?: number; timeoutMs?: number } = {}) =>
    http({
      url,
      timeoutMs: opts.timeoutMs ?? 5000,
      maxBytes: opts.maxBytes ?? 1000,
      maxRedirects: 3,
      allowPrivateNetwork: false,
    });
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return err instanceof OutboundError ? [err.failure, err.message] : ['other', String(err)];
    }
    return ['none', ''];
  };

  it('stops reading past the size limit, declared or streamed', async () => {
    const base = await serve('127.0.0.2', (req, res) => {
      if (req.url === '/chunked') {
        res.write('x'.repeat(800));
        res.end('x'.repeat(800));
      } else res.end('x'.repeat(2000));
    });
    expect(await failure(get(`${base}/declared`))).toEqual([
      'too-large',
      'the answer is larger than 1000 bytes',
    ]);
    expect((await failure(get(`${base}/chunked`)))[0]).toBe('too-large');
    expect((await get(`${base}/declared`, { maxBytes: 5000 })).body).toHaveLength(2000);
  });

  it('gives up after the timeout', async () => {
    const base = await serve('127.0.0.2', () => {
      // Never answers.
    });
    expect(await failure(get(`${base}/slow`, { timeoutMs: 300 }))).toEqual([
      'timeout',
      'no complete answer within 0.3 s',
    ]);
  });

  it('names a host that does not resolve and a port that refuses', async () => {
    expect(await failure(get('http://nowhere.example/a.ics'))).toEqual([
      'dns',
      'the host name nowhere.example was not found',
    ]);
    const base = await serve('127.0.0.2', calendar);
    const port = new URL(base).port;
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    expect(await failure(get(`http://127.0.0.2:${port}/a.ics`))).toEqual([
      'connect',
      `127.0.0.2:${port} refused the connection`,
    ]);
  });
});

describe('outgoing webhook URLs', () => {
  it('refuse private addresses unless the webhook allows them', async () => {
    const receiver = await serve('127.0.0.1', (_req, res) => res.end('ok'));
    await expect(
      s.webhooks.register({ url: `${receiver}/hook`, events: ['token.created'] }, 'admin'),
    ).rejects.toThrow(/loopback address/);
    names.set('hooks.example', '127.0.0.1');
    const byName = `${receiver.replace('127.0.0.1', 'hooks.example')}/hook`;
    const blocked = await s.webhooks.register({ url: byName, events: ['token.created'] }, 'admin');
    const allowed = await s.webhooks.register(
      { url: `${receiver}/hook`, events: ['token.created'], allowPrivateNetwork: true },
      'admin',
    );
    expect(allowed.webhook.allowPrivateNetwork).toBe(true);
    await s.tokens.create({ minutes: 60 }, 'admin');
    await s.webhooks.worker.runOnce();
    expect((await s.webhooks.deliveries({ webhookId: blocked.webhook.id }))[0]).toMatchObject({
      status: 'retrying',
      lastStatusCode: null,
      lastError:
        'hooks.example (127.0.0.1) is a loopback address (this machine); Portico connects there only when "allow private addresses" is ticked for this URL',
    });
    expect((await s.webhooks.deliveries({ webhookId: allowed.webhook.id }))[0]).toMatchObject({
      status: 'delivered',
    });
    expect(hits).toEqual(['127.0.0.1 /hook']);
  });
});
