// Access Tokens pages through app.inject: add with preview and validation, bulk, list filters,
// change, revoke, delete with confirmation, streamed CSV export and printable cards.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ADMIN, signedIn, STAFF, type AdminFixture, type Browser } from './admin-fixture.js';

let f: AdminFixture;
let b: Browser;
let csrf: string;
beforeEach(async () => {
  ({ f, b, csrf } = await signedIn(STAFF));
});
afterEach(async () => {
  await f.close();
});

const bulk = async (count: number, batchName: string, extra: Record<string, string> = {}) => {
  const r = await b.post('/admin/tokens/bulk', {
    _csrf: csrf,
    action: 'create',
    count: String(count),
    batchName,
    minutesPreset: '240',
    ...extra,
  });
  expect(r.status).toBe(303);
  const batchId = Number(/batch=(\d+)/.exec(r.location ?? '')?.[1]);
  return { r, batchId };
};

describe('add a token', () => {
  test('creates it and shows the code in large type with the plain sentence', async () => {
    const r = await b.post('/admin/tokens', {
      _csrf: csrf,
      action: 'create',
      minutesPreset: '120',
      description: 'Desk 4',
      maxDevices: '2',
      validUntil: '2026-12-01T17:40',
    });
    expect(r.status).toBe(303);
    expect(r.location).toMatch(/^\/admin\/tokens\/\d+\?created=1$/);
    const page = await b.get(r.location as string);
    const t = (await f.services.tokens.list({})).tokens[0];
    expect(t?.description).toBe('Desk 4');
    expect(page.body).toContain('New token created');
    const code = `${t?.code.slice(0, 4)}-${t?.code.slice(4)}`;
    expect(page.body).toMatch(new RegExp(`id="token-code">${code}<`));
    expect(page.body).toContain(
      'works until today 17:40 or 120 minutes online, whichever comes first, on up to 2 devices',
    );
  });

  test('Preview shows the sentence without creating anything', async () => {
    const r = await b.post('/admin/tokens', {
      _csrf: csrf,
      action: 'preview',
      minutesPreset: 'custom',
      minutes: '90',
      expiresAfterFirstUseMinutes: '1440',
    });
    expect(r.status).toBe(200);
    expect(r.body).toContain(
      'works for 90 minutes online or 1 day after first use, whichever comes first, on 1 device',
    );
    expect(r.body).toMatch(/<option value="custom" selected>/);
    expect((await f.services.tokens.list({})).total).toBe(0);
  });

  test('the live preview endpoint answers JSON for the small script', async () => {
    const r = await f.app.inject({
      method: 'POST',
      url: '/admin/tokens/preview',
      headers: {
        cookie: `portico_staff=${b.cookies.get('portico_staff')}`,
        'x-csrf-token': csrf,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'minutesPreset=60&maxDevices=3',
    });
    expect(r.json()).toEqual({ summary: 'works for 60 minutes online, on up to 3 devices' });
  });

  test('a bad field re-renders the form with the message next to it and keeps the input', async () => {
    const r = await b.post('/admin/tokens', {
      _csrf: csrf,
      action: 'create',
      minutesPreset: '60',
      description: 'Kept text',
      validFrom: '2026-12-05T10:00',
      validUntil: '2026-12-04T10:00',
      maxDevices: '0',
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/id="e-validUntil">Valid until must be after valid from</);
    expect(r.body).toMatch(/id="e-maxDevices">Devices at the same time must be a whole number/);
    expect(r.body).toContain('value="Kept text"');
    expect(r.body).toMatch(/id="f-validUntil"[^>]*aria-invalid="true"/);
    expect((await f.services.tokens.list({})).total).toBe(0);
  });

  test('custom minutes must be a positive whole number', async () => {
    const r = await b.post('/admin/tokens', {
      _csrf: csrf,
      action: 'create',
      minutesPreset: 'custom',
      minutes: '-5',
    });
    expect(r.status).toBe(400);
    // By the field that holds the bad value, with one rule, not under the drop-down.
    expect(r.body).toMatch(
      /id="e-minutes">Custom minutes must be a whole number from 1 to 5256000</,
    );
    expect(r.body).toMatch(/id="f-minutes"[^>]*aria-invalid="true"/);
    expect(r.body).not.toContain('id="e-minutesPreset"');
    expect(r.body).not.toContain('is required unless');
    const sci = await b.post('/admin/tokens', {
      _csrf: csrf,
      action: 'create',
      minutesPreset: 'custom',
      minutes: '1e3',
    });
    expect(sci.status).toBe(400);
    expect((await f.services.tokens.list({})).total).toBe(0);
  });

  test('descriptions are escaped wherever they are shown', async () => {
    await b.post('/admin/tokens', {
      _csrf: csrf,
      action: 'create',
      minutesPreset: '30',
      description: '<script>alert(1)</script>',
    });
    const list = await b.get('/admin/tokens');
    expect(list.body).not.toContain('<script>alert(1)</script>');
    expect(list.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('bulk and the list', () => {
  test('creates 100 tokens for "Open Day" and lists them as a batch with counts', async () => {
    const { r, batchId } = await bulk(100, 'Open Day');
    expect(r.location).toBe(`/admin/tokens?batch=${batchId}&created=100`);
    const page = await b.get(r.location as string);
    expect(page.body).toContain('Batch: Open Day');
    expect(page.body).toContain('Created 100 tokens for &quot;Open Day&quot;');
    expect(page.body).toMatch(/100 tokens, page 1 of 2/);
    expect(page.body.match(/<tr class="">/g)).toHaveLength(50);
    const second = await b.get(`/admin/tokens?batch=${batchId}&page=2`);
    expect(second.body.match(/<tr class="">/g)).toHaveLength(50);
    expect((await f.services.audit.list(10)).some((e) => e.action === 'tokens.bulk_create')).toBe(
      true,
    );
  });

  test('a bulk request makes at most 10,000 tokens', async () => {
    const r = await b.post('/admin/tokens/bulk', {
      _csrf: csrf,
      action: 'create',
      count: '10001',
      batchName: 'Too many',
      minutesPreset: '60',
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/id="e-count">How many must be a whole number from 1 to 10000/);
    expect((await f.services.tokens.list({})).total).toBe(0);
  });

  test('filters by state, batch and text, and counts per state', async () => {
    const { batchId } = await bulk(3, 'Workshop');
    await b.post('/admin/tokens', {
      _csrf: csrf,
      action: 'create',
      minutesPreset: '60',
      description: 'Room 12 projector',
    });
    const one = (await f.services.tokens.list({ batchId })).tokens[0];
    await f.services.tokens.revoke(one?.id as number, 'test');

    const revoked = await b.get('/admin/tokens?state=revoked');
    expect(revoked.body).toMatch(/1 token revoked, page 1 of 1/);
    expect(revoked.body).toMatch(/s-revoked">revoked<\/span>\s*<strong>1<\/strong>/);
    expect(revoked.body).toMatch(/s-unused">unused<\/span>\s*<strong>3<\/strong>/);

    const text = await b.get('/admin/tokens?q=projector');
    expect(text.body).toMatch(/1 token, page 1 of 1/);
    expect(text.body).toContain('Room 12 projector');

    const code = await b.get(`/admin/tokens?q=${one?.code.slice(0, 6).toLowerCase()}`);
    expect(code.body).toMatch(/1 token, page 1 of 1/);

    const batch = await b.get(`/admin/tokens?batch=${batchId}&state=unused`);
    expect(batch.body).toMatch(/2 tokens unused, page 1 of 1/);
  });
});

describe('change, revoke, delete', () => {
  const makeOne = async () => {
    const r = await b.post('/admin/tokens', { _csrf: csrf, action: 'create', minutesPreset: '60' });
    return Number(/tokens\/(\d+)/.exec(r.location ?? '')?.[1]);
  };

  test('adds minutes and extends the window', async () => {
    const id = await makeOne();
    const add = await b.post(`/admin/tokens/${id}/add-minutes`, { _csrf: csrf, addMinutes: '30' });
    expect(add.location).toBe(`/admin/tokens/${id}?done=minutes&n=30`);
    expect((await b.get(add.location as string)).body).toContain('Added 30 minutes.');
    expect((await f.services.tokens.get(id)).minutes).toBe(90);
    // An empty field changes nothing, and the page says so instead of "Minutes added."
    const empty = await b.post(`/admin/tokens/${id}/add-minutes`, { _csrf: csrf, addMinutes: '' });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatch(/id="e-addMinutes">Minutes to add is empty/);
    expect(empty.body).not.toMatch(/Minutes added|Added \d+ minute/);
    expect((await f.services.tokens.get(id)).minutes).toBe(90);
    const limits = await b.post(`/admin/tokens/${id}/limits`, {
      _csrf: csrf,
      validFrom: '',
      validUntil: '2026-12-24T18:00',
      maxDevices: '3',
      description: 'Extended',
    });
    expect(limits.location).toBe(
      `/admin/tokens/${id}?done=limits&what=${encodeURIComponent('valid until,devices,description')}`,
    );
    const page = await b.get(limits.location as string);
    expect(page.body).toContain('Changed valid until, devices, description.');
    const same = await b.post(`/admin/tokens/${id}/limits`, {
      _csrf: csrf,
      validFrom: '',
      validUntil: '2026-12-24T18:00',
      maxDevices: '3',
      description: 'Extended',
    });
    expect((await b.get(same.location as string)).body).toContain('Nothing changed');
    // A notice name that is not ours (an inherited property) shows nothing.
    const odd = await b.get(`/admin/tokens/${id}?done=constructor`);
    expect(odd.body).not.toContain('function Object');
    expect(page.body).toContain(
      'works until 24 Dec 18:00 or 90 minutes online, whichever comes first, on up to 3 devices',
    );
    const bad = await b.post(`/admin/tokens/${id}/add-minutes`, { _csrf: csrf, addMinutes: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/id="e-addMinutes">Minutes to add must be a whole number/);
  });

  test('revokes', async () => {
    const id = await makeOne();
    const r = await b.post(`/admin/tokens/${id}/revoke`, { _csrf: csrf });
    expect(r.location).toBe(`/admin/tokens/${id}?done=revoked`);
    expect((await f.services.tokens.get(id)).state).toBe('revoked');
    expect((await b.get(r.location as string)).body).toMatch(/s-revoked">revoked/);
  });

  test('deletes 3 selected tokens after a confirmation page, keeping their history', async () => {
    const { batchId } = await bulk(5, 'Picnic');
    const ids = (await f.services.tokens.list({ batchId })).tokens
      .slice(0, 3)
      .map((t) => String(t.id));
    const pick = await b.post('/admin/tokens/selected', {
      _csrf: csrf,
      action: 'delete',
      ids,
      back: '/admin/tokens',
    });
    expect(pick.location).toBe(`/admin/tokens/delete?ids=${encodeURIComponent(ids.join(','))}`);
    const confirm = await b.get(pick.location as string);
    expect(confirm.body).toContain('Delete 3 tokens?');
    expect((await f.services.tokens.list({ batchId })).total).toBe(5);
    const done = await b.post('/admin/tokens/delete', {
      _csrf: csrf,
      ids: ids.join(','),
      batch: '',
    });
    expect(done.location).toBe('/admin/tokens?deleted=3');
    expect((await f.services.tokens.list({ batchId })).total).toBe(2);
    const row = f.db.prepare('SELECT deleted_at FROM tokens WHERE id = ?').get(Number(ids[0]));
    expect(row).toEqual({ deleted_at: expect.any(Number) });
    expect((await b.get('/admin/tokens?deleted=3')).body).toContain('Deleted 3 tokens');
  });

  test('deletes a whole batch', async () => {
    const { batchId } = await bulk(4, 'Gone');
    const confirm = await b.get(`/admin/tokens/delete?batch=${batchId}`);
    expect(confirm.body).toContain('Every token of the batch <strong>Gone</strong>');
    const done = await b.post('/admin/tokens/delete', {
      _csrf: csrf,
      ids: '',
      batch: String(batchId),
    });
    expect(done.location).toBe('/admin/tokens?deleted=4');
    expect((await f.services.tokens.list({})).total).toBe(0);
  });
});

describe('export and print', () => {
  test('exports a batch as CSV with the agreed columns, a BOM on request, and audits it', async () => {
    const { batchId } = await bulk(100, 'Open Day');
    const r = await b.get(`/admin/tokens/export.csv?batch=${batchId}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.headers['content-disposition']).toMatch(
      /attachment; filename="tokens-batch-\d+-2026-12-01.csv"/,
    );
    const lines = r.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'code,minutes,used,left,valid_from,valid_until,devices,description,batch,state,created',
    );
    expect(lines).toHaveLength(101);
    expect(lines[1]).toMatch(
      /^[0-9A-Z]{4}-[0-9A-Z]{4},240,0,240,,,1,,Open Day,unused,2026-12-01T11:00:00\+01:00$/,
    );
    const withBom = await b.get(`/admin/tokens/export.csv?batch=${batchId}&bom=1`);
    expect(withBom.body.charCodeAt(0)).toBe(0xfeff);
    expect(
      (await f.services.audit.list(5)).filter((e) => e.action === 'tokens.export'),
    ).toHaveLength(2);
  });

  test('prints cards with the code, the minutes and a QR link to the splash page', async () => {
    const { batchId } = await bulk(12, 'Cards');
    const r = await b.get(`/admin/tokens/print?batch=${batchId}`);
    expect(r.status).toBe(200);
    expect(r.body.match(/<article class="card">/g)).toHaveLength(12);
    expect(r.body.match(/<svg /g)).toHaveLength(12);
    for (const t of (await f.services.tokens.list({ batchId })).tokens) {
      expect(r.body).toContain(`data-url="https://wifi.example.org/t/${t.code}"`);
      expect(r.body).toContain(`${t.code.slice(0, 4)}-${t.code.slice(4)}`);
    }
    expect(r.body).toContain('4 hours online');
    expect(r.body).toContain('@page { size: A4');
    const receipt = await b.get(`/admin/tokens/print?batch=${batchId}&layout=receipt`);
    expect(receipt.body).toContain('@page { size: 80mm auto');
    expect((await f.services.audit.list(5)).some((e) => e.action === 'tokens.print')).toBe(true);
  });

  test('a print link with a nonsense offset starts at the first card', async () => {
    await bulk(2, 'Cards');
    for (const offset of ['1e400', '-3', 'abc']) {
      const r = await b.get(`/admin/tokens/print?offset=${offset}`);
      expect(r.status, offset).toBe(200);
      expect(r.body.match(/<article class="card">/g), offset).toHaveLength(2);
    }
  });

  test('a print-card.eta in the data folder replaces the card layout, escaped', async () => {
    await bulk(2, 'Custom <b>');
    writeFileSync(
      join(f.dir, 'print-card.eta'),
      '<div class="mine"><%= it.codeFormatted %> / <%= it.batch %></div>',
    );
    const r = await b.get('/admin/tokens/print');
    expect(r.body.match(/<div class="mine">/g)).toHaveLength(2);
    expect(r.body).toContain('/ Custom &lt;b&gt;</div>');
    expect(r.body).not.toContain('<article class="card">');
  });
});

test('an admin sees the audit log of what staff did', async () => {
  await bulk(2, 'Audit me');
  const admin = f.browser();
  await admin.signIn(ADMIN);
  const page = await admin.get('/admin/audit');
  expect(page.body).toMatch(
    /desk<\/td>\s*<td data-label="What"><span title="tokens.bulk_create">created tokens as a batch/,
  );
  expect(page.body).toContain('batch &quot;Audit me&quot;');
});
