import { describe, expect, it } from 'vitest';
import {
  decryptFasLevel2,
  openndsAdapter,
  openndsGatewayName,
  openndsHid,
} from '../../src/adapters/opennds-adapter.js';
import { selectAdapter } from '../../src/adapters/registry.js';
import type { AdapterOptions, ClientContext } from '../../src/adapters/router-adapter.js';

import {
  FASKEY,
  LEVEL1_FAS,
  LEVEL1_HID,
  LEVEL1_RHID,
  LEVEL2_FAS,
  LEVEL2_IV,
} from './opennds-vectors.js';

const opts = (extra: Partial<AdapterOptions> = {}): AdapterOptions => ({
  defaultLandingUrl: 'http://portal.test/',
  ...extra,
});
const SUCCESS = 'http://portal.test/portal/success?s=abc';

function parsed(params: Record<string, string>, o = opts()): ClientContext {
  const r = openndsAdapter.parse({ params }, o);
  if (!r.ok) throw new Error(`refused: ${r.error.code} ${r.error.message}`);
  return r.context;
}

describe('openndsAdapter: level 1 (base64 with hid)', () => {
  it('reads the guest, the gateway and where to send it back', () => {
    expect(parsed({ fas: LEVEL1_FAS })).toEqual({
      adapter: 'opennds',
      mac: 'f6-31-57-d7-87-62',
      ip: '10.231.77.115',
      nasId: 'portico-test',
      loginUrl: 'http://10.231.77.1:2050/opennds_auth/',
      sessionId: LEVEL1_HID,
      fasLevel: 1,
      originalUrl: 'http://192.0.2.1/',
    });
  });

  it('reads a fas value whose + arrived as a space', () => {
    const spaced = Buffer.from(
      'hid=' +
        'a'.repeat(64) +
        ', gatewayaddress=10.0.0.1:2050, clientmac=aa:bb:cc:dd:ee:ff, originurl=x>>>',
      'utf8',
    ).toString('base64');
    expect(spaced).toContain('+');
    expect(parsed({ fas: spaced.replace(/\+/g, ' ') }).sessionId).toBe('a'.repeat(64));
  });

  it("hands off to the auth dir with tok = sha256(hid + faskey) and Portico's page as redir", () => {
    const ctx = { ...parsed({ fas: LEVEL1_FAS }), originalUrl: SUCCESS };
    const r = openndsAdapter.handOff(
      ctx,
      { username: 'C', password: 'C' },
      opts({ fasKey: FASKEY }),
    );
    expect(r).toEqual({
      ok: true,
      handOff: {
        kind: 'gateway-grant',
        url: `http://10.231.77.1:2050/opennds_auth/?tok=${LEVEL1_RHID}&redir=${encodeURIComponent(SUCCESS)}`,
        grant: { sessionId: LEVEL1_HID, mac: 'f6-31-57-d7-87-62', ip: '10.231.77.115' },
      },
    });
  });

  it('hands off nothing when the router has no faskey in Portico', () => {
    const r = openndsAdapter.handOff(
      parsed({ fas: LEVEL1_FAS }),
      { username: 'C', password: 'C' },
      opts(),
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'ADAPTER_NO_FAS_KEY' } });
  });

  it('refuses a gateway address that is not router-local', () => {
    const fas = Buffer.from(`hid=${'b'.repeat(64)}, gatewayaddress=203.0.113.9:2050`).toString(
      'base64',
    );
    const r = openndsAdapter.parse({ params: { fas } }, opts());
    expect(r).toMatchObject({ ok: false, error: { code: 'ADAPTER_LOGIN_HOST_REFUSED' } });
  });

  it('refuses fas data that is not openNDS level 1', () => {
    const r = openndsAdapter.parse(
      { params: { fas: Buffer.from('hello').toString('base64') } },
      opts(),
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'ADAPTER_BAD_PARAM' } });
  });
});

describe('openndsAdapter: level 2 (AES-256-CBC under the faskey)', () => {
  it('decrypts what openNDS encrypted with php-cli', () => {
    expect(decryptFasLevel2(LEVEL2_FAS, LEVEL2_IV, FASKEY)).toMatchObject({
      clientmac: 'f6:31:57:d7:87:62',
      authdir: 'opennds_auth',
      gatewayaddress: '10.231.77.1:2050',
    });
    expect(parsed({ fas: LEVEL2_FAS, iv: LEVEL2_IV }, opts({ fasKey: FASKEY }))).toMatchObject({
      mac: 'f6-31-57-d7-87-62',
      nasId: 'portico-test',
      loginUrl: 'http://10.231.77.1:2050/opennds_auth/',
      fasLevel: 2,
      originalUrl: 'http://192.0.2.1/a?b=c',
    });
  });

  it('refuses it under another key, and without one', () => {
    const wrong = openndsAdapter.parse(
      { params: { fas: LEVEL2_FAS, iv: LEVEL2_IV } },
      opts({ fasKey: 'not-the-key' }),
    );
    expect(wrong).toMatchObject({ ok: false, error: { code: 'ADAPTER_BAD_SIGNATURE' } });
    const none = openndsAdapter.parse({ params: { fas: LEVEL2_FAS, iv: LEVEL2_IV } }, opts());
    expect(none).toMatchObject({ ok: false, error: { code: 'ADAPTER_NO_FAS_KEY' } });
  });
});

describe('openndsAdapter: level 0 (the client token in clear)', () => {
  // openNDS appends its raw query to authaction, so clientip lands inside authaction.
  const params = {
    authaction: 'http://10.0.0.1:2050/opennds_auth/?clientip=10.0.0.5',
    gatewayname: 'lobby%20Node%3a001122334455%20',
    tok: 'a1b2c3d4',
    redir: 'http://example.com/',
  };

  it('reads the token, whose sha256 is the hid BinAuth reports match', () => {
    expect(parsed(params)).toEqual({
      adapter: 'opennds',
      ip: '10.0.0.5',
      nasId: 'lobby',
      loginUrl: 'http://10.0.0.1:2050/opennds_auth/',
      sessionId: openndsHid('a1b2c3d4'),
      clientToken: 'a1b2c3d4',
      fasLevel: 0,
      originalUrl: 'http://example.com/',
    });
  });

  it('hands the token itself back, still only with a faskey set in Portico', () => {
    const ctx = { ...parsed(params), originalUrl: SUCCESS };
    const r = openndsAdapter.handOff(
      ctx,
      { username: 'C', password: 'C' },
      opts({ fasKey: FASKEY }),
    );
    expect(r).toMatchObject({
      ok: true,
      handOff: {
        kind: 'gateway-grant',
        url: `http://10.0.0.1:2050/opennds_auth/?tok=a1b2c3d4&redir=${encodeURIComponent(SUCCESS)}`,
      },
    });
    const forged = openndsAdapter.handOff(
      { ...ctx, clientToken: 'ffffffff' },
      { username: 'C', password: 'C' },
      opts({ fasKey: FASKEY }),
    );
    expect(forged).toMatchObject({ ok: false, error: { code: 'ADAPTER_MISSING_PARAM' } });
  });
});

describe('choosing the openNDS adapter', () => {
  it('is picked for an unknown router by its parameters and for the opennds vendor', () => {
    expect(selectAdapter(undefined, { fas: LEVEL1_FAS }).name).toBe('opennds');
    expect(selectAdapter(undefined, { tok: 'a1b2c3d4', gatewayname: 'x' }).name).toBe('opennds');
    expect(selectAdapter('opennds', {}).name).toBe('opennds');
    expect(
      selectAdapter(undefined, { uamip: '10.1.0.1', uamport: '3990', res: 'notyet' }).name,
    ).toBe('coova');
  });

  it('names the gateway when levels 0 and 1 send it in clear, not at level 2', () => {
    expect(openndsGatewayName({ fas: LEVEL1_FAS })).toBe('portico-test');
    expect(openndsGatewayName({ tok: 'a1b2c3d4', gatewayname: 'lobby' })).toBe('lobby');
    expect(openndsGatewayName({ fas: LEVEL2_FAS, iv: LEVEL2_IV })).toBeUndefined();
    expect(openndsGatewayName({ uamip: '10.1.0.1' })).toBeUndefined();
  });
});
