// The two-node example in deploy/multi-node/: the template unit passes `systemd-analyze
// verify` as an instance, the env files and the compose file's environments hold only
// settings Portico knows with values it accepts (loadConfig), both nodes share one database
// and secret key under their own node ids, and the compose file is valid YAML whose nodes are
// built from deploy/Containerfile and wait for PostgreSQL.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';

const DIR = join(import.meta.dirname, '../../deploy/multi-node');
const ANALYZE = '/usr/bin/systemd-analyze';
const work = mkdtempSync(join(tmpdir(), 'portico-multinode-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** envFile returns the variables of a systemd EnvironmentFile (KEY=value lines). */
function envFile(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(DIR, name), 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    expect(m, `${name}: ${line}`).not.toBeNull();
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

type Compose = {
  services: Record<
    string,
    {
      image?: string;
      build?: { context: string; dockerfile: string };
      environment?: Record<string, string>;
      ports?: string[];
      depends_on?: Record<string, { condition: string }>;
    }
  >;
};

describe('deploy/multi-node', () => {
  it('has a template unit that reads /etc/portico/%i.env and passes systemd-analyze verify', async () => {
    const unit = readFileSync(join(DIR, 'portico@.service'), 'utf8');
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/portico\/%i\.env$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/portico\/bin\/portico\.js serve$/m);
    expect(existsSync(ANALYZE), `${ANALYZE} missing: run scripts/ensure-system-deps.mjs`).toBe(
      true,
    );
    // verify needs an instance; the env file it names need not exist on this machine.
    writeFileSync(
      join(work, 'portico@node1.service'),
      unit.replaceAll('/usr/bin/node', process.execPath),
    );
    try {
      const r = await promisify(execFile)(
        ANALYZE,
        ['verify', join(work, 'portico@node1.service')],
        { timeout: 60_000 },
      );
      expect(r.stderr).toBe('');
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      expect.fail(`systemd-analyze verify failed:\n${e.stderr ?? e.message}`);
    }
  });

  it('has env files of known settings: one database and secret key, a node id each', () => {
    const [a, b] = [envFile('node1.env'), envFile('node2.env')];
    const [ca, cb] = [loadConfig(a), loadConfig(b)];
    expect(ca.databaseUrl).toMatch(/^postgres:\/\//);
    expect(cb.databaseUrl).toBe(ca.databaseUrl);
    expect(cb.secretKey).toBe(ca.secretKey);
    expect(cb.publicUrl).toBe(ca.publicUrl);
    expect([ca.nodeId, cb.nodeId]).toEqual(['node1', 'node2']);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  });

  it('has a compose file: PostgreSQL and two nodes built from deploy/Containerfile', () => {
    const compose = parse(readFileSync(join(DIR, 'compose.yaml'), 'utf8')) as Compose;
    expect(Object.keys(compose.services).sort()).toEqual(['node1', 'node2', 'postgres']);
    const ids = [];
    for (const name of ['node1', 'node2']) {
      const node = compose.services[name];
      if (!node) throw new Error(`no service ${name}`);
      expect(node.build).toEqual({ context: '../..', dockerfile: 'deploy/Containerfile' });
      expect(existsSync(join(DIR, node.build?.context ?? '', node.build?.dockerfile ?? ''))).toBe(
        true,
      );
      expect(node.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
      // Interpolated as `docker compose` does with the variables the header asks for.
      const env = Object.fromEntries(
        Object.entries(node.environment ?? {}).map(([k, v]) => [
          k,
          String(v)
            .replace(/\$\{POSTGRES_PASSWORD[^}]*\}/g, 'pw')
            .replace(/\$\{PORTICO_SECRET_KEY[^}]*\}/g, 's'.repeat(32))
            .replace(/\$\{PORTICO_PUBLIC_URL:-([^}]*)\}/g, '$1'),
        ]),
      );
      const config = loadConfig(env);
      expect(config.databaseUrl).toBe('postgres://portico:pw@postgres:5432/portico');
      ids.push(config.nodeId);
      expect(node.ports).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/:1812\/udp$/),
          expect.stringMatching(/:1813\/udp$/),
        ]),
      );
    }
    expect(ids).toEqual(['node1', 'node2']);
    const pg = compose.services.postgres;
    expect(pg?.environment).toMatchObject({ POSTGRES_USER: 'portico', POSTGRES_DB: 'portico' });
  });
});
