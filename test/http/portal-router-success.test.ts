// CoovaChilli's own res=success (or res=already) redirect, without the success link Portico
// handed the router: the guest sees their token's status when Portico can tell which token
// it is (the code the router logged in with, or the device's session when the router signed
// its MAC), and only "already online" when it cannot.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportAccounting } from '../support/accounting.js';
import { GUEST_MAC, portalFixture, type PortalFixture } from './portal-fixture.js';

let f: PortalFixture;
beforeEach(async () => {
  f = await portalFixture();
});
afterEach(async () => {
  await f.close();
});

const HOST = { host: 'portal.test' };
const arrive = (path: string) => f.app.inject({ url: path, headers: HOST });

/** online puts the guest's device online on a token at router `nasId` through accounting. */
const online = async (tokenId: number, nasId: number) =>
  reportAccounting(f.services, {
    nasId,
    code: (await f.services.store.tokens.findById(tokenId))!.code,
    acctSessionId: 'A1',
    mac: GUEST_MAC,
    framedIp: '10.1.0.23',
  });

describe("the router's own success redirect", () => {
  it('shows the status of the code the router logged in with (uid)', async () => {
    const t = await f.newToken({ minutes: 90 });
    const res = await arrive(f.arrivalPath({ res: 'success', uid: t.code, userurl: '' }));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('You are online');
    expect(res.body).toContain('90 minutes left');
    expect(res.body).toMatch(/href="\/status\/[\w-]+/);
  });

  it('shows the status of the token the signed device is online with', async () => {
    const t = await f.newToken({ minutes: 45 });
    const lobby = (await f.services.nas.list())[0]!;
    await online(t.id, lobby.id);
    const res = await arrive(f.arrivalPath({ res: 'already' }));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('You are online');
    expect(res.body).toContain('45 minutes left');
  });

  it('does not trust a MAC the router did not sign', async () => {
    const t = await f.newToken({ minutes: 45 });
    const open = await f.services.nas.add(
      { name: 'open', address: '10.2.0.1', secret: 'radius-secret-2', vendor: 'coova-chilli' },
      'test',
    );
    await online(t.id, open.id);
    const path = f.arrivalPath(
      { res: 'success', nasid: 'open', uamip: '10.2.0.1' },
      {
        secret: '',
      },
    );
    const res = await arrive(path);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('This device is already online.');
    expect(res.body).not.toContain('45 minutes left');
  });
});
