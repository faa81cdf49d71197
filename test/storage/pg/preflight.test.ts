// Starting on PostgreSQL: a login the server refuses and a database that does not exist are
// each told in one sentence before anything is written, and the password in
// PORTICO_DATABASE_URL never appears in what Portico prints.

import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli.js';
import { createPgPool } from '../../../src/storage/pg/connection.js';
import { startNode } from '../../multinode/cluster.js';
import { createTestDatabase, pgAdminUrl } from '../../support/test-store.js';

const SECRET = 'Right-Pass-9f3e';
const ROLE = 'portico_pw_check';
let admin: ReturnType<typeof createPgPool>;

/** urlWith returns the test server's URL for `user`:`password` and `database`. */
function urlWith(user: string, password: string, database: string): string {
  const u = new URL(pgAdminUrl());
  u.username = user;
  u.password = password;
  u.pathname = `/${database}`;
  return u.toString();
}

async function run(env: Record<string, string>, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    env: {
      PORTICO_TIMEZONE: 'UTC',
      PORTICO_HTTP_PORT: '0',
      PORTICO_RADIUS_AUTH_PORT: '0',
      PORTICO_RADIUS_ACCT_PORT: '0',
      ...env,
    },
    out: (s) => (out += s),
    err: (s) => (err += s),
  });
  return { code, out, err };
}

beforeAll(async () => {
  admin = createPgPool(pgAdminUrl(), { max: 1 });
  // The test server trusts every login; this one role must give its password (scram).
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${SECRET}'`);
  const hba = (await admin.query<{ hba_file: string }>('SHOW hba_file')).rows[0]!.hba_file;
  const text = readFileSync(hba, 'utf8');
  if (!text.includes(ROLE))
    writeFileSync(hba, `host all ${ROLE} 127.0.0.1/32 scram-sha-256\n${text}`);
  await admin.query('SELECT pg_reload_conf()');
});
afterAll(async () => {
  await admin?.end();
});

describe('portico serve on PostgreSQL', () => {
  it('says in one sentence that the password was refused, without printing it', async () => {
    const r = await run(
      { PORTICO_DATABASE_URL: urlWith(ROLE, 'Wrong-Pass-1', 'postgres') },
      'serve',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`refused the login of ${ROLE}.*PORTICO_DATABASE_URL`));
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toContain('Wrong-Pass-1');
  });

  it('says in one sentence that the database does not exist', async () => {
    const r = await run(
      { PORTICO_DATABASE_URL: urlWith(ROLE, SECRET, 'no_such_database') },
      'serve',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/The database no_such_database does not exist .*createdb/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toContain(SECRET);
  });

  it('starts with the right password, migrates, and shows the URL with the password as ***', async () => {
    const db = await createTestDatabase({ empty: true });
    try {
      await admin.query(`GRANT ALL ON DATABASE ${db.name} TO ${ROLE}`);
      await admin.query(`ALTER DATABASE ${db.name} OWNER TO ${ROLE}`);
      const url = urlWith(ROLE, SECRET, db.name);
      const migrated = await run({ PORTICO_DATABASE_URL: url }, 'db', 'migrate');
      expect(migrated.code, migrated.err).toBe(0);
      expect(migrated.out).toMatch(/applied 1, 2, .*now at schema version/);
      expect(migrated.out).toContain(':***@');
      expect(migrated.out).not.toContain(SECRET);
      const node = await startNode(url, 'pw-node');
      try {
        expect(node.output()).toMatch(/database: PostgreSQL postgres:\/\/portico_pw_check:\*\*\*@/);
        expect(node.output()).not.toContain(SECRET);
      } finally {
        await node.kill('SIGTERM');
      }
      expect(node.output()).not.toContain(SECRET);
    } finally {
      await db.drop();
    }
  }, 120_000);
});
