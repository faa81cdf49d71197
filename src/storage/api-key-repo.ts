// API keys for scripts and booking systems. Only a SHA-256 hash of each key is stored; the key
// itself is shown once when it is created.

import type { Db } from './database.js';
import type { StaffRole } from './staff-repo.js';

/** ApiKeyRecord is an API key row as storage returns it (never the key itself). */
export type ApiKeyRecord = {
  id: number;
  name: string;
  prefix: string;
  keyHash: string;
  role: StaffRole;
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
};

/** NewApiKey is what is needed to insert an API key. */
export type NewApiKey = Omit<ApiKeyRecord, 'id' | 'lastUsedAt' | 'revokedAt'>;

type Row = Record<string, unknown>;
/** rowToApiKey returns the ApiKeyRecord for an api_keys row. */
export const rowToApiKey = (r: Row): ApiKeyRecord => ({
  id: r.id as number,
  name: r.name as string,
  prefix: r.prefix as string,
  keyHash: r.key_hash as string,
  role: r.role as StaffRole,
  createdBy: r.created_by as string | null,
  createdAt: r.created_at as number,
  lastUsedAt: r.last_used_at as number | null,
  revokedAt: r.revoked_at as number | null,
});

/** createApiKeyRepo returns the API key repository over `db`. */
export function createApiKeyRepo(db: Db) {
  const insert =
    db.prepare(`INSERT INTO api_keys (name, prefix, key_hash, role, created_by, created_at)
    VALUES (@name, @prefix, @keyHash, @role, @createdBy, @createdAt)`);
  const byHash = db.prepare('SELECT * FROM api_keys WHERE key_hash = ?');
  const byId = db.prepare('SELECT * FROM api_keys WHERE id = ?');
  const all = db.prepare('SELECT * FROM api_keys ORDER BY id');
  const revoke = db.prepare(
    'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
  );
  const touch = db.prepare(
    'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
  );
  return {
    /** insert adds a key and returns its id; a duplicate hash throws a UNIQUE error. */
    insert(k: NewApiKey): number {
      return Number(insert.run(k).lastInsertRowid);
    },
    /** findByHash returns the key whose SHA-256 hash (hex) is `hash`, revoked or not. */
    findByHash(hash: string): ApiKeyRecord | undefined {
      const r = byHash.get(hash) as Row | undefined;
      return r ? rowToApiKey(r) : undefined;
    },
    /** findById returns a key by id or undefined. */
    findById(id: number): ApiKeyRecord | undefined {
      const r = byId.get(id) as Row | undefined;
      return r ? rowToApiKey(r) : undefined;
    },
    /** list returns every key, revoked ones included, oldest first. */
    list(): ApiKeyRecord[] {
      return (all.all() as Row[]).map(rowToApiKey);
    },
    /** revoke marks a key revoked at `now`; false when it was already revoked or is unknown. */
    revoke(id: number, now: number): boolean {
      return revoke.run(now, id).changes === 1;
    },
    /** touch records a use at `now` unless one at or after `notBefore` is already recorded. */
    touch(id: number, now: number, notBefore: number): void {
      touch.run(now, id, notBefore);
    },
  };
}

/** ApiKeyRepo is the API key repository's interface. */
export type ApiKeyRepo = ReturnType<typeof createApiKeyRepo>;
