// The dashboard in German, chosen per staff account: every page rendered for an account set
// to German has no English left in its navigation, headings, table headers, labels and
// buttons; the choice sticks to the account (across sign-ins) and not to others; and every
// text a template passes to the translator has a German entry.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { hasGerman } from '../../src/i18n/dashboard.js';
import { ADMIN, STAFF, makeAdmin, type AdminFixture, type Browser } from './admin-fixture.js';

let f: AdminFixture;
let b: Browser;
beforeEach(async () => {
  f = await makeAdmin();
  b = f.browser();
  await b.signIn(ADMIN);
});
afterEach(async () => {
  await f.close();
});

/** ENGLISH are texts that must not stand in a German page's navigation, headings or controls. */
const ENGLISH = [
  'Access tokens',
  'Sessions',
  'Bookings',
  'Reports',
  'Lockouts',
  'Routers and codes',
  'Settings',
  'Staff accounts',
  'Audit log',
  'Sign out',
  'Your account',
  'Dashboard',
  'Add a token',
  'Create tokens in bulk',
  'Needs attention',
  'Minutes online today',
  'Tokens by state',
  'Description',
  'Devices',
  'Created',
  'Window',
  'Used / left',
  'Data used',
  'Filter',
  'Search',
  'Delete selected',
  'Extend window',
  'Add minutes',
  'Revoke',
  'Print',
  'Export',
  'Guest',
  'When',
  'What',
  'E-mail outbox',
  'Register a visitor',
  'New booking',
  'Guest name',
  'Valid from',
  'Valid until',
  'Save',
  'Change password',
  'Sign out everywhere',
  'History',
  'Online now',
  'Time left',
  'Add a router',
  'Add an account',
  'Period',
  'Who',
  'Skip to content',
];

/** visibleControls returns the text of the nav, headings, table headers, labels and buttons. */
const visibleControls = (html: string): string[] => {
  const out: string[] = [];
  const re = /<(nav|h1|h2|h3|th|label|button|legend|summary|caption)\b[^>]*>([\s\S]*?)<\/\1>/g;
  for (const m of html.matchAll(re))
    out.push(
      (m[2] ?? '')
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
  return out.filter((t) => t !== '');
};

const leftOverEnglish = (html: string) =>
  visibleControls(html).flatMap((text) =>
    ENGLISH.filter((e) =>
      new RegExp(`(^|[^\\p{L}])${e.replace(/[/]/g, '\\/')}($|[^\\p{L}])`, 'u').test(text),
    ).map((e) => `"${e}" in "${text}"`),
  );

describe('the dashboard in German', () => {
  test('every page speaks German in its navigation, headings and controls', async () => {
    const csrf = await b.csrf();
    const set = await b.post('/admin/account/language', { _csrf: csrf, language: 'de' });
    expect(set.status).toBe(303);
    const token = (await f.services.tokens.create({ minutes: 60, count: 1 }, 'test', 'manual'))
      .tokens[0]!;
    await f.services.bookings.upsert(
      'api',
      'nx-1',
      {
        start: '2026-12-03T09:00',
        end: '2026-12-03T10:00',
        guestName: 'Ada',
        guestEmail: 'ada@example.org',
      },
      'test',
    );
    const pages = [
      '/admin',
      '/admin/tokens',
      '/admin/tokens/new',
      '/admin/tokens/bulk',
      `/admin/tokens/${token.id}`,
      '/admin/sessions',
      '/admin/sessions/history',
      '/admin/bookings',
      '/admin/bookings/new',
      '/admin/bookings/outbox',
      '/admin/bookings/settings',
      '/admin/bookings/feeds',
      '/admin/bookings/email',
      '/admin/bookings/webhooks',
      '/admin/settings',
      '/admin/routers',
      '/admin/routers/new',
      '/admin/reports',
      '/admin/users',
      '/admin/audit',
      '/admin/lockouts',
      '/admin/account',
    ];
    const problems: string[] = [];
    for (const url of pages) {
      const r = await b.get(url);
      expect(r.status, url).toBe(200);
      expect(r.body, url).toContain('<html lang="de">');
      problems.push(...leftOverEnglish(r.body).map((p) => `${url}: ${p}`));
    }
    expect(problems).toEqual([]);
    // Spot checks of the words and formats.
    const home = await b.get('/admin');
    expect(home.body).toContain('Zugangscodes');
    expect(home.body).toContain('Abmelden');
    const list = await b.get('/admin/tokens');
    expect(list.body).toContain('Geräte');
    expect(list.body).toMatch(/badge s-unused">unbenutzt/);
    const bookings = await b.get('/admin/bookings');
    expect(bookings.body).toContain('Stornieren…');
    expect(bookings.body).toContain('E-Mail erneut senden');
  });

  test('flash and error messages come in German too', async () => {
    const csrf = await b.csrf();
    await b.post('/admin/account/language', { _csrf: csrf, language: 'de' });
    const notice = await b.get('/admin/account?language=1');
    expect(notice.body).toContain('Die Übersicht spricht jetzt Ihre Sprache.');
    const bad = await b.post('/admin/bookings/new', {
      _csrf: csrf,
      guestName: '',
      start: '2026-12-03T09:00',
      end: '2026-12-03T08:00',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/id="e-guestName">Name des Gasts ist erforderlich/);
    expect(bad.body).toMatch(/id="e-end">Bis muss nach dem Beginn liegen/);
    const missing = await b.get('/admin/bookings/999/cancel');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('Nicht gefunden');
  });

  test('the choice sticks to the account, across sign-ins, and not to others', async () => {
    const desk = f.browser();
    await desk.signIn(STAFF);
    await b.post('/admin/account/language', { _csrf: await b.csrf(), language: 'de' });
    expect((await b.get('/admin/tokens')).body).toContain('<html lang="de">');
    expect((await desk.get('/admin/tokens')).body).toContain('<html lang="en">');
    expect((await desk.get('/admin/tokens')).body).toContain('Access tokens');

    const again = f.browser();
    await again.signIn(ADMIN);
    expect((await again.get('/admin/sessions')).body).toContain('<html lang="de">');
    const audit = (await f.services.audit.list(10)).find((e) => e.action === 'staff.language');
    expect(audit).toMatchObject({ actor: ADMIN.username, details: { language: 'de' } });

    // Back to English, and a language Portico does not speak is refused in words.
    await again.post('/admin/account/language', { _csrf: await again.csrf(), language: 'en' });
    expect((await b.get('/admin')).body).toContain('<html lang="en">');
    const bad = await b.post('/admin/account/language', { _csrf: await b.csrf(), language: 'fr' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('Language must be one of en, de');
    expect((await b.post('/admin/account/language', { language: 'de' })).status).toBe(403);
    expect((await b.get('/admin')).body).toContain('<html lang="en">');
  });

  test('every text a template hands the translator has a German entry', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.eta')) files.push(p);
      }
    };
    walk('views/admin');
    const missing: string[] = [];
    for (const file of files)
      for (const m of readFileSync(file, 'utf8').matchAll(/it\.tr\('((?:[^'\\]|\\.)*)'/g)) {
        const text = (m[1] ?? '').replace(/\\'/g, "'");
        if (!hasGerman(text)) missing.push(`${file}: ${text}`);
      }
    expect(missing).toEqual([]);
  });
});
