import { afterEach, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createServices } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

let db: Db | undefined;
afterEach(() => db?.close());

async function ipSeen(env: Record<string, string>, remoteAddress: string) {
  db = openDatabase(':memory:');
  const config = loadConfig({ PORTICO_TIMEZONE: 'UTC', ...env });
  const app = await buildApp(createServices({ db, clock: fixedClock(0), config }));
  app.get('/test/ip', async (request) => ({ ip: request.ip }));
  const r = await app.inject({
    url: '/test/ip',
    remoteAddress,
    headers: { 'x-forwarded-for': '198.51.100.23' },
  });
  await app.close();
  return r.json().ip as string;
}

it('ignores X-Forwarded-For unless the request comes from a trusted proxy', async () => {
  expect(await ipSeen({}, '127.0.0.1')).toBe('127.0.0.1');
  expect(await ipSeen({ PORTICO_TRUST_PROXY: 'loopback' }, '127.0.0.1')).toBe('198.51.100.23');
  expect(await ipSeen({ PORTICO_TRUST_PROXY: '10.0.0.0/8, 192.0.2.1' }, '10.1.2.3')).toBe(
    '198.51.100.23',
  );
  expect(await ipSeen({ PORTICO_TRUST_PROXY: '10.0.0.0/8' }, '192.0.2.50')).toBe('192.0.2.50');
});

it('names a bad proxy entry', () => {
  expect(() => loadConfig({ PORTICO_TRUST_PROXY: 'loopback, proxy.example' })).toThrowError(
    /PORTICO_TRUST_PROXY=.*proxy\.example is not an address, a CIDR range/,
  );
  expect(() => loadConfig({ PORTICO_TRUST_PROXY: '10.0.0.0/33' })).toThrowError(/10\.0\.0\.0\/33/);
});
