// Staff passwords are stored as scrypt hashes with a per-password salt; checks are
// constant-time.

import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 1 << 15;
const R = 8;
const P = 1;
const KEYLEN = 32;
const MAXMEM = 64 * 1024 * 1024;

/** hashPasswordSync returns `scrypt$N$r$p$salt$hash` (base64) for a password. */
export function hashPasswordSync(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEYLEN, { N, r: R, p: P, maxmem: MAXMEM });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** verifyPassword resolves true when `password` matches `stored`; malformed hashes are false. */
export function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return Promise.resolve(false);
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] as string, 'base64');
  const expected = Buffer.from(parts[5] as string, 'base64');
  return new Promise((resolve) => {
    scrypt(password, salt, expected.length, { N: n, r, p, maxmem: MAXMEM }, (err, key) => {
      resolve(!err && key.length === expected.length && timingSafeEqual(key, expected));
    });
  });
}

const PASSWORD_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** generatePassword returns a random password of 20 letters and digits (about 117 bits). */
export function generatePassword(): string {
  const bytes = randomBytes(40);
  let out = '';
  // Rejection sampling keeps every character equally likely.
  for (const b of bytes) {
    if (b < 256 - (256 % PASSWORD_ALPHABET.length))
      out += PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length];
    if (out.length === 20) return out;
  }
  return out + generatePassword().slice(out.length);
}
