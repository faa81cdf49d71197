// A CoovaChilli/uspot router whose UAM secret in Portico does not match its own: the guest is
// told the sign-in is not set up (and no code counts as a guess), staff see it in the log,
// on the routers pages and in /healthz, and changing the router's settings clears it.

import { afterEach, describe, expect, it } from 'vitest';
import { coovaRedirectUrl } from '../../src/demo/coova-redirect.js';
import { ADMIN, signedIn, type SignedIn } from './admin-fixture.js';

const PORTAL = 'https://wifi.example.org/';
let x: SignedIn;
afterEach(async () => {
  await x.f.close();
});

/** redirect returns the splash path a CoovaChilli router `nasid` sends guests to. */
function redirect(nasid: string, secret: string | undefined, uamip = '10.1.0.1') {
  const url = coovaRedirectUrl(
    PORTAL,
    [
      ['res', 'notyet'],
      ['uamip', uamip],
      ['uamport', '3990'],
      ['challenge', '0123456789abcdef0123456789abcdef'],
      ['mac', 'AA-BB-CC-DD-EE-01'],
      ['ip', '10.1.0.23'],
      ['nasid', nasid],
      ['userurl', 'http://example.com/'],
    ],
    secret,
  );
  return url.slice(PORTAL.length - 1);
}

async function setUp(uamSecret?: string) {
  x = await signedIn(ADMIN);
  return x.f.services.nas.add(
    {
      name: 'lobby',
      address: '10.1.0.1',
      secret: 'radius-secret-1',
      vendor: 'coova-chilli',
      ...(uamSecret ? { uamSecret } : {}),
    },
    'test',
  );
}

const arrive = (path: string) =>
  x.f.app.inject({ url: path, headers: { host: 'wifi.example.org' } });

describe('a router whose UAM secret does not match', () => {
  it('with no UAM secret in Portico: the guest is told, never asked for a code', async () => {
    const nas = await setUp();
    const res = await arrive(redirect('lobby', 'the-routers-secret'));
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('This network&#39;s sign-in is not set up yet');
    expect(res.body).toContain('Please tell the staff');
    expect(res.body).not.toContain('name="ctx"');
    // Nothing was guessed, so nothing is locked or counted.
    expect((await x.f.services.lockouts.list()).length).toBe(0);

    // The open /healthz counts them; staff see which at /admin/healthz.
    expect(JSON.parse((await x.f.app.inject({ url: '/healthz' })).body).signInProblems).toBe(1);
    const health = JSON.parse((await x.b.get('/admin/healthz')).body);
    expect(health.signInProblems).toEqual([
      expect.objectContaining({ nasId: nas.id, nas: 'lobby', reason: 'no-uam-secret', count: 1 }),
    ]);
    const list = await x.b.get('/admin/routers');
    expect(list.body).toContain('Guests cannot sign in through some routers');
    expect(list.body).toContain('no UAM secret is set here');
    const test = await x.b.get(`/admin/routers/${nas.id}/test`);
    expect(test.body).toContain('no UAM secret is set here');

    // Staff set the secret: the problem is gone and the redirect works.
    await x.f.services.nas.update(nas.id, { uamSecret: 'the-routers-secret' }, 'test');
    const saved = await x.b.post(`/admin/routers/${nas.id}`, {
      _csrf: x.csrf,
      name: 'lobby',
      address: '10.1.0.1',
      vendor: 'coova-chilli',
      coaPort: '3799',
      uamSecret: '',
      loginHosts: '',
    });
    expect(saved.status).toBe(303);
    expect(JSON.parse((await x.b.get('/admin/healthz')).body).signInProblems).toEqual([]);
    const ok = await arrive(redirect('lobby', 'the-routers-secret'));
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('name="ctx"');
  });

  it('with a different UAM secret: the md does not verify, and staff are told so', async () => {
    const nas = await setUp('portico-has-this');
    const res = await arrive(redirect('lobby', 'router-has-that'));
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('sign-in is not set up yet');
    await arrive(redirect('lobby', 'router-has-that'));
    expect(x.f.services.portal.signInProblems(nas.id)).toEqual([
      expect.objectContaining({ reason: 'md-mismatch', count: 2 }),
    ]);
    const test = await x.b.get(`/admin/routers/${nas.id}/test`);
    expect(test.body).toContain('the two secrets differ');
    expect(test.body).toContain('Seen 2 times');
  });

  it('names an unknown router that signs its redirect', async () => {
    await setUp();
    const res = await arrive(redirect('kiosk', 'whatever', '10.9.0.1'));
    expect(res.statusCode).toBe(503);
    const list = await x.b.get('/admin/routers');
    expect(list.body).toContain('An unknown router (<span class="code">kiosk</span>');
  });
});
