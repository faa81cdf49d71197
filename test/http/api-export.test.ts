import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../src/services/csv-export.js';
import { makeApi, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
beforeEach(async () => {
  api = await makeApi();
});
afterEach(async () => {
  await api.close();
});

/** parseCsv splits RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (quoted) {
      cell += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  return rows;
}

describe('GET /api/v1/tokens/export.csv', () => {
  it('streams every matching token (several pages) with the documented columns', async () => {
    const made = await api.call('POST', '/api/v1/tokens', {
      body: { minutes: 90, count: 2500, batchName: 'Conference', validUntil: '2026-12-03' },
    });
    await api.call('POST', '/api/v1/tokens', { body: { minutes: 15 } });
    const r = await api.app.inject({
      url: `/api/v1/tokens/export.csv?batch=${made.json.batchId}`,
      headers: { authorization: `Bearer ${api.staffKey}` },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.headers['content-disposition']).toMatch(/attachment; filename="tokens.csv"/);
    expect(r.body.charCodeAt(0)).not.toBe(0xfeff);
    const rows = parseCsv(r.body);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(2501);
    const codes = new Set(rows.slice(1).map((row) => row[0]));
    expect(codes).toEqual(new Set(made.json.tokens.map((t: { code: string }) => t.code)));
    expect(rows[1]).toEqual([
      made.json.tokens[0].code,
      '90',
      '0',
      '90',
      '',
      '2026-12-04T00:00:00+01:00',
      '1',
      '',
      'Conference',
      'unused',
      '2026-12-01T11:00:00+01:00',
    ]);
    expect((await api.services.audit.list(1))[0]).toMatchObject({
      action: 'tokens.export',
      targetType: 'batch',
      targetId: String(made.json.batchId),
    });
  });

  it('neutralises formula cells, quotes commas and offers a BOM for Excel', async () => {
    await api.call('POST', '/api/v1/tokens', {
      body: { minutes: 60, description: '=HYPERLINK("http://evil.example","click")' },
    });
    await api.call('POST', '/api/v1/tokens', { body: { minutes: 60, description: '@SUM(A1)' } });
    await api.call('POST', '/api/v1/tokens', {
      body: { minutes: 60, description: 'Room 4, "Ada" café' },
    });
    const r = await api.app.inject({
      url: '/api/v1/tokens/export.csv?bom=1',
      headers: { authorization: `Bearer ${api.adminKey}` },
    });
    expect(r.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = parseCsv(r.body.slice(1));
    const descriptions = rows.slice(1).map((row) => row[7]);
    expect(descriptions).toEqual([
      '\'=HYPERLINK("http://evil.example","click")',
      "'@SUM(A1)",
      'Room 4, "Ada" café',
    ]);
  });

  it('filters like the list and refuses a bad filter', async () => {
    const t = await api.call('POST', '/api/v1/tokens', { body: { minutes: 60, count: 3 } });
    await api.call('POST', `/api/v1/tokens/${t.json.tokens[1].code}/revoke`);
    const r = await api.call('GET', '/api/v1/tokens/export.csv?state=revoked');
    expect(parseCsv(r.body).map((row) => row[0])).toEqual(['code', t.json.tokens[1].code]);
    const bad = await api.call('GET', '/api/v1/tokens/export.csv?state=gone');
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields[0].field).toBe('state');
    expect((await api.call('GET', '/api/v1/tokens/export.csv', { key: null })).status).toBe(401);
  });

  it('does not block writes while an export is part-way through', async () => {
    await api.call('POST', '/api/v1/tokens', { body: { minutes: 60, count: 2500 } });
    const rows = api.services.tokens.iterate({});
    let seen = 0;
    while (seen < 10 && !(await rows.next()).done) seen++;
    // Mid-export (the generator is suspended, as it is while a slow client reads), a write
    // must still go through: better-sqlite3 refuses writes while a statement is iterating.
    const during = await api.call('POST', '/api/v1/tokens', { body: { minutes: 5 } });
    expect(during.status).toBe(201);
    for await (const _ of rows) seen++;
    expect(seen).toBeGreaterThanOrEqual(2500);
  });
});
