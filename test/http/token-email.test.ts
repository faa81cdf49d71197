// "E-mail this code" on the token page and POST /api/v1/tokens/:code/email: the message lands
// in the outbox rendered from the visitor template, with an audit line; bad addresses, used-up
// tokens and too many e-mails are refused with what to fix.

import { afterEach, describe, expect, test } from 'vitest';
import { formatCode } from '../../src/core/code.js';
import { TOKEN_EMAIL_LIMITS } from '../../src/services/token-email.js';
import { signedIn, STAFF, type SignedIn } from './admin-fixture.js';
import { count, makeApi, type ApiFixture } from './api-fixture.js';

type Row = {
  kind: string;
  to_address: string;
  subject: string;
  html: string;
  text: string;
  booking_id: number | null;
  status: string;
};

describe('dashboard: e-mail this code', () => {
  let s: SignedIn;
  afterEach(async () => {
    await s.f.close();
  });

  const newToken = async () =>
    (await s.f.services.tokens.create({ minutes: 90, validUntil: '2026-12-02T18:00' }, 'test'))
      .tokens[0]!;

  test('queues the visitor e-mail with the code, shows it in the outbox and audits it', async () => {
    s = await signedIn(STAFF);
    const t = await newToken();
    const page = await s.b.get(`/admin/tokens/${t.id}`);
    expect(page.body).toContain('E-mail this code');
    const r = await s.b.post(`/admin/tokens/${t.id}/email`, {
      _csrf: s.csrf,
      to: ' ada@example.org ',
      guestName: 'Ada <Lovelace>',
    });
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/admin/tokens/${t.id}?done=emailed&to=ada%40example.org`);
    const done = await s.b.get(r.location as string);
    expect(done.body).toContain('E-mail to ada@example.org is in the outbox');

    const rows = s.f.db.prepare('SELECT * FROM email_outbox').all() as Row[];
    expect(rows).toHaveLength(1);
    const m = rows[0]!;
    expect(m).toMatchObject({
      kind: 'token',
      to_address: 'ada@example.org',
      booking_id: null,
      status: 'queued',
    });
    expect(m.subject).toBe('Your Wi-Fi access at Portico');
    expect(m.html).toContain(formatCode(t.code));
    expect(m.html).toContain(`https://wifi.example.org/t/${t.code}`);
    // The name is escaped in the HTML and kept as typed in the text part.
    expect(m.html).toContain('Hello Ada &lt;Lovelace&gt;,');
    expect(m.text).toContain('Hello Ada <Lovelace>,');
    expect(m.text).toContain('until tomorrow 18:00');

    const outbox = await s.b.get('/admin/bookings/outbox');
    expect(outbox.body).toContain('ada@example.org');
    const audit = s.f.db
      .prepare("SELECT actor, target_id, details FROM audit_log WHERE action = 'token.email'")
      .all() as Array<{ actor: string; target_id: string; details: string }>;
    expect(audit).toEqual([
      {
        actor: STAFF.username,
        target_id: String(t.id),
        details: expect.stringContaining('ada@example.org'),
      },
    ]);
  });

  test('a bad address re-renders the form with the error and queues nothing', async () => {
    s = await signedIn(STAFF);
    const t = await newToken();
    const r = await s.b.post(`/admin/tokens/${t.id}/email`, {
      _csrf: s.csrf,
      to: 'ada at example',
      guestName: 'Ada',
    });
    expect(r.status).toBe(400);
    expect(r.body).toContain('Guest e-mail address must be an e-mail address');
    expect(r.body).toContain('value="ada at example"');
    expect(count(s.f.db, 'SELECT COUNT(*) FROM email_outbox')).toBe(0);
  });

  test('without the CSRF token nothing is sent', async () => {
    s = await signedIn(STAFF);
    const t = await newToken();
    const r = await s.b.post(`/admin/tokens/${t.id}/email`, { to: 'ada@example.org' });
    expect(r.status).toBe(403);
    expect(count(s.f.db, 'SELECT COUNT(*) FROM email_outbox')).toBe(0);
  });

  test('one code is e-mailed at most a few times an hour', async () => {
    s = await signedIn(STAFF);
    const t = await newToken();
    for (let i = 0; i < TOKEN_EMAIL_LIMITS.perToken; i++) {
      const ok = await s.b.post(`/admin/tokens/${t.id}/email`, {
        _csrf: s.csrf,
        to: `g${i}@example.org`,
      });
      expect(ok.status).toBe(303);
    }
    const r = await s.b.post(`/admin/tokens/${t.id}/email`, {
      _csrf: s.csrf,
      to: 'late@example.org',
    });
    expect(r.status).toBe(429);
    expect(r.body).toContain('already e-mailed 5 times in the last hour');
    expect(count(s.f.db, 'SELECT COUNT(*) FROM email_outbox')).toBe(TOKEN_EMAIL_LIMITS.perToken);
    // An hour later the window has moved on.
    s.f.clock.advance(TOKEN_EMAIL_LIMITS.windowMs + 1);
    const later = await s.b.post(`/admin/tokens/${t.id}/email`, {
      _csrf: s.csrf,
      to: 'late@example.org',
    });
    expect(later.status).toBe(303);
  });
});

describe('POST /api/v1/tokens/:code/email', () => {
  let api: ApiFixture;
  afterEach(async () => {
    await api.close();
  });

  test('queues the message and answers 202 with its id', async () => {
    api = await makeApi();
    const t = (await api.services.tokens.create({ minutes: 60 }, 'test')).tokens[0]!;
    const r = await api.call('POST', `/api/v1/tokens/${formatCode(t.code).toLowerCase()}/email`, {
      key: api.staffKey,
      body: { to: 'bob@example.org', guestName: 'Bob' },
    });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ to: 'bob@example.org', token: { code: formatCode(t.code) } });
    const row = api.db
      .prepare('SELECT * FROM email_outbox WHERE id = ?')
      .get(r.json.emailId) as Row;
    expect(row.to_address).toBe('bob@example.org');
    expect(row.text).toContain('Hello Bob,');
    expect(row.text).toContain(formatCode(t.code));
  });

  test('says what is wrong: a bad address, an unknown code, a revoked token', async () => {
    api = await makeApi();
    const t = (await api.services.tokens.create({ minutes: 60 }, 'test')).tokens[0]!;
    const bad = await api.call('POST', `/api/v1/tokens/${t.code}/email`, { body: { to: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields).toEqual([
      { field: 'to', message: 'must be an e-mail address, e.g. guest@example.org' },
    ]);
    const missing = await api.call('POST', '/api/v1/tokens/ZZZZ-ZZZZ/email', {
      body: { to: 'a@example.org' },
    });
    expect(missing.status).toBe(404);
    await api.services.tokens.revoke(t.id, 'test');
    const revoked = await api.call('POST', `/api/v1/tokens/${t.code}/email`, {
      body: { to: 'a@example.org' },
    });
    expect(revoked.status).toBe(409);
    expect(revoked.json.error.code).toBe('PORTICO_CONFLICT');
    expect(count(api.db, 'SELECT COUNT(*) FROM email_outbox')).toBe(0);
  });
});
