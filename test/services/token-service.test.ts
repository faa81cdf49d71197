import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import { loadConfig } from '../../src/config.js';
import { deriveState, TOKEN_STATES } from '../../src/core/token.js';
import { createServices, type Services } from '../../src/services/services.js';
import { createTokenService as make } from '../../src/services/token-service.js';
import { openDatabase, type Db } from '../../src/storage/database.js';

const T0 = Date.UTC(2026, 11, 3, 8, 0); // 09:00 in Berlin
let db: Db;
let s: Services;
let clock: ReturnType<typeof fixedClock>;
const config: Config = loadConfig({ PORTICO_TIMEZONE: 'Europe/Berlin', PORTICO_DB: ':memory:' });

beforeEach(() => {
  db = openDatabase(':memory:');
  clock = fixedClock(T0);
  s = createServices({ db, clock, config });
});
afterEach(() => db.close());

const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;

describe('creating tokens', () => {
  it('creates one token with every limit and the staff sentence', async () => {
    const { tokens, batchId } = await s.tokens.create(
      {
        minutes: '120',
        validUntil: '2026-12-03T17:40',
        maxDevices: 2,
        description: 'desk',
        expiresAfterFirstUseMinutes: null,
      },
      'alice',
    );
    expect(batchId).toBeNull();
    expect(tokens).toHaveLength(1);
    const t = tokens[0]!;
    expect(t.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(t.state).toBe('unused');
    expect(t.validUntil).toBe(Date.UTC(2026, 11, 3, 16, 40));
    expect(t.summary).toBe(
      'works until today 17:40 or 120 minutes online, whichever comes first, on up to 2 devices',
    );
    expect(t.createdBy).toBe('alice');
    expect(count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'token.create'")).toBe(1);
  });

  it('creates a bulk batch of 10,000 unique codes in one transaction', async () => {
    const r = await s.tokens.create(
      { minutes: 60, count: 10_000, batchName: 'Open Day' },
      'bob',
      'bulk',
    );
    expect(r.tokens).toHaveLength(10_000);
    expect(new Set(r.tokens.map((t) => t.code)).size).toBe(10_000);
    expect(count('SELECT COUNT(*) AS n FROM tokens WHERE batch_id IS NOT NULL')).toBe(10_000);
    expect(r.tokens.every((t) => t.batch === 'Open Day')).toBe(true);
  });

  it('leaves no partial batch when a bulk create fails half-way', async () => {
    // A byte source that repeats after 500 codes: every later code collides, generation
    // gives up, and the whole batch must roll back.
    let n = 0;
    const seeded = Array.from({ length: 500 }, () => randomBytes(6));
    const random = () => seeded[n++ % 500] as Uint8Array;
    {
      const tokens = make({
        store: s.store,
        clock,
        timeZone: () => 'UTC',
        codeLength: () => 6,
        random,
      });
      await expect(tokens.create({ minutes: 30, count: 600 }, 'x', 'bulk')).rejects.toThrowError(
        expect.objectContaining({ code: 'PORTICO_CODE_SPACE_EXHAUSTED' }),
      );
      expect(count('SELECT COUNT(*) AS n FROM tokens')).toBe(0);
      expect(count('SELECT COUNT(*) AS n FROM batches')).toBe(0);
      expect(count('SELECT COUNT(*) AS n FROM audit_log')).toBe(0);
    }
  });

  it('never issues a code twice, even one of a deleted token', async () => {
    const seq = [Buffer.from('AAAAAAAA'), Buffer.from('AAAAAAAA'), Buffer.from('BBBBBBBB')];
    let i = 0;
    {
      const tokens = make({
        store: s.store,
        clock,
        timeZone: () => 'UTC',
        codeLength: () => 8,
        random: () => seq[i++] as Uint8Array,
      });
      const a = (await tokens.create({ minutes: 10 }, 'x')).tokens[0]!;
      await tokens.remove([a.code], 'x');
      const b = (await tokens.create({ minutes: 10 }, 'x')).tokens[0]!;
      expect(b.code).not.toBe(a.code);
      expect(i).toBe(3);
    }
  });

  it.each([
    [{ minutes: 'ten' }, 'minutes'],
    [{ minutes: 0 }, 'minutes'],
    [{ minutes: 60, maxDevices: 0 }, 'maxDevices'],
    [{ minutes: 60, whenFull: 'kick' }, 'whenFull'],
    [{ minutes: 60, validFrom: '2026-12-04', validUntil: '2026-12-03' }, 'validUntil'],
    [{ minutes: 60, validUntil: 'tomorrow' }, 'validUntil'],
    [{}, 'minutes'],
    [{ minutes: 60, description: 'x'.repeat(501) }, 'description'],
    [{ minutes: 60, count: 10_001 }, 'count'],
  ])('rejects %j naming the field %s', async (input, field) => {
    await expect(s.tokens.create(input as never, 'x')).rejects.toThrowError(
      expect.objectContaining({
        code: 'PORTICO_BAD_INPUT',
        fields: expect.arrayContaining([expect.objectContaining({ field })]),
      }),
    );
    expect(count('SELECT COUNT(*) AS n FROM tokens')).toBe(0);
  });

  it('accepts a code typed in any case with spaces, dashes and look-alikes', async () => {
    const seq = [Buffer.from([0, 1, 25, 10, 20, 3, 4, 5])]; // 01SA-M345
    {
      const tokens = make({
        store: s.store,
        clock,
        timeZone: () => 'UTC',
        codeLength: () => 8,
        random: () => seq[0] as Uint8Array,
      });
      const t = (await tokens.create({ minutes: 10 }, 'x')).tokens[0]!;
      expect(t.code).toBe('01SAM345');
      expect((await tokens.get('o1sa-m 345')).id).toBe(t.id);
      expect((await tokens.get('OlSA-M345')).id).toBe(t.id);
    }
  });
});

describe('changing tokens', () => {
  it('adds minutes, extends the window, revokes and deletes', async () => {
    const t = (await s.tokens.create({ minutes: 30 }, 'x')).tokens[0]!;
    expect((await s.tokens.update(t.code, { addMinutes: 15 }, 'x')).minutes).toBe(45);
    expect((await s.tokens.update(t.code, { validUntil: '2026-12-24' }, 'x')).validUntil).toBe(
      Date.UTC(2026, 11, 24, 23, 0),
    );
    expect((await s.tokens.revoke(t.code, 'x')).state).toBe('revoked');
    expect(await s.tokens.remove([t.code, 'ZZZZ-ZZZZ'], 'x')).toEqual({
      deleted: [t.id],
      missing: ['ZZZZ-ZZZZ'],
    });
    await expect(s.tokens.get(t.code)).rejects.toThrowError(
      expect.objectContaining({ code: 'PORTICO_NOT_FOUND' }),
    );
    // Usage history stays: the row is kept, only marked deleted.
    expect(
      count(`SELECT COUNT(*) AS n FROM tokens WHERE id = ${t.id} AND deleted_at IS NOT NULL`),
    ).toBe(1);
  });
});

describe('listing tokens', () => {
  it('filters by the same state that deriveState computes, at any time', async () => {
    const make = async (input: object) =>
      (await s.tokens.create({ minutes: 60, ...input }, 'x')).tokens[0]!;
    await make({});
    await make({ validFrom: '2026-12-04' });
    await make({ validUntil: '2026-12-03T08:30', allowPast: true });
    const used = await make({});
    const depleted = await make({ minutes: 1 });
    const firstUse = await make({ expiresAfterFirstUseMinutes: 30 });
    await s.tokens.revoke((await make({})).id, 'x');
    const day = 60_000;
    await s.store.tokens.addOnlineTime(used.id, { start: T0 - 10 * day, end: T0 - 5 * day }, 100);
    await s.store.tokens.addOnlineTime(depleted.id, { start: T0 - 2 * day, end: T0 }, 0);
    await s.store.tokens.addOnlineTime(
      firstUse.id,
      { start: T0 - 40 * day, end: T0 - 39 * day },
      0,
    );
    // Under a second left: RADIUS refuses it, so the state (and its SQL) says depleted.
    const almost = await make({ minutes: 1 });
    await s.store.tokens.addOnlineTime(almost.id, { start: T0 - day, end: T0 - 500 }, 0);

    for (const at of [T0 - 86_400_000, T0, T0 + 3_600_000, T0 + 2 * 86_400_000]) {
      clock.set(at);
      const all = await s.tokens.list({}, { limit: 100 });
      for (const v of all.tokens) {
        const rec = (await s.store.tokens.findById(v.id))!;
        expect(v.state).toBe(deriveState(rec, rec.usedMs, rec.liveSessions, at));
      }
      for (const state of TOKEN_STATES) {
        const filtered = await s.tokens.list({ state }, { limit: 100 });
        expect(filtered.tokens.every((t) => t.state === state)).toBe(true);
        expect(filtered.total).toBe(all.tokens.filter((t) => t.state === state).length);
      }
    }
    clock.set(T0);
    const counts = (await s.tokens.list({})).counts;
    expect(counts).toEqual({
      scheduled: 1,
      unused: 1,
      active: 1,
      online: 0,
      depleted: 2,
      expired: 2,
      revoked: 1,
    });
  });

  it('searches by code prefix typed loosely, description and batch', async () => {
    await s.tokens.create({ minutes: 60, description: 'Room 12' }, 'x');
    await s.tokens.create({ minutes: 60, count: 3, batchName: 'Open Day' }, 'x');
    const one = (await s.tokens.list({}, { limit: 1 })).tokens[0]!;
    const typed = `${one.code.slice(0, 4).toLowerCase()}-`;
    expect((await s.tokens.list({ text: typed })).tokens.map((t) => t.id)).toContain(one.id);
    expect((await s.tokens.list({ text: 'room 1' })).total).toBe(1);
    expect((await s.tokens.list({ text: 'open' })).total).toBe(3);
    expect((await s.tokens.list({ text: '%' })).total).toBe(0);
  });
});

describe('metering', () => {
  it('charges the union of overlapping device intervals once', async () => {
    const t = (await s.tokens.create({ minutes: 60 }, 'x')).tokens[0]!;
    const m = 60_000;
    expect(await s.store.tokens.addOnlineTime(t.id, { start: T0, end: T0 + 10 * m }, 0)).toBe(
      10 * m,
    );
    expect(
      await s.store.tokens.addOnlineTime(t.id, { start: T0 + 5 * m, end: T0 + 15 * m }, 0),
    ).toBe(5 * m);
    expect(
      await s.store.tokens.addOnlineTime(t.id, { start: T0 + 20 * m, end: T0 + 25 * m }, 0),
    ).toBe(5 * m);
    // A late report filling the gap joins the two spans into one.
    expect(
      await s.store.tokens.addOnlineTime(t.id, { start: T0 + 12 * m, end: T0 + 22 * m }, 0),
    ).toBe(5 * m);
    expect(await s.store.tokens.addOnlineTime(t.id, { start: T0, end: T0 + 25 * m }, 0)).toBe(0);
    expect(await s.store.tokens.coverageSince(t.id, 0)).toEqual([{ start: T0, end: T0 + 25 * m }]);
    expect(await s.tokens.get(t.id)).toMatchObject({
      minutesUsed: 25,
      minutesLeft: 35,
      state: 'active',
    });
  });
});
