import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { count, makeApi, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
beforeEach(async () => {
  api = await makeApi();
});
afterEach(async () => {
  await api.close();
});

describe('/api/v1/nas', () => {
  it('adds a router and shows its generated secret once', async () => {
    const r = await api.call('POST', '/api/v1/nas', {
      body: { name: 'lobby', address: '192.0.2.10', vendor: 'mikrotik' },
    });
    expect(r.status).toBe(201);
    expect(r.json.secret).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(r.json.nas).toMatchObject({
      name: 'lobby',
      address: '192.0.2.10',
      vendor: 'mikrotik',
      coaPort: 3799,
      requireMessageAuthenticator: true,
      hasUamSecret: false,
      createdAt: '2026-12-01T11:00:00+01:00',
      lastSeenAt: null,
    });
    expect((await api.services.nas.get('lobby')).secret).toBe(r.json.secret);

    const list = await api.call('GET', '/api/v1/nas');
    expect(list.json.nas.map((n: { name: string }) => n.name)).toEqual(['lobby']);
    expect(list.body).not.toContain(r.json.secret);
    const one = await api.call('GET', `/api/v1/nas/${r.json.nas.id}`);
    expect(one.json.name).toBe('lobby');
    expect(one.body).not.toContain(r.json.secret);
  });

  it('changes a router, regenerates its secret and removes it', async () => {
    const made = await api.call('POST', '/api/v1/nas', {
      body: { name: 'hall', address: '2001:db8::1', secret: 'correct horse battery' },
    });
    const id = made.json.nas.id as number;
    expect(made.json.secret).toBe('correct horse battery');
    const patched = await api.call('PATCH', `/api/v1/nas/${id}`, {
      body: { coaPort: 1700, requireMessageAuthenticator: false, uamSecret: 'uam-shared' },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      coaPort: 1700,
      requireMessageAuthenticator: false,
      hasUamSecret: true,
    });
    expect(await api.services.nas.get(id)).toMatchObject({
      coaPort: 1700,
      uamSecret: 'uam-shared',
    });

    const fresh = await api.call('POST', `/api/v1/nas/${id}/secret`);
    expect(fresh.status).toBe(200);
    expect(fresh.json.secret).not.toBe('correct horse battery');
    expect((await api.services.nas.get(id)).secret).toBe(fresh.json.secret);
    const audit = (await api.services.audit.list(5)).map((e) => e.action);
    expect(audit.slice(0, 3)).toEqual(['nas.update', 'nas.update', 'nas.add']);
    expect(JSON.stringify(api.services.audit.list(5))).not.toContain(fresh.json.secret);

    const del = await api.call('DELETE', `/api/v1/nas/${id}`);
    expect(del.status).toBe(204);
    expect(count(api.db, 'SELECT COUNT(*) FROM nas_clients')).toBe(0);
    expect((await api.call('GET', `/api/v1/nas/${id}`)).status).toBe(404);
    expect((await api.call('DELETE', `/api/v1/nas/${id}`)).status).toBe(404);
    expect((await api.call('PATCH', `/api/v1/nas/${id}`, { body: {} })).status).toBe(404);
  });

  it("sets, shows and changes a router's login hosts", async () => {
    const made = await api.call('POST', '/api/v1/nas', {
      body: {
        name: 'lobby',
        address: '192.0.2.10',
        loginHosts: ['Login.Hotspot.LAN', '203.0.113.7'],
      },
    });
    expect(made.status).toBe(201);
    expect(made.json.nas.loginHosts).toEqual(['login.hotspot.lan', '203.0.113.7']);
    const id = made.json.nas.id as number;
    expect((await api.call('GET', `/api/v1/nas/${id}`)).json.loginHosts).toEqual([
      'login.hotspot.lan',
      '203.0.113.7',
    ]);
    const kept = await api.call('PATCH', `/api/v1/nas/${id}`, { body: { coaPort: 1700 } });
    expect(kept.json.loginHosts).toEqual(['login.hotspot.lan', '203.0.113.7']);
    const cleared = await api.call('PATCH', `/api/v1/nas/${id}`, { body: { loginHosts: [] } });
    expect(cleared.json.loginHosts).toEqual([]);
    expect((await api.services.nas.get(id)).loginHosts).toEqual([]);
    const many = Array.from({ length: 21 }, (_, i) => `ap${i}.lan`);
    const tooMany = await api.call('PATCH', `/api/v1/nas/${id}`, { body: { loginHosts: many } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.fields[0].field).toBe('loginHosts');
  });

  it('refuses bad routers with the field named, and a duplicate with 409', async () => {
    for (const [body, field] of [
      [{ name: 'x', address: 'router.local' }, 'address'],
      [{ name: 'x', address: '192.0.2.1', coaPort: 70000 }, 'coaPort'],
      [{ name: 'x', address: '192.0.2.1', vendor: 'cisco' }, 'vendor'],
      [{ name: 'x', address: '192.0.2.1', secret: 'short' }, 'secret'],
      [{ address: '192.0.2.1' }, 'name'],
      [{ name: 'x', address: '192.0.2.1', loginHosts: ['http://evil.example/'] }, 'loginHosts'],
    ] as const) {
      const r = await api.call('POST', '/api/v1/nas', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.fields[0].field).toBe(field);
    }
    expect(count(api.db, 'SELECT COUNT(*) FROM nas_clients')).toBe(0);
    await api.call('POST', '/api/v1/nas', { body: { name: 'a', address: '192.0.2.1' } });
    const dup = await api.call('POST', '/api/v1/nas', {
      body: { name: 'b', address: '192.0.2.1' },
    });
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toBe('PORTICO_CONFLICT');
  });
});

describe('/api/v1/lockouts', () => {
  it('lists lockouts and clears one', async () => {
    // An address is shared by many guests: past 100 wrong codes it is only slowed, to one
    // code per 3-second slot for attempts without a clean device.
    for (let i = 0; i < 101; i++) await api.services.lockouts.recordFailure(['ip:192.0.2.7']);
    await api.services.lockouts.recordFailure(['mac:aa-bb-cc-dd-ee-ff']);
    const list = await api.call('GET', '/api/v1/lockouts', { key: api.staffKey });
    expect(list.status).toBe(200);
    const ip = list.json.lockouts.find((l: { key: string }) => l.key === 'ip:192.0.2.7');
    expect(ip).toMatchObject({
      failures: 101,
      locked: true,
      lockedUntil: '2026-12-01T11:00:03+01:00',
    });
    expect(list.json.lockouts).toHaveLength(2);

    const cleared = await api.call(
      'DELETE',
      `/api/v1/lockouts/${encodeURIComponent('ip:192.0.2.7')}`,
      {
        key: api.staffKey,
      },
    );
    expect(cleared.status).toBe(204);
    expect((await api.services.lockouts.check(['ip:192.0.2.7'])).locked).toBe(false);
    expect((await api.services.audit.list(1))[0]).toMatchObject({
      action: 'lockout.clear',
      targetId: 'ip:192.0.2.7',
    });
    const again = await api.call(
      'DELETE',
      `/api/v1/lockouts/${encodeURIComponent('ip:192.0.2.7')}`,
    );
    expect(again.status).toBe(404);
  });
});

describe('/api/v1/lockouts of staff sign-ins', () => {
  it('are cleared by admin keys only', async () => {
    for (let i = 0; i < 6; i++) await api.services.lockouts.recordFailure(['staff:admin']);
    const path = `/api/v1/lockouts/${encodeURIComponent('staff:admin')}`;
    const refused = await api.call('DELETE', path, { key: api.staffKey });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('PORTICO_FORBIDDEN');
    expect((await api.services.lockouts.check(['staff:admin'])).locked).toBe(true);
    const cleared = await api.call('DELETE', path, { key: api.adminKey });
    expect(cleared.status).toBe(204);
    expect((await api.services.lockouts.check(['staff:admin'])).locked).toBe(false);
  });
});

describe('/api/v1/audit', () => {
  it('shows who did what, newest first, to admin keys only', async () => {
    await api.call('POST', '/api/v1/tokens', {
      key: api.staffKey,
      body: { minutes: 60, count: 3, batchName: 'Audit' },
    });
    await api.call('GET', '/api/v1/tokens/export.csv', { key: api.staffKey });
    const r = await api.call('GET', '/api/v1/audit?limit=2');
    expect(r.status).toBe(200);
    expect(r.json.entries.map((e: { action: string }) => e.action)).toEqual([
      'tokens.export',
      'tokens.bulk_create',
    ]);
    expect(r.json.entries[1]).toMatchObject({
      actor: expect.stringMatching(/^api:desk#/),
      targetType: 'batch',
      at: '2026-12-01T11:00:00+01:00',
      details: { count: 3 },
    });
    expect((await api.call('GET', '/api/v1/audit', { key: api.staffKey })).status).toBe(403);
  });
});
