// API keys: admins create and revoke them; scripts and booking systems present them as
// `Authorization: Bearer pk_<prefix>_<secret>`. The key is shown once; only its SHA-256 hash
// is stored, so a copy of the database does not hand out working keys.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { badInput, notFound, type FieldError } from '../errors.js';
import type { ApiKeyRecord } from '../storage/api-key-repo.js';
import { STAFF_ROLES, type StaffRole } from '../storage/staff-repo.js';
import type { Store } from '../storage/store.js';

/** API_KEY_PATTERN matches a well-formed key: `pk_`, 8 prefix characters, `_`, 43 secret ones. */
export const API_KEY_PATTERN = /^pk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

/** TOUCH_INTERVAL_MS is how stale `last_used_at` may get before a request writes it again. */
export const TOUCH_INTERVAL_MS = 60_000;

/** ApiKeyView is a key as admins see it: never the secret, never the hash. */
export type ApiKeyView = Omit<ApiKeyRecord, 'keyHash'>;

/** ApiKeyAuth is the outcome of presenting a key: the key, or why it was refused. */
export type ApiKeyAuth =
  | { ok: true; key: ApiKeyView }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'revoked' };

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** hashApiKey returns the hex SHA-256 of a presented key: what api_keys.key_hash holds. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

const view = ({ keyHash: _h, ...k }: ApiKeyRecord): ApiKeyView => k;

/** createApiKeyService returns the API key use cases over a store. */
export function createApiKeyService(deps: {
  store: Store;
  clock: Clock;
  random?: (n: number) => Uint8Array;
}) {
  const { store, clock } = deps;
  const random = deps.random ?? ((n: number) => randomBytes(n));

  const newKey = (): { key: string; prefix: string } => {
    // 36 symbols do not divide 256, so reject bytes above the last whole multiple (252).
    let prefix = '';
    while (prefix.length < 8) {
      for (const b of random(16)) {
        if (b < 252 && prefix.length < 8) prefix += PREFIX_ALPHABET[b % 36];
      }
    }
    const secret = Buffer.from(random(32)).toString('base64url');
    return { key: `pk_${prefix}_${secret}`, prefix };
  };

  return {
    /**
     * create makes a key for `name` with `role` and returns it with the key itself, which is
     * never shown again; throws PORTICO_BAD_INPUT naming the bad field.
     */
    async create(
      input: { name?: string | null; role?: string | null },
      actor: string,
    ): Promise<{ apiKey: ApiKeyView; key: string }> {
      const errors: FieldError[] = [];
      const name = (input.name ?? '').trim();
      if (name.length < 1 || name.length > 100)
        errors.push({ field: 'name', message: 'must be 1 to 100 characters, e.g. "Nexudus"' });
      const role = input.role ?? 'staff';
      if (!(STAFF_ROLES as readonly string[]).includes(role))
        errors.push({ field: 'role', message: `must be one of ${STAFF_ROLES.join(', ')}` });
      if (errors.length > 0) throw badInput(errors);
      const { key, prefix } = newKey();
      const now = clock.now();
      const id = await store.transaction(async (tx) => {
        const id = await tx.apiKeys.insert({
          name,
          prefix,
          keyHash: hashApiKey(key),
          role: role as StaffRole,
          createdBy: actor,
          createdAt: now,
        });
        await tx.audit.record({
          at: now,
          actor,
          action: 'apikey.create',
          targetType: 'apikey',
          targetId: String(id),
          details: { name, role, prefix },
        });
        return id;
      });
      return { apiKey: view((await store.apiKeys.findById(id)) as ApiKeyRecord), key };
    },
    /** list returns every key, revoked ones included, without secrets. */
    async list(): Promise<ApiKeyView[]> {
      return (await store.apiKeys.list()).map(view);
    },
    /** get returns a key by id; throws PORTICO_NOT_FOUND. */
    async get(id: number): Promise<ApiKeyView> {
      const k = await store.apiKeys.findById(id);
      if (!k) throw notFound(`API key #${id}`);
      return view(k);
    },
    /** revoke refuses the key from now on and returns it; revoking twice changes nothing. */
    async revoke(id: number, actor: string): Promise<ApiKeyView> {
      const k = await this.get(id);
      if (k.revokedAt === null) {
        const now = clock.now();
        await store.transaction(async (tx) => {
          await tx.apiKeys.revoke(id, now);
          await tx.audit.record({
            at: now,
            actor,
            action: 'apikey.revoke',
            targetType: 'apikey',
            targetId: String(id),
            details: { name: k.name, prefix: k.prefix },
          });
        });
      }
      return this.get(id);
    },
    /**
     * authenticate returns the key a request presented, or why it is refused. The lookup is by
     * hash, so timing reveals nothing about stored keys; last use is written at most once per
     * TOUCH_INTERVAL_MS per key.
     */
    async authenticate(presented: string | undefined): Promise<ApiKeyAuth> {
      if (presented === undefined || presented === '') return { ok: false, reason: 'missing' };
      const m = API_KEY_PATTERN.exec(presented);
      if (!m) return { ok: false, reason: 'malformed' };
      const hash = hashApiKey(presented);
      const k = await store.apiKeys.findByHash(hash);
      if (!k || !timingSafeEqual(Buffer.from(k.keyHash, 'hex'), Buffer.from(hash, 'hex')))
        return { ok: false, reason: 'unknown' };
      if (k.revokedAt !== null) return { ok: false, reason: 'revoked' };
      const now = clock.now();
      if (k.lastUsedAt === null || k.lastUsedAt < now - TOUCH_INTERVAL_MS) {
        await store.apiKeys.touch(k.id, now, now - TOUCH_INTERVAL_MS);
        k.lastUsedAt = now;
      }
      return { ok: true, key: view(k) };
    },
  };
}

/** ApiKeyService is the API key use cases' interface. */
export type ApiKeyService = ReturnType<typeof createApiKeyService>;
