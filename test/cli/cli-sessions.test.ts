// `portico sessions list|disconnect` and `portico tokens update`, run as the real command
// (bin/portico.js over dist/, so `npm run build` first) against a database file that a
// device's accounting Start has put online.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createServices } from '../../src/services/services.js';
import { openDatabase } from '../../src/storage/database.js';
import { reportAccounting } from '../support/accounting.js';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-cli-sessions-'));
  env = { PORTICO_DB: join(dir, 'p.db'), PORTICO_TIMEZONE: 'UTC' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** cli runs `portico ...argv` as a child process and returns its exit code and output. */
function cli(argv: string[], extraEnv: Record<string, string | undefined> = {}) {
  const base: Record<string, string | undefined> = { ...process.env, ...env, ...extraEnv };
  for (const [k, v] of Object.entries(extraEnv)) if (v === undefined) delete base[k];
  return new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/portico.js', ...argv], {
      env: base as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** online creates a token and a router and puts one device online through accounting. */
async function online(): Promise<{ code: string; sessionId: number }> {
  const db = openDatabase(env.PORTICO_DB as string);
  try {
    const s = createServices({ db, clock: systemClock, config: loadConfig(env) });
    const nas = await s.nas.add(
      { name: 'lobby', address: '192.0.2.1', secret: 'secret-123', vendor: 'mikrotik' },
      'test',
    );
    const t = (await s.tokens.create({ minutes: 60 }, 'test')).tokens[0]!;
    await reportAccounting(s, {
      nasId: nas.id,
      code: t.code,
      acctSessionId: 'A1',
      mac: 'AA:BB:CC:DD:EE:01',
      framedIp: '10.5.0.7',
    });
    return { code: t.code, sessionId: (await s.sessions.listLive()).sessions[0]!.id };
  } finally {
    db.close();
  }
}

// Each case starts a node process; on a loaded machine that takes seconds.
describe('portico sessions and tokens update (spawned)', { timeout: 240_000 }, () => {
  it('lists the device online, changes its token and disconnects it', async () => {
    const { code, sessionId } = await online();

    const list = await cli(['sessions', 'list']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(
      new RegExp(`^ +${sessionId} +${code.slice(0, 4)}-${code.slice(4)}`, 'm'),
    );
    expect(list.out).toContain('aa-bb-cc-dd-ee-01');
    expect(list.out).toContain('lobby');
    expect(list.out).toContain('1 of 1 shown');

    const updated = await cli([
      'tokens',
      'update',
      code,
      '--add-minutes',
      '30',
      '--valid-until',
      '2030-06-30',
      '--down-kbps',
      '2000',
      '--json',
    ]);
    expect(updated.code, updated.err).toBe(0);
    expect(JSON.parse(updated.out)).toMatchObject({
      minutes: 90,
      validUntil: '2030-07-01T00:00:00+00:00',
      rateDownKbps: 2000,
    });
    // The device online gets a CoA, queued for the running server to send.
    const json = JSON.parse((await cli(['sessions', 'list', '--token', code, '--json'])).out);
    expect(json.total).toBe(1);
    expect(json.sessions[0].lastCoa).toMatchObject({ kind: 'coa', state: 'pending' });

    const cleared = await cli(['tokens', 'update', code, '--valid-until', 'none', '--json']);
    expect(JSON.parse(cleared.out).validUntil).toBeNull();

    const cut = await cli(['sessions', 'disconnect', String(sessionId), '--json']);
    expect(cut.code, cut.err).toBe(0);
    expect(JSON.parse(cut.out).results).toEqual([
      { sessionId, jobId: expect.any(Number), state: 'pending' },
    ]);
    const after = JSON.parse((await cli(['sessions', 'list', '--json'])).out);
    expect(after.sessions[0].lastCoa).toMatchObject({ kind: 'disconnect', state: 'pending' });
    const elsewhere = await cli(['sessions', 'list', '--all', '--nas', '192.0.2.1', '--json']);
    expect(JSON.parse(elsewhere.out).total).toBe(1);
    expect((await cli(['sessions', 'list', '--nas', 'nowhere'])).code).toBe(1);
  });

  it('exits 2 on bad input with a message that says what to fix', async () => {
    const { code } = await online();
    const cases: Array<[string[], RegExp]> = [
      [['sessions', 'disconnect'], /give at least one session ID/],
      [['sessions', 'disconnect', 'abc'], /'abc' is not a session id/],
      [['sessions', 'disconnect', '1', '--wait', '999'], /--wait must be/],
      [['sessions', 'list', '--limit', '0'], /--limit must be/],
      [['sessions', 'frobnicate'], /unknown command 'sessions frobnicate'/],
      [['tokens', 'update', code], /say what to change/],
      [['tokens', 'update', code, '--add-minutes', 'ten'], /addMinutes/],
      [['tokens', 'update', code, '--add-minutes', '5', '--minutes', '9'], /not both/],
      [['tokens', 'update', code, '--bogus', '1'], /Unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
    }
    expect((await cli(['sessions', 'disconnect', '999'])).code).toBe(1);
  });

  it('has --help for the new commands', async () => {
    for (const argv of [
      ['sessions', 'list', '--help'],
      ['sessions', 'disconnect', '--help'],
      ['tokens', 'update', '--help'],
    ]) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out).toMatch(/^Usage: portico /);
    }
  });

  it('records who made a token even when $USER is unset', async () => {
    const r = await cli(['tokens', 'create', '--minutes', '5', '--json'], {
      USER: undefined,
      LOGNAME: undefined,
    });
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).tokens[0].createdBy).toBe(`cli:${userInfo().username}`);
  });
});
