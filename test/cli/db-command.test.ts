import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-db-cli-'));
  env = { PORTICO_DB: join(dir, 'portico.db'), PORTICO_TIMEZONE: 'UTC' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { env, out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const tokenCount = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM tokens').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

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
    const kept = readdirSync(dir).find((f) => f.startsWith('portico.db.before-restore-'));
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
    for (const f of files) expect(f).toMatch(/^portico-\d{8}T\d{6}\.\d{3}Z\.db$/);
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
