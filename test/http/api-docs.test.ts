import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeApi, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
beforeEach(async () => {
  api = await makeApi();
});
afterEach(async () => {
  await api.close();
});

/** ROUTES is every /api/v1 endpoint; the document must describe each one. */
const ROUTES = [
  'GET /api/v1/tokens',
  'POST /api/v1/tokens',
  'GET /api/v1/tokens/export.csv',
  'GET /api/v1/tokens/{code}',
  'PATCH /api/v1/tokens/{code}',
  'DELETE /api/v1/tokens/{code}',
  'POST /api/v1/tokens/{code}/email',
  'POST /api/v1/tokens/{code}/revoke',
  'POST /api/v1/tokens/delete',
  'GET /api/v1/batches',
  'GET /api/v1/batches/{id}',
  'DELETE /api/v1/batches/{id}',
  'GET /api/v1/sessions/live',
  'GET /api/v1/sessions',
  'GET /api/v1/sessions/{id}',
  'POST /api/v1/sessions/{id}/disconnect',
  'GET /api/v1/lockouts',
  'DELETE /api/v1/lockouts/{key}',
  'GET /api/v1/nas',
  'POST /api/v1/nas',
  'GET /api/v1/nas/{id}',
  'PATCH /api/v1/nas/{id}',
  'DELETE /api/v1/nas/{id}',
  'POST /api/v1/nas/{id}/secret',
  'GET /api/v1/settings',
  'PATCH /api/v1/settings',
  'GET /api/v1/me',
  'GET /api/v1/api-keys',
  'POST /api/v1/api-keys',
  'POST /api/v1/api-keys/{id}/revoke',
  'GET /api/v1/audit',
  'GET /api/v1/tokens/{code}/devices',
  'POST /api/v1/tokens/{code}/devices/{mac}/sign-out',
  'POST /api/v1/bookings/{externalId}',
  'PUT /api/v1/bookings/{externalId}',
  'GET /api/v1/bookings/{externalId}',
  'DELETE /api/v1/bookings/{externalId}',
  'GET /api/v1/bookings',
  'POST /api/v1/bookings',
  'POST /api/v1/bookings/{id}/cancel',
  'POST /api/v1/bookings/{id}/resend',
  'POST /api/v1/visitors',
  'GET /api/v1/feeds',
  'POST /api/v1/feeds',
  'GET /api/v1/feeds/{id}',
  'PUT /api/v1/feeds/{id}',
  'DELETE /api/v1/feeds/{id}',
  'POST /api/v1/feeds/{id}/poll',
].sort();

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document listing every route, without a key', async () => {
    const r = await api.call('GET', '/api/docs/json', { key: null });
    expect(r.status).toBe(200);
    const doc = r.json;
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');

    const listed = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(listed).toEqual(ROUTES);

    // The same document at /api/openapi.json.
    const again = await api.call('GET', '/api/openapi.json', { key: null });
    expect(again.json.paths).toEqual(doc.paths);
  });

  it('documents the bearer key, and gives every operation a summary, tag and error shape', async () => {
    const doc = (await api.call('GET', '/api/docs/json', { key: null })).json;
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.apiKeyHeader).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    expect(doc.security).toEqual([{ bearer: [] }, { apiKeyHeader: [] }]);
    const paths: Record<string, Record<string, typeof doc>> = doc.paths;
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect(op.summary, where).toBeTruthy();
        expect(op.tags?.length, where).toBe(1);
        expect(op.responses['401'], where).toBeDefined();
        const error = op.responses['401'].content['application/json'].schema;
        expect(error.properties.error.required, where).toEqual(['code', 'message']);
        const body = op.requestBody?.content['application/json'];
        if (body) expect(body.example ?? body.examples, where).toBeDefined();
      }
    }
    const create = doc.paths['/api/v1/tokens'].post;
    const body = create.requestBody.content['application/json'].schema;
    expect(body.properties.count).toMatchObject({ maximum: 10_000 });
    expect(body.properties.minutes.description).toMatch(/metered/);
    expect(JSON.stringify(create)).toContain('Open Day');
  });

  it('serves the Swagger UI from its own files, with nothing external', async () => {
    const page = await api.app.inject({ url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) {
      expect(ref, ref).toMatch(/^(\/api\/docs\/|\.\/)/);
      const asset = await api.app.inject({ url: ref.replace(/^\.\//, '/api/docs/') });
      expect(asset.statusCode, ref).toBe(200);
    }
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).not.toMatch(/https:|swagger\.io|upgrade-insecure-requests/);
  });
});
