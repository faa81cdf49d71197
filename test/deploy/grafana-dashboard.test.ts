// The Grafana dashboard in deploy/grafana/ queries only metrics that /metrics exposes, so a
// renamed metric cannot leave a panel silently empty.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createServices } from '../../src/services/services.js';
import { openDatabase } from '../../src/storage/database.js';
import { metricNames } from '../support/prometheus.js';

const DASHBOARD = join(import.meta.dirname, '../../deploy/grafana/portico-dashboard.json');

/** exprs returns every PromQL expression in a dashboard (panel targets and variables). */
function exprs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(exprs);
  if (node === null || typeof node !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(node)) {
    if ((k === 'expr' || k === 'definition') && typeof v === 'string') out.push(v);
    else out.push(...exprs(v));
  }
  return out;
}

describe('deploy/grafana/portico-dashboard.json', () => {
  it('queries only metrics that /metrics exposes', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: unknown[] };
    const queries = exprs(dashboard);
    expect(queries.length).toBeGreaterThan(20);
    const used = new Set(queries.flatMap((q) => q.match(/\bportico_[a-z0-9_]+/g) ?? []));

    const dir = mkdtempSync(join(tmpdir(), 'portico-dash-'));
    const db = openDatabase(join(dir, 'portico.db'));
    try {
      const services = createServices({ db, clock: systemClock, config: loadConfig({}) });
      const app = await buildApp(services);
      await app.inject({ url: '/healthz' });
      const exposed = metricNames((await app.inject({ url: '/metrics' })).body);
      await app.close();
      const missing = [...used].filter(
        (name) => !exposed.has(name) && !exposed.has(name.replace(/_(bucket|sum|count)$/, '')),
      );
      expect(missing).toEqual([]);
      // Every Portico metric shows up somewhere on the dashboard.
      const unused = [...exposed].filter(
        (name) =>
          /^portico_(radius|sessions|tokens|coa|email|webhook|lockouts|http|sqlite)/.test(name) &&
          ![...used].some((u) => u === name || u.replace(/_(bucket|sum|count)$/, '') === name),
      );
      expect(unused).toEqual([]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
