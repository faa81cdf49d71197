// What an integrator hits first with the API: broken JSON answers a PORTICO_* code like every
// other error, and the settings can be read and changed over the API.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeApi, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
beforeEach(async () => {
  api = await makeApi();
});
afterEach(async () => {
  await api.close();
});

describe('requests the framework refuses', () => {
  it('answers broken JSON with PORTICO_BAD_INPUT saying what to fix', async () => {
    const r = await api.call('POST', '/api/v1/tokens', {
      key: api.staffKey,
      headers: { 'content-type': 'application/json' },
      body: '{"minutes": 60,',
    });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('PORTICO_BAD_INPUT');
    expect(r.json.error.message).toMatch(/^the request body is not valid JSON/);
  });

  it('answers a wrong content type with a PORTICO_* code too', async () => {
    const r = await api.call('POST', '/api/v1/tokens', {
      key: api.staffKey,
      headers: { 'content-type': 'application/xml' },
      body: '<token/>',
    });
    expect(r.status).toBe(415);
    expect(r.json.error.code).toMatch(/^PORTICO_/);
  });
});

describe('settings over the API', () => {
  it('shows and changes what the Settings page does, admin keys only, audited', async () => {
    const shown = await api.call('GET', '/api/v1/settings');
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ spaceName: 'Portico', portalLanguages: ['en', 'de'] });
    const changed = await api.call('PATCH', '/api/v1/settings', {
      body: { spaceName: 'Harbour', wifiName: 'Harbour Guest', portalLanguages: ['de', 'en'] },
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ spaceName: 'Harbour', wifiName: 'Harbour Guest' });
    expect((await api.services.settings.get()).portalLanguages).toEqual(['de', 'en']);
    expect((await api.services.audit.list(1))[0]).toMatchObject({ action: 'settings.update' });
    const bad = await api.call('PATCH', '/api/v1/settings', { body: { timeZone: 'Mars/Olympus' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields[0].field).toBe('timeZone');
    const unknown = await api.call('PATCH', '/api/v1/settings', { body: { colour: 'red' } });
    expect(unknown.status).toBe(400);
    const staff = await api.call('GET', '/api/v1/settings', { key: api.staffKey });
    expect(staff.status).toBe(403);
  });
});
