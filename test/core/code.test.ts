import { describe, expect, it } from 'vitest';
import {
  CODE_ALPHABET,
  CODE_LENGTH_DEFAULT,
  CODE_LENGTH_MAX,
  CODE_LENGTH_MIN,
  codeEntropyBits,
  formatCode,
  generateCode,
  maskCode,
  normalizeCode,
} from '../../src/core/code.js';

/** fixedBytes returns a byte source that hands out `bytes` and records what it was asked for. */
function fixedBytes(bytes: readonly number[]) {
  const asked: number[] = [];
  const source = (n: number) => {
    asked.push(n);
    return Uint8Array.from(bytes.slice(0, n));
  };
  return { source, asked };
}

describe('CODE_ALPHABET', () => {
  it('has 32 distinct symbols and none of the look-alikes I, L, O, U', () => {
    expect(CODE_ALPHABET).toHaveLength(32);
    expect(new Set(CODE_ALPHABET).size).toBe(32);
    for (const ch of 'ILOU') expect(CODE_ALPHABET).not.toContain(ch);
  });
});

describe('generateCode', () => {
  it.each([
    { bytes: [0, 1, 2, 3, 4, 5, 6, 7], length: 8, code: '01234567' },
    { bytes: [10, 11, 12, 13, 14, 15, 16, 17], length: 8, code: 'ABCDEFGH' },
    { bytes: [18, 19, 20, 21, 22, 23, 24, 25], length: 8, code: 'JKMNPQRS' },
    { bytes: [26, 27, 28, 29, 30, 31], length: 6, code: 'TVWXYZ' },
    // Only the low five bits count: 32 → 0, 63 → 31, 255 → 31, 224 → 0, 40 → 8, 145 → 17.
    { bytes: [32, 63, 255, 224, 40, 145], length: 6, code: '0ZZ08H' },
  ])('maps bytes $bytes to $code', ({ bytes, length, code }) => {
    const { source, asked } = fixedBytes(bytes);
    expect(generateCode(length, source)).toBe(code);
    expect(asked).toEqual([length]);
  });

  it.each([CODE_LENGTH_MIN, CODE_LENGTH_DEFAULT, 12, CODE_LENGTH_MAX])(
    'returns %i characters from the alphabet',
    (length) => {
      const { source, asked } = fixedBytes(Array.from({ length }, (_, i) => i * 37 + 11));
      const code = generateCode(length, source);
      expect(code).toHaveLength(length);
      expect(code).toMatch(/^[0123456789ABCDEFGHJKMNPQRSTVWXYZ]+$/);
      expect(asked).toEqual([length]);
    },
  );

  it('maps every byte value onto the alphabet uniformly (8 bytes per symbol)', () => {
    const all = Array.from({ length: 256 }, (_, i) => i);
    const counts = new Map<string, number>();
    for (let off = 0; off < 256; off += 16) {
      const code = generateCode(16, () => Uint8Array.from(all.slice(off, off + 16)));
      for (const ch of code) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect([...counts.keys()].sort().join('')).toBe([...CODE_ALPHABET].sort().join(''));
    expect(new Set(counts.values())).toEqual(new Set([8]));
  });

  it('is normalised to itself', () => {
    const code = generateCode(8, () => Uint8Array.from([3, 99, 200, 17, 250, 64, 5, 31]));
    expect(normalizeCode(code)).toBe(code);
    expect(normalizeCode(formatCode(code))).toBe(code);
  });
});

describe('normalizeCode', () => {
  it.each([
    { input: '7KQ4M2XD', out: '7KQ4M2XD' },
    { input: '7kq4m2xd', out: '7KQ4M2XD' },
    { input: '7Kq4-m2Xd', out: '7KQ4M2XD' },
    { input: '7KQ4-M2XD', out: '7KQ4M2XD' },
    { input: ' 7KQ4 M2XD ', out: '7KQ4M2XD' },
    { input: '7KQ4\tM2XD\n', out: '7KQ4M2XD' },
    { input: '7KQ4.M2XD', out: '7KQ4M2XD' },
    { input: '7KQ4_M2XD', out: '7KQ4M2XD' },
    { input: '7-K-Q-4 M.2.X_D', out: '7KQ4M2XD' },
    { input: 'OOOOOOOO', out: '00000000' },
    { input: 'oooooooo', out: '00000000' },
    { input: 'IIIILLLL', out: '11111111' },
    { input: 'iiiillll', out: '11111111' },
    { input: 'UUUUuuuu', out: 'VVVVVVVV' },
    { input: '7KQ4-M2XO', out: '7KQ4M2X0' },
    { input: 'H3LL0-W0RLD', out: 'H3110W0R1D' },
  ])('folds $input to $out', ({ input, out }) => {
    expect(normalizeCode(input)).toBe(out);
  });

  it.each([
    { name: 'the shortest length (6)', input: 'ABC-DEF', out: 'ABCDEF' },
    { name: 'the longest length (16)', input: '0123-4567-89AB-CDEF', out: '0123456789ABCDEF' },
  ])('accepts $name', ({ input, out }) => {
    expect(normalizeCode(input)).toBe(out);
  });

  it.each([
    { name: 'undefined', input: undefined },
    { name: 'null', input: null },
    { name: 'the empty string', input: '' },
    { name: 'only separators', input: '-- -- .. __' },
    { name: 'five characters', input: 'ABCDE' },
    { name: 'five characters padded with separators', input: 'AB-C-D-E  ' },
    { name: 'seventeen characters', input: '0123-4567-89AB-CDEF-G' },
    { name: 'punctuation', input: '7KQ4!M2XD' },
    { name: 'a plus sign', input: '7KQ4+M2XD' },
    { name: 'a slash', input: '7KQ4/M2XD' },
    { name: 'a non-ASCII letter', input: '7KQ4ÄM2XD' },
    { name: 'an emoji', input: '7KQ4😀M2XD' },
  ])('returns undefined for $name', ({ input }) => {
    expect(normalizeCode(input)).toBeUndefined();
  });
});

describe('formatCode', () => {
  it.each([
    { code: '', out: '' },
    { code: 'ABC', out: 'ABC' },
    { code: 'ABCD', out: 'ABCD' },
    { code: '7KQ4M2', out: '7KQ4-M2' },
    { code: '7KQ4M2XD', out: '7KQ4-M2XD' },
    { code: '7KQ4M2XDA', out: '7KQ4-M2XD-A' },
    { code: '7KQ4M2XDAB', out: '7KQ4-M2XD-AB' },
    { code: '0123456789ABCDEF', out: '0123-4567-89AB-CDEF' },
  ])('groups $code as $out', ({ code, out }) => {
    expect(formatCode(code)).toBe(out);
  });
});

describe('maskCode', () => {
  it.each([
    { code: '', out: '**' },
    { code: 'A', out: '**' },
    { code: 'AB', out: '**' },
    { code: 'ABC', out: '*BC' },
    { code: '7KQ4M2XD', out: '******XD' },
    { code: '0123456789ABCDEF', out: '**************EF' },
  ])('masks $code as $out', ({ code, out }) => {
    expect(maskCode(code)).toBe(out);
  });
});

describe('codeEntropyBits', () => {
  it.each([
    { length: 1, bits: 5 },
    { length: CODE_LENGTH_MIN, bits: 30 },
    { length: CODE_LENGTH_DEFAULT, bits: 40 },
    { length: 10, bits: 50 },
    { length: CODE_LENGTH_MAX, bits: 80 },
  ])('gives a $length-character code $bits bits', ({ length, bits }) => {
    expect(codeEntropyBits(length)).toBe(bits);
  });
});
