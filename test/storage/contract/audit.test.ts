// The audit log's contract, on the backend under test and against SQLite.

import { describe, expect, it } from 'vitest';
import { onBothBackends, T0 } from './mirror.js';

describe('audit log', () => {
  it('records entries and lists them newest first, paged', async () => {
    const out = await onBothBackends(async (s) => {
      await s.audit.record({
        at: T0,
        actor: 'alice',
        action: 'token.create',
        targetType: 'token',
        targetId: '1',
        details: { count: 1, minutes: 60, note: 'Café' },
      });
      await s.audit.record({
        at: T0 + 1,
        actor: 'bob',
        action: 'tokens.delete',
        targetType: null,
        targetId: null,
        details: null,
      });
      await s.audit.record({
        at: T0 + 2,
        actor: 'api:booking',
        action: 'token.update',
        targetType: 'token',
        targetId: '1',
        details: { minutes: 90 },
      });
      return { all: await s.audit.list(10), page: await s.audit.list(1, 1) };
    });
    expect(out.all.map((e) => e.id)).toEqual([3, 2, 1]);
    expect(out.all[2]).toEqual({
      id: 1,
      at: T0,
      actor: 'alice',
      action: 'token.create',
      targetType: 'token',
      targetId: '1',
      details: { count: 1, minutes: 60, note: 'Café' },
    });
    expect(out.all[1]).toMatchObject({ targetType: null, targetId: null, details: null });
    expect(out.page.map((e) => e.id)).toEqual([2]);
  });

  it('searches by actor, action prefixes and a half-open time window, and lists actors', async () => {
    const out = await onBothBackends(async (s) => {
      const actions = [
        'token.create',
        'tokens.bulk_create',
        'batch.delete',
        'staff.login',
        'Token.x',
      ];
      const actors = ['bob', 'alice', 'Alice', 'api:booking', '_cli'];
      for (let i = 0; i < 10; i++) {
        await s.audit.record({
          at: T0 + i * 1000,
          actor: actors[i % actors.length]!,
          action: actions[i % actions.length]!,
          targetType: null,
          targetId: null,
          details: null,
        });
      }
      const ids = async (f: Parameters<typeof s.audit.search>[0], limit = 100, offset = 0) =>
        (await s.audit.search(f, limit, offset)).map((e) => e.id);
      return {
        all: await ids({}),
        alice: await ids({ actor: 'alice' }),
        token: await ids({ actionPrefixes: ['token'] }),
        tokenDot: await ids({ actionPrefixes: ['token.', 'batch.'] }),
        none: await ids({ actionPrefixes: [] }),
        empty: await ids({ actionPrefixes: [''] }),
        window: await ids({ since: T0 + 2000, until: T0 + 5000 }),
        since: await ids({ since: T0 + 8000 }),
        until: await ids({ until: T0 + 1000 }),
        combined: await ids({ actor: 'bob', actionPrefixes: ['token'], since: T0 }),
        paged: await ids({ actionPrefixes: ['token'] }, 2, 1),
        actors: await s.audit.actors(),
      };
    });
    expect(out.all).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(out.alice).toEqual([7, 2]);
    // Prefixes compare with case: Token.x is not a token action.
    expect(out.token).toEqual([7, 6, 2, 1]);
    expect(out.tokenDot).toEqual([8, 6, 3, 1]);
    expect(out.none).toEqual([]);
    expect(out.empty).toEqual(out.all);
    expect(out.window).toEqual([5, 4, 3]);
    expect(out.since).toEqual([10, 9]);
    expect(out.until).toEqual([1]);
    expect(out.combined).toEqual([6, 1]);
    expect(out.paged).toEqual([6, 2]);
    expect(out.actors).toEqual(['Alice', '_cli', 'alice', 'api:booking', 'bob']);
  });
});
