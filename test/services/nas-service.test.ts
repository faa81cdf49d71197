// Routers' login hosts: validated and normalised the way the splash page compares them,
// stored, read back, changed, audited.

import { afterEach, beforeEach, expect, test } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { PorticoError } from '../../src/errors.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

let db: Db;
let s: Services;
beforeEach(() => {
  db = openDatabase(':memory:');
  s = createServices({ db, clock: fixedClock(Date.UTC(2026, 11, 1)), config: loadConfig({}) });
});
afterEach(() => db.close());

const fieldsOf = async (fn: () => unknown) => {
  try {
    await fn();
  } catch (err) {
    if (err instanceof PorticoError) return { code: err.code, fields: err.fields };
    throw err;
  }
  throw new Error('expected a PorticoError');
};

test('a router without login hosts has an empty list', async () => {
  const nas = await s.nas.add({ name: 'lobby', address: '10.0.0.2' }, 'alice');
  expect(nas.loginHosts).toEqual([]);
  expect(db.prepare('SELECT login_hosts FROM nas_clients').get()).toEqual({ login_hosts: '' });
});

test('login hosts from a list or a comma/space text are normalised, deduplicated and stored', async () => {
  const nas = await s.nas.add(
    {
      name: 'lobby',
      address: '10.0.0.2',
      vendor: 'mikrotik',
      loginHosts: ['Login.Hotspot.LAN', 'bücher.de, 203.0.113.7', '[FD00::1]', 'login.hotspot.lan'],
    },
    'alice',
  );
  expect(nas.loginHosts).toEqual([
    'login.hotspot.lan',
    'xn--bcher-kva.de',
    '203.0.113.7',
    'fd00::1',
  ]);
  expect((await s.nas.get('lobby')).loginHosts).toEqual(nas.loginHosts);

  const changed = await s.nas.update('lobby', { loginHosts: ' 10.5.50.1 ,  hotspot.lan ' }, 'bob');
  expect(changed.loginHosts).toEqual(['10.5.50.1', 'hotspot.lan']);
  expect((await s.nas.update('lobby', { loginHosts: '' }, 'bob')).loginHosts).toEqual([]);
  const updates = (await s.store.audit.list(10)).filter((e) => e.action === 'nas.update');
  expect(updates.map((e) => (e.details as { loginHosts?: string[] }).loginHosts)).toEqual(
    expect.arrayContaining([['10.5.50.1', 'hotspot.lan'], []]),
  );
});

test('a change that does not name login hosts keeps them', async () => {
  await s.nas.add({ name: 'lobby', address: '10.0.0.2', loginHosts: 'hotspot.lan' }, 'alice');
  expect((await s.nas.update('lobby', { coaPort: 3800 }, 'bob')).loginHosts).toEqual([
    'hotspot.lan',
  ]);
});

test.each([
  ['a URL', ['http://evil.example/login']],
  ['a host with a port', ['evil.example:80']],
  ['a name the URL parser reads as an address', ['0x0a.0.0.1']],
  ['an octal address', ['010.0.0.1']],
  ['a trailing dot', ['hotspot.lan.']],
  ['a path', 'evil.example/login'],
])('refuses %s, naming the field', async (_name, loginHosts) => {
  expect(
    await fieldsOf(() => s.nas.add({ name: 'x', address: '10.0.0.3', loginHosts }, 'a')),
  ).toEqual({
    code: 'PORTICO_BAD_INPUT',
    fields: [
      {
        field: 'loginHosts',
        message: expect.stringMatching(/^must be host names or IP addresses \(".+" is neither\)$/),
      },
    ],
  });
  expect(await s.nas.list()).toEqual([]);
});

test('accepts 20 login hosts and refuses 21', async () => {
  const hosts = Array.from({ length: 21 }, (_, i) => `ap${i}.hotspot.lan`);
  expect(
    (await s.nas.add({ name: 'a', address: '10.0.0.2', loginHosts: hosts.slice(0, 20) }, 'x'))
      .loginHosts,
  ).toHaveLength(20);
  expect(await fieldsOf(() => s.nas.update('a', { loginHosts: hosts }, 'x'))).toEqual({
    code: 'PORTICO_BAD_INPUT',
    fields: [{ field: 'loginHosts', message: 'must list at most 20 hosts' }],
  });
  expect((await s.nas.get('a')).loginHosts).toHaveLength(20);
});

test('a controller account is refused without PORTICO_SECRET_KEY, and never stored in plain text', async () => {
  const account = {
    name: 'office',
    address: '10.0.0.9',
    vendor: 'unifi',
    controllerUrl: 'https://unifi.lan:8443/',
    controllerSite: 'default',
    controllerUsername: 'portico',
    controllerPassword: 'pw-123456',
  };
  expect(await fieldsOf(() => s.nas.add(account, 'alice'))).toMatchObject({
    code: 'PORTICO_BAD_INPUT',
    fields: [
      { field: 'controllerPassword', message: expect.stringContaining('PORTICO_SECRET_KEY') },
    ],
  });

  const keyed = createServices({
    db,
    clock: fixedClock(Date.UTC(2026, 11, 1)),
    config: loadConfig({ PORTICO_SECRET_KEY: 'x'.repeat(32) }),
  });
  const nas = await keyed.nas.add(account, 'alice');
  expect(nas).toMatchObject({
    controllerUrl: 'https://unifi.lan:8443',
    controllerSite: 'default',
  });
  expect(JSON.stringify(db.prepare('SELECT * FROM nas_clients').all())).not.toContain('pw-123456');
  expect(JSON.stringify(keyed.store.audit.list(10))).not.toContain('pw-123456');
  expect(keyed.nas.controllerAccount(nas)).toEqual({
    url: 'https://unifi.lan:8443',
    site: 'default',
    username: 'portico',
    password: 'pw-123456',
  });
  // Another key cannot open it.
  const other = createServices({
    db,
    clock: fixedClock(Date.UTC(2026, 11, 1)),
    config: loadConfig({ PORTICO_SECRET_KEY: 'y'.repeat(32) }),
  });
  expect(other.nas.controllerAccount(nas)).toBeUndefined();
});

test('controller settings are checked', async () => {
  const keyed = createServices({
    db,
    clock: fixedClock(Date.UTC(2026, 11, 1)),
    config: loadConfig({ PORTICO_SECRET_KEY: 'x'.repeat(32) }),
  });
  const bad = {
    name: 'office',
    address: '10.0.0.9',
    controllerUrl: 'ftp://unifi.lan',
    controllerSite: 'no spaces',
    controllerUsername: 'portico',
  };
  expect((await fieldsOf(() => keyed.nas.add(bad, 'alice'))).fields?.map((f) => f.field)).toEqual([
    'controllerUrl',
    'controllerSite',
    'controllerPassword',
  ]);
});
