// The store's unit of work, the same on both backends (TEST_BACKEND): commit,
// rollback, savepoints, the open-transaction flag, two units of work at once, and unique
// violations recognised whichever engine raised them.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../../src/storage/store.js';
import { openTestStore, type TestStore } from '../../support/test-store.js';

let t: TestStore;
beforeEach(async () => {
  t = await openTestStore();
});
afterEach(async () => {
  await t.close();
});

const put = (key: string, value: string) =>
  t.sql('INSERT INTO settings (key, value) VALUES (?, ?)', [key, value]);
const keys = async () =>
  (await t.sql<{ key: string }>('SELECT key FROM settings ORDER BY key')).map((r) => r.key);

/** deferred returns a promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** within rejects when `p` has not settled after `ms` (a unit of work that never came). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('store unit of work', () => {
  it('names its backend', () => {
    expect(t.store.backend).toBe(t.backend);
  });

  it('commits what the transaction did and resolves with its result', async () => {
    const result = await t.store.transaction(async () => {
      await put('a', '1');
      await put('b', '2');
      return 'done';
    });
    expect(result).toBe('done');
    expect(await keys()).toEqual(['a', 'b']);
  });

  it('rolls everything back when the transaction rejects, and passes the rejection on', async () => {
    await put('before', '0');
    const boom = new Error('boom');
    await expect(
      t.store.transaction(async () => {
        await put('a', '1');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await keys()).toEqual(['before']);
  });

  it('rolls a nested transaction (savepoint) back alone', async () => {
    await t.store.transaction(async (tx) => {
      await put('outer', '1');
      await expect(
        tx.transaction(async () => {
          await put('inner', '2');
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await tx.transaction(async () => {
        await put('inner-ok', '3');
      });
    });
    expect(await keys()).toEqual(['inner-ok', 'outer']);
  });

  it('keeps the outer transaction usable after a statement fails inside a savepoint', async () => {
    await put('taken', '0');
    await t.store.transaction(async (tx) => {
      await put('outer', '1');
      const err: unknown = await tx
        .transaction(() => put('taken', 'again'))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isUniqueViolation(err)).toBe(true);
      // On PostgreSQL a failed statement outside a savepoint would abort the whole transaction
      // ("current transaction is aborted"); here the outer work goes on and commits.
      await put('after', '2');
    });
    expect(await keys()).toEqual(['after', 'outer', 'taken']);
  });

  it('reports whether a transaction is open', async () => {
    expect(t.store.inTransaction()).toBe(false);
    await t.store.transaction(async (tx) => {
      expect(t.store.inTransaction()).toBe(true);
      expect(tx.inTransaction()).toBe(true);
      await tx.transaction(async () => {
        expect(t.store.inTransaction()).toBe(true);
      });
    });
    expect(t.store.inTransaction()).toBe(false);
    await t.store.transaction(() => Promise.reject(new Error('x'))).catch(() => {});
    expect(t.store.inTransaction()).toBe(false);
  });

  it('recognises a unique violation, and nothing else, as one', async () => {
    await put('k', '1');
    const dup: unknown = await put('k', '2').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(dup).toBeInstanceOf(Error);
    expect(isUniqueViolation(dup)).toBe(true);
    const notNull: unknown = await t
      .sql('INSERT INTO settings (key, value) VALUES (?, NULL)', ['n'])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(notNull).toBeInstanceOf(Error);
    expect(isUniqueViolation(notNull)).toBe(false);
    expect(isUniqueViolation(new Error('UNIQUE constraint failed'))).toBe(false);
  });

  if (process.env.TEST_BACKEND === 'postgres') {
    it('runs two transactions side by side, each seeing only its own work until it commits', async () => {
      const firstWrote = deferred();
      const secondLooked = deferred();
      const firstLooked = deferred();
      const first = t.store.transaction(async () => {
        await put('first', '1');
        firstWrote.resolve();
        // The second transaction writes and reads while this one is still open.
        await within(secondLooked.promise, 20_000, 'the second transaction');
        const seen = await keys();
        firstLooked.resolve();
        return seen;
      });
      const second = t.store.transaction(async () => {
        await firstWrote.promise;
        await put('second', '2');
        const seen = await keys();
        secondLooked.resolve();
        // Stay open until the first has read, so neither has committed when the other reads.
        await firstLooked.promise;
        return seen;
      });
      const [a, b] = await Promise.all([first, second]);
      expect(a).toEqual(['first']);
      expect(b).toEqual(['second']);
      expect(await keys()).toEqual(['first', 'second']);
    });
  } else {
    it('serialises two transactions: the second starts after the first has committed', async () => {
      const events: string[] = [];
      const first = t.store.transaction(async () => {
        events.push('first begins');
        await put('first', '1');
        // Give the second every chance to start while this one is open.
        await new Promise((r) => setTimeout(r, 50));
        events.push('first ends');
      });
      const second = t.store.transaction(async () => {
        events.push('second begins');
        expect(await keys()).toEqual(['first']);
        await put('second', '2');
      });
      await Promise.all([first, second]);
      expect(events).toEqual(['first begins', 'first ends', 'second begins']);
      expect(await keys()).toEqual(['first', 'second']);
    });
  }
});
