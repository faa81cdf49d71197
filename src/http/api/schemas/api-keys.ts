// Schemas for API keys under /api/v1/api-keys.

import { Type } from '@fastify/type-provider-typebox';
import { STAFF_ROLES } from '../../../storage/staff-repo.js';
import { IsoDateTime, Nullable, StringEnum } from './common.js';

/** ApiKeyCreateBody makes a key. */
export const ApiKeyCreateBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'Who or what uses the key',
      examples: ['Nexudus bookings'],
    }),
    role: Type.Optional(
      StringEnum(STAFF_ROLES, {
        default: 'staff',
        description: 'staff: tokens and sessions; admin: also routers, lockouts and keys',
      }),
    ),
  },
  { additionalProperties: false, examples: [{ name: 'Nexudus bookings', role: 'staff' }] },
);

/** ApiKeySchema is a key as admins see it (never the key itself). */
export const ApiKeySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'The 8 characters after pk_, to recognise the key' }),
  role: StringEnum(STAFF_ROLES),
  createdBy: Nullable(Type.String()),
  createdAt: IsoDateTime,
  lastUsedAt: Nullable(IsoDateTime, { description: 'Last use, to the minute' }),
  revokedAt: Nullable(IsoDateTime),
});

/** ApiKeyCreated is a new key and the key itself, shown this once. */
export const ApiKeyCreated = Type.Object({
  apiKey: ApiKeySchema,
  key: Type.String({
    description: 'The key; shown once, only its hash is kept',
    examples: ['pk_3f9k2m1a_QmFzZTY0VXJsU2FmZVNlY3JldE9mRm9ydHlUaHJlZUNoYXJz'],
  }),
});

/** ApiKeyList is every key, revoked ones included. */
export const ApiKeyList = Type.Object({ apiKeys: Type.Array(ApiKeySchema) });

/** MeSchema describes the key making the request. */
export const MeSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String(),
  role: StringEnum(STAFF_ROLES),
});
