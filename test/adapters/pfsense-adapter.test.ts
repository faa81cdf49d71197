import { describe, expect, it } from 'vitest';
import { pfsenseAdapter } from '../../src/adapters/pfsense-adapter.js';
import type { AdapterOptions, ClientContext } from '../../src/adapters/router-adapter.js';

// What the browser sends after Portico's pfSense page (deploy/routers/pfsense.md) submits
// its GET form: pfSense filled in $PORTAL_ACTION$ (captiveportal.inc: "http://<interface
// address>:8002/index.php?zone=<zone>"), $PORTAL_ZONE$, $PORTAL_REDIRURL$, $CLIENT_MAC$ and
// $CLIENT_IP$.
const PARAMS = {
  portal_action: 'http://192.168.1.1:8002/index.php?zone=guests',
  zone: 'guests',
  redirurl: 'http://example.com/news?a=1&b=2',
  mac: 'a4:83:e7:11:22:33',
  ip: '192.168.1.50',
  nasid: 'lobby',
};
const opts: AdapterOptions = { defaultLandingUrl: 'https://portico.example/' };
const credentials = { username: '7KQ4M2XD', password: '7KQ4M2XD' };

function parseOk(params: Record<string, string>, o = opts): ClientContext {
  const result = pfsenseAdapter.parse({ params }, o);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}`);
  return result.context;
}

describe('pfsense adapter', () => {
  it('reads the portal action, zone, MAC, IP and redirect URL', () => {
    expect(pfsenseAdapter.matches(PARAMS)).toBe(true);
    expect(parseOk(PARAMS)).toEqual({
      adapter: 'pfsense',
      mac: 'a4-83-e7-11-22-33',
      ip: '192.168.1.50',
      nasId: 'lobby',
      loginUrl: 'http://192.168.1.1:8002/index.php?zone=guests',
      zone: 'guests',
      originalUrl: 'http://example.com/news?a=1&b=2',
    });
  });

  it('posts the code back to the portal action with accept, zone and redirurl', () => {
    const result = pfsenseAdapter.handOff(
      { ...parseOk(PARAMS), originalUrl: 'https://portico.example/portal/success?s=x' },
      credentials,
      opts,
    );
    expect(result).toEqual({
      ok: true,
      handOff: {
        kind: 'form-post',
        url: 'http://192.168.1.1:8002/index.php?zone=guests',
        fields: {
          auth_user: '7KQ4M2XD',
          auth_pass: '7KQ4M2XD',
          zone: 'guests',
          redirurl: 'https://portico.example/portal/success?s=x',
          accept: 'Continue',
        },
      },
    });
  });

  it('refuses a portal action that is not the zone’s index.php', () => {
    for (const portal_action of [
      'http://192.168.1.1:8002/index.php?zone=other',
      'http://192.168.1.1:8002/evil.php?zone=guests',
      'javascript:alert(1)',
    ]) {
      expect(pfsenseAdapter.parse({ params: { ...PARAMS, portal_action } }, opts)).toMatchObject({
        ok: false,
        error: { code: 'ADAPTER_BAD_LOGIN_URL' },
      });
    }
  });

  it('refuses a public portal host unless it is one of the NAS login hosts', () => {
    const params = {
      ...PARAMS,
      portal_action: 'https://cp.example.org:8003/index.php?zone=guests',
    };
    expect(pfsenseAdapter.parse({ params }, opts)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_LOGIN_HOST_REFUSED', host: 'cp.example.org' },
    });
    const allowed = { ...opts, allowedRedirectHosts: ['cp.example.org'] };
    expect(parseOk(params, allowed).loginUrl).toBe(
      'https://cp.example.org:8003/index.php?zone=guests',
    );
  });

  it('needs a zone', () => {
    const { zone: _z, ...rest } = PARAMS;
    expect(pfsenseAdapter.matches(rest)).toBe(false);
    expect(pfsenseAdapter.parse({ params: rest }, opts)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_MISSING_PARAM' },
    });
  });

  it('refuses a tampered context whose action points elsewhere', () => {
    const ctx = { ...parseOk(PARAMS), loginUrl: 'http://203.0.113.9/index.php?zone=guests' };
    expect(pfsenseAdapter.handOff(ctx, credentials, opts)).toMatchObject({
      ok: false,
      error: { code: 'ADAPTER_LOGIN_HOST_REFUSED' },
    });
  });
});
