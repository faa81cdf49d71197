import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-cli-'));
  env = { PORTICO_DB: join(dir, 'p.db'), PORTICO_TIMEZONE: 'Europe/Berlin' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { env, out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('portico tokens', () => {
  it('creates, shows, lists, exports, revokes and deletes', async () => {
    const created = await run(
      'tokens',
      'create',
      '--minutes',
      '120',
      '--devices',
      '2',
      '--valid-until',
      '2030-01-01T17:40',
      '--json',
    );
    expect(created.code).toBe(0);
    const token = JSON.parse(created.out).tokens[0];
    expect(token.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(token.validUntil).toBe('2030-01-01T17:40:00+01:00');

    const shown = await run('tokens', 'show', token.code.toLowerCase().replace('-', ' '), '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out)).toMatchObject({
      code: token.code,
      state: 'unused',
      minutesLeft: 120,
      devicesOnline: 0,
      maxDevices: 2,
    });

    const bulk = await run(
      'tokens',
      'create',
      '--minutes',
      '60',
      '--count',
      '5',
      '--batch',
      'Open Day',
    );
    expect(bulk.out.trim().split('\n')).toHaveLength(5);

    const listed = await run('tokens', 'list', '--batch', 'Open Day', '--json');
    expect(JSON.parse(listed.out).total).toBe(5);

    const csv = await run('tokens', 'export', '--batch', 'Open Day');
    const lines = csv.out.trim().split('\r\n');
    expect(lines[0]).toBe(
      'code,minutes,used,left,valid_from,valid_until,devices,description,batch,state,created',
    );
    expect(lines).toHaveLength(6);

    expect((await run('tokens', 'revoke', token.code)).code).toBe(0);
    expect(JSON.parse((await run('tokens', 'show', token.code, '--json')).out).state).toBe(
      'revoked',
    );
    const del = await run('tokens', 'delete', token.code, 'NOPE-NOPE');
    expect(del).toMatchObject({
      code: 1,
      out: 'deleted 1 token(s)\n',
      err: 'portico: not found: NOPE-NOPE\n',
    });
    expect((await run('tokens', 'show', token.code)).code).toBe(1);
  });

  it.each([
    [['tokens', 'create'], /minutes: is required/],
    [['tokens', 'create', '--minutes', 'lots'], /minutes: must be a whole number/],
    [['tokens', 'create', '--minutes', '5', '--colour', 'red'], /Unknown option '--colour'/],
    [
      ['tokens', 'create', '--minutes', '5', '--valid-until', '31/12/2026'],
      /validUntil: must be an ISO 8601 date/,
    ],
    [['tokens', 'list', '--state', 'sleepy'], /--state must be one of/],
    [['tokens', 'show'], /give a CODE/],
    [['tokens', 'frobnicate'], /unknown command 'tokens frobnicate'/],
    [['nas', 'add', '--name', 'x'], /--name and --address are required/],
    [
      ['nas', 'add', '--name', 'lobby', '--address', 'not-an-ip'],
      /address: must be the IPv4 or IPv6 address/,
    ],
    [
      ['nas', 'add', '--name', 'lobby', '--address', '192.0.2.10', '--login-host', 'http://x/'],
      /loginHosts: must be host names or IP addresses \("http:\/\/x\/" is neither\)/,
    ],
    [['launch'], /unknown command 'launch'/],
  ])('exits 2 with a message for %j', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('lists every bad configuration key at once and exits 2', async () => {
    env.PORTICO_HTTP_PORT = 'eighty';
    env.PORTICO_TIMEZONE = 'Mars/Olympus';
    env.PORTICO_COLOUR = 'red';
    const r = await run('tokens', 'list');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/PORTICO_HTTP_PORT="eighty": must be a whole number/);
    expect(r.err).toMatch(/PORTICO_TIMEZONE="Mars\/Olympus": must be an IANA time zone/);
    expect(r.err).toMatch(/PORTICO_COLOUR: unknown setting/);
  });

  it('has --help for every command', async () => {
    for (const argv of [
      ['--help'],
      ['serve', '--help'],
      ['tokens', 'create', '--help'],
      ['tokens', 'list', '--help'],
      ['tokens', 'show', '--help'],
      ['tokens', 'export', '--help'],
      ['tokens', 'delete', '--help'],
      ['nas', 'add', '--help'],
      ['admin', 'add', '--help'],
      ['config', '--help'],
    ]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out, argv.join(' ')).toMatch(/Usage|portico:/);
    }
  });
});

describe('portico nas and admin', () => {
  it('adds a router with a generated secret, lists it without the secret, removes it', async () => {
    const added = await run(
      'nas',
      'add',
      '--name',
      'lobby',
      '--address',
      '192.0.2.10',
      '--vendor',
      'mikrotik',
      '--coa-port',
      '1700',
    );
    expect(added.code).toBe(0);
    const secret = /shared secret: (\S+)/.exec(added.out)?.[1];
    expect(secret).toMatch(/^[\w-]{24}$/);
    const listed = await run('nas', 'list', '--json');
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({
        name: 'lobby',
        address: '192.0.2.10',
        vendor: 'mikrotik',
        coaPort: 1700,
        requireMessageAuthenticator: true,
      }),
    ]);
    expect(listed.out).not.toContain(secret);
    expect((await run('nas', 'add', '--name', 'lobby', '--address', '192.0.2.11')).code).toBe(1);
    expect((await run('nas', 'remove', 'lobby')).code).toBe(0);
    expect(JSON.parse((await run('nas', 'list', '--json')).out)).toEqual([]);
  });

  it('adds a router with repeated --login-host and documents the option', async () => {
    const argv = 'nas add --name lobby --address 192.0.2.10 --vendor mikrotik --json';
    const added = await run(
      ...argv.split(' '),
      ...['--login-host', 'Login.Hotspot.LAN', '--login-host', '203.0.113.7'],
    );
    expect(added.code).toBe(0);
    expect(JSON.parse(added.out).loginHosts).toEqual(['login.hotspot.lan', '203.0.113.7']);
    expect(JSON.parse((await run('nas', 'list', '--json')).out)[0].loginHosts).toEqual([
      'login.hotspot.lan',
      '203.0.113.7',
    ]);
    expect((await run('nas', 'add', '--help')).out).toMatch(/--login-host HOST .*\n.*repeat/);
  });

  it('adds a staff account and refuses a short password', async () => {
    expect(
      (await run('admin', 'add', 'carol', '--role', 'staff', '--password', 'long-enough-pw')).code,
    ).toBe(0);
    const short = await run('admin', 'add', 'dave', '--password', 'short');
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/password: must be at least 10 characters/);
  });
});

describe('portico serve', () => {
  it('starts with defaults on free ports, creates the first admin once, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/portico.js', 'serve'], {
      env: {
        ...process.env,
        ...env,
        PORTICO_HTTP_PORT: '0',
        PORTICO_RADIUS_AUTH_PORT: '0',
        PORTICO_RADIUS_ACCT_PORT: '0',
        PORTICO_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const started = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 20_000);
      child.stdout.on('data', () => {
        if (out.includes('Press Ctrl+C')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    });
    expect(started, out).toBe(true);
    expect(out).toMatch(/FIRST START: created the admin account 'admin'\n {2}password: \S{20}\n/);
    const url = /web: +(http:\/\/\S+?)\/ /.exec(out)?.[1];
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('Portico stopped.');
  });
});

const tokenCount = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM tokens').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('portico config', () => {
  it('never prints the metrics token', async () => {
    env.PORTICO_METRICS_TOKEN = 'metrics-token-secret-value';
    const r = await run('config');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/PORTICO_METRICS_TOKEN +\*\*\*/);
    expect(r.out).toMatch(/PORTICO_METRICS_ALLOW +loopback/);
    expect(r.out).not.toContain('metrics-token-secret-value');
    delete env.PORTICO_METRICS_TOKEN;
    expect((await run('config')).out).toMatch(/PORTICO_METRICS_TOKEN +\(not set\)/);
  });
});

describe('portico db', () => {
  it('backs up, checks and restores the database', async () => {
    expect((await run('tokens', 'create', '--minutes', '30', '--count', '3')).code).toBe(0);
    const file = join(dir, 'b.db');
    const b = await run('db', 'backup', file, '--json');
    expect(b.code, b.err).toBe(0);
    expect(JSON.parse(b.out)).toMatchObject({ file, schemaVersion: expect.any(Number) });
    expect(tokenCount(file)).toBe(3);

    const again = await run('db', 'backup', file);
    expect(again.code).toBe(2);
    expect(again.err).toContain('exists');

    const c = await run('db', 'check', '--file', file);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/ok\n$/);

    expect((await run('tokens', 'create', '--minutes', '30', '--count', '2')).code).toBe(0);
    const r = await run('db', 'restore', file);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('previous database is kept at');
    expect(tokenCount(env.PORTICO_DB as string)).toBe(3);
    const kept = readdirSync(dir).find((f) => f.startsWith('p.db.before-restore-'));
    expect(tokenCount(join(dir, kept as string))).toBe(5);
  });

  it('check exits 1 and names the problem when a row lost its parent', async () => {
    expect((await run('db', 'check')).code).toBe(1); // no database yet: nothing to check
    expect((await run('tokens', 'list')).code).toBe(0);
    const db = new Database(env.PORTICO_DB as string);
    db.pragma('foreign_keys = OFF');
    db.prepare('INSERT INTO token_coverage (token_id, start_at, end_at) VALUES (42, 0, 1)').run();
    db.close();
    const c = await run('db', 'check');
    expect(c.code).toBe(1);
    expect(c.out).toContain('foreign key: token_coverage');
    expect(c.out).toContain('PROBLEMS FOUND');
  });

  it('rotates dated backups in a folder', async () => {
    expect((await run('tokens', 'list')).code).toBe(0);
    const backups = join(dir, 'backups');
    for (let i = 0; i < 4; i++) {
      const b = await run('db', 'backup', '--dir', backups, '--keep', '2', '--check');
      expect(b.code, b.err).toBe(0);
      expect(b.out).toContain('check: ok');
    }
    const files = readdirSync(backups);
    expect(files).toHaveLength(2);
    for (const f of files) expect(f).toMatch(/^p-\d{8}T\d{6}\.\d{3}Z\.db$/);
  });

  it('has help texts and rejects bad arguments with exit 2', async () => {
    const help = await run('db', '--help');
    expect(help.code).toBe(0);
    for (const sub of ['backup', 'restore', 'check']) {
      expect(help.out).toContain(sub);
      const h = await run('db', sub, '--help');
      expect(h.code).toBe(0);
      expect(h.out).toContain(`Usage: portico db ${sub}`);
    }
    expect((await run('--help')).out).toContain('db backup|restore|check');
    expect((await run('db', 'frobnicate')).code).toBe(2);
    expect((await run('db', 'backup')).code).toBe(2);
    expect((await run('db', 'backup', 'x.db', '--keep', '3')).code).toBe(2);
    expect((await run('db', 'restore')).code).toBe(2);
    expect((await run('db', 'check', 'extra')).code).toBe(2);
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
  });
});
