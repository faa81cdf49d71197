import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GUESS_BUDGET } from '../../src/services/lockout-service.js';
import { RadiusCode } from '../../src/radius/codes.js';
import { attr, papLogin, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const newToken = async (input: Record<string, unknown> = {}) =>
  (await h.services.tokens.create({ minutes: 60, ...input }, 'staff')).tokens[0]!;
const sessionRows = (tokenId: number) =>
  h.sql('SELECT status, device_mac FROM sessions WHERE token_id = ? ORDER BY id', [tokenId]);

describe('Access-Request over UDP', () => {
  it('accepts a PAP login with the first limit, interim interval, Class and MikroTik rate limit', async () => {
    const t = await newToken({ minutes: 90, rateDownKbps: 4000, rateUpKbps: 1000 });
    const r = await h.nas.auth(papLogin(t.code.toLowerCase(), 'AA:BB:CC:DD:EE:01'));
    expect(r?.code).toBe(RadiusCode.AccessAccept);
    expect(attr(r, 'Session-Timeout')).toBe(5400);
    expect(attr(r, 'Acct-Interim-Interval')).toBe(h.config.interimIntervalSeconds);
    expect(attr(r, 'Idle-Timeout')).toBe(h.config.idleTimeoutSeconds);
    expect(attr(r, 'Mikrotik-Rate-Limit')).toBe('1000k/4000k');
    const cls = (attr(r, 'Class') as Buffer).toString();
    expect(await h.sql('SELECT status, class FROM sessions WHERE token_id = ?', [t.id])).toEqual([
      { status: 'reserved', class: cls },
    ]);
  });

  it('rejects a wrong password or an unknown code with a message the router can show', async () => {
    const t = await newToken();
    const wrong = await h.nas.auth([
      ...papLogin(t.code, 'aa-bb-cc-dd-ee-01').filter(([n]) => n !== 'User-Password'),
      ['User-Password', 'ZZZZZZZZ'],
    ]);
    expect(wrong?.code).toBe(RadiusCode.AccessReject);
    expect(attr(wrong, 'Reply-Message')).toMatch(/not valid/);
    const unknown = await h.nas.auth(papLogin('ABCD-EFGH', 'aa-bb-cc-dd-ee-01'));
    expect(unknown?.code).toBe(RadiusCode.AccessReject);
    expect(await sessionRows(t.id)).toEqual([]);
  });

  it('rejects a depleted or revoked token with its reason', async () => {
    const t = await newToken();
    await h.services.tokens.revoke(t.id, 'staff');
    const r = await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-01'));
    expect(r?.code).toBe(RadiusCode.AccessReject);
    expect(attr(r, 'Reply-Message')).toBe('This access code has been withdrawn.');
  });

  it('locks a device out after repeated wrong codes, even when it then sends a right one', async () => {
    const t = await newToken();
    for (let i = 0; i < 6; i++) {
      const r = await h.nas.auth(papLogin(`WRONG${i}XYZ`, 'aa-bb-cc-dd-ee-09'));
      expect(r?.code).toBe(RadiusCode.AccessReject);
    }
    const r = await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-09'));
    expect(r?.code).toBe(RadiusCode.AccessReject);
    expect(attr(r, 'Reply-Message')).toMatch(/Too many wrong codes/);
    // Another device on the same NAS is not affected.
    expect((await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-08')))?.code).toBe(
      RadiusCode.AccessAccept,
    );
  });

  it('an attack on the router from many devices does not stop a valid code from a new device', async () => {
    const t = await newToken();
    const mac = (i: number) =>
      `02-00-00-00-${(i >> 8).toString(16).padStart(2, '0')}-${(i & 255).toString(16).padStart(2, '0')}`;
    // More wrong codes, each from another device, than the router's free budget.
    const n = GUESS_BUDGET.free + 50;
    for (let i = 0; i < n; i++) {
      const r = await h.nas.auth(papLogin(`WRONG${String(i).padStart(3, '0')}`, mac(i)));
      expect(attr(r, 'Reply-Message')).not.toMatch(/Too many wrong codes/);
    }
    const ok = await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-42'));
    expect(ok?.code).toBe(RadiusCode.AccessAccept);
    // A device that already guessed wrong twice now waits for the router's slot: one more
    // code checked, then refused until the next slot.
    for (let i = 0; i < GUESS_BUDGET.deviceTries; i++)
      await h.nas.auth(papLogin(`WRONGA${i}XY`, 'aa-bb-cc-dd-ee-43'));
    const slot = await h.nas.auth(papLogin('WRONGB0XY', 'aa-bb-cc-dd-ee-43'));
    expect(attr(slot, 'Reply-Message')).not.toMatch(/Too many wrong codes/);
    const held = await h.nas.auth(papLogin('WRONGB1XY', 'aa-bb-cc-dd-ee-43'));
    expect(attr(held, 'Reply-Message')).toMatch(/Too many wrong codes/);
  }, 60_000);

  it('lets exactly one of two racing devices onto a one-device token, 50 times over', async () => {
    for (let round = 0; round < 50; round++) {
      const t = await newToken();
      const a = `aa-bb-cc-dd-${(round >> 8).toString(16).padStart(2, '0')}-${(round & 255).toString(16).padStart(2, '0')}`;
      const b = a.replace(/^aa/, 'bb');
      // Both requests are on the wire before either answer comes back.
      const [ra, rb] = await Promise.all([
        h.nas.auth(papLogin(t.code, a)),
        h.nas.auth(papLogin(t.code, b)),
      ]);
      const codes = [ra?.code, rb?.code].sort();
      expect(codes, `round ${round}`).toEqual([RadiusCode.AccessAccept, RadiusCode.AccessReject]);
      expect(await sessionRows(t.id)).toHaveLength(1);
    }
  });

  it('lets exactly one device onto each token when races overlap in opposite orders', async () => {
    // On PostgreSQL several batches run side by side: the second wave names the tokens in
    // the reverse order, which deadlocks batches that lock their tokens as they go.
    const tokens = [];
    for (let i = 0; i < 20; i++) tokens.push(await newToken());
    const mac = (side: string, i: number) =>
      `${side}-bb-cc-dd-ee-${i.toString(16).padStart(2, '0')}`;
    const first = tokens.map((t, i) => h.nas.auth(papLogin(t.code, mac('aa', i))));
    await new Promise((r) => setImmediate(r));
    const second = [...tokens]
      .reverse()
      .map((t, j) => h.nas.auth(papLogin(t.code, mac('cc', tokens.length - 1 - j))));
    const a = await Promise.all(first);
    const b = (await Promise.all(second)).reverse();
    for (let i = 0; i < tokens.length; i++) {
      const codes = [a[i]?.code, b[i]?.code].sort();
      expect(codes, `token ${i}`).toEqual([RadiusCode.AccessAccept, RadiusCode.AccessReject]);
      expect(await sessionRows(tokens[i]!.id)).toHaveLength(1);
    }
    const stats = h.services.radiusStats();
    expect(stats.batches.failed).toBe(0);
    expect(stats.drops['handler-error']).toBeUndefined();
  });

  it('lets the same device re-authenticate on its slot (pfSense re-auth, roaming)', async () => {
    const t = await newToken();
    const first = await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-01'));
    h.clock.advance(60_000);
    const again = await h.nas.auth(papLogin(t.code, 'AABB.CCDD.EE01'));
    expect(again?.code).toBe(RadiusCode.AccessAccept);
    expect(attr(again, 'Class')).toEqual(attr(first, 'Class'));
    expect(await sessionRows(t.id)).toHaveLength(1);
  });

  it('replaces the oldest device when the token says so', async () => {
    const t = await newToken({ whenFull: 'replace-oldest' });
    expect((await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-01')))?.code).toBe(
      RadiusCode.AccessAccept,
    );
    h.clock.advance(1000);
    expect((await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-02')))?.code).toBe(
      RadiusCode.AccessAccept,
    );
    expect(await sessionRows(t.id)).toEqual([
      { status: 'closed', device_mac: 'aa-bb-cc-dd-ee-01' },
      { status: 'reserved', device_mac: 'aa-bb-cc-dd-ee-02' },
    ]);
  });

  it('authenticates a bound MAC (MAC authentication) and refuses an unbound one', async () => {
    const t = await newToken({ maxDevices: 2 });
    await h.services.access.bindDevice(t.id, 'aa:bb:cc:dd:ee:05');
    const macAuth = (mac: string) =>
      h.nas.auth([
        ['User-Name', mac],
        ['User-Password', mac],
        ['Calling-Station-Id', mac],
        ['Service-Type', 'Call-Check'],
        ['NAS-Identifier', 'unifi'],
      ]);
    const ok = await macAuth('AA-BB-CC-DD-EE-05');
    expect(ok?.code).toBe(RadiusCode.AccessAccept);
    expect(attr(ok, 'Session-Timeout')).toBe(3600);
    const no = await macAuth('AA-BB-CC-DD-EE-06');
    expect(no?.code).toBe(RadiusCode.AccessReject);
    expect(attr(no, 'Reply-Message')).toMatch(/not signed in/);
    await h.services.sessions.signOutDevice(t.id, 'aa-bb-cc-dd-ee-05', 'guest');
    expect((await macAuth('AA-BB-CC-DD-EE-05'))?.code).toBe(RadiusCode.AccessReject);
  });
});
