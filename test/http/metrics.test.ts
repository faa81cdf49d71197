import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { metricsAllowList } from '../../src/http/metrics-route.js';
import { METRIC_NAMES } from '../../src/services/metrics-service.js';
import type { RadiusHandlerStats } from '../../src/services/radius-service.js';
import { createServices } from '../../src/services/services.js';
import { openDatabase } from '../../src/storage/database.js';
import { metricValue } from '../support/prometheus.js';

const TOKEN = 'scrape-token-0123456789';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function make(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'portico-metrics-'));
  const db = openDatabase(join(dir, 'portico.db'));
  const services = createServices({
    db,
    clock: fixedClock(Date.parse('2026-12-04T10:00:00Z')),
    config: loadConfig({ PORTICO_TIMEZONE: 'UTC', ...env }),
  });
  const app = await buildApp(services);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => void db.close());
  cleanups.push(() => app.close());
  return { app, services };
}

const value = metricValue;

describe('/metrics', () => {
  it('answers loopback by default, and nobody else', async () => {
    const { app } = await make();
    const local = await app.inject({ url: '/metrics' });
    expect(local.statusCode).toBe(200);
    expect(local.headers['content-type']).toContain('text/plain');
    const remote = await app.inject({ url: '/metrics', remoteAddress: '192.0.2.7' });
    expect(remote.statusCode).toBe(403);
    // Through a proxy Portico was not told to trust, loopback is every guest.
    const proxied = await app.inject({
      url: '/metrics',
      headers: { 'x-forwarded-for': '198.51.100.9' },
    });
    expect(proxied.statusCode).toBe(403);
  });

  it('answers anyone with the bearer token, and refuses a wrong one', async () => {
    const { app } = await make({ PORTICO_METRICS_TOKEN: TOKEN, PORTICO_METRICS_ALLOW: 'none' });
    const remote = { remoteAddress: '192.0.2.7' };
    expect((await app.inject({ url: '/metrics', ...remote })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const wrong = await app.inject({
      url: '/metrics',
      ...remote,
      headers: { authorization: `Bearer ${TOKEN}x` },
    });
    expect(wrong.statusCode).toBe(401);
    const right = await app.inject({
      url: '/metrics',
      ...remote,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.statusCode).toBe(200);
  });

  it('lists every Portico metric, and HTTP requests by route pattern, never by URL', async () => {
    const { app } = await make();
    await app.inject({ url: '/t/ABCD2345' });
    await app.inject({ url: '/no/such/page' });
    const text = (await app.inject({ url: '/metrics' })).body;
    for (const name of METRIC_NAMES) expect(text, name).toContain(`# TYPE ${name} `);
    expect(text).toContain('portico_process_');
    expect(text).not.toContain('ABCD2345');
    expect(text).not.toContain('/no/such/page');
    const routes = [...text.matchAll(/portico_http_requests_total\{route="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(routes).toContain('/t/:code');
    expect(routes).toContain('unmatched');
    expect(value(text, 'portico_sessions', { status: 'live' })).toBe(0);
    expect(value(text, 'portico_tokens', { state: 'unused' })).toBe(0);
  });

  it('counts tokens, routers and lockouts from the database at scrape time', async () => {
    const { app, services } = await make();
    await services.tokens.create({ minutes: '30', count: '3' }, 'test', 'bulk');
    await services.nas.add({ name: 'lobby', address: '192.0.2.10' }, 'test');
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(value(text, 'portico_tokens', { state: 'unused' })).toBe(3);
    expect(value(text, 'portico_coa_queue', { router: 'lobby' })).toBe(0);
    expect(value(text, 'portico_lockouts_active')).toBe(0);
    expect(value(text, 'portico_sqlite_file_bytes', { file: 'db' })).toBeGreaterThan(0);
  });

  it('keeps label sets closed when a router sends odd values', async () => {
    const { app, services } = await make();
    const stats: RadiusHandlerStats = {
      outcomes: { 'access.accept': 2, 'acct.type-77': 1, 'acct.type-78': 1 },
      drops: { 'handler-error': 1 },
      batches: { count: 1, packets: 2, largest: 2, failed: 0 },
      latency: {
        access: { count: 0, p50Ms: 0, p99Ms: 0 },
        accounting: { count: 0, p50Ms: 0, p99Ms: 0 },
      },
      server: {
        received: { 'Access-Request': 2, 'Code-77': 5 },
        replies: { 'Access-Accept': 2 },
        drops: { 'unexpected-code': 5 },
        duplicates: { resent: 0, inProgress: 0 },
        handler: { count: 2, errors: 0, inFlight: 0, p50Ms: 1, p99Ms: 1, maxMs: 1 },
      },
    };
    services.metrics.watchRadius(() => stats);
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(
      value(text, 'portico_radius_decisions_total', { kind: 'access', outcome: 'accept' }),
    ).toBe(2);
    expect(
      value(text, 'portico_radius_decisions_total', {
        kind: 'acct',
        outcome: 'unknown-status-type',
      }),
    ).toBe(2);
    expect(value(text, 'portico_radius_packets_received_total', { code: 'other' })).toBe(5);
    expect(
      value(text, 'portico_radius_drops_total', { layer: 'server', reason: 'unexpected-code' }),
    ).toBe(5);
    expect(text).not.toMatch(/type-77|Code-77/);
  });
});

describe('metricsAllowList', () => {
  it('matches addresses, ranges and the named groups', () => {
    const allowed = metricsAllowList(['loopback', '10.1.0.0/16', '2001:db8::5']);
    expect(allowed('127.0.0.1')).toBe(true);
    expect(allowed('::ffff:127.0.0.1')).toBe(true);
    expect(allowed('::1')).toBe(true);
    expect(allowed('10.1.200.3')).toBe(true);
    expect(allowed('10.2.0.1')).toBe(false);
    expect(allowed('2001:db8::5')).toBe(true);
    expect(allowed('2001:db8::6')).toBe(false);
    expect(allowed('not an address')).toBe(false);
    expect(metricsAllowList([])('127.0.0.1')).toBe(false);
  });
});
