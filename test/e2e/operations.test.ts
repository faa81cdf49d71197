// The built server run the way deploy/portico.service runs it: the unit's ExecStart,
// WorkingDirectory and Environment= lines (paths moved into a temporary folder), settings in
// the environment file, a minimal environment. Then what an operator does with it: scrape
// /metrics around a radclient exchange, take `portico db backup` while another process
// keeps sending accounting, check the backup, see a restore refused, stop with SIGTERM.

import Database from 'better-sqlite3';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { radclient } from '../support/radclient.js';
import { metricValue } from '../support/prometheus.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = 'ops-e2e-secret-1';
const METRICS_TOKEN = 'ops-e2e-metrics-token-0123';
const work = mkdtempSync(join(tmpdir(), 'portico-ops-'));
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** unit returns how deploy/portico.service starts Portico, with its paths moved under `work`. */
function unit() {
  const text = readFileSync(join(ROOT, 'deploy/portico.service'), 'utf8');
  const move = (v: string) =>
    v
      .replaceAll('/var/lib/portico', join(work, 'var'))
      .replaceAll('/etc/portico', join(work, 'etc'))
      .replaceAll('/opt/portico', ROOT)
      .replaceAll('/usr/bin/node', process.execPath);
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) env[m[1]!] = move(m[2]!);
  const exec = move(/^ExecStart=(.*)$/m.exec(text)![1]!).split(' ');
  const cwd = move(/^WorkingDirectory=(.*)$/m.exec(text)![1]!);
  return { env, exec, cwd };
}

const u = unit();
// systemd starts services with a nearly empty environment: PATH and the unit's lines.
const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...u.env };

function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(u.exec[0]!, [u.exec[1]!, ...args], { cwd: u.cwd, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('close', (code) => done({ code, out, err }));
  });
}

/** waitFor resolves once `test` passes on the text seen so far, or rejects after `ms`. */
function waitFor(read: () => string, test: (s: string) => boolean, ms: number, what: string) {
  return new Promise<void>((done, fail) => {
    const started = Date.now();
    const tick = () => {
      if (test(read())) return done();
      if (Date.now() - started > ms)
        return fail(new Error(`timed out waiting for ${what}:\n${read().slice(-2000)}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

describe('Portico run as the systemd unit runs it', () => {
  it('serves metrics that move, backs up under accounting load, refuses a restore, stops on SIGTERM', async () => {
    expect(u.exec.slice(2)).toEqual(['serve']);
    mkdirSync(u.cwd, { recursive: true });
    mkdirSync(join(work, 'etc'), { recursive: true });
    const envFile = env.PORTICO_CONFIG as string;
    writeFileSync(
      envFile,
      [
        'PORTICO_HTTP_PORT=0',
        'PORTICO_RADIUS_AUTH_PORT=0',
        'PORTICO_RADIUS_ACCT_PORT=0',
        'PORTICO_ADMIN_PASSWORD=ops-e2e-admin-password',
        `PORTICO_METRICS_TOKEN=${METRICS_TOKEN}`,
        'PORTICO_METRICS_ALLOW=none',
        'PORTICO_TIMEZONE=UTC',
        'PORTICO_LOG_LEVEL=warn',
        '',
      ].join('\n'),
    );
    const dbFile = env.PORTICO_DB as string;

    // Router and token first, through the CLI, as an operator sets up a site.
    expect(
      (await cli('nas', 'add', '--name', 'lobby', '--address', '127.0.0.1', '--secret', SECRET))
        .code,
    ).toBe(0);
    const created = await cli('tokens', 'create', '--minutes', '600', '--devices', '10', '--json');
    expect(created.code, created.err).toBe(0);
    const code = (JSON.parse(created.out).tokens[0].code as string).replace('-', '');

    const server = spawn(u.exec[0]!, u.exec.slice(1), { cwd: u.cwd, env });
    children.push(server);
    let out = '';
    server.stdout.on('data', (d: Buffer) => (out += d));
    server.stderr.on('data', (d: Buffer) => (out += d));
    await waitFor(
      () => out,
      (s) => s.includes('Press Ctrl+C'),
      30_000,
      'the server to start',
    );
    const url = /web: +(http:\/\/\S+?)\/ /.exec(out)![1]!;
    const [, auth, acct] = /auth (\d+)\/udp, accounting (\d+)\/udp/.exec(out)!;
    expect(existsSync(`${dbFile}.server.pid`)).toBe(true);

    const scrape = async () => {
      const r = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(r.status).toBe(200);
      return r.text();
    };
    expect((await fetch(`${url}/metrics`)).status).toBe(401);

    const before = await scrape();
    const accepts = (t: string) =>
      metricValue(t, 'portico_radius_decisions_total', { kind: 'access', outcome: 'accept' }) ?? 0;
    const received = (t: string) =>
      metricValue(t, 'portico_radius_packets_received_total', { code: 'Access-Request' }) ?? 0;
    const latencyCount = (t: string) =>
      metricValue(t, 'portico_radius_handler_seconds_count', { kind: 'access' }) ?? 0;
    const reply = await radclient(
      ['-x', '-t', '3', '-r', '2', `127.0.0.1:${auth}`, 'auth', SECRET],
      `User-Name = "${code}", User-Password = "${code}", Calling-Station-Id = "02-00-00-00-00-01", NAS-IP-Address = 127.0.0.1, Message-Authenticator = 0x00\n`,
    );
    expect(reply.output).toMatch(/Received Access-Accept/);
    const after = await scrape();
    expect(accepts(after)).toBe(accepts(before) + 1);
    expect(received(after)).toBe(received(before) + 1);
    expect(latencyCount(after)).toBe(latencyCount(before) + 1);
    expect(metricValue(after, 'portico_sessions', { status: 'reserved' })).toBe(1);
    expect(metricValue(after, 'portico_coa_queue', { router: 'lobby' })).toBe(0);
    expect(
      metricValue(after, 'portico_http_requests_total', {
        route: '/metrics',
        method: 'GET',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);

    // Accounting load from another process; the backup starts once it is flowing.
    const load = spawn(process.execPath, [
      join(ROOT, 'test/support/acct-load.mjs'),
      join(ROOT, 'dist'),
      auth!,
      acct!,
      SECRET,
      code,
      '4',
      '20000',
      '90000',
    ]);
    children.push(load);
    let loadOut = '';
    let loadErr = '';
    load.stdout.on('data', (d: Buffer) => (loadOut += d));
    load.stderr.on('data', (d: Buffer) => (loadErr += d));
    await waitFor(
      () => loadOut + loadErr,
      (s) => (s.match(/^ack /gm)?.length ?? 0) >= 100 || s.includes('Error'),
      60_000,
      'accounting load',
    );
    expect(loadErr).toBe('');

    // Everything acknowledged so far was acknowledged before the backup began.
    const acked = new Map<string, number>();
    for (const m of loadOut.matchAll(/^ack (\S+) (\d+)$/gm))
      acked.set(m[1]!, Math.max(acked.get(m[1]!) ?? 0, Number(m[2])));
    const acksBefore = loadOut.match(/^ack /gm)?.length ?? 0;
    const backupFile = join(work, 'backup.db');
    const backup = await cli('db', 'backup', backupFile);
    expect(backup.code, backup.err).toBe(0);
    const acksAfter = loadOut.match(/^ack /gm)?.length ?? 0;
    expect(loadOut).not.toContain('done');
    expect(acksAfter).toBeGreaterThan(acksBefore);
    load.kill('SIGTERM');

    const check = await cli('db', 'check', '--file', backupFile);
    expect(check.code, check.out + check.err).toBe(0);
    const copy = new Database(backupFile, { readonly: true });
    try {
      const octets = copy
        .prepare('SELECT input_octets FROM sessions WHERE acct_session_id = ?')
        .pluck();
      expect(acked.size).toBe(4);
      for (const [id, n] of acked) expect(octets.get(id), id).toBeGreaterThanOrEqual(n);
    } finally {
      copy.close();
    }

    const restore = await cli('db', 'restore', backupFile);
    expect(restore.code).toBe(1);
    expect(restore.err).toMatch(new RegExp(`server \\(pid ${server.pid}\\) is running`));

    const final = await scrape();
    expect(
      metricValue(final, 'portico_radius_decisions_total', {
        kind: 'acct',
        outcome: 'interim.updated',
      }) ?? 0,
    ).toBeGreaterThan(0);
    expect(metricValue(final, 'portico_radius_batch_packets_count')).toBeGreaterThan(0);

    server.kill('SIGTERM');
    const exit = await new Promise<number | null>((done) => server.on('exit', done));
    expect(exit, out.slice(-2000)).toBe(0);
    expect(out).toContain('Portico stopped.');
    expect(existsSync(`${dbFile}.server.pid`)).toBe(false);
  }, 240_000);
});
