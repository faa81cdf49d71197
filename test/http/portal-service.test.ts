// The portal service's sealing and status references: what the splash page relies on to
// carry state without cookies and to keep status pages to those who know the code.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { PORTAL_SECRET_KEY } from '../../src/services/portal-service.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const T0 = Date.UTC(2026, 2, 10, 9, 0);
let db: Db;
let s: Services;
let clock: ReturnType<typeof fixedClock>;

beforeEach(() => {
  db = openDatabase(':memory:');
  clock = fixedClock(T0);
  s = createServices({ db, clock, config: loadConfig({ PORTICO_DB: ':memory:' }) });
});
afterEach(() => db.close());

describe('sealing', () => {
  it('makes the server secret on first use, keeps it in settings and reuses it', async () => {
    expect(await s.store.settings.get(PORTAL_SECRET_KEY)).toBeUndefined();
    const sealed = await s.portal.seal('success', { t: 1 }, 60_000);
    const stored = await s.store.settings.get(PORTAL_SECRET_KEY);
    expect(typeof stored).toBe('string');
    expect(Buffer.from(stored as string, 'base64url')).toHaveLength(32);
    // A restarted Portico over the same database still opens what it sealed.
    const again = createServices({ db, clock, config: loadConfig({ PORTICO_DB: ':memory:' }) });
    expect(await again.portal.open('success', sealed)).toEqual({ t: 1 });
    expect(await s.settings.get()).not.toHaveProperty(PORTAL_SECRET_KEY);
  });

  it('opens only unchanged values, for the purpose they were sealed for, before they expire', async () => {
    const sealed = await s.portal.seal('router-context', { c: { adapter: 'coova' } }, 60_000);
    expect(await s.portal.open('router-context', sealed)).toEqual({ c: { adapter: 'coova' } });
    expect(await s.portal.open('success', sealed)).toBeUndefined();
    const [payload, mac] = sealed.split('.') as [string, string];
    const changed = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('coova', 'mikro'),
    ).toString('base64url');
    expect(await s.portal.open('router-context', `${changed}.${mac}`)).toBeUndefined();
    expect(
      await s.portal.open('router-context', `${payload}.${mac.slice(0, -2)}AA`),
    ).toBeUndefined();
    for (const junk of [undefined, '', '.', 'abc', 42, `${payload}.`, 'x'.repeat(9000)])
      expect(await s.portal.open('router-context', junk)).toBeUndefined();
    clock.advance(60_000);
    expect(await s.portal.open('router-context', sealed)).toBeUndefined();
  });
});

describe('status references', () => {
  it('name a token only together with its code', async () => {
    const t = (await s.tokens.create({ minutes: 60 }, 'test')).tokens[0]!;
    const ref = await s.portal.statusRef({ id: t.id, code: t.code });
    expect(ref).toMatch(/^[0-9a-z]+\.[\w-]{22}$/);
    const codeOf = (id: number) => s.portal.codeOf(id);
    expect(await s.portal.checkStatusRef(ref, codeOf)).toBe(t.id);
    expect(await s.portal.checkStatusRef(ref.replace(/^[0-9a-z]+/, '2'), codeOf)).toBeUndefined();
    expect(await s.portal.checkStatusRef(`${ref}x`, codeOf)).toBeUndefined();
    await s.tokens.remove([t.id], 'test');
    expect(await s.portal.checkStatusRef(ref, codeOf)).toBeUndefined();
  });
});
