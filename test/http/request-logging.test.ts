import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/main.js';
import { createServices } from '../../src/services/services.js';
import { openDatabase } from '../../src/storage/database.js';
import { memoryLogger } from '../support/log-lines.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function make() {
  const dir = mkdtempSync(join(tmpdir(), 'portico-log-'));
  const db = openDatabase(join(dir, 'portico.db'));
  const services = createServices({
    db,
    clock: fixedClock(Date.parse('2026-12-04T10:00:00Z')),
    config: loadConfig({ PORTICO_TIMEZONE: 'UTC' }),
  });
  const { logger, lines } = memoryLogger('info');
  const app = await buildApp(services, { logger });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => db.close());
  cleanups.push(() => app.close());
  return { app, lines };
}

describe('HTTP request log', () => {
  it('writes one line per request with its correlation id, route and status, code masked', async () => {
    const { app, lines } = await make();
    const r = await app.inject({ url: '/t/ABCD2345' });
    const id = r.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const mine = lines.filter((l) => l.reqId === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      level: 30,
      msg: 'request',
      route: '/t/:code',
      res: { statusCode: r.statusCode },
      req: { method: 'GET' },
    });
    expect(JSON.stringify(lines)).not.toContain('ABCD2345');
  });

  it('keeps a plain X-Request-Id from a proxy and replaces an odd one', async () => {
    const { app, lines } = await make();
    const kept = await app.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'nginx-7f3a9c01' },
    });
    expect(kept.headers['x-request-id']).toBe('nginx-7f3a9c01');
    expect(lines.filter((l) => l.reqId === 'nginx-7f3a9c01')).toHaveLength(1);
    const odd = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'x\n{"evil":1}' } });
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('createLogger', () => {
  it('writes readable lines with logFormat pretty, JSON lines otherwise', () => {
    const capture = () => {
      const chunks: string[] = [];
      const out = new Writable({
        write(chunk: Buffer, _enc, done) {
          chunks.push(chunk.toString());
          done();
        },
      });
      return { out, text: () => chunks.join('') };
    };
    const p = capture();
    createLogger({ logLevel: 'info', logFormat: 'pretty' }, p.out).info(
      { nas: 'lobby' },
      'hello there',
    );
    expect(p.text()).toMatch(/INFO.*hello there/);
    expect(p.text()).toContain('nas: "lobby"');
    const j = capture();
    createLogger({ logLevel: 'info', logFormat: 'json' }, j.out).info(
      { nas: 'lobby' },
      'hello there',
    );
    expect(JSON.parse(j.text())).toMatchObject({ level: 30, nas: 'lobby', msg: 'hello there' });
  });
});
