// Secrets Portico must keep but never show, such as a router controller's password, are
// stored sealed: AES-256-GCM under a key derived (HKDF-SHA256) from the server secret
// PORTICO_SECRET_KEY, which lives in the configuration, not in the database.

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'v1';
const INFO = 'portico controller credentials v1';

/** SecretBox seals and opens text under one server secret. */
export type SecretBox = {
  seal(plain: string): string;
  /** open returns the text sealed in `sealed`, or undefined when the key or data do not fit. */
  open(sealed: string): string | undefined;
};

/** createSecretBox returns a SecretBox whose key is derived from `serverSecret`. */
export function createSecretBox(serverSecret: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, 'portico', INFO, 32));
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url'));
      return [PREFIX, ...parts].join('.');
    },
    open(sealed) {
      const [prefix, iv, tag, data] = sealed.split('.');
      if (prefix !== PREFIX || !iv || !tag || data === undefined) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        const plain = Buffer.concat([
          decipher.update(Buffer.from(data, 'base64url')),
          decipher.final(),
        ]);
        return plain.toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
