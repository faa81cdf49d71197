// A month (or more) of realistic Wi-Fi history, recorded through the real accounting with the
// clock moved along: batches, booking and visitor codes, two routers, devices of one token
// online at the same time. Returns what it sent, so a test can recount it independently.

import type { MacAddress } from '../../src/core/mac.js';
import { normalizeMac } from '../../src/core/mac.js';
import type { Services } from '../../src/services/services.js';

/** SeededSession is one device session as the seed reported it. */
export type SeededSession = {
  tokenId: number;
  nasId: number;
  mac: string;
  start: number;
  end: number;
  bytes: number;
};

/** SeededHistory is what seedHistory created. */
export type SeededHistory = {
  sessions: SeededSession[];
  tokenIds: number[];
  batchIds: number[];
  nasIds: number[];
  sourceOf: Map<number, string>;
  batchOf: Map<number, number>;
};

const MIN = 60_000;

/** lcg returns a seeded pseudo-random generator of numbers in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

type Ev = {
  at: number;
  kind: 'start' | 'interim' | 'stop';
  s: SeededSession;
  id: string;
  seconds: number;
  bytes: number;
};

/**
 * seedHistory records `days` days of sessions ending at `end` (about `perDay` a day, business
 * hours mostly) through services.accounting with `clock` set to each packet's time; the
 * clock is left at `end`.
 */
export async function seedHistory(
  s: Services,
  clock: { set(ms: number): void },
  opts: { end: number; days: number; perDay: number; seed?: number; interimMinutes?: number },
): Promise<SeededHistory> {
  const rnd = lcg(opts.seed ?? 7);
  const first = opts.end - opts.days * 86_400_000;
  clock.set(first - 86_400_000);
  const nasIds = [
    (await s.nas.add({ name: 'lobby', address: '192.0.2.1', secret: 'secret-123' }, 'seed')).id,
    (await s.nas.add({ name: 'floor-2', address: '192.0.2.2', secret: 'secret-456' }, 'seed')).id,
  ];
  const tokens: Array<{ id: number; code: string; devices: number }> = [];
  const sourceOf = new Map<number, string>();
  const batchOf = new Map<number, number>();
  const batchIds: number[] = [];
  const make = async (
    input: Record<string, unknown>,
    source: 'manual' | 'bulk' | 'booking' | 'visitor' | 'api',
    devices: number,
  ) => {
    const r = await s.tokens.create({ ...input, maxDevices: devices } as never, 'seed', source);
    if (r.batchId !== null) batchIds.push(r.batchId);
    for (const t of r.tokens) {
      tokens.push({ id: t.id, code: t.code, devices });
      sourceOf.set(t.id, source);
      if (r.batchId !== null) batchOf.set(t.id, r.batchId);
    }
  };
  const scale = Math.max(1, Math.ceil(opts.perDay / 15));
  await make({ minutes: 600, count: 20 * scale, batchName: 'Conference' }, 'bulk', 1);
  await make({ minutes: 900, count: 10 * scale, batchName: '=HYPERLINK("x")' }, 'bulk', 2);
  await make({ minutes: 240, count: 5 * scale, batchName: 'Hackathon' }, 'bulk', 3);
  for (let i = 0; i < 6 * scale; i++) await make({ minutes: 480 }, 'booking', 2);
  for (let i = 0; i < 4 * scale; i++) await make({ minutes: 120 }, 'visitor', 1);
  for (let i = 0; i < 3 * scale; i++)
    await make({ minutes: 6000, description: `Desk ${i + 1}` }, 'manual', 2);

  const interim = (opts.interimMinutes ?? 10) * MIN;
  const busyUntil = new Map<string, number>();
  const sessions: SeededSession[] = [];
  const events: Ev[] = [];
  let n = 0;
  for (let d = 0; d < opts.days; d++) {
    const dayStart = first + d * 86_400_000;
    const count = Math.round(opts.perDay * (0.6 + 0.8 * rnd()));
    for (let k = 0; k < count; k++) {
      const t = tokens[Math.floor(rnd() * tokens.length)]!;
      const device = Math.floor(rnd() * t.devices);
      const mac = `02:00:${(t.id >> 8) & 255}:${t.id & 255}:00:${device}`
        .split(':')
        .map((x) => Number(x).toString(16).padStart(2, '0'))
        .join(':');
      // Mostly 07:00–21:00 UTC, some at night; whole minutes.
      const hour = rnd() < 0.9 ? 7 + Math.floor(rnd() * 14) : Math.floor(rnd() * 24);
      let start = dayStart + hour * 3_600_000 + Math.floor(rnd() * 60) * MIN;
      start = Math.max(start, busyUntil.get(mac) ?? 0);
      const length = (5 + Math.floor(rnd() * 170)) * MIN;
      const end = start + length;
      if (end > opts.end) continue;
      busyUntil.set(mac, end + MIN);
      const bytes = Math.floor(rnd() * 200_000_000);
      const sess: SeededSession = {
        tokenId: t.id,
        // A token's devices mostly use one router a day (one floor), sometimes the other.
        nasId: nasIds[rnd() < 0.8 ? (t.id + d) % 2 : Math.floor(rnd() * 2)]!,
        mac,
        start,
        end,
        bytes,
      };
      sessions.push(sess);
      const id = `S${++n}`;
      events.push({ at: start, kind: 'start', s: sess, id, seconds: 0, bytes: 0 });
      for (let at = start + interim; at < end; at += interim) {
        const secs = (at - start) / 1000;
        events.push({
          at,
          kind: 'interim',
          s: sess,
          id,
          seconds: secs,
          bytes: Math.floor((bytes * (at - start)) / length),
        });
      }
      events.push({ at: end, kind: 'stop', s: sess, id, seconds: length / 1000, bytes });
    }
  }
  events.sort((a, b) => a.at - b.at || (a.kind === 'stop' ? -1 : 0) - (b.kind === 'stop' ? -1 : 0));
  const codeOf = new Map(tokens.map((t) => [t.id, t.code]));
  for (const e of events) {
    clock.set(e.at);
    const mac = normalizeMac(e.s.mac) as MacAddress;
    const code = codeOf.get(e.s.tokenId)!;
    await s.store.transaction(() =>
      s.accounting.record({
        status: e.kind,
        nasId: e.s.nasId,
        identity: {
          nasId: e.s.nasId,
          acctSessionId: e.id,
          deviceMac: mac,
          framedIp: null,
          calledStation: null,
          nasPortId: null,
          login: 'code',
          userName: code,
          nasIpAddress: null,
          nasIdentifier: null,
          callingStationId: e.s.mac,
        },
        acctSessionId: e.id,
        cls: null,
        userName: code,
        mac,
        eventAt: e.at,
        receivedAt: e.at,
        sessionSeconds: e.kind === 'start' ? undefined : e.seconds,
        inputOctets: e.kind === 'start' ? undefined : Math.floor(e.bytes / 4),
        outputOctets: e.kind === 'start' ? undefined : e.bytes - Math.floor(e.bytes / 4),
        terminateCause: e.kind === 'stop' ? 'User-Request' : null,
      }),
    );
  }
  clock.set(opts.end);
  // What the router was told counts as octets: input + output as sent in the last packet.
  return { sessions, tokenIds: tokens.map((t) => t.id), batchIds, nasIds, sourceOf, batchOf };
}
