// Faults at start and at stop, with the real CLI from dist/ (run `npm run build` first): a
// start that cannot work says one sentence, exits non-zero and leaves nothing bound or
// written; a stuck connection does not hold SIGTERM up past the grace.

import { spawn, type SpawnOptions } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-faults-'));
  env = {
    PORTICO_DB: join(dir, 'p.db'),
    PORTICO_TIMEZONE: 'UTC',
    PORTICO_HTTP_HOST: '127.0.0.1',
    PORTICO_HTTP_PORT: '0',
    PORTICO_RADIUS_HOST: '127.0.0.1',
    PORTICO_RADIUS_AUTH_PORT: '0',
    PORTICO_RADIUS_ACCT_PORT: '0',
    PORTICO_LOG_LEVEL: 'warn',
  };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Run = { code: number | null; out: string; err: string; ms: number };

/** serve runs `portico serve` until it exits (or `then` has done its part) and returns. */
function serve(
  extra: Record<string, string> = {},
  opts: SpawnOptions = {},
  then?: (child: ReturnType<typeof spawn>, out: () => string) => Promise<void>,
): Promise<Run> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/portico.js', 'serve'], {
    env: { PATH: process.env.PATH ?? '', ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...opts,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const exited = new Promise<Run>((resolve) =>
    child.on('exit', (code) => resolve({ code, out, err, ms: performance.now() - t0 })),
  );
  // Whatever happens, the child does not outlive the test.
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(guard));
  if (then) void then(child, () => out);
  return exited;
}

/** oneSentence expects stderr to be a single "portico: ..." line without a stack trace. */
function oneSentence(r: Run, pattern: RegExp) {
  expect(r.code, r.out + r.err).toBe(1);
  const lines = r.err.trim().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^portico: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at |unexpected error/);
}

const listenTcp = (): Promise<Server> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });

/** asOtherUser runs the child as nobody when the tests run as root, who may write anything. */
const asOtherUser = (): SpawnOptions =>
  process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

describe('portico serve start-up faults', () => {
  it('a busy HTTP port: one sentence, exit 1, and no database or admin created', async () => {
    const busy = await listenTcp();
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await serve({ PORTICO_HTTP_PORT: String(port) });
      oneSentence(
        r,
        new RegExp(`HTTP port ${port} on 127\\.0\\.0\\.1 is already in use.*PORTICO_HTTP_PORT`),
      );
      expect(existsSync(env.PORTICO_DB!)).toBe(false);
      expect(r.out).not.toContain('created admin');
    } finally {
      await new Promise((r) => busy.close(r));
    }
  }, 60_000);

  it('a busy RADIUS port: one sentence naming it, nothing created', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const port = sock.address().port;
    try {
      const r = await serve({ PORTICO_RADIUS_ACCT_PORT: String(port) });
      oneSentence(
        r,
        /RADIUS accounting port \d+ on 127\.0\.0\.1 is already in use.*PORTICO_RADIUS_ACCT_PORT/,
      );
      expect(existsSync(env.PORTICO_DB!)).toBe(false);
    } finally {
      sock.close();
    }
  }, 60_000);

  it('a folder as the database path, and a file that is not a database', async () => {
    mkdirSync(join(dir, 'folder.db'));
    oneSentence(
      await serve({ PORTICO_DB: join(dir, 'folder.db') }),
      /is a folder, not a database file/,
    );
    writeFileSync(join(dir, 'junk.db'), 'this is not an SQLite file, just some text'.repeat(200));
    oneSentence(
      await serve({ PORTICO_DB: join(dir, 'junk.db') }),
      /junk\.db is not a usable SQLite database .*restore it from a backup/,
    );
  }, 60_000);

  it('a read-only database file: one sentence and exit 1, not a process left running', async () => {
    // First a real database (and admin), then mode 444 for a user who is not root.
    const first = await serve({}, {}, async (child, out) => {
      while (!out().includes('Press Ctrl+C')) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGTERM');
    });
    expect(first.code).toBe(0);
    chmodSync(dir, 0o777);
    chmodSync(env.PORTICO_DB!, 0o444);
    const r = await serve({}, asOtherUser());
    oneSentence(r, /database file .*p\.db is read-only for this user/);
  }, 90_000);

  it('shows the stack only with PORTICO_LOG_LEVEL=debug', async () => {
    mkdirSync(join(dir, 'folder.db'));
    const r = await serve({ PORTICO_DB: join(dir, 'folder.db'), PORTICO_LOG_LEVEL: 'debug' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^portico: PORTICO_DB .* is a folder/);
    expect(r.err).toMatch(/\n\s+at /);
  }, 60_000);
});

describe('portico serve shutdown', () => {
  it('SIGTERM ends within the grace even while a client holds a request open', async () => {
    let stopAt = 0;
    const r = await serve({ PORTICO_SHUTDOWN_GRACE: '2' }, {}, async (child, out) => {
      while (!out().includes('Press Ctrl+C')) await new Promise((res) => setTimeout(res, 50));
      const url = new URL(/web: +(http:\/\/\S+?)\/ /.exec(out())![1]!);
      // A client that sent half a request and then went quiet: HTTP close waits for it.
      const s = connect(Number(url.port), url.hostname);
      await new Promise((res) => s.once('connect', res));
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      await new Promise((res) => setTimeout(res, 200));
      stopAt = performance.now();
      child.kill('SIGTERM');
      child.once('exit', () => s.destroy());
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain('did not stop within 2 s (PORTICO_SHUTDOWN_GRACE); exiting anyway.');
    // Bounded: the grace, plus generous room for a loaded machine.
    expect(performance.now() - stopAt).toBeLessThan(30_000);
  }, 90_000);
});
