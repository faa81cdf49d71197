// One batch-name rule for the form, the API and the CLI: the name is optional (one is made
// from the time) and a name is used by one batch only, whatever its case.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { main } from '../../src/cli.js';
import { ADMIN, signedIn } from './admin-fixture.js';
import { makeApi } from './api-fixture.js';

describe('batch names', () => {
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  test('the form refuses a name already used, and makes one when left blank', async () => {
    const { f, b, csrf } = await signedIn(ADMIN);
    closers.push(() => f.close());
    const bulk = (batchName: string) =>
      b.post('/admin/tokens/bulk', {
        _csrf: csrf,
        action: 'create',
        minutesPreset: '120',
        count: '5',
        batchName,
      });
    expect((await bulk('Open Day')).status).toBe(303);
    const again = await bulk(' open day ');
    expect(again.status).toBe(400);
    expect(again.body).toMatch(/id="e-batchName">Batch name is already the name of a batch/);
    expect((await f.services.tokens.list({})).total).toBe(5);
    const blank = await bulk('');
    expect(blank.status).toBe(303);
    expect((await f.services.batches.list()).map((x) => x.name)).toContain('Bulk 2026-12-01 11:00');
  });

  test('the API follows the same rule', async () => {
    const api = await makeApi();
    closers.push(() => api.close());
    const post = (body: object) =>
      api.call('POST', '/api/v1/tokens', { key: api.staffKey, body: { minutes: 60, ...body } });
    expect((await post({ count: 2, batchName: 'Open Day' })).status).toBe(201);
    const dup = await post({ count: 2, batchName: 'OPEN DAY' });
    expect(dup.status).toBe(400);
    expect(dup.json.error.fields[0].field).toBe('batchName');
    const a = await post({ count: 2 });
    const b = await post({ count: 2 });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    const names = (await api.services.batches.list()).map((x) => x.name);
    expect(names).toEqual(
      expect.arrayContaining(['Open Day', 'Bulk 2026-12-01 11:00', 'Bulk 2026-12-01 11:00 (2)']),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  test('the CLI too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-batch-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = { PORTICO_DB: join(dir, 'p.db'), PORTICO_TIMEZONE: 'Europe/Berlin' };
    const run = async (...argv: string[]) => {
      let err = '';
      const code = await main(argv, { env, out: () => undefined, err: (s) => (err += s) });
      return { code, err };
    };
    const args = ['tokens', 'create', '--minutes', '60', '--count', '3', '--batch', 'Open Day'];
    expect((await run(...args)).code).toBe(0);
    const dup = await run(...args);
    expect(dup.code).toBe(2);
    expect(dup.err).toMatch(/^portico: batchName: is already the name of a batch/);
  });
});
