// The command line as a newcomer meets it: every example in the README runs, messages say
// what to fix with the usual prefix, a forgotten password can be reset, the first start
// stands out from the log, and the demo starts beside a Portico that already runs.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { firstStartBanner, main } from '../../src/cli.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createServices } from '../../src/services/services.js';
import { openDatabase } from '../../src/storage/database.js';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-cli1-'));
  env = { PORTICO_DB: join(dir, 'p.db'), PORTICO_TIMEZONE: 'Europe/Berlin' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { env, out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** shellWords splits one README command line the way sh would (quotes, `#` comments, `>`). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else word = (word ?? '') + ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (ch === '#' && word === null) break;
    else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + ch;
  }
  if (word !== null) words.push(word);
  const redirect = words.indexOf('>');
  return redirect >= 0 ? words.slice(0, redirect) : words;
}

describe("the README's command examples", () => {
  it('all run against a fresh database', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## The command line'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const commands = block
      .split('\n')
      .map(shellWords)
      .filter((w) => w[0] === 'portico');
    expect(commands.length).toBeGreaterThan(10);
    // The examples name codes and a key id as a reader would have them: make those exist.
    const db = openDatabase(env.PORTICO_DB as string);
    const s = createServices({ db, clock: systemClock, config: loadConfig(env) });
    for (const code of ['7KQ4M2XD', '3A5PZ5RE'])
      await s.store.tokens.insert({
        ...s.tokens.validate({ minutes: 60 }),
        code,
        batchId: null,
        source: 'manual',
        createdBy: 'test',
        createdAt: Date.now(),
      });
    await s.apiKeys.create({ name: 'first', role: 'staff' }, 'test');
    await s.apiKeys.create({ name: 'second', role: 'staff' }, 'test');
    db.close();
    for (const words of commands) {
      // `portico serve` runs until stopped, and `sessions disconnect` is sent by a running
      // server's worker; their own tests cover them.
      if (words[1] === 'serve' || (words[1] === 'sessions' && words[2] === 'disconnect')) continue;
      // Paths such as /var/backups/… are a reader's; the test keeps them in its own folder.
      const args = words
        .slice(1)
        .map((w) => (w.startsWith('/var/') ? join(dir, w.slice(1).replaceAll('/', '_')) : w));
      const r = await run(...args);
      expect({ command: words.join(' '), code: r.code, err: r.err }).toEqual({
        command: words.join(' '),
        code: 0,
        err: '',
      });
    }
  });
});

describe('messages', () => {
  it('says what is wrong with --minutes -5, 1e3 and 0, one rule each', async () => {
    for (const value of ['-5', '1e3', '0']) {
      const r = await run('tokens', 'create', '--minutes', value);
      expect(r.code).toBe(2);
      expect(r.err).toBe('portico: minutes: must be a whole number from 1 to 5256000\n');
    }
  });

  it('prints "not found" with the usual prefix', async () => {
    const revoke = await run('tokens', 'revoke', 'ZZZZ-ZZZZ');
    expect(revoke.code).toBe(1);
    expect(revoke.err).toBe('portico: not found: ZZZZ-ZZZZ\n');
    const del = await run('tokens', 'delete', 'ZZZZ-ZZZZ');
    expect(del.err).toBe('portico: not found: ZZZZ-ZZZZ\n');
  });

  it('shows a code split by a space', async () => {
    const code = (await run('tokens', 'create', '--minutes', '30')).out.trim();
    const [a, b] = code.toLowerCase().split('-') as [string, string];
    const shown = await run('tokens', 'show', a, b, '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out).code).toBe(code);
  });
});

describe('portico admin reset-password', () => {
  it('gives an account a new generated password that signs in, and ends its sessions', async () => {
    await run('admin', 'add', 'alice', '--role', 'staff', '--password', 'first-password-1');
    const r = await run('admin', 'reset-password', 'alice');
    expect(r.code).toBe(0);
    const password = /new password for alice: (\S+)/.exec(r.out)?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(16);
    const db = openDatabase(env.PORTICO_DB as string);
    try {
      const s = createServices({ db, clock: systemClock, config: loadConfig(env) });
      expect(await s.staff.authenticate('alice', password)).not.toBeNull();
      expect(await s.staff.authenticate('alice', 'first-password-1')).toBeNull();
    } finally {
      db.close();
    }
    const unknown = await run('admin', 'reset-password', 'bob');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^portico: no staff account bob/);
    expect((await run('admin', 'reset-password', '--help')).out).toContain(
      'Usage: portico admin reset-password USERNAME',
    );
  });

  it('frames the first start so the password stands out from log lines', () => {
    const text = firstStartBanner(
      { username: 'admin', generatedPassword: 'pw-123' },
      'http://127.0.0.1:8080',
    );
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^={40,}$/);
    expect(text).toContain('  password: pw-123');
    expect(text).toContain('portico admin reset-password admin');
    expect(lines.at(-3)).toMatch(/^={40,}$/);
  });
});

describe('portico demo', () => {
  it('picks free ports by default and prints them, beside something on 8080', async () => {
    // Whether this test or someone else holds 8080, it is taken while the demo starts.
    const blocker = createServer();
    await new Promise<void>((resolve) => {
      blocker.once('error', () => resolve());
      blocker.listen(8080, '127.0.0.1', () => resolve());
    });
    const child = spawn(process.execPath, ['bin/portico.js', 'demo'], {
      env: { ...process.env, ...env, PORTICO_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      const started = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 30_000);
        const check = () => {
          if (out.includes('Press Ctrl+C') || out.includes('could not start')) {
            clearTimeout(timer);
            resolve(out.includes('Press Ctrl+C'));
          }
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
      });
      expect(started, out).toBe(true);
      const web = /Splash page: +http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
      expect(Number(web)).toBeGreaterThan(0);
      expect(web).not.toBe('8080');
      expect(out).toMatch(/RADIUS: +127\.0\.0\.1 auth \d+\/udp, accounting \d+\/udp/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
