// Access codes: what staff print and guests type. Crockford's base32 alphabet has no I, L, O
// or U, so a code read aloud or copied from paper cannot be misread, and the look-alikes a
// guest may still type are folded back onto the letters we use.

/** CODE_ALPHABET is the 32-symbol alphabet codes are drawn from: 5 bits per character. */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** CODE_LENGTH_MIN and CODE_LENGTH_MAX bound the configurable code length. */
export const CODE_LENGTH_MIN = 6;
export const CODE_LENGTH_MAX = 16;
export const CODE_LENGTH_DEFAULT = 8;

const FOLD: Record<string, string> = { O: '0', I: '1', L: '1', U: 'V' };
const VALID = new RegExp(`^[${CODE_ALPHABET}]+$`);

/**
 * generateCode returns a random code of `length` characters; `randomBytes` supplies the
 * entropy (32 divides 256, so masking a byte to 5 bits is uniform).
 */
export function generateCode(length: number, randomBytes: (n: number) => Uint8Array): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += CODE_ALPHABET[(bytes[i] ?? 0) & 31];
  return out;
}

/**
 * normalizeCode returns the canonical form of what a guest typed (upper case, spaces, dashes,
 * dots and underscores removed, O→0, I/L→1, U→V), or undefined when it cannot be a code.
 */
export function normalizeCode(input: string | undefined | null): string | undefined {
  if (typeof input !== 'string') return undefined;
  const raw = input.toUpperCase().replace(/[\s\-_.]/g, '');
  if (raw.length < CODE_LENGTH_MIN || raw.length > CODE_LENGTH_MAX) return undefined;
  let folded = '';
  for (const ch of raw) folded += FOLD[ch] ?? ch;
  return VALID.test(folded) ? folded : undefined;
}

/** formatCode returns the code grouped in fours with dashes for display: `7KQ4-M2XD`. */
export function formatCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1-');
}

/** maskCode returns a code with all but its last two characters hidden, for logs. */
export function maskCode(code: string): string {
  return code.length <= 2 ? '**' : `${'*'.repeat(code.length - 2)}${code.slice(-2)}`;
}

/** codeEntropyBits returns how many bits of entropy a code of `length` characters carries. */
export function codeEntropyBits(length: number): number {
  return length * Math.log2(CODE_ALPHABET.length);
}
