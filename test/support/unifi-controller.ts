// A local HTTP server that speaks the parts of the UniFi Network controller API an external
// portal uses: classic login (`POST /api/login`, `unifises` cookie, answers in
// `{ meta: { rc, msg }, data }`), or UniFi OS (`/api/login` is 404, `POST /api/auth/login`
// sets a `TOKEN` cookie and an `X-CSRF-Token`, the Network API lives under
// `/proxy/network`), and `POST /api/s/<site>/cmd/stamgr` with `authorize-guest` /
// `unauthorize-guest`. Sessions can be expired (401 api.err.LoginRequired) and MACs refused.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** StamgrCall is one guest command the fake controller accepted or refused. */
export type StamgrCall = { site: string; body: Record<string, unknown>; answered: number };

/** FakeController is the running server and what it saw. */
export type FakeController = {
  url: string;
  logins: number;
  calls: StamgrCall[];
  /** MACs (aa:bb:…) authorize-guest refuses with 400 api.err.InvalidTarget. */
  refuse: Set<string>;
  /** expireSessions makes every session cookie answer 401 from now on. */
  expireSessions(): void;
  close(): Promise<void>;
};

const json = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** startFakeController listens on 127.0.0.1 (random port); `unifiOs` serves UniFi OS paths. */
export async function startFakeController(opts: {
  username: string;
  password: string;
  site: string;
  unifiOs?: boolean;
}): Promise<FakeController> {
  const sessions = new Map<string, string>(); // cookie value -> csrf token
  const cookieName = opts.unifiOs ? 'TOKEN' : 'unifises';
  const prefix = opts.unifiOs ? '/proxy/network' : '';
  const state = { logins: 0, calls: [] as StamgrCall[], refuse: new Set<string>() };

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '').split('?', 1)[0] ?? '';
      const loginPath = opts.unifiOs ? '/api/auth/login' : '/api/login';
      if (req.method === 'POST' && path === loginPath) {
        const body = await readJson(req);
        if (body.username !== opts.username || body.password !== opts.password) {
          return json(res, opts.unifiOs ? 401 : 400, {
            meta: { rc: 'error', msg: 'api.err.Invalid' },
            data: [],
          });
        }
        state.logins++;
        const value = randomBytes(12).toString('hex');
        const csrf = randomBytes(8).toString('hex');
        sessions.set(value, csrf);
        return json(
          res,
          200,
          { meta: { rc: 'ok' }, data: [] },
          {
            'set-cookie': [`${cookieName}=${value}; Path=/; HttpOnly`, 'other=1; Path=/'],
            ...(opts.unifiOs ? { 'x-csrf-token': csrf } : {}),
          },
        );
      }
      const m = /^(.*)\/api\/s\/([^/]+)\/cmd\/stamgr$/.exec(path);
      if (req.method !== 'POST' || !m || m[1] !== prefix) return json(res, 404, {});
      const cookie = /(?:^|;\s*)(\w+)=([^;]+)/g;
      let sessionCsrf: string | undefined;
      for (const c of (req.headers.cookie ?? '').matchAll(cookie))
        if (c[1] === cookieName) sessionCsrf = sessions.get(c[2] as string);
      const body = await readJson(req);
      const site = decodeURIComponent(m[2] as string);
      const answer = (status: number, meta: Record<string, string>) => {
        state.calls.push({ site, body, answered: status });
        return json(res, status, { meta, data: [] });
      };
      if (sessionCsrf === undefined)
        return answer(401, { rc: 'error', msg: 'api.err.LoginRequired' });
      if (opts.unifiOs && req.headers['x-csrf-token'] !== sessionCsrf)
        return answer(403, { rc: 'error', msg: 'api.err.InvalidCsrf' });
      if (site !== opts.site) return answer(400, { rc: 'error', msg: 'api.err.NoSiteContext' });
      if (body.cmd === 'authorize-guest') {
        if (typeof body.minutes !== 'number' || !(body.minutes > 0))
          return answer(400, { rc: 'error', msg: 'api.err.InvalidPayload' });
        if (state.refuse.has(String(body.mac)))
          return answer(400, { rc: 'error', msg: 'api.err.InvalidTarget' });
        return answer(200, { rc: 'ok' });
      }
      if (body.cmd === 'unauthorize-guest') return answer(200, { rc: 'ok' });
      return answer(400, { rc: 'error', msg: 'api.err.UnknownCommand' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get logins() {
      return state.logins;
    },
    calls: state.calls,
    refuse: state.refuse,
    expireSessions: () => sessions.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
