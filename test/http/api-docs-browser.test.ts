// The API docs page in real headless Chromium: it renders every operation from Portico's own
// files, under Portico's CSP, and asks no other host for anything.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CHROMIUM_LAUNCH } from '../support/chromium.js';
import { makeApi, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
let profile: string;
beforeEach(async () => {
  api = await makeApi();
  profile = mkdtempSync(join(tmpdir(), 'portico-api-docs-chromium-'));
});
afterEach(async () => {
  await api.close();
  rmSync(profile, { recursive: true, force: true });
});

it('renders every operation at /api/docs with nothing loaded from elsewhere', async () => {
  const origin = await api.app.listen({ host: '127.0.0.1', port: 0 });
  const context = await chromium.launchPersistentContext(profile, {
    ...CHROMIUM_LAUNCH,
  });
  try {
    const page = await context.newPage();
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${origin}/api/docs`, { timeout: 20_000 });
    const doc = (await api.call('GET', '/api/docs/json', { key: null })).json;
    const operations = Object.values(doc.paths as Record<string, object>).reduce(
      (n: number, ops) => n + Object.keys(ops).length,
      0,
    );
    expect(operations).toBeGreaterThanOrEqual(27);
    await page
      .locator('.opblock')
      .nth(operations - 1)
      .waitFor({ timeout: 20_000 });
    expect(await page.locator('.opblock').count()).toBe(operations);
    await expect(
      page.locator('.opblock-summary-path', { hasText: '/api/v1/tokens/export.csv' }).count(),
    ).resolves.toBe(1);
    expect(await page.locator('button.authorize').count()).toBe(1);
    expect(requested.length).toBeGreaterThan(3);
    expect(requested.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'))).toEqual(
      [],
    );
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});
