import { afterEach, describe, expect, it } from 'vitest';
import { createControllerClient } from '../../src/unifi/controller-client.js';
import { startFakeController, type FakeController } from '../support/unifi-controller.js';

const ACCOUNT = { username: 'portico', password: 'pw-1', site: 'default' };
let controller: FakeController | undefined;
afterEach(async () => {
  await controller?.close();
  controller = undefined;
});

describe.each([
  ['classic controller', false],
  ['UniFi OS console', true],
])('UniFi controller client against a %s', (_name, unifiOs) => {
  it('logs in once and authorises, then unauthorises, a guest', async () => {
    controller = await startFakeController({ ...ACCOUNT, unifiOs });
    const client = createControllerClient({ ...ACCOUNT, url: controller.url });
    expect(
      await client.authorizeGuest('A4-83-E7-11-22-33', {
        minutes: 42,
        apMac: 'F0-9F-C2-AA-BB-CC',
        downKbps: 4000,
      }),
    ).toEqual({ outcome: 'ok' });
    expect(await client.unauthorizeGuest('a4:83:e7:11:22:33')).toEqual({ outcome: 'ok' });
    expect(controller.logins).toBe(1);
    expect(controller.calls.map((c) => [c.site, c.body, c.answered])).toEqual([
      [
        'default',
        {
          cmd: 'authorize-guest',
          mac: 'a4:83:e7:11:22:33',
          minutes: 42,
          ap_mac: 'f0:9f:c2:aa:bb:cc',
          down: 4000,
        },
        200,
      ],
      ['default', { cmd: 'unauthorize-guest', mac: 'a4:83:e7:11:22:33' }, 200],
    ]);
  });

  it('logs in again when the controller session has expired (401) and repeats the call', async () => {
    controller = await startFakeController({ ...ACCOUNT, unifiOs });
    const client = createControllerClient({ ...ACCOUNT, url: controller.url });
    expect((await client.authorizeGuest('a4:83:e7:11:22:33', { minutes: 5 })).outcome).toBe('ok');
    controller.expireSessions();
    expect((await client.authorizeGuest('a4:83:e7:11:22:34', { minutes: 5 })).outcome).toBe('ok');
    expect(controller.logins).toBe(2);
    expect(controller.calls.map((c) => c.answered)).toEqual([200, 401, 200]);
  });

  it('reports a refused authorisation with the controller’s message', async () => {
    controller = await startFakeController({ ...ACCOUNT, unifiOs });
    controller.refuse.add('a4:83:e7:11:22:33');
    const client = createControllerClient({ ...ACCOUNT, url: controller.url });
    expect(await client.authorizeGuest('a4:83:e7:11:22:33', { minutes: 5 })).toEqual({
      outcome: 'refused',
      status: 400,
      message: 'api.err.InvalidTarget',
    });
  });

  it('reports wrong credentials as refused, never as done', async () => {
    controller = await startFakeController({ ...ACCOUNT, unifiOs });
    const client = createControllerClient({ ...ACCOUNT, password: 'wrong', url: controller.url });
    expect(await client.authorizeGuest('a4:83:e7:11:22:33', { minutes: 5 })).toMatchObject({
      outcome: 'refused',
      message: 'api.err.Invalid',
    });
    expect(controller.calls).toEqual([]);
  });
});

describe('UniFi controller client without a controller', () => {
  it('reports an unreachable controller', async () => {
    const gone = await startFakeController(ACCOUNT);
    const url = gone.url;
    await gone.close();
    const client = createControllerClient({ ...ACCOUNT, url });
    expect((await client.unauthorizeGuest('a4:83:e7:11:22:33')).outcome).toBe('unreachable');
  });
});
