import { describe, expect, it } from 'vitest';
import { named } from '../../src/storage/pg/named.js';

describe('named parameters for PostgreSQL', () => {
  it('numbers each name once, in order of first use, and leaves casts alone', () => {
    expect(
      named('SELECT :b::bigint, @a, :b, x FROM t WHERE y = ANY(:ids::bigint[])', {
        a: 1,
        b: 2,
        ids: [3],
        unused: 4,
      }),
    ).toEqual({
      text: 'SELECT $1::bigint, $2, $1, x FROM t WHERE y = ANY($3::bigint[])',
      values: [2, 1, [3]],
    });
  });

  it('keeps null values and throws for a name without one', () => {
    expect(named('UPDATE t SET a = @a', { a: null }).values).toEqual([null]);
    expect(() => named('SELECT :missing', {})).toThrow(/:missing/);
  });
});
