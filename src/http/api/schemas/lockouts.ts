// Schemas for guessing-defence lockouts under /api/v1/lockouts.

import { Type } from '@fastify/type-provider-typebox';
import { IsoDateTime, Nullable } from './common.js';

/** LockoutSchema is one key's failures and the lockout they caused. */
export const LockoutSchema = Type.Object({
  key: Type.String({
    description:
      'What was guessed from: ip:ADDRESS, nas:ROUTER, mac:DEVICE, umac:DEVICE (a MAC an unsigned redirect claims; counted, never locked) or staff:USERNAME',
    examples: ['ip:192.0.2.7'],
  }),
  failures: Type.Integer(),
  firstFailedAt: IsoDateTime,
  lastFailedAt: IsoDateTime,
  lockedUntil: Nullable(IsoDateTime, {
    description:
      'For an ip: or nas: key (shared by many guests, never locked for everyone) the next slot: until then, attempts from devices without a clean record wait; see the README, Security and limits',
  }),
  locked: Type.Boolean({
    description:
      'Attempts are refused now (for ip: and nas: keys only those not from a clean device)',
  }),
});

/** LockoutList is every key locked now or with recent failures. */
export const LockoutList = Type.Object({ lockouts: Type.Array(LockoutSchema) });

/** LockoutKeyParams is a path with a lockout key. */
export const LockoutKeyParams = Type.Object({
  key: Type.String({ minLength: 3, maxLength: 200, examples: ['ip:192.0.2.7'] }),
});
