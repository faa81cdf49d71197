import { describe, expect, it } from 'vitest';
import {
  decryptFasLevel2,
  openndsAdapter,
  openndsGatewayName,
  openndsHid,
} from '../../src/adapters/opennds-adapter.js';
import { selectAdapter } from '../../src/adapters/registry.js';
import type { AdapterOptions, ClientContext } from '../../src/adapters/router-adapter.js';

// Redirects captured from Debian's openNDS 9.10 (faskey s3cretkey123, gatewayname
// portico-test, guest f6:31:57:d7:87:62 at 10.231.77.115). For level 1, openNDS itself
// accepted tok=sha256(hid + faskey) below; level 2 was encrypted by its php-cli call.
const FASKEY = 's3cretkey123';
const LEVEL1_FAS =
  'aGlkPTg1YjE1MDk1NWE2ZmJhNjlmMTAyNGJjMzNkZWM0NjU5MGVjYzBlYWI0NDQ4NWYwMjE0OTI1YmU1OGIxZDg1MjgsIGNsaWVudGlwPTEwLjIzMS43Ny4xMTUsIGNsaWVudG1hYz1mNjozMTo1NzpkNzo4Nzo2MiwgY2xpZW50X3R5cGU9Y3BkX2NhbiwgZ2F0ZXdheW5hbWU9cG9ydGljby10ZXN0JTIwTm9kZSUzYTQyMDIwY2RiMTUzZCUyMCwgZ2F0ZXdheXVybD1odHRwJTNhJTJmJTJmc3RhdHVzLmNsaWVudCwgdmVyc2lvbj05LjEwLjAsIGdhdGV3YXlhZGRyZXNzPTEwLjIzMS43Ny4xOjIwNTAsIGdhdGV3YXltYWM9NDIwMjBjZGIxNTNkLCBvcmlnaW51cmw9aHR0cCUzYSUyZiUyZjE5Mi4wLjIuMSUyZiwgY2xpZW50aWY9bGFuMCwgdGhlbWVzcGVjPShudWxsKSwgKG51bGwpKG51bGwpKG51bGwpKG51bGwp';
const LEVEL1_HID = '85b150955a6fba69f1024bc33dec46590ecc0eab44485f0214925be58b1d8528';
const LEVEL1_RHID = 'cf96be0d9f5a4ae08e75746ca39220ded81695b7874e0907cfd152d4d181eaa2';
const LEVEL2_FAS =
  'OFM1LytjNVJ6UmpsSU5EeGpPRjZCcldTM2tXRk1QSS82dEFxRXRlbVU3aStOaUVXc0h2YzZZZ0pzMUlwNjBZdzNmWXF1cmRoU2ZQUjRmS1hVR0grazFWWW1TT1VwekRsUHo2N2ZjbFBQZ0JPeHV6a1EvMndMd2V2R0w4Y2JqcldxeFVBZ0xJUlJmUnJhUldvbnkvWGxBdTBMamRTaWtLOG9WdWJmL0xDRFRkNjZuUUpNbkJzZHh4cXI5OVNiVnVRK3FIc0IwUUdtZEsyQzhlWDB6dEY3WTJIbGw2MjRWdEIyL1VWQTRGKy9CbDkzMC9NellCOCtJWnJJOUVJQmZZYndqL1cvZUQ2Ry9LTW5QSVN1VmcrSTdLbEwyaG9iSExrNjdIaCtKREZnWGc1Q3lLdWFwc2tkVGk0aUhIcHFSRnNpbWZZMUxmMnBaR1lFUFFjV1FLU081a2VyNFFrZ2RyTk8vdGpka3MwQUdZbGlCSzBxR3hvQlV4TjZYMWFBTWlGa3BkczA0QUxEYWlKZlRFU2dOQUpXa3lKdjMrczVwcW5GRzlRWGFTdFlnaE1JN3ptaVZwMlhCWCtObU1yN0g1UFpUZHhTZlpVcXk5ajhIQkdqRE5NVnZJaDYzZ3dpL2k2bFRCWS9wRkcwOHAxK0srZEdZYmp5TENiR0EyNSt5QjBIaU4zb3VaOXMyWU9BMXpYM0U4eFdzcHJVKy9INFF4Q1lFbWhMYmRJdGdtRmppeVdUSVFDK1ZzYXVuK1Zkb0ZWWGgwTGI4RjlMOGxwRGpqT2tPMm91UT09';
const LEVEL2_IV = 'ac3c0563213012e2';

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
