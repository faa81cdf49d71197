import { GUESS_BUDGET } from '../../src/services/lockout-service.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeAttributes } from '../../src/radius/attributes.js';
import { RadiusCode } from '../../src/radius/codes.js';
import { encodeRequest, type RadiusAttribute } from '../../src/radius/packet.js';
import { acctPairs, attr, papLogin, SECRET, startHarness, type Harness } from './harness.js';

// Thousands of random and mutated datagrams, then signed packets full of random attributes:
// the server drops or answers each, never stops, and nothing in the database changes.

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** mulberry32 returns a seeded pseudo-random generator, so a failure can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TABLES = ['tokens', 'token_coverage', 'sessions', 'coa_jobs', 'device_bindings'];
const dump = async () =>
  JSON.stringify(await Promise.all(TABLES.map((t) => h.sql(`SELECT * FROM ${t} ORDER BY 1, 2`))));
const pause = () => new Promise((r) => setTimeout(r, 5));
const seen = () => {
  const s = h.services.radiusStats().server;
  const sum = (o: Readonly<Record<string, number>> | undefined) =>
    Object.values(o ?? {}).reduce((a, b) => a + b, 0);
  return sum(s?.received) + sum(s?.drops);
};
/** settled waits until the server has taken in every datagram the kernel still held for it:
 * its count of packets seen stops changing (a busy machine can be seconds behind). */
async function settled(): Promise<void> {
  let last = -1;
  for (let still = 0, i = 0; still < 3 && i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = seen();
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

describe('fuzzing the RADIUS sockets', () => {
  it('survives random and mutated packets with the database unchanged', async () => {
    const rand = mulberry32(0x5eed);
    const int = (n: number) => Math.floor(rand() * n);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

    // A realistic state to protect: a token with a live session and a bound device.
    const t = (await h.services.tokens.create({ minutes: 60, maxDevices: 3 }, 'staff')).tokens[0]!;
    const accept = await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-01'));
    const cls = attr(accept, 'Class');
    await h.nas.acct(acctPairs('Start', { id: 'f1', user: t.code, mac: 'aa-bb-cc-dd-ee-01', cls }));
    await h.services.access.bindDevice(t.id, 'aa-bb-cc-dd-ee-02');
    // From here on Access-Requests need a valid Message-Authenticator, as by default.
    await h.services.nas.update(h.nasId, { requireMessageAuthenticator: true }, 'test');
    await new Promise((r) => setTimeout(r, 2100));
    const before = await dump();

    const secret = Buffer.from(SECRET);
    const seeds = [
      encodeRequest({
        code: RadiusCode.AccessRequest,
        identifier: 1,
        attributes: encodeAttributes(papLogin(t.code, 'aa-bb-cc-dd-ee-03')),
        secret,
        messageAuthenticator: true,
      }),
      encodeRequest({
        code: RadiusCode.AccountingRequest,
        identifier: 2,
        attributes: encodeAttributes(
          acctPairs('Interim-Update', { id: 'f1', user: t.code, cls, time: 600, input: 9 }),
        ),
        secret,
      }),
    ];
    let sent = 0;
    // Phase 1: 3,000 datagrams: random bytes, bit flips, truncations and bad lengths.
    for (let i = 0; i < 3000; i++) {
      const seed = seeds[int(2)] as Buffer;
      let p: Buffer;
      // Every mutation changes a byte within Length: a packet identical to its seed would be
      // a legitimate one.
      switch (int(5)) {
        case 0:
          p = bytes(int(200));
          break;
        case 1:
          p = Buffer.from(seed);
          for (let k = 0; k <= int(4); k++) {
            const at = int(p.length);
            p[at] = (p[at] as number) ^ (1 + int(255));
          }
          break;
        case 2:
          p = seed.subarray(0, int(seed.length));
          break;
        case 3:
          p = Buffer.from(seed);
          p.writeUInt16BE((seed.length + 1 + int(4000)) % 5000, 2);
          break;
        default: {
          const extra = bytes(2 + int(30));
          extra[1] = int(3) === 0 ? int(256) : extra.length;
          p = Buffer.concat([seed, extra]);
          p.writeUInt16BE(p.length, 2);
        }
      }
      h.nas.raw(p, int(2) === 0 ? 'auth' : 'acct');
      sent++;
      if (i % 200 === 0) await pause();
    }
    // Phase 2: 1,000 correctly signed packets whose attributes are random soup, so they
    // reach the handler: wrong lengths, unknown types, odd values.
    for (let i = 0; i < 1000; i++) {
      const attributes: RadiusAttribute[] = [];
      for (let k = 0; k < int(12); k++) {
        const type =
          int(3) === 0 ? [1, 4, 8, 25, 31, 40, 41, 42, 44, 46, 49, 52][int(12)]! : 1 + int(254);
        attributes.push({ type, value: bytes(type === 40 && int(2) ? 4 : int(30)) });
      }
      const code = int(2) === 0 ? RadiusCode.AccessRequest : RadiusCode.AccountingRequest;
      try {
        const p = encodeRequest({
          code,
          identifier: i & 255,
          attributes,
          secret,
          messageAuthenticator: true,
        });
        h.nas.raw(p, code === RadiusCode.AccessRequest ? 'auth' : 'acct');
        sent++;
      } catch {
        // A soup the encoder refuses (an over-long User-Password) is not a packet.
      }
      if (i % 100 === 0) await pause();
    }
    await settled();
    await h.services.radius.idle();
    expect(sent).toBeGreaterThan(3900);
    expect(await dump()).toBe(before);
    const stats = h.services.radiusStats();
    expect(Object.values(stats.server?.drops ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(
      1000,
    );

    // Hundreds of signed Access-Requests with no valid code came from this NAS: its guessing
    // budget is spent, yet a correct code from a device with a clean record still gets in.
    expect(
      (await h.services.store.lockouts.get(`nas:${h.nasId}`))?.failures,
    ).toBeGreaterThanOrEqual(GUESS_BUDGET.free);
    const ok = await h.nas.auth(papLogin(t.code, 'aa-bb-cc-dd-ee-04'));
    expect(ok?.code).toBe(RadiusCode.AccessAccept);
  });
});
