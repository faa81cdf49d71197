// `portico apikey create|list|revoke`: the key printed once works against the API, and a
// revoked one stops working.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createServices } from '../../src/services/services.js';
import { openDatabase } from '../../src/storage/database.js';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-apikey-cli-'));
  env = { PORTICO_DB: join(dir, 'p.db') };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { env, out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** status returns what GET /api/v1/me answers to `key` over the same database file. */
async function status(key: string): Promise<number> {
  const db = openDatabase(env.PORTICO_DB as string);
  const app = await buildApp(createServices({ db, clock: systemClock, config: loadConfig(env) }));
  try {
    const r = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${key}` } });
    return r.statusCode;
  } finally {
    await app.close();
    db.close();
  }
}

describe('portico apikey', () => {
  it('creates a key shown once, lists it without the secret, and revokes it', async () => {
    const created = await run('apikey', 'create', '--name', 'Nexudus', '--role', 'admin');
    expect(created.code).toBe(0);
    const key = /pk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}/.exec(created.out)?.[0];
    expect(key, created.out).toBeDefined();
    expect(created.out).toMatch(/shown once/);
    expect(await status(key as string)).toBe(200);

    const listed = await run('apikey', 'list', '--json');
    const keys = JSON.parse(listed.out);
    expect(keys).toMatchObject([{ name: 'Nexudus', role: 'admin', revokedAt: null }]);
    expect(listed.out).not.toContain((key as string).slice(12));
    expect((await run('apikey', 'list')).out).toMatch(/Nexudus/);

    const revoked = await run('apikey', 'revoke', String(keys[0].id));
    expect(revoked.code).toBe(0);
    expect(await status(key as string)).toBe(401);
    expect((await run('apikey', 'list')).out).toMatch(/REVOKED/);
  });

  it('explains its options and refuses bad ones', async () => {
    const help = await run('apikey', 'create', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--role ROLE/);
    expect((await run('--help')).out).toMatch(/apikey create\|list\|revoke/);
    const noName = await run('apikey', 'create');
    expect(noName.code).toBe(2);
    expect(noName.err).toMatch(/--name is required/);
    const badRole = await run('apikey', 'create', '--name', 'x', '--role', 'root');
    expect(badRole.code).toBe(2);
    expect(badRole.err).toMatch(/--role must be admin or staff/);
    const unknown = await run('apikey', 'revoke', '42');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/API key #42 not found/);
  });
});
