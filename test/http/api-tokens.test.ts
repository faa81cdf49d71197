import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { count, makeApi, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
beforeEach(async () => {
  api = await makeApi();
});
afterEach(async () => {
  await api.close();
});

const GROUPED = /^[0-9A-Z]{4}-[0-9A-Z]{4}$/;

describe('POST /api/v1/tokens', () => {
  it('creates one token with its limits, dates in the venue zone, audited', async () => {
    const r = await api.call('POST', '/api/v1/tokens', {
      key: api.staffKey,
      body: {
        minutes: 120,
        maxDevices: 2,
        validUntil: '2026-12-03T17:40',
        description: 'Acme visitor',
        rateDownKbps: 4000,
      },
    });
    expect(r.status).toBe(201);
    expect(r.json.count).toBe(1);
    expect(r.json.batchId).toBeNull();
    const t = r.json.tokens[0];
    expect(t.code).toMatch(GROUPED);
    expect(t).toMatchObject({
      state: 'unused',
      minutes: 120,
      minutesLeft: 120,
      maxDevices: 2,
      validUntil: '2026-12-03T17:40:00+01:00',
      createdAt: '2026-12-01T11:00:00+01:00',
      description: 'Acme visitor',
      rateDownKbps: 4000,
      source: 'api',
    });
    expect(t.summary).toMatch(/120 minutes/);
    const stored = await api.services.tokens.get(t.code);
    expect(stored.validUntil).toBe(Date.parse('2026-12-03T16:40:00Z'));
    expect(stored.createdBy).toMatch(/^api:desk#\d+$/);
    expect((await api.services.audit.list(1))[0]).toMatchObject({
      action: 'token.create',
      actor: stored.createdBy,
      targetId: String(stored.id),
    });
  });

  it('refuses bad bodies with 400 naming the field, and creates nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{ minutes: 'lots' }, 'minutes'],
      [{ minutes: 0 }, 'minutes'],
      [{ minutes: 60, count: 10_001 }, 'count'],
      [{ minutes: 60, whenFull: 'kick' }, 'whenFull'],
      [{ minutes: 60, validUntil: 'next tuesday' }, 'validUntil'],
      [{ minutes: 60, validFrom: '2026-12-05', validUntil: '2026-12-04T00:00' }, 'validUntil'],
      [{ description: 'no limit at all' }, 'minutes'],
      [{ minutes: 60, description: 'x'.repeat(501) }, 'description'],
      [['not', 'an', 'object'], 'body'],
      [{ minutes: 60, cuont: 3 }, 'cuont'],
    ];
    for (const [body, field] of cases) {
      const r = await api.call('POST', '/api/v1/tokens', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.code).toBe('PORTICO_BAD_INPUT');
      expect(r.json.error.fields.map((f: { field: string }) => f.field)).toContain(field);
      expect(r.json.error.message).toContain(field);
    }
    const broken = await api.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' },
      payload: '{"minutes": 60,',
    });
    expect(broken.statusCode).toBe(400);
    expect(count(api.db, 'SELECT COUNT(*) FROM tokens')).toBe(0);
  });

  it('creates 10,000 tokens as one batch with unique codes', async () => {
    const r = await api.call('POST', '/api/v1/tokens', {
      body: { minutes: 240, count: 10_000, batchName: 'Open Day' },
    });
    expect(r.status).toBe(201);
    expect(r.json.count).toBe(10_000);
    const codes = new Set(r.json.tokens.map((t: { code: string }) => t.code));
    expect(codes.size).toBe(10_000);
    expect(count(api.db, 'SELECT COUNT(*) FROM tokens WHERE batch_id = ?', r.json.batchId)).toBe(
      10_000,
    );
    expect(count(api.db, 'SELECT COUNT(DISTINCT code) FROM tokens')).toBe(10_000);
    expect(count(api.db, 'SELECT COUNT(*) FROM batches')).toBe(1);
    const batch = await api.call('GET', `/api/v1/batches/${r.json.batchId}`);
    expect(batch.json).toMatchObject({ name: 'Open Day', total: 10_000 });
    expect(batch.json.counts.unused).toBe(10_000);
  });

  it('keeps nothing of a bulk create that fails part-way: one transaction', async () => {
    // A real failure from SQLite itself at the 5,001st insert, as a full disk would give.
    api.db.exec(`CREATE TRIGGER fail_midway BEFORE INSERT ON tokens
      WHEN (SELECT COUNT(*) FROM tokens) >= 5000
      BEGIN SELECT RAISE(ABORT, 'simulated failure at token 5001'); END`);
    const r = await api.call('POST', '/api/v1/tokens', {
      body: { minutes: 60, count: 10_000, batchName: 'Doomed' },
    });
    expect(r.status).toBe(500);
    expect(r.json.error.code).toBe('PORTICO_INTERNAL');
    expect(r.body).not.toContain('simulated');
    expect(count(api.db, 'SELECT COUNT(*) FROM tokens')).toBe(0);
    expect(count(api.db, 'SELECT COUNT(*) FROM batches')).toBe(0);
    expect(count(api.db, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'token%'")).toBe(0);

    api.db.exec('DROP TRIGGER fail_midway');
    const ok = await api.call('POST', '/api/v1/tokens', {
      body: { minutes: 60, count: 6000, batchName: 'Retry' },
    });
    expect(ok.status).toBe(201);
    expect(count(api.db, 'SELECT COUNT(*) FROM tokens')).toBe(6000);
  });
});

describe('GET /api/v1/tokens', () => {
  it('filters by state, batch and text, sorts, pages and counts', async () => {
    const bulk = await api.call('POST', '/api/v1/tokens', {
      body: { minutes: 60, count: 5, batchName: 'Workshop' },
    });
    const single = await api.call('POST', '/api/v1/tokens', {
      body: { minutes: 30, description: 'Front desk spare' },
    });
    const later = await api.call('POST', '/api/v1/tokens', {
      body: { minutes: 30, validFrom: '2026-12-24' },
    });
    await api.call('POST', `/api/v1/tokens/${bulk.json.tokens[0].code}/revoke`);

    const all = await api.call('GET', '/api/v1/tokens', { key: api.staffKey });
    expect(all.status).toBe(200);
    expect(all.json.total).toBe(7);
    expect(all.json.counts).toEqual({
      scheduled: 1,
      unused: 5,
      active: 0,
      online: 0,
      depleted: 0,
      expired: 0,
      revoked: 1,
    });

    const revoked = await api.call('GET', '/api/v1/tokens?state=revoked');
    expect(revoked.json.tokens.map((t: { code: string }) => t.code)).toEqual([
      bulk.json.tokens[0].code,
    ]);
    expect(revoked.json.total).toBe(1);

    const batch = await api.call('GET', `/api/v1/tokens?batch=${bulk.json.batchId}`);
    expect(batch.json.total).toBe(5);

    const text = await api.call('GET', '/api/v1/tokens?q=desk%20spare');
    expect(text.json.tokens.map((t: { code: string }) => t.code)).toEqual([
      single.json.tokens[0].code,
    ]);
    const prefix = single.json.tokens[0].code.slice(0, 4).toLowerCase();
    const byCode = await api.call('GET', `/api/v1/tokens?q=${prefix}`);
    expect(byCode.json.tokens.map((t: { code: string }) => t.code)).toContain(
      single.json.tokens[0].code,
    );

    const sorted = await api.call('GET', '/api/v1/tokens?sort=code&limit=3&offset=2');
    const every = (await api.call('GET', '/api/v1/tokens?sort=code&limit=100')).json.tokens.map(
      (t: { code: string }) => t.code,
    );
    expect(every).toEqual([...every].sort());
    expect(sorted.json.tokens.map((t: { code: string }) => t.code)).toEqual(every.slice(2, 5));
    expect(sorted.json).toMatchObject({ limit: 3, offset: 2, total: 7 });
    expect(later.json.tokens[0].state).toBe('scheduled');
  });

  it('refuses bad query parameters with the parameter named', async () => {
    for (const [qs, field] of [
      ['state=lost', 'state'],
      ['limit=0', 'limit'],
      ['limit=5000', 'limit'],
      ['offset=-1', 'offset'],
      ['sort=price', 'sort'],
      ['batch=abc', 'batch'],
      ['stat=online', 'stat'],
    ]) {
      const r = await api.call('GET', `/api/v1/tokens?${qs}`);
      expect(r.status, qs).toBe(400);
      expect(r.json.error.fields[0].field).toBe(field);
    }
  });
});

describe('one token', () => {
  async function oneToken(body: Record<string, unknown> = { minutes: 60 }) {
    const r = await api.call('POST', '/api/v1/tokens', { body });
    return r.json.tokens[0] as { id: number; code: string };
  }

  it('shows a token by its code in any case, with or without the dash', async () => {
    const t = await oneToken();
    const r = await api.call('GET', `/api/v1/tokens/${t.code.toLowerCase().replace('-', '')}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: t.id, code: t.code, minutes: 60 });
    const missing = await api.call('GET', '/api/v1/tokens/ZZZZ-ZZZZ');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('PORTICO_NOT_FOUND');
  });

  it('changes a token: adds minutes, moves the window, clears a limit', async () => {
    const t = await oneToken({ minutes: 60, rateUpKbps: 512, description: 'old' });
    const r = await api.call('PATCH', `/api/v1/tokens/${t.code}`, {
      key: api.staffKey,
      body: { addMinutes: 30, validUntil: '2026-12-31', rateUpKbps: null, description: 'new' },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      minutes: 90,
      validUntil: '2027-01-01T00:00:00+01:00',
      rateUpKbps: null,
      description: 'new',
    });
    const stored = await api.services.tokens.get(t.id);
    expect(stored).toMatchObject({ minutes: 90, rateUpKbps: null, description: 'new' });
    expect((await api.services.audit.list(1))[0]).toMatchObject({
      action: 'token.update',
      targetId: String(t.id),
    });
  });

  it('refuses a bad change with the field named and leaves the token as it was', async () => {
    const t = await oneToken();
    for (const [body, field] of [
      [{ addMinutes: -5 }, 'addMinutes'],
      [{ maxDevices: 0 }, 'maxDevices'],
      [{ validUntil: '31/12/2026' }, 'validUntil'],
      [{ minuts: 90 }, 'minuts'],
    ] as const) {
      const r = await api.call('PATCH', `/api/v1/tokens/${t.code}`, { body });
      expect(r.status).toBe(400);
      expect(r.json.error.fields[0].field).toBe(field);
    }
    expect(await api.services.tokens.get(t.id)).toMatchObject({ minutes: 60, maxDevices: 1 });
    expect((await api.call('PATCH', '/api/v1/tokens/ZZZZ-ZZZZ', { body: {} })).status).toBe(404);
  });

  it('revokes a token', async () => {
    const t = await oneToken();
    const r = await api.call('POST', `/api/v1/tokens/${t.code}/revoke`, { key: api.staffKey });
    expect(r.status).toBe(200);
    expect(r.json.state).toBe('revoked');
    expect(r.json.revokedAt).toBe('2026-12-01T11:00:00+01:00');
    expect((await api.services.tokens.get(t.id)).revokedAt).toBe(api.clock.now());
    expect((await api.call('POST', '/api/v1/tokens/ZZZZ-ZZZZ/revoke')).status).toBe(404);
  });

  it('deletes a token, keeping its row for history', async () => {
    const t = await oneToken();
    const r = await api.call('DELETE', `/api/v1/tokens/${t.code}`, { key: api.staffKey });
    expect(r.status).toBe(204);
    expect(r.body).toBe('');
    expect((await api.call('GET', `/api/v1/tokens/${t.code}`)).status).toBe(404);
    expect(count(api.db, 'SELECT deleted_at FROM tokens WHERE id = ?', t.id)).toBe(api.clock.now());
    expect((await api.call('DELETE', `/api/v1/tokens/${t.code}`)).status).toBe(404);
  });

  it('deletes a list of tokens in one go and reports unknown codes', async () => {
    const r1 = await api.call('POST', '/api/v1/tokens', { body: { minutes: 60, count: 4 } });
    const codes = r1.json.tokens.map((t: { code: string }) => t.code);
    const r = await api.call('POST', '/api/v1/tokens/delete', {
      key: api.staffKey,
      body: { codes: [codes[0], codes[1].toLowerCase(), 'ZZZZ-ZZZZ'] },
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ deleted: 2, missing: ['ZZZZ-ZZZZ'] });
    const left = await api.call('GET', '/api/v1/tokens');
    expect(left.json.tokens.map((t: { code: string }) => t.code).sort()).toEqual(
      [codes[2], codes[3]].sort(),
    );
    const empty = await api.call('POST', '/api/v1/tokens/delete', { body: { codes: [] } });
    expect(empty.status).toBe(400);
    expect(empty.json.error.fields[0].field).toBe('codes');
  });
});

describe('/api/v1/batches', () => {
  it('shows, lists and deletes a whole batch', async () => {
    const made = await api.call('POST', '/api/v1/tokens', {
      body: { minutes: 60, count: 20, batchName: 'Hackathon' },
    });
    await api.call('POST', '/api/v1/tokens', { body: { minutes: 60 } });
    const id = made.json.batchId as number;
    const shown = await api.call('GET', `/api/v1/batches/${id}`, { key: api.staffKey });
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({
      id,
      name: 'Hackathon',
      total: 20,
      createdAt: '2026-12-01T11:00:00+01:00',
    });
    const list = await api.call('GET', '/api/v1/batches');
    expect(list.json.batches).toEqual([
      { id, name: 'Hackathon', createdAt: '2026-12-01T11:00:00+01:00', tokens: 20 },
    ]);
    const del = await api.call('DELETE', `/api/v1/batches/${id}`, { key: api.staffKey });
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ deleted: 20 });
    expect(count(api.db, 'SELECT COUNT(*) FROM tokens WHERE deleted_at IS NULL')).toBe(1);
    expect((await api.services.audit.list(1))[0]).toMatchObject({
      action: 'batch.delete',
      targetId: String(id),
    });
    expect((await api.call('GET', '/api/v1/batches/999')).status).toBe(404);
    expect((await api.call('DELETE', '/api/v1/batches/999')).status).toBe(404);
    expect((await api.call('GET', '/api/v1/batches/abc')).json.error.fields[0].field).toBe('id');
  });
});
