// What a new venue does first on the dashboard, on a fresh install: open every settings form
// and save it unchanged (the defaults must pass their own checks), and send a test e-mail.

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startSmtpServer } from '../services/email-smtp-server.js';
import { decodeEntities } from './portal-fixture.js';
import { ADMIN, signedIn, STAFF, type AdminFixture, type Browser } from './admin-fixture.js';

let f: AdminFixture;
let b: Browser;
beforeEach(async () => {
  ({ f, b } = await signedIn(ADMIN));
});
afterEach(async () => {
  await f.close();
});

/**
 * formFields returns what a browser would submit for the form posting to `action` on `html`:
 * inputs (checkboxes and radios only when checked), textareas and each select's chosen option.
 */
function formFields(html: string, action: string): Record<string, string[]> {
  const start = html.indexOf(`action="${action}"`);
  expect(start, `a form posting to ${action}`).toBeGreaterThan(0);
  const form = html.slice(start, html.indexOf('</form>', start));
  const out: Record<string, string[]> = {};
  const add = (name: string, value: string) => (out[name] ??= []).push(decodeEntities(value));
  const attr = (tag: string, name: string) =>
    new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1] ??
    (new RegExp(`\\s${name}[\\s>]`).test(tag) ? '' : undefined);
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const name = attr(tag, 'name');
    const type = attr(tag, 'type') ?? 'text';
    if (name === undefined || ['submit', 'file', 'button'].includes(type)) continue;
    if ((type === 'checkbox' || type === 'radio') && attr(tag, 'checked') === undefined) continue;
    add(name, attr(tag, 'value') ?? '');
  }
  for (const m of form.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    const name = attr(m[1] as string, 'name');
    if (name !== undefined) add(name, m[2] as string);
  }
  for (const m of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const name = attr(m[1] as string, 'name');
    const options = [...(m[2] as string).matchAll(/<option\b([^>]*)>/g)].map((o) => o[1] as string);
    const chosen = options.find((o) => /\sselected/.test(o)) ?? options[0];
    if (name !== undefined && chosen !== undefined) add(name, attr(chosen, 'value') ?? '');
  }
  return out;
}

describe('a fresh install', () => {
  for (const [page, action, extra] of [
    ['/admin/settings', '/admin/settings', {}],
    ['/admin/bookings/settings', '/admin/bookings/settings', {}],
    ['/admin/bookings/email', '/admin/bookings/email', { action: 'save' }],
  ] as const) {
    test(`saves ${page} unchanged`, async () => {
      const before = await b.get(page);
      expect(before.status).toBe(200);
      const r = await b.post(action, { ...formFields(before.body, action), ...extra });
      expect(r.body.match(/class="error"[^>]*>[^<]*/g) ?? []).toEqual([]);
      expect(r.status).toBe(303);
    });
  }

  test('saving the settings form unchanged keeps every setting', async () => {
    const before = await f.services.settings.get();
    const page = await b.get('/admin/settings');
    await b.post('/admin/settings', formFields(page.body, '/admin/settings'));
    expect(await f.services.settings.get()).toEqual(before);
  });
});

describe('the test e-mail button', () => {
  test('sends one message over the saved SMTP settings and says the server took it', async () => {
    const smtp = await startSmtpServer();
    try {
      await f.services.bookingSettings.updateEmail(
        { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpTls: 'none' },
        'test',
      );
      const page = await b.get('/admin/bookings/email');
      const r = await b.post('/admin/bookings/email/test', {
        ...formFields(page.body, '/admin/bookings/email/test'),
        testTo: 'desk@example.org',
      });
      expect(r.status).toBe(200);
      expect(r.body).toContain('Test e-mail sent to desk@example.org: the server accepted it.');
      expect(smtp.received.map((m) => [m.to, m.subject])).toEqual([
        [['desk@example.org'], 'Portico test e-mail'],
      ]);
      smtp.state.mode = 'reject';
      const refused = await b.post('/admin/bookings/email/test', {
        ...formFields(page.body, '/admin/bookings/email/test'),
        testTo: 'desk@example.org',
      });
      expect(refused.body).toMatch(/class="error-box" role="alert">The test e-mail was not sent: /);
    } finally {
      await smtp.close();
    }
  });

  test('says there is no server to send through, and names a bad address at its field', async () => {
    const page = await b.get('/admin/bookings/email');
    const csrf = formFields(page.body, '/admin/bookings/email/test');
    const none = await b.post('/admin/bookings/email/test', { ...csrf, testTo: 'a@example.org' });
    expect(none.body).toContain('The test e-mail was not sent: no SMTP server is set.');
    const bad = await b.post('/admin/bookings/email/test', { ...csrf, testTo: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/id="e-testTo">To must be an e-mail address/);
  });
});

describe('an admin resets a member’s password', () => {
  test('shows a new password once, which signs in, and ends the member’s sessions', async () => {
    const desk = f.browser();
    await desk.signIn(STAFF);
    expect((await desk.get('/admin/tokens')).status).toBe(200);
    const id = (await f.services.staff.list()).find((u) => u.username === STAFF.username)?.id;
    const page = await b.get('/admin/users');
    expect(page.body).toContain(`action="/admin/users/${id}/reset-password"`);
    const r = await b.post(`/admin/users/${id}/reset-password`, {
      _csrf: formFields(page.body, `/admin/users/${id}/reset-password`)._csrf ?? [],
    });
    expect(r.status).toBe(200);
    const password = new RegExp(`New password for ${STAFF.username}: (\\S+) `).exec(r.body)?.[1];
    expect(password?.length).toBeGreaterThanOrEqual(16);
    expect(await f.services.staff.authenticate(STAFF.username, password ?? '')).not.toBeNull();
    expect(await f.services.staff.authenticate(STAFF.username, STAFF.password)).toBeNull();
    expect((await desk.get('/admin/tokens')).status).not.toBe(200);
  });

  test('does not reset the admin’s own password here', async () => {
    const me = (await f.services.staff.list()).find((u) => u.username === ADMIN.username)?.id;
    const page = await b.get('/admin/users');
    expect(page.body).not.toContain(`/admin/users/${me}/reset-password`);
    const r = await b.post(`/admin/users/${me}/reset-password`, {
      _csrf: formFields(page.body, '/admin/users')._csrf ?? [],
    });
    expect(r.body).toContain('Change your own password under Your account.');
    expect(await f.services.staff.authenticate(ADMIN.username, ADMIN.password)).not.toBeNull();
  });
});
