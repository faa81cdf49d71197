import { safeEqual } from './authenticator.js';

/** DuplicateCheck says whether a request is new, still being processed, or already answered. */
export type DuplicateCheck =
  | { readonly kind: 'new' }
  | { readonly kind: 'in-progress' }
  | { readonly kind: 'answered'; readonly response: Buffer };

/**
 * DuplicateCache remembers requests by (socket, source address, source port, Identifier)
 * and Request Authenticator, as RFC 5080 §2.2.2 asks of servers.
 */
export interface DuplicateCache {
  /** Classifies a request; a new one is recorded as in progress. */
  check(key: string, authenticator: Buffer, now: number): DuplicateCheck;
  /** Stores the response for a request still recorded under key with this authenticator. */
  complete(key: string, authenticator: Buffer, response: Buffer): void;
  /** Forgets a request that got no response, so a retransmission is processed again. */
  forget(key: string, authenticator: Buffer): void;
  readonly size: number;
}

interface Entry {
  readonly authenticator: Buffer;
  readonly expiresAt: number;
  response?: Buffer;
}

/**
 * createDuplicateCache returns an empty cache whose entries live ttlMs (RFC 5080 §2.2.2
 * suggests 5 to 30 s) and of which at most maxEntries are kept, the oldest going first.
 */
export function createDuplicateCache(options: {
  readonly ttlMs: number;
  readonly maxEntries: number;
}): DuplicateCache {
  // A Map iterates in insertion order, and every entry gets the same lifetime, so the
  // expired entries are always at the front.
  const entries = new Map<string, Entry>();

  const purge = (now: number): void => {
    for (const [key, entry] of entries) {
      if (entry.expiresAt > now && entries.size <= options.maxEntries) break;
      entries.delete(key);
    }
  };

  const matching = (key: string, authenticator: Buffer): Entry | undefined => {
    const entry = entries.get(key);
    return entry && safeEqual(entry.authenticator, authenticator) ? entry : undefined;
  };

  return {
    check(key, authenticator, now) {
      purge(now);
      const entry = entries.get(key);
      if (entry && safeEqual(entry.authenticator, authenticator)) {
        return entry.response
          ? { kind: 'answered', response: entry.response }
          : { kind: 'in-progress' };
      }
      // The same key with another authenticator is a new request: the old entry goes.
      if (entry) entries.delete(key);
      // The authenticator is a view into the datagram; copy it so the entry owns its bytes.
      entries.set(key, {
        authenticator: Buffer.from(authenticator),
        expiresAt: now + options.ttlMs,
      });
      if (entries.size > options.maxEntries) purge(now);
      return { kind: 'new' };
    },
    complete(key, authenticator, response) {
      const entry = matching(key, authenticator);
      if (entry) entry.response = response;
    },
    forget(key, authenticator) {
      if (matching(key, authenticator)) entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
