// Settings: defaults from the configuration, stored values over them, validation that names
// every field, and an audit entry only for what really changed.

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
  const config = loadConfig({
    PORTICO_TIMEZONE: 'Europe/Berlin',
    PORTICO_CODE_LENGTH: '9',
    PORTICO_INTERIM_INTERVAL: '120',
  });
  s = createServices({ db, clock: fixedClock(Date.UTC(2026, 11, 1)), config });
});
afterEach(() => db.close());

test('a fresh install follows the configuration', async () => {
  expect(await s.settings.get()).toEqual({
    spaceName: 'Portico',
    logo: null,
    timeZone: 'Europe/Berlin',
    wifiName: '',
    wifiPassword: '',
    wifiHidden: false,
    showWifiQr: false,
    cardNote: '',
    termsText: '',
    portalLanguages: ['en', 'de'],
    interimIntervalSeconds: 120,
    idleTimeoutSeconds: 900,
    codeLength: 9,
    retainSessionsDays: 365,
    retainAuditDays: 730,
    retainOutboxDays: 90,
    retainTokensDays: 365,
  });
});

test('an update stores only what it names, parses form strings, and the others read it', async () => {
  const after = await s.settings.update(
    { spaceName: '  Harbour  ', portalLanguages: 'de, en,de', codeLength: '10' },
    'alice',
  );
  expect(after).toMatchObject({
    spaceName: 'Harbour',
    portalLanguages: ['de', 'en'],
    codeLength: 10,
    timeZone: 'Europe/Berlin',
  });
  expect(s.settings.value('codeLength')).toBe(10);
  expect((await s.tokens.create({ minutes: 5 }, 'alice')).tokens[0]?.code).toHaveLength(10);
  const entry = (await s.audit.list(10)).find((e) => e.action === 'settings.update');
  expect(entry).toMatchObject({
    actor: 'alice',
    action: 'settings.update',
    details: { changed: ['spaceName', 'portalLanguages', 'codeLength'] },
  });
});

test('a patch that changes nothing records nothing', async () => {
  const before = (await s.audit.list(10)).length;
  await s.settings.update({ timeZone: 'Europe/Berlin', spaceName: 'Portico' }, 'alice');
  expect(await s.audit.list(10)).toHaveLength(before);
});

test('bad values name every field and nothing is stored', async () => {
  let err: unknown;
  try {
    await s.settings.update(
      { spaceName: '', timeZone: 'Nowhere/Else', idleTimeoutSeconds: '-1', logo: 'x' },
      'alice',
    );
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PorticoError);
  expect((err as PorticoError).code).toBe('PORTICO_BAD_INPUT');
  expect((err as PorticoError).fields.map((f) => f.field).sort()).toEqual([
    'idleTimeoutSeconds',
    'logo',
    'spaceName',
    'timeZone',
  ]);
  expect((await s.settings.get()).spaceName).toBe('Portico');
});

test('the logo can be removed again', async () => {
  const png = 'data:image/png;base64,iVBORw0KGgo=';
  expect((await s.settings.update({ logo: png }, 'alice')).logo).toBe(png);
  expect((await s.settings.update({ logo: null }, 'alice')).logo).toBeNull();
});
