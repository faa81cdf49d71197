// Every systemd unit in deploy/ passes `systemd-analyze verify` (the pretest step installs
// Debian's systemd package for it). The units name /usr/bin/node; a machine whose node lives
// elsewhere gets a copy of the units pointing at the node running the tests.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const DEPLOY = join(import.meta.dirname, '../../deploy');
const ANALYZE = '/usr/bin/systemd-analyze';
const units = readdirSync(DEPLOY).filter((f) => /\.(service|timer|socket|path)$/.test(f));
const work = mkdtempSync(join(tmpdir(), 'portico-units-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('systemd units in deploy/', () => {
  it('are there: the server, the backup service and its timer', () => {
    expect(units).toEqual(
      expect.arrayContaining(['portico.service', 'portico-backup.service', 'portico-backup.timer']),
    );
  });

  it('pass systemd-analyze verify', async () => {
    expect(existsSync(ANALYZE), `${ANALYZE} missing: run scripts/ensure-system-deps.mjs`).toBe(
      true,
    );
    for (const u of units) {
      const text = readFileSync(join(DEPLOY, u), 'utf8').replaceAll(
        '/usr/bin/node',
        process.execPath,
      );
      writeFileSync(join(work, u), text);
    }
    try {
      const r = await promisify(execFile)(ANALYZE, ['verify', ...units.map((u) => join(work, u))], {
        timeout: 60_000,
      });
      expect(r.stderr).toBe('');
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      expect.fail(`systemd-analyze verify failed:\n${e.stderr ?? e.message}`);
    }
  });

  it('run the backup with a check and rotation, as the README says', () => {
    const service = readFileSync(join(DEPLOY, 'portico-backup.service'), 'utf8');
    expect(service).toMatch(/ExecStart=.* db backup --dir \S+ --keep \d+ --check/);
    const timer = readFileSync(join(DEPLOY, 'portico-backup.timer'), 'utf8');
    expect(timer).toMatch(/OnCalendar=/);
    expect(timer).toContain('Unit=portico-backup.service');
  });
});
