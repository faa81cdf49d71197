// Settings, routers, staff accounts and sessions pages through app.inject.

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { reportAccounting } from '../support/accounting.js';
import { ADMIN, signedIn, type AdminFixture, type Browser } from './admin-fixture.js';

let f: AdminFixture;
let b: Browser;
let csrf: string;
beforeEach(async () => {
  ({ f, b, csrf } = await signedIn(ADMIN));
});
afterEach(async () => {
  await f.close();
});

const PIXEL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

describe('settings', () => {
  test('saves every setting, shows the space name and logo in the header, and audits it', async () => {
    const r = await b.post('/admin/settings', {
      _csrf: csrf,
      spaceName: 'Harbour Coworking',
      logo: PIXEL,
      timeZone: 'Europe/Lisbon',
      wifiName: 'Harbour Guest',
      wifiPassword: 'sea-breeze-42',
      cardChecksShown: '1',
      showWifiQr: '1',
      cardNote: 'Help: reception',
      termsText: 'Be nice.',
      languagesShown: '1',
      portalLanguages: ['en', 'de'],
      defaultLanguage: 'de',
      interimIntervalSeconds: '300',
      idleTimeoutSeconds: '600',
      codeLength: '10',
      retainSessionsDays: '180',
      retainAuditDays: '0',
      retainOutboxDays: '30',
      retainTokensDays: '90',
    });
    expect(r.location).toBe('/admin/settings?saved=1');
    expect(await f.services.settings.get()).toEqual({
      spaceName: 'Harbour Coworking',
      logo: PIXEL,
      timeZone: 'Europe/Lisbon',
      wifiName: 'Harbour Guest',
      wifiPassword: 'sea-breeze-42',
      wifiHidden: false,
      showWifiQr: true,
      cardNote: 'Help: reception',
      termsText: 'Be nice.',
      portalLanguages: ['de', 'en'],
      interimIntervalSeconds: 300,
      idleTimeoutSeconds: 600,
      codeLength: 10,
      retainSessionsDays: 180,
      retainAuditDays: 0,
      retainOutboxDays: 30,
      retainTokensDays: 90,
    });
    expect(f.services.timeZone()).toBe('Europe/Lisbon');
    const page = await b.get('/admin/settings?saved=1');
    expect(page.body).toContain('<span>Harbour Coworking</span>');
    expect(page.body).toContain(`<img src="${PIXEL}" alt="" class="logo">`);
    expect(page.body).toContain('Settings saved.');
    const entry = (await f.services.audit.list(1))[0];
    expect(entry?.action).toBe('settings.update');
  });

  test('wrong values re-render with the message by each field and store nothing', async () => {
    const r = await b.post('/admin/settings', {
      _csrf: csrf,
      spaceName: 'Fine',
      logo: 'https://cdn.example/logo.png',
      timeZone: 'Mars/Olympus',
      portalLanguages: 'english!',
      wifiName: 'x'.repeat(40),
      interimIntervalSeconds: '10',
      idleTimeoutSeconds: '0',
      codeLength: '4',
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/id="e-logo">Logo must be a base64 data:image URL/);
    expect(r.body).toMatch(/id="e-timeZone">Time zone must be an IANA time zone/);
    expect(r.body).toMatch(
      /id="e-portalLanguages">Portal languages must name at least one of the languages Portico ships/,
    );
    expect(r.body).toMatch(/id="e-wifiName">Wi-Fi network name must be at most 32 characters/);
    expect(r.body).toMatch(
      /id="e-interimIntervalSeconds">Accounting interval \(seconds\) must be a whole number from 60 to 3600/,
    );
    expect(r.body).toMatch(/id="e-codeLength">Code length must be a whole number from 6 to 16/);
    expect(r.body).toContain('value="Mars/Olympus"');
    expect((await f.services.settings.get()).spaceName).toBe('Portico');
  });
});

describe('settings: keeping history', () => {
  test('shows the retention settings, refuses a bad one, and shows the last run', async () => {
    const page = await b.get('/admin/settings');
    expect(page.body).toContain('name="retainSessionsDays"');
    expect(page.body).toContain('value="365"');
    expect(page.body).toContain('Not run yet');
    const bad = await b.post('/admin/settings', {
      _csrf: csrf,
      spaceName: 'Fine',
      retainAuditDays: '99999',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(
      /id="e-retainAuditDays">Audit log \(days\) must be a whole number from 0 to 3650/,
    );
    await f.services.retention.run();
    const after = await b.get('/admin/settings');
    expect(after.body).toMatch(
      /Last run [^:<]*\d\d:\d\d: removed 0 sessions, 0 audit rows, 0 e-mails, 0 webhook deliveries and 0 tokens\./,
    );
  });
});

describe('routers', () => {
  test('adds a router, shows its secret once, and the test view says when it last spoke', async () => {
    const r = await b.post('/admin/routers', {
      _csrf: csrf,
      name: 'lobby',
      address: '192.0.2.10',
      vendor: 'mikrotik',
      coaPort: '3799',
      requireMessageAuthenticator: ['0', '1'],
      limitProxyState: ['0', '1'],
      coaEventTimestamp: '0',
      coaMessageAuthenticator: ['0', '1'],
      uamSecret: '',
    });
    expect(r.status).toBe(200);
    const nas = await f.services.nas.get('lobby');
    expect(nas.vendor).toBe('mikrotik');
    expect(nas.coaEventTimestamp).toBe(false);
    expect(nas.requireMessageAuthenticator).toBe(true);
    expect(r.body).toContain(`id="router-secret">${nas.secret}<`);
    const edit = await b.get(`/admin/routers/${nas.id}`);
    expect(edit.body).not.toContain(nas.secret);
    expect((await b.get('/admin/routers')).body).not.toContain(nas.secret);

    const regen = await b.post(`/admin/routers/${nas.id}/secret`, { _csrf: csrf });
    const fresh = (await f.services.nas.get(nas.id)).secret;
    expect(fresh).not.toBe(nas.secret);
    expect(regen.body).toContain(`id="router-secret">${fresh}<`);

    const test1 = await b.get(`/admin/routers/${nas.id}/test`);
    expect(test1.body).toContain('Portico has not heard from this router yet.');
    await f.services.store.nas.markSeen(nas.id, f.clock.now() - 5 * 60_000);
    const test2 = await b.get(`/admin/routers/${nas.id}/test`);
    expect(test2.body).toContain('last spoke to Portico <strong>5 min ago</strong>');
  });

  test('a bad address or a taken name is shown by the field', async () => {
    await f.services.nas.add({ name: 'lobby', address: '192.0.2.10' }, 'test');
    const bad = await b.post('/admin/routers', {
      _csrf: csrf,
      name: 'roof',
      address: 'not-an-ip',
      vendor: 'generic',
      coaPort: '99999',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/id="e-address">Address must be the IPv4 or IPv6 address/);
    expect(bad.body).toMatch(/id="e-coaPort">CoA \/ Disconnect port must be a port number/);
    const taken = await b.post('/admin/routers', {
      _csrf: csrf,
      name: 'lobby',
      address: '192.0.2.11',
      vendor: 'generic',
      coaPort: '3799',
    });
    expect(taken.status).toBe(400);
    expect(taken.body).toMatch(
      /id="e-name">Name a router with that name or address already exists/,
    );
  });

  test('login hosts: added, shown on the router page and the form, refused by the field', async () => {
    const form = {
      _csrf: csrf,
      name: 'lobby',
      address: '192.0.2.10',
      vendor: 'mikrotik',
      coaPort: '3799',
    };
    const r = await b.post('/admin/routers', {
      ...form,
      loginHosts: 'Login.Hotspot.LAN, 203.0.113.7',
    });
    expect(r.status).toBe(200);
    const nas = await f.services.nas.get('lobby');
    expect(nas.loginHosts).toEqual(['login.hotspot.lan', '203.0.113.7']);
    expect((await b.get(`/admin/routers/${nas.id}`)).body).toContain(
      'name="loginHosts" type="text" value="login.hotspot.lan 203.0.113.7"',
    );
    expect((await b.get(`/admin/routers/${nas.id}/test`)).body).toContain(
      '<span class="code">login.hotspot.lan</span>, <span class="code">203.0.113.7</span> (its login hosts)',
    );

    const bad = await b.post(`/admin/routers/${nas.id}`, {
      ...form,
      loginHosts: 'http://<b>evil</b>/login',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain(
      'id="e-loginHosts">Login hosts must be host names or IP addresses (&quot;http://&lt;b&gt;evil&lt;/b&gt;/login&quot; is neither)',
    );
    expect((await f.services.nas.get(nas.id)).loginHosts).toEqual([
      'login.hotspot.lan',
      '203.0.113.7',
    ]);

    const cleared = await b.post(`/admin/routers/${nas.id}`, { ...form, loginHosts: '' });
    expect(cleared.location).toBe(`/admin/routers/${nas.id}/test?saved=1`);
    expect((await f.services.nas.get(nas.id)).loginHosts).toEqual([]);
    expect((await b.get(`/admin/routers/${nas.id}/test`)).body).toContain(
      'a private, loopback or link-local IP address (no login hosts are set)',
    );
  });

  test('the router page never shows the UAM secret; blank keeps it, Remove clears it', async () => {
    const nas = await f.services.nas.add(
      { name: 'chilli', address: '192.0.2.30', vendor: 'coova-chilli', uamSecret: 'uam-Secret-42' },
      'test',
    );
    const edit = await b.get(`/admin/routers/${nas.id}`);
    expect(edit.status).toBe(200);
    expect(edit.body).not.toContain('uam-Secret-42');
    expect(edit.body).toContain('A UAM secret is set');
    const form = {
      _csrf: csrf,
      name: 'chilli',
      address: '192.0.2.30',
      vendor: 'coova-chilli',
      coaPort: '3799',
    };
    await b.post(`/admin/routers/${nas.id}`, { ...form, uamSecret: '' });
    expect((await f.services.nas.get(nas.id)).uamSecret).toBe('uam-Secret-42');
    await b.post(`/admin/routers/${nas.id}`, { ...form, uamSecret: 'uam-new-7' });
    expect((await f.services.nas.get(nas.id)).uamSecret).toBe('uam-new-7');
    await b.post(`/admin/routers/${nas.id}`, { ...form, uamSecret: '', removeUamSecret: '1' });
    expect((await f.services.nas.get(nas.id)).uamSecret).toBeNull();
  });

  test('changes and removes a router after confirmation', async () => {
    const nas = await f.services.nas.add({ name: 'lobby', address: '192.0.2.10' }, 'test');
    const r = await b.post(`/admin/routers/${nas.id}`, {
      _csrf: csrf,
      name: 'lobby',
      address: '192.0.2.20',
      vendor: 'unifi',
      coaPort: '1700',
      requireMessageAuthenticator: '0',
    });
    expect(r.location).toBe(`/admin/routers/${nas.id}/test?saved=1`);
    const changed = await f.services.nas.get(nas.id);
    expect([changed.address, changed.vendor, changed.coaPort]).toEqual([
      '192.0.2.20',
      'unifi',
      1700,
    ]);
    expect(changed.requireMessageAuthenticator).toBe(false);
    expect((await b.get(`/admin/routers/${nas.id}/delete`)).body).toContain('Remove lobby?');
    const gone = await b.post(`/admin/routers/${nas.id}/delete`, { _csrf: csrf });
    expect(gone.location).toBe('/admin/routers?removed=1');
    expect(await f.services.nas.list()).toEqual([]);
  });
});

describe('staff accounts', () => {
  test('adds a staff account who can then sign in, and refuses a weak password', async () => {
    const weak = await b.post('/admin/users', {
      _csrf: csrf,
      username: 'sam',
      password: 'short',
      role: 'staff',
    });
    expect(weak.status).toBe(400);
    expect(weak.body).toMatch(/id="e-password">Password must be at least 10 characters/);
    const ok = await b.post('/admin/users', {
      _csrf: csrf,
      username: 'sam',
      password: 'sam-password-1',
      role: 'staff',
    });
    expect(ok.location).toBe('/admin/users?added=1');
    const sam = f.browser();
    expect((await sam.signIn({ username: 'sam', password: 'sam-password-1' })).status).toBe(303);
    expect((await sam.get('/admin/users')).status).toBe(403);
  });

  test('an admin cannot disable their own account', async () => {
    const me = (await f.services.staff.list()).find((u) => u.username === 'admin') as {
      id: number;
    };
    const r = await b.post(`/admin/users/${me.id}/disable`, { _csrf: csrf });
    expect(r.status).toBe(400);
    expect(r.body).toContain('You cannot disable your own account');
  });
});

describe('sessions', () => {
  test('the live list refreshes itself and says when nobody is online', async () => {
    const r = await b.get('/admin/sessions');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<meta http-equiv="refresh" content="15">');
    expect(r.body).toContain('Nobody is online right now.');
  });

  test('names the latest Disconnect/CoA in its protocol spelling: CoA: ACK', async () => {
    const s = f.services;
    const nas = await s.nas.add({ name: 'lobby', address: '192.0.2.1', secret: 'secret-123' }, 't');
    const t = (await s.tokens.create({ minutes: 60 }, 't')).tokens[0]!;
    await reportAccounting(s, {
      nasId: nas.id,
      code: t.code,
      acctSessionId: 'A1',
      mac: 'aa-bb-cc-dd-ee-01',
    });
    const now = f.clock.now();
    await s.store.transaction(async () => {
      const session = (await s.sessions.listLive()).sessions[0]!;
      const job = await s.store.coaJobs.insert({
        sessionId: session.id,
        kind: 'coa',
        reason: 'token-minutes',
        requestedBy: null,
        sessionTimeout: 3600,
        createdAt: now,
      });
      await s.store.coaJobs.claimFair(
        now,
        { limit: 10, perRouter: 10 },
        { node: 'test', until: now + 30_000 },
      );
      await s.store.coaJobs.finish(job, 'ack', null, now);
    });
    const r = await b.get('/admin/sessions');
    expect(r.body).toMatch(/<span class="badge verbatim s-ack"[^>]*>CoA: ACK<\/span>/);
  });

  test('history filters say what is wrong with a filter', async () => {
    const r = await b.get('/admin/sessions/history?since=yesterday&code=NOPE-NOPE');
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/id="e-since">From \(date\) must be a date/);
    expect(r.body).toMatch(/id="e-code">Token code is not a token code we know/);
  });
});

describe('routers that do not answer Disconnect/CoA', () => {
  test('the routers page shows a backed-off router and how many jobs wait for it', async () => {
    const nas = await f.services.nas.add(
      { name: 'attic', address: '192.0.2.77', secret: 'attic-secret-1', coaPort: 3799 },
      'admin',
    );
    // A fake DAS client that never gets an answer: every job times out.
    const timeout = async () => ({ outcome: 'timeout' as const, attempts: 5, rttMs: 30_000 });
    f.services.cutoff.attach({ sendDisconnect: timeout, sendCoa: timeout });
    const tokens = (await f.services.tokens.create({ minutes: 60, count: 2 }, 'admin')).tokens;
    for (const [i, t] of tokens.entries()) {
      await reportAccounting(f.services, {
        nasId: nas.id,
        code: t.code,
        acctSessionId: `S${i}`,
        mac: `AA-BB-CC-DD-EE-0${i}`,
      });
    }
    expect((await b.get('/admin/routers')).body).toMatch(/data-label="Disconnect\/CoA">answering/);
    await f.services.tokens.revoke(tokens[0]!.id, 'admin');
    await f.services.cutoff.tick();
    // With one answer missing the whole router pauses, so the next job waits unsent.
    await f.services.tokens.revoke(tokens[1]!.id, 'admin');
    await f.services.cutoff.tick();
    const page = (await b.get('/admin/routers')).body;
    expect(page).toContain('<strong>not answering</strong> (last answer: never); paused until');
    expect(page).toContain('· 1 waiting');
  });
});
