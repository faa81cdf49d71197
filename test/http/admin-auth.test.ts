// Dashboard sign-in, sessions, CSRF and roles, through app.inject over a real SQLite file.

import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ADMIN, makeAdmin, STAFF, type AdminFixture } from './admin-fixture.js';

let f: AdminFixture;
beforeEach(async () => {
  f = await makeAdmin();
});
afterEach(async () => {
  await f.close();
});

const setCookies = (r: { headers: Record<string, unknown> }) => {
  const h = r.headers['set-cookie'];
  return (Array.isArray(h) ? h : h === undefined ? [] : [h]) as string[];
};

describe('sign-in', () => {
  test('a stranger is sent to the sign-in page and comes back where they were going', async () => {
    const b = f.browser();
    const r = await b.get('/admin/tokens?state=unused');
    expect(r.status).toBe(303);
    expect(r.location).toBe('/admin/sign-in?next=%2Fadmin%2Ftokens%3Fstate%3Dunused');
    const page = await b.get(r.location as string);
    expect(page.status).toBe(200);
    const signedIn = await b.post('/admin/sign-in', {
      ...ADMIN,
      _csrf: page.csrf ?? '',
      next: '/admin/tokens?state=unused',
    });
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe('/admin/tokens?state=unused');
    expect((await b.get('/admin/tokens?state=unused')).status).toBe(200);
  });

  test('the session cookie is HttpOnly, SameSite=Lax, scoped to /admin and Secure on https', async () => {
    const r = await f.browser().signIn(ADMIN);
    const cookie = setCookies(r).find((c) => c.startsWith('portico_staff='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\/admin/);
    expect(cookie).toMatch(/; Secure/);
  });

  test('PORTICO_COOKIE_SECURE=never leaves the Secure flag off', async () => {
    const plain = await makeAdmin({ PORTICO_COOKIE_SECURE: 'never' });
    try {
      const r = await plain.browser().signIn(ADMIN);
      const cookie = setCookies(r).find((c) => c.startsWith('portico_staff='));
      expect(cookie).not.toMatch(/Secure/);
    } finally {
      await plain.close();
    }
  });

  test('the database keeps only a SHA-256 hash of the session id', async () => {
    const b = f.browser();
    await b.signIn(ADMIN);
    const id = b.cookies.get('portico_staff') as string;
    expect(id.length).toBeGreaterThanOrEqual(43);
    const rows = f.db.prepare('SELECT id_hash FROM web_sessions').all() as Array<{
      id_hash: string;
    }>;
    expect(rows).toEqual([{ id_hash: createHash('sha256').update(id).digest('hex') }]);
    const dump = JSON.stringify(f.db.prepare('SELECT * FROM web_sessions').all());
    expect(dump).not.toContain(id);
  });

  test('a wrong password is refused with a message and no session', async () => {
    const b = f.browser();
    const r = await b.signIn({ username: ADMIN.username, password: 'wrong-password' });
    expect(r.status).toBe(401);
    expect(r.body).toContain('Wrong username or password.');
    expect(b.cookies.has('portico_staff')).toBe(false);
  });

  test('after five failures the account is locked, even for the right password, until cleared', async () => {
    // Another admin, signed in before the address is locked, will clear the lockouts.
    await f.services.staff.add('second', 'second-password', 'admin', 'test');
    const other = f.browser();
    await other.signIn({ username: 'second', password: 'second-password' });
    const b = f.browser();
    for (let i = 0; i < 5; i++) {
      expect((await b.signIn({ username: 'admin', password: `guess-${i}-xxxxx` })).status).toBe(
        401,
      );
    }
    const sixth = await b.signIn({ username: 'admin', password: 'guess-6-xxxxx' });
    expect(sixth.status).toBe(429);
    expect(sixth.body).toContain('Too many failed sign-ins');
    expect(sixth.headers['retry-after']).toBe('60');
    const right = await b.signIn(ADMIN);
    expect(right.status).toBe(429);
    // Guests behind the same address are not locked out of the splash page by staff typos.
    expect((await f.services.lockouts.check(['ip:127.0.0.1'])).locked).toBe(false);

    const page = await other.get('/admin/lockouts');
    expect(page.body).toContain('staff:admin');
    for (const key of ['staff:admin', 'staff-ip:127.0.0.1']) {
      const r = await other.post('/admin/lockouts/clear', { key, _csrf: page.csrf ?? '' });
      expect(r.location).toBe('/admin/lockouts?cleared=1');
    }
    expect((await b.signIn(ADMIN)).status).toBe(303);
  });

  test('staff clear a guest lockout but not the lockout of a staff account or address', async () => {
    // An address is a shared key: it locks only after 100 failures.
    for (let i = 0; i < 101; i++) await f.services.lockouts.recordFailure(['staff-ip:192.0.2.9']);
    for (let i = 0; i < 6; i++)
      await f.services.lockouts.recordFailure(['staff:admin', 'mac:aa-bb-cc-dd-ee-ff']);
    const desk = f.browser();
    await desk.signIn(STAFF);
    // The page offers staff no Clear button for the staff keys, only for the guest's.
    const page = await desk.get('/admin/lockouts');
    expect(page.body.match(/name="key" value="[^"]+"/g)).toEqual([
      'name="key" value="mac:aa-bb-cc-dd-ee-ff"',
    ]);
    expect(page.body).toContain('an admin can clear it');
    const csrf = await desk.csrf();
    for (const key of ['staff:admin', 'staff-ip:192.0.2.9']) {
      const r = await desk.post('/admin/lockouts/clear', { key, _csrf: csrf });
      expect(r.status, key).toBe(403);
      expect(r.body).toContain('Admins only');
      expect((await f.services.lockouts.check([key])).locked, key).toBe(true);
    }
    const guest = await desk.post('/admin/lockouts/clear', {
      key: 'mac:aa-bb-cc-dd-ee-ff',
      _csrf: csrf,
    });
    expect(guest.location).toBe('/admin/lockouts?cleared=1');
    expect((await f.services.lockouts.check(['mac:aa-bb-cc-dd-ee-ff'])).locked).toBe(false);
  });

  test('the sign-in form without its CSRF value is refused', async () => {
    const b = f.browser();
    await b.get('/admin/sign-in');
    const r = await b.post('/admin/sign-in', { ...ADMIN, next: '/admin' });
    expect(r.status).toBe(403);
    expect(r.body).toContain('Form refused');
    expect(b.cookies.has('portico_staff')).toBe(false);
  });

  test('next never leads off the dashboard', async () => {
    const b = f.browser();
    const page = await b.get('/admin/sign-in');
    const r = await b.post('/admin/sign-in', {
      ...ADMIN,
      _csrf: page.csrf ?? '',
      next: '//evil.example/admin',
    });
    expect(r.location).toBe('/admin');
  });
});

describe('session lifetime', () => {
  test('a session idle for two hours ends', async () => {
    const b = f.browser();
    await b.signIn(ADMIN);
    f.clock.advance(119 * 60_000);
    expect((await b.get('/admin')).status).toBe(200);
    f.clock.advance(2 * 3_600_000);
    const r = await b.get('/admin');
    expect(r.status).toBe(303);
    expect(r.location).toMatch(/^\/admin\/sign-in/);
  });

  test('a busy session still ends twelve hours after sign-in', async () => {
    const b = f.browser();
    await b.signIn(ADMIN);
    for (let h = 1; h < 12; h++) {
      f.clock.advance(3_600_000);
      expect((await b.get('/admin')).status).toBe(200);
    }
    f.clock.advance(3_600_000);
    expect((await b.get('/admin')).status).toBe(303);
  });

  test('sign out ends this session only; sign out everywhere ends them all', async () => {
    const desk1 = f.browser();
    const desk2 = f.browser();
    const desk3 = f.browser();
    for (const b of [desk1, desk2, desk3]) await b.signIn(ADMIN);
    const out = await desk1.post('/admin/sign-out', { _csrf: await desk1.csrf() });
    expect(out.location).toBe('/admin/sign-in?out=1');
    expect((await desk1.get('/admin')).status).toBe(303);
    expect((await desk2.get('/admin')).status).toBe(200);

    await desk2.post('/admin/sign-out-everywhere', { _csrf: await desk2.csrf() });
    expect((await desk2.get('/admin')).status).toBe(303);
    expect((await desk3.get('/admin')).status).toBe(303);
    expect(f.db.prepare('SELECT COUNT(*) AS n FROM web_sessions').get()).toEqual({ n: 0 });
  });

  test('changing the password checks the current one and signs out other devices', async () => {
    const here = f.browser();
    const there = f.browser();
    await here.signIn(STAFF);
    await there.signIn(STAFF);
    const csrf = await here.csrf();
    const wrong = await here.post('/admin/account/password', {
      _csrf: csrf,
      currentPassword: 'not-my-password',
      newPassword: 'brand-new-password',
      confirmPassword: 'brand-new-password',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatch(/id="e-currentPassword">Current password is not right/);
    const short = await here.post('/admin/account/password', {
      _csrf: csrf,
      currentPassword: STAFF.password,
      newPassword: 'short',
      confirmPassword: 'short',
    });
    expect(short.status).toBe(400);
    expect(short.body).toMatch(/id="e-newPassword">New password must be at least 10 characters/);
    const ok = await here.post('/admin/account/password', {
      _csrf: csrf,
      currentPassword: STAFF.password,
      newPassword: 'brand-new-password',
      confirmPassword: 'brand-new-password',
    });
    expect(ok.location).toBe('/admin/account?changed=1');
    expect((await here.get('/admin/account')).status).toBe(200);
    expect((await there.get('/admin/account')).status).toBe(303);
    const again = f.browser();
    expect((await again.signIn(STAFF)).status).toBe(401);
    expect((await again.signIn({ ...STAFF, password: 'brand-new-password' })).status).toBe(303);
  });

  test('guessing the current password on the account page counts like wrong sign-ins', async () => {
    const desk = f.browser();
    await desk.signIn(STAFF);
    const csrf = await desk.csrf();
    const change = (currentPassword: string) =>
      desk.post('/admin/account/password', {
        _csrf: csrf,
        currentPassword,
        newPassword: 'brand-new-password',
        confirmPassword: 'brand-new-password',
      });
    for (let i = 0; i < 5; i++) expect((await change(`guess-${i}-xxxxx`)).status).toBe(400);
    const sixth = await change('guess-6-xxxxx');
    expect(sixth.body).toContain('Current password was wrong too many times; try again in');
    const right = await change(STAFF.password);
    expect(right.status).toBe(400);
    expect(right.body).toContain('was wrong too many times');
    expect((await f.services.lockouts.check([`staff:${STAFF.username}`])).locked).toBe(true);
    expect((await f.services.staff.authenticate(STAFF.username, STAFF.password))?.username).toBe(
      STAFF.username,
    );
  });

  test('disabling an account ends its sessions at once', async () => {
    const admin = f.browser();
    const desk = f.browser();
    await admin.signIn(ADMIN);
    await desk.signIn(STAFF);
    const users = await admin.get('/admin/users');
    const id = (
      (await f.services.staff.list()).find((u) => u.username === STAFF.username) as { id: number }
    ).id;
    const r = await admin.post(`/admin/users/${id}/disable`, { _csrf: users.csrf ?? '' });
    expect(r.location).toBe('/admin/users?changed=1');
    expect((await desk.get('/admin/tokens')).status).toBe(303);
    expect((await desk.signIn(STAFF)).status).toBe(401);
    expect((await admin.get('/admin/users')).body).toMatch(/desk<\/strong>[\s\S]*?disabled/);
  });
});

describe('CSRF and roles', () => {
  test('a form post without the CSRF token changes nothing and says why', async () => {
    const b = f.browser();
    await b.signIn(ADMIN);
    const r = await b.post('/admin/tokens', { minutesPreset: '60', action: 'create' });
    expect(r.status).toBe(403);
    expect(r.body).toContain('did not carry a valid security token');
    const wrong = await b.post('/admin/tokens', {
      minutesPreset: '60',
      action: 'create',
      _csrf: 'x'.repeat(43),
    });
    expect(wrong.status).toBe(403);
    expect((await f.services.tokens.list({})).total).toBe(0);
  });

  test("another session's CSRF token is not accepted", async () => {
    const a = f.browser();
    const b = f.browser();
    await a.signIn(ADMIN);
    await b.signIn(ADMIN);
    const r = await b.post('/admin/tokens', {
      minutesPreset: '60',
      action: 'create',
      _csrf: await a.csrf(),
    });
    expect(r.status).toBe(403);
  });

  test('staff reach tokens, sessions and lockouts but not the admin pages', async () => {
    const b = f.browser();
    await b.signIn(STAFF);
    for (const url of ['/admin', '/admin/tokens', '/admin/sessions', '/admin/lockouts']) {
      expect((await b.get(url)).status, url).toBe(200);
    }
    for (const url of ['/admin/routers', '/admin/settings', '/admin/users', '/admin/audit']) {
      const r = await b.get(url);
      expect(r.status, url).toBe(403);
      expect(r.body).toContain('Admins only');
    }
    const csrf = await b.csrf();
    const post = await b.post('/admin/settings', { _csrf: csrf, spaceName: 'Hacked' });
    expect(post.status).toBe(403);
    expect((await f.services.settings.get()).spaceName).toBe('Portico');
    const menu = (await b.get('/admin/tokens')).body;
    expect(menu).not.toContain('href="/admin/routers"');
  });

  test('an unknown asset is 404, also one named like a built-in object property', async () => {
    for (const name of ['nope.js', 'constructor', '__proto__', 'toString']) {
      const r = await f.app.inject({ url: `/admin/assets/${name}` });
      expect(r.statusCode, name).toBe(404);
    }
    expect((await f.app.inject({ url: '/admin/assets/admin.js' })).statusCode).toBe(200);
  });

  test('dashboard pages send no-store, frame and content-security headers', async () => {
    const b = f.browser();
    await b.signIn(ADMIN);
    const r = await b.get('/admin/tokens');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'none'");
  });
});
