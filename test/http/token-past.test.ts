// A token whose valid-until is already over could never be used: the form, the API and the
// CLI refuse it with a clear message unless explicitly asked to create it anyway.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { main } from '../../src/cli.js';
import { ADMIN, signedIn } from './admin-fixture.js';
import { makeApi } from './api-fixture.js';

describe('a valid-until in the past', () => {
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  test('the form says so by the field, offers to go on anyway, and creates nothing', async () => {
    const { f, b, csrf } = await signedIn(ADMIN);
    closers.push(() => f.close());
    const form = {
      _csrf: csrf,
      action: 'create',
      minutesPreset: '120',
      count: '50',
      batchName: 'Open Day',
      validUntil: '2025-12-01T17:40',
    };
    const r = await b.post('/admin/tokens/bulk', form);
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/id="e-validUntil">Valid until is already over \(1 Dec 2025 17:40\)/);
    expect(r.body).toContain('name="allowPast" value="1"');
    expect((await f.services.tokens.list({})).total).toBe(0);
    const anyway = await b.post('/admin/tokens/bulk', { ...form, allowPast: '1' });
    expect(anyway.status).toBe(303);
    expect((await f.services.tokens.list({})).total).toBe(50);
  });

  test('the API refuses it with PORTICO_BAD_INPUT on validUntil unless allowPast is true', async () => {
    const api = await makeApi();
    closers.push(() => api.close());
    const body = { minutes: 60, count: 3, batchName: 'Typo', validUntil: '2025-12-03' };
    const r = await api.call('POST', '/api/v1/tokens', { key: api.staffKey, body });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('PORTICO_BAD_INPUT');
    expect(r.json.error.fields[0].field).toBe('validUntil');
    expect(r.json.error.fields[0].message).toMatch(/^is already over/);
    const ok = await api.call('POST', '/api/v1/tokens', {
      key: api.staffKey,
      body: { ...body, allowPast: true },
    });
    expect(ok.status).toBe(201);
    expect(ok.json.tokens[0].state).toBe('expired');
  });

  test('the CLI exits 2 with the reason unless --allow-past is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-past-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = { PORTICO_DB: join(dir, 'p.db'), PORTICO_TIMEZONE: 'Europe/Berlin' };
    const run = async (...argv: string[]) => {
      let out = '';
      let err = '';
      const code = await main(argv, { env, out: (s) => (out += s), err: (s) => (err += s) });
      return { code, out, err };
    };
    const args = ['tokens', 'create', '--minutes', '60', '--valid-until', '2020-01-01'];
    const refused = await run(...args);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/validUntil: is already over .*--allow-past/);
    expect(refused.out).toBe('');
    const made = await run(...args, '--allow-past');
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}\n$/);
  });
});
