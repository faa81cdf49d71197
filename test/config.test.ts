import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_SPECS, loadConfig, parseEnvFile } from '../src/config.js';

describe('configuration', () => {
  it('serves a newcomer with defaults', () => {
    expect(loadConfig({ PORTICO_TIMEZONE: 'UTC' })).toMatchObject({
      dbFile: './data/portico.db',
      httpHost: '127.0.0.1',
      httpPort: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      radiusHost: '127.0.0.1',
      radiusAuthPort: 1812,
      radiusAcctPort: 1813,
      adminUser: 'admin',
      codeLength: 8,
    });
  });

  it('documents every setting in .env.example, and the example itself loads', () => {
    const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const spec of CONFIG_SPECS) expect(text, spec.env).toContain(`${spec.env}=`);
    expect(() => loadConfig(parseEnvFile(text))).not.toThrow();
  });

  it('derives the public URL from the port of a copied .env.example whose port was changed', () => {
    const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const copy = text.replace(/^PORTICO_HTTP_PORT=.*$/m, 'PORTICO_HTTP_PORT=9191');
    expect(loadConfig(parseEnvFile(copy)).publicUrl).toBe('http://127.0.0.1:9191');
  });

  it('lists no dependency whose engines exclude the Node version the README names', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(readme).toContain('Node.js 20');
    const node = String(pkg.engines.node).replace(/^>=\s*/, '');
    const semver = createRequire(import.meta.url)('semver') as {
      satisfies(v: string, range: string): boolean;
      coerce(v: string): { version: string } | null;
    };
    const version = semver.coerce(node)?.version ?? '';
    expect(version.startsWith('20.')).toBe(true);
    const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
    const excluded = Object.entries(
      lock.packages as Record<string, { engines?: { node?: string } }>,
    )
      .filter(([, p]) => p.engines?.node && !semver.satisfies(version, p.engines.node))
      .map(([name, p]) => `${name} (node ${p.engines?.node})`);
    expect(excluded).toEqual([]);
  });

  it('reads a config file named by PORTICO_CONFIG, with the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-cfg-'));
    try {
      const file = join(dir, 'portico.env');
      writeFileSync(
        file,
        '# venue\nPORTICO_HTTP_PORT=9090\nexport PORTICO_TIMEZONE="Europe/Berlin"\nPORTICO_CODE_LENGTH=10\n',
      );
      const c = loadConfig({ PORTICO_CONFIG: file, PORTICO_CODE_LENGTH: '12' });
      expect(c).toMatchObject({ httpPort: 9090, timeZone: 'Europe/Berlin', codeLength: 12 });
      expect(c.publicUrl).toBe('http://127.0.0.1:9090');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never echoes a bad secret key', () => {
    expect(() => loadConfig({ PORTICO_SECRET_KEY: 'short-secret' })).toThrowError(
      /PORTICO_SECRET_KEY="\*\*\*": must be at least 32/,
    );
  });

  it('never echoes a bad password value', () => {
    expect(() => loadConfig({ PORTICO_ADMIN_PASSWORD: 'hunter2' })).toThrowError(
      /PORTICO_ADMIN_PASSWORD="\*\*\*": must be at least 10/,
    );
  });
});
