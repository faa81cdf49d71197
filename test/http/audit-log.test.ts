// The audit log in plain words: who did what to which codes, with dates, filtered by who,
// what and date, and exported as CSV.

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { formatCode } from '../../src/core/code.js';
import { ADMIN, signedIn, STAFF, type AdminFixture, type Browser } from './admin-fixture.js';

let f: AdminFixture;
let b: Browser;
beforeEach(async () => {
  ({ f, b } = await signedIn(ADMIN));
});
afterEach(async () => {
  await f.close();
});

describe('the audit log', () => {
  test('names codes, not database ids, and says what happened in words, with the day', async () => {
    const made = await f.services.tokens.create(
      { minutes: 60, count: 3, batchName: 'Fair' },
      STAFF.username,
    );
    const ids = made.tokens.map((t) => t.id);
    await f.services.tokens.remove(ids, ADMIN.username);
    f.clock.advance(86_400_000);
    await b.signIn(ADMIN);
    const page = await b.get('/admin/audit');
    expect(page.status).toBe(200);
    const codes = made.tokens.map((t) => formatCode(t.code));
    expect(page.body).toContain('deleted tokens');
    for (const c of codes) expect(page.body).toContain(c);
    expect(page.body).not.toContain(ids.join(','));
    expect(page.body).not.toMatch(/\{&quot;/);
    // Yesterday's entries carry their date, not only a time.
    expect(page.body).toMatch(/data-label="When">1 Dec 11:00</);
  });

  test('filters by who, what and date, and says what is wrong with a filter', async () => {
    await f.services.tokens.create({ minutes: 60 }, STAFF.username);
    await f.services.settings.update({ spaceName: 'Harbour' }, ADMIN.username);
    f.clock.advance(2 * 86_400_000);
    await f.services.tokens.create({ minutes: 30 }, ADMIN.username);
    await b.signIn(ADMIN);
    const who = await b.get(`/admin/audit?who=${STAFF.username}`);
    expect(who.body).toContain('created a token');
    expect(who.body).not.toContain('changed the settings');
    const what = await b.get('/admin/audit?what=settings');
    expect(what.body).toContain('changed the settings');
    expect(what.body).toContain('changed: space name');
    expect(what.body).not.toContain('created a token');
    const since = await b.get('/admin/audit?since=2026-12-03&what=tokens');
    expect(since.body.match(/created a token/g)).toHaveLength(1);
    const bad = await b.get('/admin/audit?since=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/From \(date\) must be a date such as 2026-12-03/);
  });

  test('exports what the filter shows as CSV', async () => {
    const t = (await f.services.tokens.create({ minutes: 60 }, STAFF.username)).tokens[0]!;
    await f.services.tokens.revoke(t.id, ADMIN.username);
    const r = await f.app.inject({
      url: `/admin/audit.csv?who=${ADMIN.username}&what=tokens`,
      headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    const lines = r.body.trim().split('\r\n');
    expect(lines[0]).toBe('when,who,what,on,details,action');
    expect(lines.slice(1)).toEqual([
      `2026-12-01T11:00:00+01:00,admin,revoked a token,token ${formatCode(t.code)},,token.revoke`,
    ]);
  });
});
