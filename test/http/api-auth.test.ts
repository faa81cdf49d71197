import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeApi, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
beforeEach(async () => {
  api = await makeApi();
});
afterEach(async () => {
  await api.close();
});

describe('API key authentication', () => {
  it('refuses a request without a key with 401 and says how to send one', async () => {
    const r = await api.call('GET', '/api/v1/tokens', { key: null });
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('PORTICO_UNAUTHORIZED');
    expect(r.json.error.message).toMatch(/Authorization: Bearer/);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses malformed and unknown keys with 401', async () => {
    const malformed = await api.call('GET', '/api/v1/tokens', { key: 'hunter2' });
    expect(malformed.status).toBe(401);
    expect(malformed.json.error.message).toMatch(/malformed/);
    const unknown = await api.call('GET', '/api/v1/tokens', {
      key: `pk_aaaaaaaa_${'A'.repeat(43)}`,
    });
    expect(unknown.status).toBe(401);
    expect(unknown.json.error.message).toMatch(/not known/);
  });

  it('accepts the key in X-API-Key as well as Authorization', async () => {
    const r = await api.call('GET', '/api/v1/me', {
      key: null,
      headers: { 'x-api-key': api.staffKey },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: 'desk', role: 'staff' });
    // Answers carry codes and secrets: never cached by a browser or proxy.
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('refuses a key once it is revoked, and only that key', async () => {
    const made = await api.call('POST', '/api/v1/api-keys', { body: { name: 'booking system' } });
    expect(made.status).toBe(201);
    const key: string = made.json.key;
    expect((await api.call('GET', '/api/v1/tokens', { key })).status).toBe(200);

    const revoked = await api.call('POST', `/api/v1/api-keys/${made.json.apiKey.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.revokedAt).toBe('2026-12-01T11:00:00+01:00');

    const refused = await api.call('GET', '/api/v1/tokens', { key });
    expect(refused.status).toBe(401);
    expect(refused.json.error).toMatchObject({ code: 'PORTICO_UNAUTHORIZED' });
    expect(refused.json.error.message).toMatch(/revoked/);
    expect((await api.call('GET', '/api/v1/tokens', { key: api.staffKey })).status).toBe(200);
  });

  it('gives a staff key tokens and sessions but 403 on admin endpoints', async () => {
    const key = api.staffKey;
    expect((await api.call('GET', '/api/v1/tokens', { key })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/sessions/live', { key })).status).toBe(200);
    for (const [method, url] of [
      ['GET', '/api/v1/nas'],
      ['POST', '/api/v1/nas'],
      ['GET', '/api/v1/api-keys'],
      ['POST', '/api/v1/api-keys'],
      ['POST', '/api/v1/api-keys/1/revoke'],
    ] as const) {
      const r = await api.call(method, url, { key, body: method === 'POST' ? {} : undefined });
      expect(r.status, `${method} ${url}`).toBe(403);
      expect(r.json.error.code).toBe('PORTICO_FORBIDDEN');
    }
    // The refused attempt changed nothing.
    expect(await api.services.apiKeys.list()).toHaveLength(2);
  });

  it('stores only the SHA-256 of a key, never the key', async () => {
    const made = await api.call('POST', '/api/v1/api-keys', {
      body: { name: 'Nexudus', role: 'staff' },
    });
    const key: string = made.json.key;
    expect(key).toMatch(/^pk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(key.slice(3, 11)).toBe(made.json.apiKey.prefix);
    const row = api.db
      .prepare('SELECT * FROM api_keys WHERE id = ?')
      .get(made.json.apiKey.id) as Record<string, unknown>;
    expect(row.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(key.slice(12));
    // Listing never shows the key or its hash.
    const list = await api.call('GET', '/api/v1/api-keys');
    expect(list.body).not.toContain(key.slice(12));
    expect(list.body).not.toContain(row.key_hash as string);
  });

  it('records last use, writing it at most once a minute', async () => {
    const id = (await api.services.apiKeys.list()).find((k) => k.name === 'desk')!.id;
    expect((await api.services.apiKeys.get(id)).lastUsedAt).toBeNull();
    await api.call('GET', '/api/v1/tokens', { key: api.staffKey });
    const first = (await api.services.apiKeys.get(id)).lastUsedAt;
    expect(first).toBe(api.clock.now());
    api.clock.advance(30_000);
    await api.call('GET', '/api/v1/tokens', { key: api.staffKey });
    expect((await api.services.apiKeys.get(id)).lastUsedAt).toBe(first);
    api.clock.advance(31_000);
    await api.call('GET', '/api/v1/tokens', { key: api.staffKey });
    expect((await api.services.apiKeys.get(id)).lastUsedAt).toBe(api.clock.now());
  });

  it('audits key creation and revocation with the acting key', async () => {
    const made = await api.call('POST', '/api/v1/api-keys', { body: { name: 'temp' } });
    await api.call('POST', `/api/v1/api-keys/${made.json.apiKey.id}/revoke`);
    const entries = (await api.services.audit.list(10)).filter((e) =>
      e.action.startsWith('apikey.'),
    );
    const adminId = (await api.services.apiKeys.list()).find((k) => k.name === 'ops')!.id;
    expect(entries.map((e) => [e.action, e.actor, e.targetId])).toEqual([
      ['apikey.revoke', `api:ops#${adminId}`, String(made.json.apiKey.id)],
      ['apikey.create', `api:ops#${adminId}`, String(made.json.apiKey.id)],
      ['apikey.create', 'test', expect.any(String)],
      ['apikey.create', 'test', expect.any(String)],
    ]);
    expect(JSON.stringify(entries)).not.toContain(made.json.key);
  });

  it('answers an unknown endpoint with a JSON 404', async () => {
    const r = await api.call('GET', '/api/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('PORTICO_NOT_FOUND');
  });
});

describe('/api/v1/api-keys', () => {
  it('lists keys, validates bodies and 404s unknown ids', async () => {
    const list = await api.call('GET', '/api/v1/api-keys');
    expect(list.status).toBe(200);
    expect(list.json.apiKeys.map((k: { name: string; role: string }) => [k.name, k.role])).toEqual([
      ['ops', 'admin'],
      ['desk', 'staff'],
    ]);
    const badRole = await api.call('POST', '/api/v1/api-keys', {
      body: { name: 'x', role: 'root' },
    });
    expect(badRole.status).toBe(400);
    expect(badRole.json.error.fields).toEqual([
      { field: 'role', message: 'must be one of admin, staff' },
    ]);
    const noName = await api.call('POST', '/api/v1/api-keys', { body: { role: 'staff' } });
    expect(noName.status).toBe(400);
    expect(noName.json.error.fields[0].field).toBe('name');
    const blank = await api.call('POST', '/api/v1/api-keys', { body: { name: '   ' } });
    expect(blank.status).toBe(400);
    expect(blank.json.error.fields[0].field).toBe('name');
    expect(await api.services.apiKeys.list()).toHaveLength(2);
    expect((await api.call('POST', '/api/v1/api-keys/999/revoke')).status).toBe(404);
  });
});
