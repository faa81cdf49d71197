// Schemas for tokens and batches under /api/v1: what to send, what comes back.

import { Type } from '@fastify/type-provider-typebox';
import { TOKEN_STATES, WHEN_FULL, TOKEN_SOURCES } from '../../../core/token.js';
import { MAX_BULK } from '../../../services/token-service.js';
import { TOKEN_SORTS } from '../../../storage/token-repo.js';
import { DateInput, IsoDateTime, Nullable, StringEnum } from './common.js';

const limitFields = {
  minutes: Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: 5_256_000 }), {
      description:
        'Online minutes (metered: they run down only while a device is online). Required unless validUntil or expiresAfterFirstUseMinutes is set.',
      examples: [120],
    }),
  ),
  validFrom: Type.Optional(
    Nullable(DateInput, { description: 'Not usable before this date or date-time' }),
  ),
  validUntil: Type.Optional(
    Nullable(DateInput, {
      description: 'Not usable from this date or date-time (a bare date includes that day)',
    }),
  ),
  expiresAfterFirstUseMinutes: Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: 5_256_000 }), {
      description: 'Lifetime in minutes from the first login ("day pass": 1440)',
      examples: [1440],
    }),
  ),
  maxDevices: Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: 1000 }), {
      description: 'Devices online at the same time (default 1)',
      examples: [2],
    }),
  ),
  whenFull: Type.Optional(
    StringEnum(WHEN_FULL, {
      description: 'When every device slot is taken: refuse the new device or cut the oldest',
    }),
  ),
  dataQuotaMb: Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: 100_000_000 }), {
      description: 'Data quota in megabytes (10^6 bytes)',
      examples: [2000],
    }),
  ),
  rateDownKbps: Type.Optional(
    Nullable(Type.Integer({ minimum: 8, maximum: 100_000_000 }), {
      description: 'Download rate limit in kbit/s',
    }),
  ),
  rateUpKbps: Type.Optional(
    Nullable(Type.Integer({ minimum: 8, maximum: 100_000_000 }), {
      description: 'Upload rate limit in kbit/s',
    }),
  ),
  description: Type.Optional(
    Nullable(Type.String({ maxLength: 500 }), {
      description: 'Note shown to staff',
      examples: ['Meeting room 2, Acme Ltd'],
    }),
  ),
};

/** TokenCreateBody creates one token, or `count` of them as one batch in one transaction. */
export const TokenCreateBody = Type.Object(
  {
    ...limitFields,
    count: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_BULK,
        default: 1,
        description: `How many tokens (1 to ${MAX_BULK}); more than one makes a batch. All or none are created.`,
        examples: [100],
      }),
    ),
    batchName: Type.Optional(
      Nullable(Type.String({ maxLength: 200 }), {
        description:
          'Batch name, e.g. the event; a name is used by one batch only (case does not matter), a taken one is PORTICO_BAD_INPUT. Omitted with count > 1: "Bulk YYYY-MM-DD HH:MM".',
        examples: ['Open Day'],
      }),
    ),
    allowPast: Type.Optional(
      Type.Boolean({
        description:
          'Create the tokens even though their validUntil is already over (nobody can use them). Without it such a request is refused with PORTICO_BAD_INPUT on validUntil.',
        default: false,
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      { minutes: 120, description: 'Guest of Acme' },
      { minutes: 240, count: 100, batchName: 'Open Day', validUntil: '2026-12-03' },
    ],
  },
);

/** TokenUpdateBody changes a token's limits; omitted fields keep their value, null clears. */
export const TokenUpdateBody = Type.Object(
  {
    ...limitFields,
    addMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 5_256_000,
        description: 'Minutes to add to the current budget',
        examples: [60],
      }),
    ),
  },
  { additionalProperties: false, examples: [{ addMinutes: 60 }, { validUntil: '2026-12-31' }] },
);

/** CodeParams is a path with a token code, typed in any case with or without dashes. */
export const CodeParams = Type.Object({
  code: Type.String({
    minLength: 1,
    maxLength: 40,
    description: 'Token code in any case, with or without dashes',
    examples: ['7KQ4-M2XD'],
  }),
});

const filterFields = {
  state: Type.Optional(StringEnum(TOKEN_STATES, { description: 'Only tokens in this state' })),
  batch: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Only tokens of this batch id', examples: [3] }),
  ),
  q: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'Code prefix, or text in the description or batch name',
      examples: ['7KQ4'],
    }),
  ),
};

/** TokenListQuery filters, sorts and pages the token list. */
export const TokenListQuery = Type.Object(
  {
    ...filterFields,
    sort: Type.Optional(
      StringEnum(TOKEN_SORTS, { default: '-created', description: 'Order; `-` means descending' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);

/** TokenExportQuery filters the CSV export like the list, with a BOM option for Excel. */
export const TokenExportQuery = Type.Object(
  {
    ...filterFields,
    bom: Type.Optional(
      StringEnum(['1', '0', 'true', 'false'] as const, {
        description: 'bom=1 prefixes a UTF-8 byte order mark, so Excel reads accents right',
      }),
    ),
  },
  { additionalProperties: false },
);

/** TokenSchema is a token as the API shows it. */
export const TokenSchema = Type.Object(
  {
    id: Type.Integer(),
    code: Type.String({ description: 'Grouped for display', examples: ['7KQ4-M2XD'] }),
    state: StringEnum(TOKEN_STATES),
    summary: Type.String({
      description: 'What the token allows, in one sentence',
      examples: ['120 minutes online, on 1 device'],
    }),
    minutes: Nullable(Type.Integer()),
    minutesUsed: Type.Integer(),
    minutesLeft: Nullable(Type.Integer()),
    validFrom: Nullable(IsoDateTime),
    validUntil: Nullable(IsoDateTime),
    expiresAfterFirstUseMinutes: Nullable(Type.Integer()),
    firstUsedAt: Nullable(IsoDateTime),
    maxDevices: Type.Integer(),
    whenFull: StringEnum(WHEN_FULL),
    devicesOnline: Type.Integer(),
    dataQuotaBytes: Nullable(Type.Integer()),
    dataUsedBytes: Type.Integer(),
    rateDownKbps: Nullable(Type.Integer()),
    rateUpKbps: Nullable(Type.Integer()),
    description: Type.String(),
    batchId: Nullable(Type.Integer()),
    batch: Nullable(Type.String()),
    source: StringEnum(TOKEN_SOURCES),
    createdBy: Nullable(Type.String()),
    createdAt: IsoDateTime,
    revokedAt: Nullable(IsoDateTime),
  },
  { description: 'An access token' },
);

/** StateCounts is how many tokens match per state. */
export const StateCounts = Type.Object(
  Object.fromEntries(TOKEN_STATES.map((s) => [s, Type.Integer()])) as Record<
    (typeof TOKEN_STATES)[number],
    ReturnType<typeof Type.Integer>
  >,
);

/** TokenList is one page of tokens with the total and per-state counts. */
export const TokenList = Type.Object({
  tokens: Type.Array(TokenSchema),
  total: Type.Integer({ description: 'Tokens matching the filter' }),
  counts: StateCounts,
  limit: Type.Integer(),
  offset: Type.Integer(),
});

/** TokenCreated is what a create returns: the batch (if any) and every token made. */
export const TokenCreated = Type.Object({
  batchId: Nullable(Type.Integer()),
  count: Type.Integer(),
  tokens: Type.Array(TokenSchema),
});

/** TokenDeleteBody names tokens to delete in one go. */
export const TokenDeleteBody = Type.Object(
  {
    codes: Type.Array(Type.String({ minLength: 1, maxLength: 40 }), {
      minItems: 1,
      maxItems: MAX_BULK,
      description: 'Codes to delete (any case, with or without dashes)',
    }),
  },
  { additionalProperties: false, examples: [{ codes: ['7KQ4-M2XD', 'AB12-CD34'] }] },
);

/** TokenDeleted says which tokens were deleted and which codes were not found. */
export const TokenDeleted = Type.Object({
  deleted: Type.Integer({ description: 'How many tokens were deleted' }),
  missing: Type.Array(Type.String(), { description: 'Codes not found (or already deleted)' }),
});

/** BatchSchema is a batch with how many of its tokens are in each state. */
export const BatchSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String({ examples: ['Open Day'] }),
  createdAt: IsoDateTime,
  total: Type.Integer({ description: 'Tokens in the batch (not deleted)' }),
  counts: StateCounts,
});

/** TokenEmailBody is who should get a token's code by e-mail. */
export const TokenEmailBody = Type.Object(
  {
    to: Type.String({
      minLength: 1,
      maxLength: 254,
      description: "The guest's e-mail address",
      examples: ['ada@example.org'],
    }),
    guestName: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'Fills {guestname} in the greeting (default "there")',
        examples: ['Ada Lovelace'],
      }),
    ),
  },
  { additionalProperties: false, examples: [{ to: 'ada@example.org', guestName: 'Ada Lovelace' }] },
);

/** TokenEmailed says which outbox message carries the code. */
export const TokenEmailed = Type.Object({
  emailId: Type.Integer({
    description: 'The message in the e-mail outbox (dashboard: Bookings › Outbox)',
  }),
  to: Type.String({ examples: ['ada@example.org'] }),
  token: TokenSchema,
});
