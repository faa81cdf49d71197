// PostgreSQL advisory locks Portico takes, all transaction-level and in the two-key space
// (pg_advisory_xact_lock(int, int)), which never overlaps the one-key space. The first key
// names what is locked: 7401 one (NAS, Acct-Session-Id) pair, taken inside
// portico_sessions_by_acct (migration 12) with the pair's hash as the second key; 7402 the
// cut-off queue; 7403 one lockout key, with the key's hash as the second key.

/** PG_LOCKS are the [namespace, key] pairs of Portico's fixed advisory locks. */
export const PG_LOCKS = {
  /** One cut-off claim at a time across nodes (claimFair). */
  coaClaim: [7402, 0],
  /** One cut-off scheduler pass at a time across nodes (lockScheduler). */
  scheduler: [7402, 1],
  /** Failure counters of one lockout key (second key: hashtext of the key; lockForUpdate). */
  lockout: [7403, 0],
} as const satisfies Record<string, readonly [number, number]>;
