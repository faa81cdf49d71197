import { describe, expect, it } from 'vitest';
import {
  VENDOR_PROFILES,
  adapterByName,
  isVendorProfile,
  selectAdapter,
} from '../../src/adapters/registry.js';
import { ADAPTER_NAMES, type AdapterOptions } from '../../src/adapters/router-adapter.js';

function q(query: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(query));
}

const COOVA = q('res=notyet&uamip=10.1.0.1&uamport=3990&challenge=00&mac=AA-BB-CC-DD-EE-FF');
const MIKROTIK = q('link-login-only=http://10.5.50.1/login&mac=30:39:26:86:CC:EA&chap-id=%5C375');
// A MikroTik page copied from a Coova setup: it also sends uamip and uamport.
const MIKROTIK_COOVA_STYLE = q(
  'res=notyet&uamip=10.5.50.1&uamport=mikrotik&link-login=http://10.5.50.1/login&mac=30:39:26:86:CC:EA',
);
const UNIFI = q('ap=f0:9f:c2:aa:bb:cc&id=a4:83:e7:11:22:33&t=1700000000&url=http://x.com/');
const MERAKI = q(
  'base_grant_url=https://n1.network-auth.com/splash/grant&client_mac=60:e4:44:11:22:33',
);
const ARUBA = q('cmd=login&mac=a4:83:e7:11:22:33&essid=Guest&apname=AP1');
const PFSENSE = q(
  'portal_action=http%3A%2F%2F192.168.1.1%3A8002%2Findex.php%3Fzone%3Dguests&zone=guests&mac=a4:83:e7:11:22:33&redirurl=http://x.com/',
);
// A page that forwards only pfSense's MAC and redirect URL, as older guides had it.
const MAC_PAGE = q('mac=a4:83:e7:11:22:33&zone=guests&redirurl=http://x.com/');

describe('selectAdapter', () => {
  const byVendor: [string, string][] = [
    ['coova-chilli', 'coova'],
    ['openwrt', 'coova'],
    ['mikrotik', 'mikrotik'],
    ['unifi', 'unifi'],
    ['meraki', 'macauth'],
    ['aruba', 'macauth'],
    ['pfsense', 'pfsense'],
    ['opennds', 'opennds'],
    ['generic', 'generic'],
  ];
  it.each(byVendor)('picks by vendor profile %s -> %s, whatever the parameters', (vendor, name) => {
    expect(selectAdapter(vendor, MIKROTIK).name).toBe(name);
    expect(selectAdapter(vendor, {}).name).toBe(name);
  });

  it('lists exactly the profiles it maps', () => {
    expect([...VENDOR_PROFILES].sort()).toEqual(byVendor.map(([v]) => v).sort());
    expect(isVendorProfile('mikrotik')).toBe(true);
    expect(isVendorProfile('toString')).toBe(false);
    expect(isVendorProfile(undefined)).toBe(false);
  });

  const byParams: [string, Record<string, string>, string][] = [
    ['CoovaChilli', COOVA, 'coova'],
    ['MikroTik', MIKROTIK, 'mikrotik'],
    ['MikroTik page in Coova style', MIKROTIK_COOVA_STYLE, 'mikrotik'],
    ['UniFi', UNIFI, 'macauth'],
    ['UniFi external portal (site from /guest/s/<site>/)', { ...UNIFI, site: 'default' }, 'unifi'],
    ['Meraki', MERAKI, 'macauth'],
    ['Aruba', ARUBA, 'macauth'],
    ['pfSense', PFSENSE, 'pfsense'],
    ['a MAC-only portal page', MAC_PAGE, 'macauth'],
    ['nothing', {}, 'generic'],
    ['unrelated parameters', q('lang=de&utm_source=x'), 'generic'],
  ];
  it.each(byParams)('detects %s by its parameters when the NAS is unknown', (_n, params, name) => {
    expect(selectAdapter(undefined, params).name).toBe(name);
    expect(selectAdapter('some-new-vendor', params).name).toBe(name);
  });

  it('finds every adapter by its name', () => {
    for (const name of ADAPTER_NAMES) expect(adapterByName(name).name).toBe(name);
  });
});

describe('generic adapter', () => {
  const opts: AdapterOptions = { defaultLandingUrl: 'https://portico.example/welcome' };
  const generic = adapterByName('generic');

  it('has an empty context and hands off to the success page', () => {
    const parsed = generic.parse({ params: COOVA }, opts);
    expect(parsed).toEqual({ ok: true, context: { adapter: 'generic' } });
    if (!parsed.ok) return;
    expect(generic.handOff(parsed.context, { username: 'a', password: 'b' }, opts)).toEqual({
      ok: true,
      handOff: { kind: 'show-success', nextUrl: 'https://portico.example/welcome' },
    });
  });
});
