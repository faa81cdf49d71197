// Building blocks shared by every /api/v1 schema: nullable fields, string enums, the error
// body, and the responses every authenticated route can give.

import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox';

/** Nullable returns `schema` that also accepts null (a JSON Schema type array, OpenAPI 3.1). */
export function Nullable<T extends TSchema>(schema: T, opts: Record<string, unknown> = {}) {
  const { type, ...rest } = schema as unknown as { type: string } & Record<string, unknown>;
  return Type.Unsafe<Static<T> | null>({ ...rest, ...opts, type: [type, 'null'] });
}

/** StringEnum returns a string schema limited to `values` (a plain `enum`, as OpenAPI likes). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  opts: Record<string, unknown> = {},
) {
  return Type.Unsafe<T[number]>({ ...opts, type: 'string', enum: [...values] });
}

/** IsoDateTime is an instant as the API returns it: ISO 8601 in the venue's time zone. */
export const IsoDateTime = Type.String({
  format: 'date-time',
  description: "ISO 8601 with the venue's offset",
  examples: ['2026-12-03T17:40:00+01:00'],
});

/** DateInput is a date or date-time as the API accepts it (no offset = the venue's zone). */
export const DateInput = Type.String({
  minLength: 1,
  maxLength: 40,
  description:
    "ISO 8601 date or date-time; without an offset it is wall time in the venue's zone. A bare valid-until date includes that whole day.",
  examples: ['2026-12-03', '2026-12-03T17:40', '2026-12-03T17:40:00+01:00'],
});

/** FieldErrorSchema names one input field and what to fix in it. */
export const FieldErrorSchema = Type.Object({
  field: Type.String({ examples: ['minutes'] }),
  message: Type.String({ examples: ['must be a whole number from 1 to 5256000'] }),
});

/** ErrorBody is every error response: a stable code, what to fix, and the fields at fault. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({
        description: 'Stable error code; match on this, not on the message',
        examples: ['PORTICO_BAD_INPUT'],
      }),
      message: Type.String({ description: 'What went wrong and what to fix' }),
      fields: Type.Optional(Type.Array(FieldErrorSchema)),
    }),
  },
  { description: 'Error' },
);

const ERROR_TEXT: Record<number, string> = {
  400: 'The request is malformed; `error.fields` names what to fix',
  401: 'No API key, or an unknown, malformed or revoked one',
  403: "The API key's role may not do this (admin needed)",
  404: 'No such object',
  409: 'Conflicts with an existing object',
  429: 'Too many requests of this kind; `error.message` says when to try again',
};

/** errorResponses returns the error entries of a route's `response` map for `statuses`. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  const out: Record<number, typeof ErrorBody> = {};
  for (const s of [401, ...statuses]) {
    out[s] = Type.Object(ErrorBody.properties, { description: ERROR_TEXT[s] ?? 'Error' });
  }
  return out;
}

/** IdParams is a path with a numeric `id`. */
export const IdParams = Type.Object({
  id: Type.Integer({ minimum: 1, description: 'Numeric id', examples: [12] }),
});
