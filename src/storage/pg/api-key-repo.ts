// API keys on PostgreSQL. Only a SHA-256 hash of each key is stored.

import { rowToApiKey, type NewApiKey } from '../api-key-repo.js';
import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';

/** createPgApiKeyRepo returns the API key repository over PostgreSQL. */
export function createPgApiKeyRepo(conn: PgConn): Repos['apiKeys'] {
  return {
    async insert(k: NewApiKey) {
      const r = await conn.one<{ id: number }>(
        `INSERT INTO api_keys (name, prefix, key_hash, role, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [k.name, k.prefix, k.keyHash, k.role, k.createdBy, k.createdAt],
      );
      return r!.id;
    },
    async findByHash(hash: string) {
      const r = await conn.one('SELECT * FROM api_keys WHERE key_hash = $1', [hash]);
      return r ? rowToApiKey(r) : undefined;
    },
    async findById(id: number) {
      const r = await conn.one('SELECT * FROM api_keys WHERE id = $1', [id]);
      return r ? rowToApiKey(r) : undefined;
    },
    async list() {
      return (await conn.query('SELECT * FROM api_keys ORDER BY id')).map(rowToApiKey);
    },
    async revoke(id: number, now: number) {
      return (
        (await conn.run(
          'UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
          [now, id],
        )) === 1
      );
    },
    async touch(id: number, now: number, notBefore: number) {
      await conn.run(
        'UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)',
        [now, id, notBefore],
      );
    },
  };
}
