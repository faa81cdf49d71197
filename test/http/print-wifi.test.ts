// Printed cards with the venue's Wi-Fi: the network name and the same join sentence on both
// layouts, the optional Wi-Fi join QR code (decoded back from the printed SVG) beside the
// code's own, and the note line; the Settings page validates them and the API never returns
// the password.

import { afterEach, describe, expect, test } from 'vitest';
import { ADMIN, signedIn, type SignedIn } from './admin-fixture.js';
import { decodeQrSvg } from '../support/qr-decode.js';

let s: SignedIn;
afterEach(async () => {
  await s.f.close();
});

const settingsForm = (csrf: string, extra: Record<string, string>) => ({
  _csrf: csrf,
  spaceName: 'Harbour',
  timeZone: 'Europe/Berlin',
  cardChecksShown: '1',
  ...extra,
});

const svgs = (html: string) => [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);

describe('Wi-Fi on printed cards', () => {
  test('name, join QR code, and note on both layouts, with the same sentence', async () => {
    s = await signedIn(ADMIN);
    const saved = await s.b.post(
      '/admin/settings',
      settingsForm(s.csrf, {
        wifiName: 'Harbour; "Guest"',
        wifiPassword: 'sea:breeze,42\\',
        showWifiQr: '1',
        wifiHidden: '1',
        cardNote: 'Help: reception, 8:00–20:00',
      }),
    );
    expect(saved.status).toBe(303);
    const t = (await s.f.services.tokens.create({ minutes: 60 }, 'test')).tokens[0]!;
    const sentence =
      'Join the Wi-Fi “Harbour; &quot;Guest&quot;” (or scan the Wi-Fi QR code), then enter the code or scan its QR code.';
    for (const layout of ['a4', 'receipt']) {
      const page = await s.b.get(`/admin/tokens/print?ids=${t.id}&layout=${layout}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`<p class="card-hint">${sentence}</p>`);
      expect(page.body).toContain('Wi-Fi: <strong>Harbour; &quot;Guest&quot;</strong>');
      expect(page.body).toContain('<p class="card-note">Help: reception, 8:00–20:00</p>');
      const [codeQr, wifiQr, ...rest] = svgs(page.body);
      expect(rest).toEqual([]);
      expect(decodeQrSvg(codeQr!)).toBe(`https://wifi.example.org/t/${t.code}`);
      expect(decodeQrSvg(wifiQr!)).toBe(
        'WIFI:T:WPA;S:Harbour\\; \\"Guest\\";P:sea\\:breeze\\,42\\\\;H:true;;',
      );
      expect(wifiQr).toContain('aria-label="Wi-Fi QR code"');
    }
  });

  test('an open network gets T:nopass; without the QR setting only the name is printed', async () => {
    s = await signedIn(ADMIN);
    await s.f.services.settings.update({ wifiName: 'Lobby', showWifiQr: true }, 'test');
    const t = (await s.f.services.tokens.create({ minutes: 60 }, 'test')).tokens[0]!;
    const open = await s.b.get(`/admin/tokens/print?ids=${t.id}`);
    expect(decodeQrSvg(svgs(open.body)[1]!)).toBe('WIFI:T:nopass;S:Lobby;;');

    await s.f.services.settings.update({ showWifiQr: false }, 'test');
    const plain = await s.b.get(`/admin/tokens/print?ids=${t.id}`);
    expect(svgs(plain.body)).toHaveLength(1);
    expect(plain.body).toContain(
      'Join the Wi-Fi “Lobby”, then enter the code or scan the QR code.',
    );
    expect(plain.body).not.toContain('<p class="card-note">');
  });

  test('Settings refuses a bad password, a long note and a QR code without a name', async () => {
    s = await signedIn(ADMIN);
    const r = await s.b.post(
      '/admin/settings',
      settingsForm(s.csrf, {
        wifiName: '',
        wifiPassword: 'short',
        showWifiQr: '1',
        cardNote: 'x'.repeat(121),
      }),
    );
    expect(r.status).toBe(400);
    expect(r.body).toContain('Wi-Fi password must be 8 to 63 characters');
    expect(r.body).toContain('Note on every card must be at most 120 characters');
    const none = await s.b.post(
      '/admin/settings',
      settingsForm(s.csrf, { wifiName: '', wifiPassword: 'long-enough', showWifiQr: '1' }),
    );
    expect(none.status).toBe(400);
    expect(none.body).toContain('Wi-Fi QR code needs the Wi-Fi network name');
    expect((await s.f.services.settings.get()).showWifiQr).toBe(false);
  });

  test('the password shows on the Settings page only: not in the API, not in the audit log', async () => {
    s = await signedIn(ADMIN);
    await s.b.post(
      '/admin/settings',
      settingsForm(s.csrf, { wifiName: 'Lobby', wifiPassword: 'correct-horse-9' }),
    );
    const page = await s.b.get('/admin/settings');
    expect(page.body).toContain('value="correct-horse-9"');
    const { key } = await s.f.services.apiKeys.create({ name: 'ops', role: 'admin' }, 'test');
    const api = await s.f.app.inject({
      url: '/api/v1/settings',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(api.statusCode).toBe(200);
    expect(api.json()).toMatchObject({ wifiName: 'Lobby', showWifiQr: false, cardNote: '' });
    expect(api.body).not.toContain('correct-horse-9');
    const audit = s.f.db.prepare('SELECT details FROM audit_log').all() as Array<{
      details: string | null;
    }>;
    expect(audit.some((a) => a.details?.includes('wifiPassword'))).toBe(true);
    expect(JSON.stringify(audit)).not.toContain('correct-horse-9');
  });
});
